-- TimescaleDB: hypertables and their dimensions (chunk counts deliberately not read: they are not drift).
-- Materialization hypertables live in _timescaledb_internal and are left out with it.
SELECT hypertable_schema AS schema, hypertable_name AS table, dimension_number AS number, column_name AS column,
       dimension_type::text AS type, time_interval, integer_interval, num_partitions AS partitions
FROM timescaledb_information.dimensions
WHERE (%(schemas)s::text[] IS NULL OR hypertable_schema = ANY(%(schemas)s::text[]))
  AND hypertable_schema NOT IN ('information_schema', 'schemagen')
  AND hypertable_schema !~ '^(pg_|_timescaledb|timescaledb_)'
ORDER BY hypertable_schema, hypertable_name, dimension_number
