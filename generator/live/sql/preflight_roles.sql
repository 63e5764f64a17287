-- The roles the model names (grants, policies) that the cluster does not have. Parameter: role names (text[]).
SELECT r.name FROM pg_catalog.unnest(%s::text[]) WITH ORDINALITY r(name, n)
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles ro WHERE ro.rolname = r.name)
ORDER BY r.n
