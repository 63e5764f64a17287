-- Template: a shadow table (normalize.py) of a table's shape: :"table" in pg_temp, without columns: each is added
-- by its own statement (normalize_column.sql), as are its defaults, checks, indexes and triggers, so that the
-- server can refuse one and keep the others.
CREATE TEMP TABLE :"table" ()
