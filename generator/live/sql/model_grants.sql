-- The privileges of the roles the model's grants name (parameter roles, text[]; 'PUBLIC' for every role) on each
-- relation, function and schema of the managed schemas, from the ACL or, when it is NULL, the default
-- (acldefault): one row per object and role holding something, with every privilege the object's kind has (what
-- `all` means on this server: PostgreSQL 17 adds MAINTAIN). Read only when the model has grants.
WITH managed AS (
  SELECT n.oid, n.nspname FROM pg_namespace n WHERE @managed(n.nspname)
), wanted AS (
  SELECT r.name, CASE WHEN r.name = 'PUBLIC' THEN 0::oid ELSE ro.oid END AS grantee
  FROM pg_catalog.unnest(%(roles)s::text[]) r(name)
  LEFT JOIN pg_catalog.pg_roles ro ON ro.rolname = r.name AND r.name <> 'PUBLIC'
), objects AS (
  SELECT 'relation' AS class, s.nspname AS schema, c.relname AS name, c.relowner AS owner, c.relacl AS acl,
         CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END AS acltype
  FROM pg_class c JOIN managed s ON s.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND NOT c.relispartition
  UNION ALL
  SELECT 'function', s.nspname, p.proname, p.proowner, p.proacl, 'f'
  FROM pg_proc p JOIN managed s ON s.oid = p.pronamespace WHERE p.prokind = 'f'
  UNION ALL
  SELECT 'schema', n.nspname, n.nspname, n.nspowner, n.nspacl, 'n'
  FROM managed s JOIN pg_namespace n ON n.oid = s.oid
)
SELECT o.class, o.schema, o.name, w.name AS grantee, got.actual,
       (SELECT pg_catalog.string_agg(x.privilege_type, ', ')
        FROM pg_catalog.aclexplode(pg_catalog.acldefault(o.acltype::"char", o.owner)) x
        WHERE x.grantee = o.owner) AS all_privileges
FROM objects o CROSS JOIN wanted w
CROSS JOIN LATERAL (
  SELECT pg_catalog.string_agg(x.privilege_type || CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END,
                               ', ') AS actual
  FROM pg_catalog.unnest(coalesce(o.acl, pg_catalog.acldefault(o.acltype::"char", o.owner))) i(item),
       pg_catalog.aclexplode(ARRAY[i.item]) x
  WHERE x.grantee = w.grantee) got
WHERE w.grantee IS NOT NULL AND got.actual IS NOT NULL
ORDER BY 1, 2, 3, 4
