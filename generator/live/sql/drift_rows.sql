-- The drift check's data query, one SELECT per seed or org table (joined by UNION ALL, 25 tables a query): for
-- each row of the model (v, its values cast to the column types), whether the table has a row with its key, whether
-- each column's value is the same, and both rows as JSON. Template variables (live/sql's loader): :"table" the
-- table, :"columns" the column names; composed by live/drift.py from names and literals quoted by sqltext only:
-- :part the table's index, :same the comparisons `t.c IS NOT DISTINCT FROM v.c`, :expected and :actual the
-- json_build_object arguments, :tuples the VALUES rows `(row index, value, ...)`, :key the join on its key.
SELECT :part, v.sg_row, t.ctid IS NOT NULL, ARRAY[:same]::boolean[], pg_catalog.json_build_object(:expected)::text,
       pg_catalog.json_build_object(:actual)::text
FROM (VALUES :tuples) AS v(sg_row, :"columns")
LEFT JOIN :"table" AS t ON :key
