-- The sequence each serial or identity column owns (pg_depend deptype 'a' / 'i'), and for a serial column the
-- sequence its nextval() default reads (the default's dependency on it, not its printed text): the model
-- expects `<table>_<column>_seq`, and PostgreSQL names it `..._seq1` when a sequence of that name was already
-- there. A sequence is in the schema of the table that owns it, so the sequences of the managed schemas are read
-- first and their owners found by index (not a scan of all of pg_depend).
SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, s.relname AS sequence,
       dn.nspname AS default_schema, ds.relname AS default_sequence
FROM pg_class s
JOIN pg_namespace n ON n.oid = s.relnamespace
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.objsubid = 0
  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
JOIN pg_class c ON c.oid = d.refobjid
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
LEFT JOIN pg_depend dd ON dd.classid = 'pg_attrdef'::regclass AND dd.objid = ad.oid
  AND dd.refclassid = 'pg_class'::regclass AND dd.deptype = 'n'
  AND EXISTS (SELECT 1 FROM pg_class x WHERE x.oid = dd.refobjid AND x.relkind = 'S')
LEFT JOIN pg_class ds ON ds.oid = dd.refobjid
LEFT JOIN pg_namespace dn ON dn.oid = ds.relnamespace
WHERE s.relkind = 'S'
  AND @managed(n.nspname)
  AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY n.nspname, c.relname, a.attnum, ds.relname
