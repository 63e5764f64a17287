-- The license probe's path: TimescaleDB is created in public (the model's default; with pg_catalog first it would
-- go there), pg_catalog still searched first (implicitly), pg_temp last.
SET search_path = public, pg_temp
