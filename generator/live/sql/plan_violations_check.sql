-- Template: how many existing rows of a table violate a CHECK the plan adds (a NULL result passes, as in
-- PostgreSQL). :expression is the model's own expression, which validate parsed as exactly one expression.
SELECT pg_catalog.count(*) FROM :"table" WHERE NOT COALESCE((:expression), true)
