-- Template: one column of a shadow table (normalize.py): :"table" in pg_temp, :"column" its name, :type the
-- model's type. One statement per column, so that a type the server lacks costs that column only: the others'
-- defaults and checks are still printed by the server.
ALTER TABLE :"table" ADD COLUMN :"column" :type
