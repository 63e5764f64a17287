-- schemagen's history schema and the tables it keeps there, checked before apply, rollback or a dry run reads or
-- writes them. A problem is anything there that another role owns (a superuser applying: anyone but itself; any
-- other role: a role it is not a member of, a superuser excepted), anything that runs code when schemagen writes a
-- row (a trigger, a rule, a row-level security policy, RLS enabled), or a relation of one of schemagen's names that
-- is not schemagen's (not a table, or without the columns schemagen writes). One row per problem:
-- (object, owner, problem); no rows when all is well. Every name is pg_catalog's: no planted overload is reached.
-- Parameter: schema, the history schema's name (history.SCHEMA).
WITH me AS (
    SELECT r.oid, r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = pg_catalog.current_user()
), ns AS (
    SELECT n.oid, n.nspname, n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname = %(schema)s
), expected(relname, columns) AS (VALUES
    ('history', ARRAY['database', 'script', 'checksum', 'statements', 'duration_ms', 'skipped_features',
                      'tool_version', 'applied_at']),
    ('preexisting_extensions', ARRAY['name']),
    ('objects', ARRAY['database', 'kind', 'schema', 'name', 'signature', 'script'])
), rels AS (
    SELECT c.oid, c.relname, c.relkind, c.relowner, c.relrowsecurity OR c.relforcerowsecurity AS rls, e.columns,
           pg_catalog.quote_ident(ns.nspname) || '.' || c.relname AS label
      FROM pg_catalog.pg_class c JOIN ns ON c.relnamespace = ns.oid JOIN expected e ON e.relname = c.relname
), owners AS (
    SELECT 'schema ' || pg_catalog.quote_ident(ns.nspname) AS object, ns.nspowner AS owner FROM ns
    UNION ALL
    SELECT 'table ' || r.label, r.relowner FROM rels r
)
SELECT o.object, pg_catalog.pg_get_userbyid(o.owner), 'is owned by another role'
  FROM owners o, me
 WHERE o.owner <> me.oid
   AND (me.rolsuper OR NOT (pg_catalog.pg_has_role(o.owner, 'USAGE')
                            OR (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = o.owner)))
UNION ALL
SELECT 'table ' || r.label, pg_catalog.pg_get_userbyid(r.relowner), 'is not a table (relkind ' || r.relkind::text || ')'
  FROM rels r WHERE r.relkind <> 'r'
UNION ALL
SELECT 'table ' || r.label, pg_catalog.pg_get_userbyid(r.relowner), 'has trigger ' || pg_catalog.quote_ident(t.tgname)
  FROM rels r JOIN pg_catalog.pg_trigger t ON t.tgrelid = r.oid WHERE NOT t.tgisinternal
UNION ALL
SELECT 'table ' || r.label, pg_catalog.pg_get_userbyid(r.relowner), 'has rule ' || pg_catalog.quote_ident(w.rulename)
  FROM rels r JOIN pg_catalog.pg_rewrite w ON w.ev_class = r.oid
UNION ALL
SELECT 'table ' || r.label, pg_catalog.pg_get_userbyid(r.relowner),
       'has row-level security policy ' || pg_catalog.quote_ident(p.polname)
  FROM rels r JOIN pg_catalog.pg_policy p ON p.polrelid = r.oid
UNION ALL
SELECT 'table ' || r.label, pg_catalog.pg_get_userbyid(r.relowner), 'has row-level security enabled'
  FROM rels r WHERE r.rls
UNION ALL
SELECT 'table ' || r.label, pg_catalog.pg_get_userbyid(r.relowner),
       'is not schemagen''s history: it has no column ' || pg_catalog.string_agg(c, ', ' ORDER BY n)
  FROM rels r, pg_catalog.unnest(r.columns) WITH ORDINALITY AS x(c, n)
 WHERE r.relkind = 'r' AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                                        WHERE a.attrelid = r.oid AND a.attname = x.c AND NOT a.attisdropped)
 GROUP BY r.label, r.relowner
ORDER BY 1, 3
