-- Which of the given objects exist, and who owns them: apply refuses to touch an existing one that schemagen's
-- ownership table does not record, rollback leaves it alone, and apply re-runs the script of a recorded one that
-- is gone. One query for any number of objects (5,000 orgs). Parameters: kinds, schemas, names, signatures (text[],
-- as schemagen.objects keys them) and, for functions, args: a JSON array of the argument types (compared as the
-- types they name: `int` is `integer`; a type that does not exist yet names no function). Returns (position in the
-- arrays, 1-based; owner) for each object that exists.
SELECT w.i, o.owner
  FROM ROWS FROM (pg_catalog.unnest(%(kinds)s::text[]), pg_catalog.unnest(%(schemas)s::text[]),
                  pg_catalog.unnest(%(names)s::text[]), pg_catalog.unnest(%(signatures)s::text[]),
                  pg_catalog.unnest(%(args)s::text[])) WITH ORDINALITY AS w(kind, schema, name, signature, args, i)
 CROSS JOIN LATERAL (
    SELECT pg_catalog.pg_get_userbyid(n.nspowner) FROM pg_catalog.pg_namespace n
     WHERE w.kind = 'schema' AND n.nspname = w.name
    UNION ALL
    SELECT pg_catalog.pg_get_userbyid(e.extowner) FROM pg_catalog.pg_extension e
     WHERE w.kind = 'extension' AND e.extname = w.name
    UNION ALL  -- relations share one namespace: a view of a table's name is that name taken
    SELECT pg_catalog.pg_get_userbyid(c.relowner)
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE w.kind IN ('table', 'view', 'materialized view', 'continuous aggregate', 'index', 'sequence')
       AND n.nspname = w.schema AND c.relname = w.name
    UNION ALL
    SELECT pg_catalog.pg_get_userbyid(p.proowner)
      FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
     WHERE w.kind = 'function' AND n.nspname = w.schema AND p.proname = w.name
       -- as text: oidvector casts to a 0-based array, which never equals a 1-based one; a missing type is '*'
       AND p.proargtypes::text = pg_catalog.array_to_string(ARRAY(
               SELECT pg_catalog.to_regtype(a.t)::pg_catalog.oid
                 FROM pg_catalog.jsonb_array_elements_text(w.args::pg_catalog.jsonb) WITH ORDINALITY AS a(t, k)
                ORDER BY a.k), ' ', '*')
    UNION ALL  -- a type of the model (enum, composite, domain); a table's row type is the table's name taken
    SELECT pg_catalog.pg_get_userbyid(t.typowner)
      FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
     WHERE w.kind = 'type' AND n.nspname = w.schema AND t.typname = w.name
    UNION ALL
    SELECT pg_catalog.pg_get_userbyid(c.relowner)
      FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE w.kind = 'trigger' AND NOT t.tgisinternal AND n.nspname = w.schema AND c.relname = w.signature
       AND t.tgname = w.name
 ) AS o(owner)
