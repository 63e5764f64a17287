-- Template: how many rows of one column of an enum (or an array of it: `array`) hold a value that the enum made
-- again lacks (:'values', the new type's values); `more`: not the first column, added to the others
-- (plan_violations_domain.sql sums them).
--@more UNION ALL
SELECT pg_catalog.count(*) AS n FROM :"table"
--@scalar WHERE :"column"::text <> ALL (ARRAY[:'values']::text[])
--@array WHERE EXISTS (SELECT 1 FROM pg_catalog.unnest(:"column") v WHERE v::text <> ALL (ARRAY[:'values']::text[]))
