-- Primary key, unique, foreign key and check constraints of tables (NOT NULL is a column property).
SELECT n.nspname AS schema, c.relname AS table, con.conname AS name, con.contype AS type,
       ARRAY(SELECT (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = con.conrelid AND a.attnum = k.num)
             FROM pg_catalog.unnest(con.conkey) WITH ORDINALITY k(num, i) ORDER BY k.i)::text[] AS columns,
       rn.nspname AS ref_schema, rc.relname AS ref_table,
       CASE WHEN con.contype = 'f' THEN
         ARRAY(SELECT (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = con.confrelid AND a.attnum = k.num)
               FROM pg_catalog.unnest(con.confkey) WITH ORDINALITY k(num, i) ORDER BY k.i)::text[] END AS ref_columns,
       con.confdeltype AS on_delete, con.confupdtype AS on_update, con.condeferrable AS deferrable,
       con.condeferred AS initially_deferred, CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_constraintdef(con.oid, true) END AS definition,
--@pg15 coalesce(i.indnullsnotdistinct, false) AS nulls_not_distinct
--@pre_pg15 false AS nulls_not_distinct
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = con.conindid AND con.contype IN ('p', 'u')
WHERE @managed(n.nspname)
  AND con.contype IN ('p', 'u', 'f', 'c') AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
ORDER BY n.nspname, c.relname, con.conname
