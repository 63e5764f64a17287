-- TimescaleDB: continuous aggregates, with the hypertable that stores each.
SELECT view_schema AS schema, view_name AS name, materialized_only, view_definition AS definition,
       materialization_hypertable_schema AS mat_schema, materialization_hypertable_name AS mat_table
FROM timescaledb_information.continuous_aggregates
WHERE view_schema = ANY(%(schemas)s)
ORDER BY view_schema, view_name
