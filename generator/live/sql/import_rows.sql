-- schemagen import: the rows of a table that may be the org registry (one row per org), as JSON, at most
-- %(limit)s + 1 of them (more rows than orgs: not the registry).
SELECT pg_catalog.row_to_json(t)::text AS row FROM :"table" t LIMIT %(limit)s
