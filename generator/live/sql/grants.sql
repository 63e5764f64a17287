-- Owners and privileges of the objects in the managed schemas (tables, views, sequences, functions of every
-- kind, the schemas themselves, and columns) where they differ from what the database gives such an object:
-- - owner: rows only when it is not the owner of schemagen.history (the role that applies; none without a
--   history) nor a role that has its privileges (a member of it: another role that applies some orgs, say),
--   and not for objects whose privileges initdb set (pg_init_privs: the public schema);
-- - privileges: an ACL that is NULL is the owner's default and never read; one that is set is compared, as a
--   set, with the hard-wired default (acldefault) and with what ALTER DEFAULT PRIVILEGES gives the owner's new
--   objects (its global entry in place of acldefault, plus its entry for the schema; PostgreSQL's own rule), and
--   with pg_init_privs where initdb or an extension set one. Only when it equals none of those is it exploded
--   into one row per grantee whose privileges differ: 'PUBLIC' or the role, expected and actual privilege lists;
--   privileges of the applying role itself are not read (CREATE on schema public, granted so that it can apply).
-- The ACL functions, and the lookups that leave out extension members, run only for the few objects whose ACL is
-- set or whose owner differs.
WITH history AS (
  SELECT c.relowner AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = %(history_schema)s AND c.relname = 'history'
), managed AS (
  SELECT n.oid, n.nspname FROM pg_namespace n
  WHERE @managed(n.nspname)
), objects AS (
  -- class: relation | function | schema | column; part: the column, or the owning table of a sequence
  SELECT 'relation' AS class, s.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
         CASE WHEN c.relkind = 'S' THEN (SELECT t.relname FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                                         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                           AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                                         LIMIT 1) END AS part,
         c.relowner AS owner, c.relacl AS acl, s.oid AS nsp, 'pg_class'::regclass AS classid, c.oid AS objoid, 0 AS sub,
         CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END AS acltype,
         CASE WHEN c.relkind = 'S' THEN 'S' ELSE 'r' END AS defacltype
  FROM pg_class c JOIN managed s ON s.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND NOT c.relispartition
  UNION ALL
  SELECT 'function', s.nspname, p.proname, p.prokind::text, NULL, p.proowner, p.proacl, s.oid,
         'pg_proc'::regclass, p.oid, 0, 'f', 'f'
  FROM pg_proc p JOIN managed s ON s.oid = p.pronamespace
  UNION ALL
  SELECT 'schema', s.nspname, s.nspname, 'n', NULL, n.nspowner, n.nspacl, 0, 'pg_namespace'::regclass, n.oid, 0,
         'n', 'n'
  FROM managed s JOIN pg_namespace n ON n.oid = s.oid
  UNION ALL
  SELECT 'column', s.nspname, c.relname, c.relkind::text, a.attname, c.relowner, a.attacl, s.oid,
         'pg_class'::regclass, c.oid, a.attnum, 'c', NULL
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN managed s ON s.oid = c.relnamespace
  WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    AND NOT c.relispartition
), acls AS (
  SELECT o.*,
         (SELECT ip.initprivs FROM pg_init_privs ip WHERE ip.objoid = o.objoid AND ip.classoid = o.classid
            AND ip.objsubid = o.sub) AS initial,
         CASE WHEN o.class = 'column' THEN '{}'::aclitem[]
              ELSE coalesce((SELECT g.defaclacl FROM pg_default_acl g WHERE g.defaclrole = o.owner
                               AND g.defaclnamespace = 0 AND g.defaclobjtype = o.defacltype::"char"),
                            pg_catalog.acldefault(o.acltype::"char", o.owner))
                   || coalesce((SELECT g.defaclacl FROM pg_default_acl g WHERE g.defaclrole = o.owner
                                  AND g.defaclnamespace = o.nsp AND o.nsp <> 0
                                  AND g.defaclobjtype = o.defacltype::"char"), '{}') END AS by_default
  FROM objects o
  WHERE o.acl IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = o.classid AND d.objid = o.objoid AND d.deptype = 'e')
), differing AS (
  SELECT a.*, CASE WHEN a.initial IS NOT NULL THEN a.initial ELSE a.by_default END AS expected
  FROM acls a
  WHERE ARRAY(SELECT x::text FROM pg_catalog.unnest(a.acl) x ORDER BY 1)
        <> ARRAY(SELECT DISTINCT x::text FROM pg_catalog.unnest(coalesce(a.initial, a.by_default)) x ORDER BY 1)
    AND (a.class = 'column' OR a.initial IS NOT NULL OR ARRAY(SELECT x::text FROM pg_catalog.unnest(a.acl) x ORDER BY 1)
         <> ARRAY(SELECT x::text FROM pg_catalog.unnest(pg_catalog.acldefault(a.acltype::"char", a.owner)) x ORDER BY 1))
), privileges AS (  -- grantee, one privilege (with its grant option) per row, on each side
  SELECT d.class, d.schema, d.name, d.kind, d.part, side, e.grantee,
         e.privilege_type || CASE WHEN e.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END AS privilege
  FROM differing d
  CROSS JOIN LATERAL (  -- item by item: aclexplode refuses an empty ACL
    SELECT 'expected' AS side, x.* FROM pg_catalog.unnest(d.expected) i(item), pg_catalog.aclexplode(ARRAY[i.item]) x
    UNION SELECT 'actual', x.* FROM pg_catalog.unnest(d.acl) i(item), pg_catalog.aclexplode(ARRAY[i.item]) x) e
), per_grantee AS (
  SELECT p.class, p.schema, p.name, p.kind, p.part, p.grantee,
         pg_catalog.string_agg(p.privilege, ', ' ORDER BY p.privilege) FILTER (WHERE p.side = 'expected') AS expected,
         pg_catalog.string_agg(p.privilege, ', ' ORDER BY p.privilege) FILTER (WHERE p.side = 'actual') AS actual
  FROM privileges p GROUP BY 1, 2, 3, 4, 5, 6
)
SELECT o.class, o.schema, o.name, o.kind, o.part, 'owner' AS fact, NULL::text AS grantee,
       (SELECT r.rolname::text FROM pg_roles r WHERE r.oid = h.owner) AS expected,  -- text: a name (63 bytes)
       (SELECT r.rolname::text FROM pg_roles r WHERE r.oid = o.owner) AS actual     -- would cut the lists below
FROM objects o CROSS JOIN history h
WHERE o.class <> 'column' AND o.owner <> h.owner
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = o.classid AND d.objid = o.objoid
      AND d.deptype = 'e')
  AND NOT pg_catalog.pg_has_role(o.owner, h.owner, 'USAGE')  -- a member of the applying role gains nothing by owning it
  AND NOT EXISTS (SELECT 1 FROM pg_init_privs ip WHERE ip.objoid = o.objoid AND ip.classoid = o.classid)
UNION ALL
SELECT g.class, g.schema, g.name, g.kind, g.part, 'privileges',
       CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE (SELECT r.rolname::text FROM pg_roles r WHERE r.oid = g.grantee) END,
       g.expected, g.actual
FROM per_grantee g WHERE g.expected IS DISTINCT FROM g.actual
  AND g.grantee IS DISTINCT FROM (SELECT h.owner FROM history h)  -- what was granted so that it could apply
ORDER BY 1, 2, 3, 5, 6, 7
