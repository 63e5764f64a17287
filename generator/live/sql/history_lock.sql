-- The advisory lock of a model database, if no other session holds it. Parameters: the two int4 keys. Called in
-- FROM, so that it is pg_catalog's and still reads `SELECT pg_try_advisory_lock ...` where sessions are listed.
SELECT pg_try_advisory_lock FROM pg_catalog.pg_try_advisory_lock(%s, %s)
