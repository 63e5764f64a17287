-- Template: how many rows the queries of tableoid, ctid in :rows (one UNION) reach.
SELECT pg_catalog.count(*) FROM (:rows) x
