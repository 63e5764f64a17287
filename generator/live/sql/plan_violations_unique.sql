-- Template: how many existing rows of a table share their values of the columns of a UNIQUE constraint the plan
-- adds with another row (rows with a NULL in them never collide).
SELECT COALESCE(pg_catalog.sum(d.n), 0)::pg_catalog.int8
FROM (SELECT pg_catalog.count(*) AS n FROM :"table" WHERE ROW(:"key_columns") IS NOT NULL
      GROUP BY :"key_columns" HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1) d
