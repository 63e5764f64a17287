-- TimescaleDB: compression settings of hypertables and of continuous aggregates' materialization hypertables,
-- one row per segment-by or order-by column, plus one row (column NULL) for each hypertable with compression
-- enabled, so that compression with neither segment-by nor order-by still shows.
SELECT s.hypertable_schema AS schema, s.hypertable_name AS table, s.attname AS column,
       s.segmentby_column_index AS segment_index, s.orderby_column_index AS order_index,
       s.orderby_asc AS ascending, s.orderby_nullsfirst AS nulls_first
FROM timescaledb_information.compression_settings s
WHERE ((%(schemas)s::text[] IS NULL OR s.hypertable_schema = ANY(%(schemas)s::text[]))
       AND s.hypertable_schema NOT IN ('information_schema', 'schemagen')
       AND s.hypertable_schema !~ '^(pg_|_timescaledb|timescaledb_)')
   OR s.hypertable_schema || '.' || s.hypertable_name = ANY(%(materializations)s::text[])
UNION ALL
SELECT h.hypertable_schema, h.hypertable_name, NULL, NULL, NULL, NULL, NULL
FROM timescaledb_information.hypertables h
WHERE h.compression_enabled
  AND (((%(schemas)s::text[] IS NULL OR h.hypertable_schema = ANY(%(schemas)s::text[]))
        AND h.hypertable_schema NOT IN ('information_schema', 'schemagen')
        AND h.hypertable_schema !~ '^(pg_|_timescaledb|timescaledb_)')
       OR h.hypertable_schema || '.' || h.hypertable_name = ANY(%(materializations)s::text[]))
ORDER BY 1, 2, 4, 5
