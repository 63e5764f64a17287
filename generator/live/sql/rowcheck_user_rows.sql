-- Template: a table rollback drops (:"table", named :'name') and how many of its rows are not the model's own
-- (:model_rows: a condition true for those, from rowcheck_same_value.sql and rowcheck_in.sql). One per table, in
-- one UNION ALL.
SELECT :'name'::pg_catalog.text, (SELECT pg_catalog.count(*) FROM :"table" WHERE NOT coalesce(:model_rows, false))
