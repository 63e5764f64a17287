-- TimescaleDB: hypertables and their dimensions (chunk counts deliberately not read: they are not drift).
-- Materialization hypertables live in _timescaledb_internal and are left out with it.
SELECT hypertable_schema AS schema, hypertable_name AS table, dimension_number AS number, column_name AS column,
       dimension_type::text AS type, time_interval, integer_interval, num_partitions AS partitions
FROM timescaledb_information.dimensions
WHERE @managed(hypertable_schema)
ORDER BY hypertable_schema, hypertable_name, dimension_number
