-- The advisory lock of a model database released. Parameters: the two int4 keys.
SELECT pg_catalog.pg_advisory_unlock(%s, %s)
