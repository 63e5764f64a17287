-- Whether this session loaded TimescaleDB (its license setting is registered) and another one has dropped it
-- since; never on PGlite (its version string names emcc), where every connection is the one session.
SELECT coalesce(pg_catalog.current_setting('timescaledb.license', true), '') <> ''
   AND NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'timescaledb')
   AND pg_catalog.version() NOT LIKE '%emcc%'
