-- Tables, views and materialized views; extension members left out. Continuous aggregates are views too:
-- inspect.py sets them apart with ts_caggs.sql (which reads their definition: not printed twice here, as
-- printing a view takes a share lock on what it reads). Their materialization hypertables and _direct_view /
-- _partial_view views live in _timescaledb_internal, excluded with the other TimescaleDB schemas.
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind,
       (SELECT des.description FROM pg_description des WHERE des.objoid = c.oid
          AND des.classoid = 'pg_class'::regclass AND des.objsubid = 0) AS comment,
       CASE WHEN c.relkind IN ('v', 'm')
--@timescaledb AND NOT EXISTS (SELECT 1 FROM _timescaledb_catalog.continuous_agg ca WHERE ca.user_view_schema = n.nspname AND ca.user_view_name = c.relname)
         THEN pg_catalog.pg_get_viewdef(c.oid, true) END AS definition
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE @managed(n.nspname)
  AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
  AND c.relname !~ '^_(direct|partial)_view_'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
