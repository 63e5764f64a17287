-- The existing functions of the model's names (any signature) that the role does not own, with their owner:
-- CREATE OR REPLACE and DROP FUNCTION need ownership. Parameters: schemas (text[]), names (text[]).
SELECT DISTINCT w.s, w.f, pg_catalog.pg_get_userbyid(p.proowner) FROM ROWS FROM (pg_catalog.unnest(%s::text[]), pg_catalog.unnest(%s::text[])) AS w(s, f)
  JOIN pg_namespace n ON n.nspname = w.s JOIN pg_proc p ON p.pronamespace = n.oid AND p.proname = w.f
 WHERE NOT pg_catalog.pg_has_role(p.proowner, 'USAGE')
