-- TimescaleDB: compression settings, one row per segment-by or order-by column. Continuous aggregates' settings
-- are those of their materialization hypertable.
SELECT hypertable_schema AS schema, hypertable_name AS table, attname AS column,
       segmentby_column_index AS segment_index, orderby_column_index AS order_index,
       orderby_asc AS ascending, orderby_nullsfirst AS nulls_first,
       (SELECT h.compression_enabled FROM timescaledb_information.hypertables h
         WHERE h.hypertable_schema = s.hypertable_schema AND h.hypertable_name = s.hypertable_name) AS enabled
FROM timescaledb_information.compression_settings s
WHERE hypertable_schema = ANY(%(schemas)s) OR hypertable_name = ANY(%(materializations)s)
UNION ALL
-- compression enabled with neither segment-by nor order-by columns leaves no row above
SELECT h.hypertable_schema, h.hypertable_name, NULL, NULL, NULL, NULL, NULL, true
FROM timescaledb_information.hypertables h
WHERE h.compression_enabled AND (h.hypertable_schema = ANY(%(schemas)s) OR h.hypertable_name = ANY(%(materializations)s))
ORDER BY 1, 2, 4, 5
