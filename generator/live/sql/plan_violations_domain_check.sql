-- Template: a domain's new CHECK as a function of a value of its base type (:base, the model's canonical base
-- type), made in pg_temp inside the counting's own transaction, which rolls back. Its parameter is named value, so
-- that the check's VALUE (a column reference PostgreSQL resolves to the parameter) needs no rewriting: :expression
-- is the model's own expression, as validate parsed it. Called on NULL too, as PostgreSQL checks a domain's NULLs.
CREATE FUNCTION pg_temp.schemagen_domain_check(value :base) RETURNS pg_catalog.bool LANGUAGE sql
RETURN (:expression)
