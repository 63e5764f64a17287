-- Indexes that are not a constraint's, on tables and materialized views, and on continuous aggregates: those
-- are built on the aggregate's materialization hypertable (`materializations`: its "schema.name"), and
-- `relation` then names that hypertable.
SELECT n.nspname AS schema, c.relname AS relation, ic.relname AS name, am.amname AS method,
       i.indisunique AS unique, i.indnkeyatts AS key_count,
--@pg15 i.indnullsnotdistinct AS nulls_not_distinct,
--@pre_pg15 false AS nulls_not_distinct,
       ARRAY(SELECT (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = k.num)
             FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY k(num, i) ORDER BY k.i)::text[] AS columns,
       CASE WHEN i.indexprs IS NOT NULL  -- printed only where a key is an expression
         THEN ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true) FROM pg_catalog.generate_series(1, i.indnatts) k)::text[]
       END AS definitions,
       i.indoption::int2[] AS options,
       opc.names AS opclasses,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       ic.reloptions AS options_with, (SELECT des.description FROM pg_description des WHERE des.objoid = ic.oid
          AND des.classoid = 'pg_class'::regclass AND des.objsubid = 0) AS comment
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
JOIN (SELECT x.indexrelid, pg_catalog.array_agg(CASE WHEN oc.opcdefault THEN NULL ELSE oc.opcname END ORDER BY k.i)::text[]
      FROM pg_index x, pg_catalog.unnest(x.indclass::oid[]) WITH ORDINALITY k(opc, i) JOIN pg_opclass oc ON oc.oid = k.opc
      GROUP BY x.indexrelid) opc(indexrelid, names) ON opc.indexrelid = i.indexrelid  -- one join, not one per index
WHERE (@managed(n.nspname)
       OR n.nspname || '.' || c.relname = ANY(%(materializations)s::text[]))
  AND c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                  AND con.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
ORDER BY n.nspname, c.relname, ic.relname
