-- The roles julep's DDL (migration 000027) and model.yaml name. Roles are the cluster's: schemagen never creates
-- them, so tests/test_realschemas.py runs this before original*.sql and before applying the model. Idempotent,
-- as 000027's own guards are; the roles are left in place (other databases of the cluster may use them).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'postgraphile') THEN
        CREATE ROLE postgraphile;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'no_access_role') THEN
        CREATE ROLE no_access_role;
    END IF;
END
$$;
