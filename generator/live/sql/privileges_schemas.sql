-- The role's rights on the schemas a run reaches, creates objects in, comments or drops: USAGE, CREATE,
-- ownership (membership in the owning role), and the owner's name. Parameter: schema names (text[]).
SELECT n.nspname, pg_catalog.has_schema_privilege(n.oid, 'USAGE'), pg_catalog.has_schema_privilege(n.oid, 'CREATE'),
       pg_catalog.pg_has_role(n.nspowner, 'USAGE'), pg_catalog.pg_get_userbyid(n.nspowner)
  FROM pg_namespace n WHERE n.nspname = ANY(%s)
