-- The extensions a run creates or drops, as the server offers them: installed or not, owned by the role, the
-- owner's name, and whether the default version is trusted (a non-superuser may create it with CREATE on the
-- database). Parameter: extension names (text[]).
SELECT a.name, e.extname IS NOT NULL, coalesce(pg_catalog.pg_has_role(e.extowner, 'USAGE'), false),
       pg_catalog.pg_get_userbyid(e.extowner), coalesce(v.trusted, false)
  FROM pg_available_extensions a LEFT JOIN pg_extension e ON e.extname = a.name
  LEFT JOIN pg_available_extension_versions v ON v.name = a.name AND v.version = a.default_version
 WHERE a.name = ANY(%s)
