-- Template: how many existing rows of a table a PRIMARY KEY the plan adds would refuse: the rows with a NULL in
-- any key column (the key makes its columns NOT NULL), and the rows that share their key values with another row.
SELECT (SELECT pg_catalog.count(*) FROM :"table" WHERE NOT ROW(:"key_columns") IS NOT NULL)
     OPERATOR(pg_catalog.+) COALESCE((
        SELECT pg_catalog.sum(d.n) FROM (
            SELECT pg_catalog.count(*) AS n FROM :"table" WHERE ROW(:"key_columns") IS NOT NULL
            GROUP BY :"key_columns" HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1) d), 0)::pg_catalog.int8
