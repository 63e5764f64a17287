-- TimescaleDB's license, once the extension is loaded.
SELECT pg_catalog.current_setting('timescaledb.license'::pg_catalog.text, true)
