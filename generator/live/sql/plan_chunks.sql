-- The chunks of each hypertable and how many are compressed, for the lock and decompression hazards of a live
-- plan ("on each of its 70 chunks"); a continuous aggregate's materialization hypertable under the aggregate's
-- name, as the hazards name it. TimescaleDB's public information views; run only where it is installed.
SELECT CASE WHEN a.view_name IS NULL THEN pg_catalog.format('%I.%I', c.hypertable_schema, c.hypertable_name)
            ELSE pg_catalog.format('%I.%I', a.view_schema, a.view_name) END,
       pg_catalog.count(*)::pg_catalog.int8, pg_catalog.count(*) FILTER (WHERE c.is_compressed)::pg_catalog.int8
FROM timescaledb_information.chunks c
LEFT JOIN timescaledb_information.continuous_aggregates a
  ON a.materialization_hypertable_schema = c.hypertable_schema
 AND a.materialization_hypertable_name = c.hypertable_name
GROUP BY 1
