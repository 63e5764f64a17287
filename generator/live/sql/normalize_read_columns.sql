-- The shadow tables' columns (parameter: their names, text[]): types and defaults as the server prints them.
SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
       pg_catalog.pg_get_expr(d.adbin, d.adrelid)
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relnamespace = pg_catalog.pg_my_temp_schema() AND c.relname = ANY(%s) AND a.attnum > 0
   AND NOT a.attisdropped
