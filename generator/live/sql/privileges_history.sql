-- Whether schemagen's history exists, and whether the role can read it and its list of preexisting extensions,
-- from the catalog: looking schemagen.history up by name fails for a role without USAGE on its schema.
SELECT h.oid IS NOT NULL,
       coalesce(pg_catalog.has_schema_privilege(n.oid, 'USAGE') AND pg_catalog.has_table_privilege(h.oid, 'SELECT'), false),
       coalesce(pg_catalog.has_schema_privilege(n.oid, 'USAGE') AND pg_catalog.has_table_privilege(e.oid, 'SELECT'), false)
  FROM pg_namespace n LEFT JOIN pg_class h ON h.relnamespace = n.oid AND h.relname = 'history'
  LEFT JOIN pg_class e ON e.relnamespace = n.oid AND e.relname = 'preexisting_extensions'
 WHERE n.nspname = 'schemagen'
