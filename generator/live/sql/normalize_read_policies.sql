-- The shadow tables' policies (parameter: the tables' names, text[]), their expressions as the server prints them.
SELECT c.relname, p.polname, pg_catalog.pg_get_expr(p.polqual, p.polrelid, true),
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid, true)
  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
 WHERE c.relnamespace = pg_catalog.pg_my_temp_schema() AND c.relname = ANY(%s)
