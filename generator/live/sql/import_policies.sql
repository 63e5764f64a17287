-- The row-level security policies of the managed schemas' tables, one row per policy, for `schemagen import`: the
-- parts CREATE POLICY takes, apart (security.sql prints each policy as one line for the drift check, which cannot
-- be cut back into its parts when an expression holds ` WITH CHECK (`); roles as an array of names, 'PUBLIC' for
-- the pseudo-role; expressions as pg_get_expr prints them. Extension members left out as everywhere.
SELECT n.nspname AS schema, c.relname AS name, p.polname AS policy, p.polpermissive AS permissive,
       CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update' WHEN 'd' THEN 'delete'
                     ELSE 'all' END AS command,
       ARRAY(SELECT CASE WHEN k.role = 0 THEN 'PUBLIC' ELSE ro.rolname::text END
             FROM pg_catalog.unnest(p.polroles) k(role) LEFT JOIN pg_roles ro ON ro.oid = k.role
             ORDER BY k.role <> 0, ro.rolname) AS roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid, true) AS using,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid, true) AS with_check
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE @managed(n.nspname)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
ORDER BY 1, 2, 3
