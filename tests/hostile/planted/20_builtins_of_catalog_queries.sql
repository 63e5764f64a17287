-- Overloads of the built-ins that schemagen's own queries call (generator/sql/*.sql, normalize.py, connect.py,
-- history.py, privileges.py), each a closer match than pg_catalog's for the argument types those queries pass
-- (exact types where pg_catalog's needs a coercion or is polymorphic), or text for unknown-typed literals.
-- IMMUTABLE: usable anywhere, index expressions included.
CREATE FUNCTION public.format_type(oid, bigint) RETURNS text IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN RETURN public.sg_attack('format_type(oid, bigint)'); END$$;
CREATE FUNCTION public.format_type(text, text) RETURNS text IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN RETURN public.sg_attack('format_type(text, text)'); END$$;
CREATE FUNCTION public.pg_get_expr(text, oid) RETURNS text IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN RETURN public.sg_attack('pg_get_expr(text, oid)'); END$$;
CREATE FUNCTION public.pg_get_expr(text, oid, boolean) RETURNS text IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN RETURN public.sg_attack('pg_get_expr(text, oid, boolean)'); END$$;
CREATE FUNCTION public.unnest(oid[]) RETURNS SETOF oid IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN PERFORM public.sg_attack('unnest(oid[])'); END$$;
CREATE FUNCTION public.unnest(smallint[]) RETURNS SETOF smallint IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN PERFORM public.sg_attack('unnest(smallint[])'); END$$;
CREATE FUNCTION public.generate_series(integer, smallint) RETURNS SETOF integer IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN PERFORM public.sg_attack('generate_series(integer, smallint)'); END$$;
CREATE FUNCTION public.pg_get_indexdef(oid, bigint, boolean) RETURNS text IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN RETURN public.sg_attack('pg_get_indexdef(oid, bigint, boolean)'); END$$;
CREATE FUNCTION public.pg_get_viewdef(oid, text) RETURNS text IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN RETURN public.sg_attack('pg_get_viewdef(oid, text)'); END$$;
CREATE FUNCTION public.pg_get_constraintdef(oid, text) RETURNS text IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN RETURN public.sg_attack('pg_get_constraintdef(oid, text)'); END$$;
CREATE FUNCTION public.pg_get_triggerdef(oid, text) RETURNS text IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN RETURN public.sg_attack('pg_get_triggerdef(oid, text)'); END$$;
CREATE FUNCTION public.obj_description(oid, text) RETURNS text IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN RETURN public.sg_attack('obj_description(oid, text)'); END$$;
CREATE FUNCTION public.quote_ident(text) RETURNS text IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN RETURN public.sg_attack('quote_ident(text)'); END$$;
CREATE FUNCTION public.current_setting(text) RETURNS text IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN RETURN public.sg_attack('current_setting(text)'); END$$;
CREATE FUNCTION public.current_setting(text, text) RETURNS text IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN RETURN public.sg_attack('current_setting(text, text)'); END$$;
CREATE FUNCTION public.to_regclass(unknown_friendly text, extra text DEFAULT NULL) RETURNS regclass IMMUTABLE
    LANGUAGE plpgsql AS $$BEGIN PERFORM public.sg_attack('to_regclass(text, text DEFAULT)'); RETURN NULL; END$$;
CREATE FUNCTION public.version(text DEFAULT NULL) RETURNS text IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN RETURN public.sg_attack('version(text DEFAULT)'); END$$;
CREATE FUNCTION public.now(text DEFAULT NULL) RETURNS timestamptz IMMUTABLE LANGUAGE plpgsql
    AS $$BEGIN PERFORM public.sg_attack('now(text DEFAULT)'); RETURN NULL; END$$;
CREATE FUNCTION public.pg_try_advisory_lock(bigint, bigint) RETURNS boolean LANGUAGE plpgsql
    AS $$BEGIN PERFORM public.sg_attack('pg_try_advisory_lock(bigint, bigint)'); RETURN true; END$$;
CREATE FUNCTION public.pg_advisory_unlock(bigint, bigint) RETURNS boolean LANGUAGE plpgsql
    AS $$BEGIN PERFORM public.sg_attack('pg_advisory_unlock(bigint, bigint)'); RETURN true; END$$;
CREATE FUNCTION public.has_schema_privilege(text, text, text) RETURNS boolean LANGUAGE plpgsql
    AS $$BEGIN PERFORM public.sg_attack('has_schema_privilege(text, text, text)'); RETURN true; END$$;
CREATE FUNCTION public.has_table_privilege(text, text, text) RETURNS boolean LANGUAGE plpgsql
    AS $$BEGIN PERFORM public.sg_attack('has_table_privilege(text, text, text)'); RETURN true; END$$;
CREATE FUNCTION public.pg_get_userbyid(bigint) RETURNS name LANGUAGE plpgsql
    AS $$BEGIN PERFORM public.sg_attack('pg_get_userbyid(bigint)'); RETURN NULL; END$$;
