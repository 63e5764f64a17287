-- The shadow functions (parameter: their names, text[]): arguments as the inspector reads them
-- (function_arguments.sql) and the result as the server prints it.
SELECT p.proname AS name, @function_arguments(p), pg_catalog.pg_get_function_result(p.oid) AS returns
  FROM pg_proc p
 WHERE p.pronamespace = pg_catalog.pg_my_temp_schema() AND p.proname = ANY(%s)
