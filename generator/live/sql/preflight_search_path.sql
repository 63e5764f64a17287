-- Who, other than the current role and superusers, can put a function, operator or type where the scripts'
-- unqualified names resolve (the schemas of their search_path after pg_catalog): a role with CREATE on such a
-- schema (its owner; pg_database_owner is the database's owner; PUBLIC), or one that already owns a function,
-- operator or type there that is not an extension's. pg_catalog comes first on the path, but an operator or function
-- of a better-matching signature elsewhere on it still wins (a planted public.=(varchar, varchar) over texteq).
WITH path AS (
    SELECT n.oid, n.nspname, n.nspowner, n.nspacl FROM pg_catalog.pg_namespace n
    WHERE n.nspname = ANY(%(schemas)s::text[])
), creators AS (
    SELECT p.nspname AS schema, p.nspowner AS role, 'owns the schema' AS what FROM path p
    UNION ALL
    SELECT p.nspname, a.grantee, 'may create in it'
    FROM path p, pg_catalog.aclexplode(p.nspacl) a WHERE a.privilege_type = 'CREATE'
), owned AS (
    SELECT p.nspname AS schema, f.proowner AS role, 'owns function ' || f.oid::pg_catalog.regprocedure::text AS what
    FROM path p JOIN pg_catalog.pg_proc f ON f.pronamespace = p.oid
    WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                      AND e.objid = f.oid AND e.deptype = 'e')
    UNION ALL
    SELECT p.nspname, o.oprowner, 'owns operator ' || o.oid::pg_catalog.regoperator::text
    FROM path p JOIN pg_catalog.pg_operator o ON o.oprnamespace = p.oid
    WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass
                      AND e.objid = o.oid AND e.deptype = 'e')
    UNION ALL
    SELECT p.nspname, t.typowner, 'owns type ' || t.oid::pg_catalog.regtype::text
    FROM path p JOIN pg_catalog.pg_type t ON t.typnamespace = p.oid
    WHERE t.typtype <> 'c' AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
        AND e.objid = t.oid AND e.deptype = 'e')
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                      AND e.objid = t.typelem AND e.deptype = 'e' AND t.typelem <> 0)
)
SELECT x.schema, CASE WHEN x.role = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(r.rolname) END AS role, x.what
FROM (SELECT y.schema, y.what,  -- pg_database_owner (public's owner and grantee since 15): the database's owner
             CASE WHEN y.role = (SELECT o.oid FROM pg_catalog.pg_roles o WHERE o.rolname = 'pg_database_owner')
                  THEN d.datdba ELSE y.role END AS role
      FROM (SELECT * FROM creators UNION ALL SELECT * FROM owned) y
      JOIN pg_catalog.pg_database d ON d.datname = pg_catalog.current_database()) x
LEFT JOIN pg_catalog.pg_roles r ON r.oid = x.role
WHERE x.role = 0 OR (x.role <> (SELECT u.oid FROM pg_catalog.pg_roles u WHERE u.rolname = CURRENT_USER)
                     AND NOT coalesce(r.rolsuper, false))
ORDER BY 1, 2, 3
