-- Indexes that are not a constraint's, on tables and materialized views, and on continuous aggregates: those
-- are built on the aggregate's materialization hypertable (`materializations`: its "schema.name"), and
-- `relation` then names that hypertable.
SELECT n.nspname AS schema, c.relname AS relation, ic.relname AS name, am.amname AS method,
       i.indisunique AS unique, i.indnkeyatts AS key_count,
--@pg15 i.indnullsnotdistinct AS nulls_not_distinct,
--@pre_pg15 false AS nulls_not_distinct,
       ARRAY(SELECT CASE WHEN k.num = 0 THEN NULL ELSE a.attname END
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, i)
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num ORDER BY k.i)::text[] AS columns,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnatts) k)::text[]
         AS definitions,
       i.indoption::int2[] AS options,
       ARRAY(SELECT CASE WHEN oc.opcdefault THEN NULL ELSE oc.opcname END
             FROM unnest(i.indclass::oid[]) WITH ORDINALITY k(opc, i)
             JOIN pg_opclass oc ON oc.oid = k.opc ORDER BY k.i)::text[] AS opclasses,
       pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       ic.reloptions AS options_with, obj_description(ic.oid, 'pg_class') AS comment
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE (((%(schemas)s::text[] IS NULL OR n.nspname = ANY(%(schemas)s::text[]))
        AND n.nspname NOT IN ('information_schema', 'schemagen')
        AND n.nspname !~ '^(pg_|_timescaledb|timescaledb_)')
       OR n.nspname || '.' || c.relname = ANY(%(materializations)s::text[]))
  AND c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                  AND con.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
ORDER BY n.nspname, c.relname, ic.relname
