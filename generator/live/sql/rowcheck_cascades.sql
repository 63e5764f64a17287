-- Every foreign key whose ON DELETE changes the referring rows (CASCADE, SET NULL, SET DEFAULT), in any schema:
-- before rollback deletes seed or org rows, it follows these from the rows it deletes and counts what they reach.
-- Columns as (schema, table, columns[]) of the referring and the referenced table, and the action.
SELECT cn.nspname, cc.relname,
       ARRAY(SELECT a.attname::text FROM pg_catalog.unnest(k.conkey) WITH ORDINALITY AS u(n, i)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i),
       pn.nspname, pc.relname,
       ARRAY(SELECT a.attname::text FROM pg_catalog.unnest(k.confkey) WITH ORDINALITY AS u(n, i)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i),
       CASE k.confdeltype WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' ELSE 'set default' END
  FROM pg_catalog.pg_constraint k
  JOIN pg_catalog.pg_class cc ON cc.oid = k.conrelid JOIN pg_catalog.pg_namespace cn ON cn.oid = cc.relnamespace
  JOIN pg_catalog.pg_class pc ON pc.oid = k.confrelid JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
 WHERE k.contype = 'f' AND k.confdeltype IN ('c', 'n', 'd') AND k.conparentid = 0
   AND cn.nspname NOT LIKE '\_timescaledb%' ESCAPE '\'
