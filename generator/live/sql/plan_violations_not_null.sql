-- Template: how many existing rows of a table a new NOT NULL column without a default would refuse: all of them
-- (the column is NULL in each), counted up to 1,000,000 so that the count stays cheap on a big table.
SELECT pg_catalog.count(*) FROM (SELECT 1 FROM :"table" LIMIT 1000000) r
