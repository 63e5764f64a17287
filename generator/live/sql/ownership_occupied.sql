-- Schemas that still hold something schemagen's rollback did not drop (another role's table, function or type):
-- rollback leaves them, saying so, instead of failing on DROP SCHEMA. An extension's own objects do not count: the
-- script drops the extension just before its schema. Parameter: schema names (text[]).
SELECT n.nspname
  FROM pg_catalog.pg_namespace n
 WHERE n.nspname = ANY(%s::text[])
   AND (EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND NOT EXISTS (
                    SELECT FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                       AND d.objid = c.oid AND d.deptype = 'e'))
        OR EXISTS (SELECT FROM pg_catalog.pg_proc p WHERE p.pronamespace = n.oid AND NOT EXISTS (
                    SELECT FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                       AND d.objid = p.oid AND d.deptype = 'e'))
        OR EXISTS (SELECT FROM pg_catalog.pg_type t WHERE t.typnamespace = n.oid AND t.typrelid = 0
                                                       AND t.typelem = 0 AND NOT EXISTS (
                    SELECT FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                       AND d.objid = t.oid AND d.deptype = 'e')))
