-- Sequences of the managed schemas with their settings (pg_sequence) and the column that owns them, if any
-- (ALTER SEQUENCE ... OWNED BY, or a serial column: pg_depend deptype 'a'). An identity column's sequence
-- (deptype 'i') is its column's, and extension members are left out. The drift check pairs them with the model's
-- `sequences:`; an owned one the model does not declare belongs to its table (a serial column's: sequences.sql).
SELECT n.nspname AS schema, c.relname AS name, pg_catalog.format_type(q.seqtypid, NULL) AS as_type,
       q.seqstart AS start, q.seqincrement AS increment, q.seqmin AS min, q.seqmax AS max, q.seqcache AS cache,
       q.seqcycle AS cycle, o.relname AS owned_table, a.attname AS owned_column,
       (SELECT des.description FROM pg_description des WHERE des.objoid = c.oid
          AND des.classoid = 'pg_class'::regclass AND des.objsubid = 0) AS comment
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_sequence q ON q.seqrelid = c.oid
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.objsubid = 0
  AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'
LEFT JOIN pg_class o ON o.oid = d.refobjid
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE c.relkind = 'S'
  AND @managed(n.nspname)
  AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid
                  AND (x.deptype = 'e' OR (x.deptype = 'i' AND x.refclassid = 'pg_class'::regclass)))
ORDER BY n.nspname, c.relname
