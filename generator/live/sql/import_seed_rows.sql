-- schemagen import: the rows of a shared lookup table (importer/seeds.py), each as a JSON object of the values as
-- the server prints them (text; NULL as null), in column order, ordered by the primary key (:"key"), at most
-- %(limit)s of them (the caller asks one more than it keeps: more rows than that is data, not seed rows).
SELECT (SELECT pg_catalog.json_object_agg(j.key, j.value ORDER BY j.n)
        FROM pg_catalog.json_each_text(pg_catalog.row_to_json(t)) WITH ORDINALITY j(key, value, n))::text AS row
FROM :"table" t ORDER BY :"key" LIMIT %(limit)s
