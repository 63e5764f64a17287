-- A history as a low-privilege role plants it (run as that role, which has CREATE on the database): the columns
-- schemagen writes, and a BEFORE INSERT trigger that makes its owner a superuser when a superuser's apply writes
-- its first history row. {role} is the planting role.
CREATE SCHEMA schemagen;
CREATE TABLE schemagen.history (
    database text NOT NULL, script text NOT NULL, checksum text NOT NULL, statements integer NOT NULL,
    duration_ms integer NOT NULL, skipped_features text[] NOT NULL DEFAULT '{}', tool_version text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (database, script));
CREATE TABLE schemagen.preexisting_extensions (name text PRIMARY KEY);
CREATE FUNCTION schemagen.escalate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'ALTER ROLE {role} SUPERUSER';
    RETURN NEW;
END $$;
CREATE TRIGGER escalate BEFORE INSERT ON schemagen.history FOR EACH ROW EXECUTE FUNCTION schemagen.escalate();
GRANT ALL ON SCHEMA schemagen TO PUBLIC;
GRANT ALL ON ALL TABLES IN SCHEMA schemagen TO PUBLIC;
