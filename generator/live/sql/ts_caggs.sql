-- TimescaleDB: continuous aggregates, with the hypertable that stores each ("schema.name").
-- view_definition is TimescaleDB's pg_get_viewdef(direct view) (not pretty): normalize.py prints the model's
-- query the same way.
SELECT view_schema AS schema, view_name AS name, materialized_only, view_definition AS definition,
       materialization_hypertable_schema || '.' || materialization_hypertable_name AS materialization
FROM timescaledb_information.continuous_aggregates
WHERE @managed(view_schema)
ORDER BY view_schema, view_name
