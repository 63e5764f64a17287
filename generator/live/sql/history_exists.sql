-- Whether a table of the history exists. Parameter: its qualified name.
SELECT pg_catalog.to_regclass(%s::pg_catalog.text) IS NOT NULL
