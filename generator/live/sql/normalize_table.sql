-- Template: a shadow table (normalize.py) of a table's shape: :"table" in pg_temp, :columns its column
-- definitions (quoted name and the model's type). Its defaults, checks, indexes and triggers follow one statement
-- each, so that the server can refuse one and keep the others.
CREATE TEMP TABLE :"table" (:columns)
