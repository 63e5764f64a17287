-- TimescaleDB: compression settings of hypertables and of continuous aggregates' materialization hypertables,
-- one row per segment-by or order-by column, plus one row (column NULL) for each hypertable with compression
-- enabled, so that compression with neither segment-by nor order-by still shows.
SELECT s.hypertable_schema AS schema, s.hypertable_name AS table, s.attname AS column,
       s.segmentby_column_index AS segment_index, s.orderby_column_index AS order_index,
       s.orderby_asc AS ascending, s.orderby_nullsfirst AS nulls_first
FROM timescaledb_information.compression_settings s
WHERE @managed(s.hypertable_schema)
   OR s.hypertable_schema || '.' || s.hypertable_name = ANY(%(materializations)s::text[])
UNION ALL
SELECT h.hypertable_schema, h.hypertable_name, NULL, NULL, NULL, NULL, NULL
FROM timescaledb_information.hypertables h
WHERE h.compression_enabled
  AND (@managed(h.hypertable_schema)
       OR h.hypertable_schema || '.' || h.hypertable_name = ANY(%(materializations)s::text[]))
ORDER BY 1, 2, 4, 5
