-- Schemas: the managed ones (all user schemas when none are given), with their comments.
SELECT n.nspname AS name, pg_catalog.obj_description(n.oid, 'pg_namespace') AS comment
FROM pg_namespace n
WHERE @managed(n.nspname)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid
                  AND d.deptype = 'e')
ORDER BY n.nspname
