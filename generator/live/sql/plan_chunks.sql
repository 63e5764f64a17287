-- The chunks of each hypertable and how many are compressed, for the lock and decompression hazards of a live
-- plan ("on each of its 70 chunks"). TimescaleDB's public information view; run only where it is installed.
SELECT format('%I.%I', c.hypertable_schema, c.hypertable_name), pg_catalog.count(*)::pg_catalog.int8,
       pg_catalog.count(*) FILTER (WHERE c.is_compressed)::pg_catalog.int8
FROM timescaledb_information.chunks c
GROUP BY c.hypertable_schema, c.hypertable_name
