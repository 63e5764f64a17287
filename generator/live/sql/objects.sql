-- Objects of kinds the model does not describe, in the managed schemas: every one is extra. Enums, composites and
-- domains are the model's kinds (sql/types.sql reads them; one the model does not declare is an extra type).
-- Sequences are read by inspect (sequence_settings.sql: the model declares them; one no column owns and the model
-- does not declare is extra there); types that PostgreSQL makes for another object are not listed either
-- (a table's row type, array types, a range's multirange).
-- Extension members (pg_depend deptype 'e') and TimescaleDB's schemas are left out as everywhere.
WITH managed AS (
  SELECT n.oid, n.nspname FROM pg_namespace n
  WHERE @managed(n.nspname)
)
SELECT 'foreign table' AS kind, s.nspname AS schema, c.relname AS name, NULL::text AS arguments
FROM pg_class c JOIN managed s ON s.oid = c.relnamespace
WHERE c.relkind = 'f'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
UNION ALL
SELECT CASE t.typtype WHEN 'r' THEN 'range type' WHEN 'p' THEN 'shell type' ELSE 'base type' END,
       s.nspname, t.typname, NULL
FROM pg_type t JOIN managed s ON s.oid = t.typnamespace
WHERE (t.typtype IN ('r', 'p')  -- an array is its element's
       OR (t.typtype = 'b' AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.oid = t.typelem AND e.typarray = t.oid)))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid
                  AND d.deptype = 'e')
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'window function' END,
       s.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)
FROM pg_proc p JOIN managed s ON s.oid = p.pronamespace
WHERE p.prokind IN ('p', 'a', 'w')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.deptype = 'e')
UNION ALL
SELECT 'operator', s.nspname, o.oprname, pg_catalog.format_type(o.oprleft, NULL) || ', ' || pg_catalog.format_type(o.oprright, NULL)
FROM pg_operator o JOIN managed s ON s.oid = o.oprnamespace
WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_operator'::regclass AND d.objid = o.oid
                  AND d.deptype = 'e')
UNION ALL
SELECT 'collation', s.nspname, co.collname, NULL
FROM pg_collation co JOIN managed s ON s.oid = co.collnamespace
WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_collation'::regclass AND d.objid = co.oid
                  AND d.deptype = 'e')
ORDER BY 2, 3, 1, 4
