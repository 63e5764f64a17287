-- Record objects as schemagen's, created (or adopted) by a script. Parameters: the model database, the script,
-- and the objects' kinds, schemas, names and signatures (text[] each, by position).
INSERT INTO :"schema".objects (database, kind, schema, name, signature, script)
SELECT %s, k, s, n, g, %s
  FROM ROWS FROM (pg_catalog.unnest(%s::text[]), pg_catalog.unnest(%s::text[]), pg_catalog.unnest(%s::text[]),
                  pg_catalog.unnest(%s::text[])) AS w(k, s, n, g)
    ON CONFLICT (database, kind, schema, name, signature) DO UPDATE SET script = EXCLUDED.script
