-- The pre-flight's look at the server: its version (text and number), whether TimescaleDB is available and which
-- version is installed, and its license (known only once the extension is loaded in the database).
SELECT pg_catalog.current_setting('server_version'), pg_catalog.current_setting('server_version_num')::int,
       EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'),
       (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'),
       pg_catalog.current_setting('timescaledb.license', true)
