-- The advisory lock of a model database, if no other session holds it. Parameters: the two int4 keys.
SELECT pg_catalog.pg_try_advisory_lock(%s, %s)
