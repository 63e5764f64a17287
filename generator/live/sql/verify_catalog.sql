-- verify's snapshot of what a database holds, one row per object (kind, name, detail), taken right after its
-- throwaway database is created and again after the rollback: the two must be equal. Everything but PostgreSQL's
-- own objects (pg_catalog, information_schema, pg_toast, pg_temp_*), objects an extension owns (pg_depend 'e') and
-- what lives in an extension's own schemas (TimescaleDB's _timescaledb_*: its catalog, chunks, materialization
-- hypertables, dropped with their hypertable or aggregate): schemas with owner and privileges, relations with
-- owner, privileges, persistence and row-level security, functions, types, triggers, policies, rules, extensions
-- with version and schema, event triggers, casts, operators, collations, languages, default privileges, comments,
-- the database's own privileges and settings, and TimescaleDB's jobs (ids 1000 and up, `timescaledb` marker).
-- schemagen's history schema is no exception: a full rollback drops it. Privileges are compared as the items they
-- grant (NULL is the kind's default, acldefault), sorted, so a GRANT undone by a REVOKE reads as before.
WITH members AS (
    SELECT d.classid, d.objid FROM pg_catalog.pg_depend d WHERE d.deptype = 'e'
), system_ns AS (
    SELECT n.oid FROM pg_catalog.pg_namespace n
     WHERE n.nspname IN ('pg_catalog', 'information_schema') OR n.nspname ~ '^pg_(toast|temp_|toast_temp_)'
        OR (n.oid, 'pg_catalog.pg_namespace'::pg_catalog.regclass) IN (SELECT objid, classid FROM members)
)
SELECT 'schema' AS kind, pg_catalog.quote_ident(n.nspname) AS name,
       'owner ' || pg_catalog.pg_get_userbyid(n.nspowner) || ' acl '
       || (SELECT coalesce(pg_catalog.string_agg(a::text, ',' ORDER BY a::text), '')
             FROM pg_catalog.unnest(coalesce(n.nspacl, pg_catalog.acldefault('n'::"char", n.nspowner))) a) AS detail
  FROM pg_catalog.pg_namespace n
 WHERE n.oid NOT IN (SELECT oid FROM system_ns)
UNION ALL
SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
                      WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table'
                      WHEN 'i' THEN 'index' WHEN 'I' THEN 'partitioned index' WHEN 'c' THEN 'composite type'
                      ELSE 'relation ' || c.relkind::text END,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
       'owner ' || pg_catalog.pg_get_userbyid(c.relowner) || ' persistence ' || c.relpersistence::text
       || CASE WHEN c.relrowsecurity THEN ' rls' ELSE '' END || CASE WHEN c.relforcerowsecurity THEN ' force' ELSE '' END
       || ' acl ' || (SELECT coalesce(pg_catalog.string_agg(a::text, ',' ORDER BY a::text), '')
                        FROM pg_catalog.unnest(coalesce(c.relacl, pg_catalog.acldefault(
                             (CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))) a)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relnamespace NOT IN (SELECT oid FROM system_ns) AND c.relkind <> 't'
   AND (c.oid, 'pg_catalog.pg_class'::pg_catalog.regclass) NOT IN (SELECT objid, classid FROM members)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_index i JOIN members e ON e.objid = i.indrelid
                    AND e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass WHERE i.indexrelid = c.oid)
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window function'
                      ELSE 'function' END,
       p.oid::pg_catalog.regprocedure::text,
       'owner ' || pg_catalog.pg_get_userbyid(p.proowner) || ' acl '
       || (SELECT coalesce(pg_catalog.string_agg(a::text, ',' ORDER BY a::text), '')
             FROM pg_catalog.unnest(coalesce(p.proacl, pg_catalog.acldefault('f'::"char", p.proowner))) a)
  FROM pg_catalog.pg_proc p
 WHERE p.pronamespace NOT IN (SELECT oid FROM system_ns)
   AND (p.oid, 'pg_catalog.pg_proc'::pg_catalog.regclass) NOT IN (SELECT objid, classid FROM members)
UNION ALL
SELECT 'type', t.oid::pg_catalog.regtype::text, 'typtype ' || t.typtype::text || ' owner '
       || pg_catalog.pg_get_userbyid(t.typowner)
  FROM pg_catalog.pg_type t
 WHERE t.typnamespace NOT IN (SELECT oid FROM system_ns) AND t.typrelid = 0
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)
   AND (t.oid, 'pg_catalog.pg_type'::pg_catalog.regclass) NOT IN (SELECT objid, classid FROM members)
UNION ALL
SELECT 'trigger', pg_catalog.quote_ident(g.tgname) || ' on ' || g.tgrelid::pg_catalog.regclass::text,
       'enabled ' || g.tgenabled::text
  FROM pg_catalog.pg_trigger g JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid
 WHERE NOT g.tgisinternal AND c.relnamespace NOT IN (SELECT oid FROM system_ns)
UNION ALL
SELECT 'policy', pg_catalog.quote_ident(o.polname) || ' on ' || o.polrelid::pg_catalog.regclass::text, ''
  FROM pg_catalog.pg_policy o JOIN pg_catalog.pg_class c ON c.oid = o.polrelid
 WHERE c.relnamespace NOT IN (SELECT oid FROM system_ns)
UNION ALL
SELECT 'rule', pg_catalog.quote_ident(r.rulename) || ' on ' || r.ev_class::pg_catalog.regclass::text, ''
  FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
 WHERE r.rulename <> '_RETURN' AND c.relnamespace NOT IN (SELECT oid FROM system_ns)
UNION ALL
SELECT 'extension', pg_catalog.quote_ident(x.extname),
       'version ' || x.extversion || ' schema ' || x.extnamespace::pg_catalog.regnamespace::text
  FROM pg_catalog.pg_extension x
UNION ALL
SELECT 'event trigger', pg_catalog.quote_ident(v.evtname), v.evtevent || ' enabled ' || v.evtenabled::text
  FROM pg_catalog.pg_event_trigger v
 WHERE (v.oid, 'pg_catalog.pg_event_trigger'::pg_catalog.regclass) NOT IN (SELECT objid, classid FROM members)
UNION ALL
SELECT 'cast', k.castsource::pg_catalog.regtype::text || ' as ' || k.casttarget::pg_catalog.regtype::text, ''
  FROM pg_catalog.pg_cast k
 WHERE k.oid >= 16384
   AND (k.oid, 'pg_catalog.pg_cast'::pg_catalog.regclass) NOT IN (SELECT objid, classid FROM members)
UNION ALL
SELECT 'operator', o.oid::pg_catalog.regoperator::text, ''
  FROM pg_catalog.pg_operator o
 WHERE o.oprnamespace NOT IN (SELECT oid FROM system_ns)
   AND (o.oid, 'pg_catalog.pg_operator'::pg_catalog.regclass) NOT IN (SELECT objid, classid FROM members)
UNION ALL
SELECT 'collation', l.oid::pg_catalog.regcollation::text, ''
  FROM pg_catalog.pg_collation l
 WHERE l.collnamespace NOT IN (SELECT oid FROM system_ns)
   AND (l.oid, 'pg_catalog.pg_collation'::pg_catalog.regclass) NOT IN (SELECT objid, classid FROM members)
UNION ALL
SELECT 'language', pg_catalog.quote_ident(g.lanname), ''
  FROM pg_catalog.pg_language g
 WHERE g.oid >= 16384
   AND (g.oid, 'pg_catalog.pg_language'::pg_catalog.regclass) NOT IN (SELECT objid, classid FROM members)
UNION ALL
SELECT 'default privileges', pg_catalog.pg_get_userbyid(d.defaclrole)
       || coalesce(' in schema ' || nullif(d.defaclnamespace, 0)::pg_catalog.regnamespace::text, '')
       || ' on ' || d.defaclobjtype::text,
       (SELECT coalesce(pg_catalog.string_agg(a::text, ',' ORDER BY a::text), '') FROM pg_catalog.unnest(d.defaclacl) a)
  FROM pg_catalog.pg_default_acl d
UNION ALL
SELECT 'comment', pg_catalog.pg_describe_object(s.classoid, s.objoid, s.objsubid), s.description
  FROM pg_catalog.pg_description s
 WHERE (s.objoid >= 16384 OR (s.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND s.objoid NOT IN
        (SELECT oid FROM system_ns)))
   AND (s.objoid, s.classoid) NOT IN (SELECT objid, classid FROM members)
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE s.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND c.oid = s.objoid AND c.relnamespace IN (SELECT oid FROM system_ns))
UNION ALL
SELECT 'database', pg_catalog.quote_ident(b.datname),
       'acl ' || (SELECT coalesce(pg_catalog.string_agg(a::text, ',' ORDER BY a::text), '')
                    FROM pg_catalog.unnest(coalesce(b.datacl, pg_catalog.acldefault('d'::"char", b.datdba))) a)
       || ' settings ' || coalesce((SELECT pg_catalog.array_to_string(r.setconfig, ',')
                                      FROM pg_catalog.pg_db_role_setting r
                                     WHERE r.setdatabase = b.oid AND r.setrole = 0), '')
  FROM pg_catalog.pg_database b
 WHERE b.datname = pg_catalog.current_database()
--@timescaledb UNION ALL
--@timescaledb SELECT 'job', j.proc_schema || '.' || j.proc_name || coalesce(' on ' || j.hypertable_schema || '.'
--@timescaledb        || j.hypertable_name, ''), 'schedule ' || j.schedule_interval::text
--@timescaledb   FROM timescaledb_information.jobs j
--@timescaledb  WHERE j.job_id >= 1000
ORDER BY 1, 2, 3
