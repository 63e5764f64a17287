-- hedera_v1: the roles original.sql grants to, as its DO block creates them (only where missing). Roles are the
-- cluster's, not the model's: tests/test_realschemas.py runs this before each test and drops what it made after.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mirror_node') THEN
    CREATE ROLE mirror_node LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mirror_api') THEN
    CREATE USER mirror_api WITH LOGIN NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION CONNECTION LIMIT -1;
  END IF;
END
$$;
