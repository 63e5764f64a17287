-- TimescaleDB: hypertables and their dimensions (chunk counts deliberately not read: they are not drift).
-- Materialization hypertables live in _timescaledb_internal and are left out with it. The integer_now function
-- (set_integer_now_func) and the compression chunk interval (compress_chunk_time_interval, microseconds) are
-- read from TimescaleDB's catalog: timescaledb_information.dimensions names the function without its schema and
-- leaves the interval out.
SELECT i.hypertable_schema AS schema, i.hypertable_name AS table, i.dimension_number AS number,
       i.column_name AS column, i.dimension_type::text AS type, i.time_interval, i.integer_interval,
       i.num_partitions AS partitions, d.integer_now_func_schema AS integer_now_schema,
       d.integer_now_func AS integer_now, d.compress_interval_length AS compress_interval
FROM timescaledb_information.dimensions i
LEFT JOIN _timescaledb_catalog.hypertable h ON h.schema_name = i.hypertable_schema AND h.table_name = i.hypertable_name
LEFT JOIN _timescaledb_catalog.dimension d ON d.hypertable_id = h.id AND d.column_name = i.column_name
WHERE @managed(i.hypertable_schema)
ORDER BY i.hypertable_schema, i.hypertable_name, i.dimension_number
