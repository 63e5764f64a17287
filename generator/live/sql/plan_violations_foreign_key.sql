-- Template: how many existing rows of a table reference no row of the referenced table through a foreign key the
-- plan adds (rows with a NULL in the key are not checked, as with MATCH SIMPLE).
SELECT pg_catalog.count(*) FROM :"table"
WHERE ROW(:"child_columns") IS NOT NULL
  AND ROW(:"child_columns") NOT IN (SELECT :"parent_columns" FROM :"referenced" WHERE ROW(:"parent_columns") IS NOT NULL)
