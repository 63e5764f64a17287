-- The shadow tables' check constraints (parameter: the tables' names, text[]), as the server prints them.
SELECT c.relname, con.conname, pg_catalog.pg_get_constraintdef(con.oid, true)
  FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
 WHERE c.relnamespace = pg_catalog.pg_my_temp_schema() AND c.relname = ANY(%s) AND con.contype = 'c'
