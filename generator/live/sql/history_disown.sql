-- Forget objects a rollback script dropped. Parameters: their kinds, schemas, names and signatures (text[] each,
-- by position), and the model database.
DELETE FROM :"schema".objects o
 USING ROWS FROM (pg_catalog.unnest(%s::text[]), pg_catalog.unnest(%s::text[]), pg_catalog.unnest(%s::text[]),
                  pg_catalog.unnest(%s::text[])) AS w(k, s, n, g)
 WHERE o.database = %s AND (o.kind, o.schema, o.name, o.signature) = (w.k, w.s, w.n, w.g)
