-- Template: how many existing rows of a table hold NULL in a column that the plan makes NOT NULL.
SELECT pg_catalog.count(*) FROM :"table" WHERE :"column" IS NULL
