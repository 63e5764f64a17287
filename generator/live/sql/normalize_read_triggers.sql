-- The shadow tables' triggers (parameter: the tables' names, text[]), as the server prints them.
SELECT c.relname, t.tgname, pg_catalog.pg_get_triggerdef(t.oid, true)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = pg_catalog.pg_my_temp_schema() AND c.relname = ANY(%s)
