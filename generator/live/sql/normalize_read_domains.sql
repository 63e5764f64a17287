-- The shadow domains (parameter: their names, text[]): default and check constraints as sql/types.sql prints them.
SELECT t.typname, pg_catalog.pg_get_expr(t.typdefaultbin, 0),
       ARRAY(SELECT c.conname::text FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c'
              ORDER BY c.conname),
       ARRAY(SELECT pg_catalog.pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.contypid = t.oid
               AND c.contype = 'c' ORDER BY c.conname)
  FROM pg_type t
 WHERE t.typnamespace = pg_catalog.pg_my_temp_schema() AND t.typname = ANY(%s)
