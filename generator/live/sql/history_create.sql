-- The history (history.ensure, the first apply), statement by statement: the schema, the table of applied scripts
-- (one row per script, written in the script's own transaction), and the extensions that were there before
-- schemagen's first apply (timescaledb in the timescale/timescaledb image, or created by hand: rollback leaves
-- them in place). :"schema" is history.SCHEMA.
CREATE SCHEMA IF NOT EXISTS :"schema";
CREATE TABLE IF NOT EXISTS :"schema".history (
        database text NOT NULL,
        script text NOT NULL,
        checksum text NOT NULL,
        statements integer NOT NULL,
        duration_ms integer NOT NULL,
        skipped_features text[] NOT NULL DEFAULT '{}',
        tool_version text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
        PRIMARY KEY (database, script)
    );
COMMENT ON TABLE :"schema".history IS 'Scripts applied by schemagen: one row per script, written in the script''s own transaction';
CREATE TABLE IF NOT EXISTS :"schema".preexisting_extensions (name text PRIMARY KEY);
