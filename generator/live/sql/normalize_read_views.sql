-- The shadow views' queries (parameter: their names, text[]): pretty-printed (views are compared so) and not
-- (continuous aggregates: as timescaledb_information prints them).
SELECT relname, pg_catalog.pg_get_viewdef(oid, true), pg_catalog.pg_get_viewdef(oid)
  FROM pg_class
 WHERE relnamespace = pg_catalog.pg_my_temp_schema() AND relname = ANY(%s)
