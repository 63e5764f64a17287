-- schemagen import: the settings under which a lookup table's rows are printed as seed rows (in the savepoint of
-- that read only): dates and timestamps as ISO 8601 (what validate accepts, whatever the server's DateStyle),
-- intervals as PostgreSQL prints them, floats exactly.
SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 3
