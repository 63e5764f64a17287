-- A statement_timeout for this session (the fleet's per-target timeout, in milliseconds as text): a slow or stuck
-- target is cancelled by its own server. Reset before the connection closes (PGlite shares its one session).
SELECT pg_catalog.set_config('statement_timeout', %s, false)
