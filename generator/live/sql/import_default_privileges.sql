-- schemagen import: the default privileges (ALTER DEFAULT PRIVILEGES) set in the database, globally or for a
-- managed schema: the model cannot say them, and grants.sql leaves out the privileges an object got from them, so
-- the import notes each one rather than drop it silently. One row per role, schema (NULL: every schema) and kind
-- (r tables, S sequences, f functions, T types, n schemas), its ACL items as text.
SELECT r.rolname::text AS role, n.nspname::text AS schema, d.defaclobjtype::text AS kind,
       (SELECT pg_catalog.string_agg(i.item::text, ', ' ORDER BY i.item::text)
        FROM pg_catalog.unnest(d.defaclacl) i(item)) AS privileges
FROM pg_default_acl d JOIN pg_roles r ON r.oid = d.defaclrole
LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
WHERE d.defaclnamespace = 0 OR @managed(n.nspname)
ORDER BY 1, 2 NULLS FIRST, 3
