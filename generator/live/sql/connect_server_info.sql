-- The pre-flight's look at the server: its version (text and number), whether TimescaleDB is available and which
-- version is installed, its license (known only once the extension is loaded in the database), and the version
-- CREATE EXTENSION would install (the license probe's key).
SELECT pg_catalog.current_setting('server_version'), pg_catalog.current_setting('server_version_num')::int,
       EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'),
       (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'),
       pg_catalog.current_setting('timescaledb.license', true),
       (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb')
