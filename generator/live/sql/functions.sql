-- Functions (not procedures or aggregates), extension members and functions made for other objects left out.
-- Their arguments one by one (function_arguments.sql), the result as pg_get_function_result prints it.
SELECT n.nspname AS schema, p.proname AS name, @function_arguments(p),
       pg_catalog.pg_get_function_result(p.oid) AS returns, l.lanname AS language,
       CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END AS volatility,
       p.proisstrict AS strict, p.prosecdef AS security_definer, p.prosrc AS body,
       pg_catalog.obj_description(p.oid, 'pg_proc') AS comment
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE @managed(n.nspname)
  AND p.prokind = 'f'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.deptype IN ('e', 'i'))  -- 'i': made for another object (a range type's constructors)
ORDER BY n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)
