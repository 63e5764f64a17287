-- The shadow tables' indexes (parameter: the tables' names, text[]): each key as the server prints it, the
-- predicate, and the operator classes as the inspector reads them (none where it is the default one of the type
-- and method).
SELECT c.relname, ic.relname,
       ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true) FROM pg_catalog.generate_series(1, i.indnkeyatts) k),
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true),
       ARRAY(SELECT CASE WHEN oc.opcdefault THEN NULL ELSE oc.opcname END
               FROM pg_catalog.unnest(i.indclass::oid[]) WITH ORDINALITY k(opc, n)
               JOIN pg_opclass oc ON oc.oid = k.opc
              ORDER BY k.n)::text[]
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
 WHERE c.relnamespace = pg_catalog.pg_my_temp_schema() AND c.relname = ANY(%s)
