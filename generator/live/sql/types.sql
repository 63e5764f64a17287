-- The model's kinds of types in the managed schemas: enums (values by enumsortorder), composites (CREATE TYPE ...
-- AS: a relation of kind 'c'; attributes by attnum, types as format_type prints them), domains (base type, NOT
-- NULL, default, CHECK constraints by name). A table's row type and array types are not listed; extension
-- members are left out as everywhere. `printed`: the type as format_type prints it under the session's
-- search_path (unqualified when its schema is on the path), so that inspect can write it qualified everywhere.
SELECT n.nspname AS schema, t.typname AS name,
       CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'c' THEN 'composite' ELSE 'domain' END AS kind,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS values,
       ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0
               AND NOT a.attisdropped ORDER BY a.attnum) AS attribute_names,
       ARRAY(SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
              WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)
         AS attribute_types,
       CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END AS base,
       t.typnotnull AS not_null, pg_catalog.pg_get_expr(t.typdefaultbin, 0) AS default,
       ARRAY(SELECT c.conname::text FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c'
              ORDER BY c.conname) AS check_names,
       ARRAY(SELECT pg_catalog.pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.contypid = t.oid
               AND c.contype = 'c' ORDER BY c.conname) AS check_definitions,
       pg_catalog.obj_description(t.oid, 'pg_type') AS comment,
       pg_catalog.format_type(t.oid, NULL) AS printed
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class r ON r.oid = t.typrelid
WHERE @managed(n.nspname)
  AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND r.relkind = 'c'))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid
                  AND d.deptype = 'e')
ORDER BY n.nspname, t.typname
