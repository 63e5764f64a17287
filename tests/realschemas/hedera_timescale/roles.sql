-- hedera_timescale: the roles init_v2.sql creates (only where missing), as original.sql's DO block does. Roles are
-- the cluster's, not the model's: tests/test_realschemas.py runs this before each test and drops what it made after.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mirror_node') THEN
    CREATE ROLE mirror_node LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'readonly') THEN
    CREATE ROLE readonly;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'readwrite') THEN
    CREATE ROLE readwrite IN ROLE readonly;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mirror_grpc') THEN
    CREATE ROLE mirror_grpc LOGIN IN ROLE readonly;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mirror_api') THEN
    CREATE ROLE mirror_api LOGIN IN ROLE readonly;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mirror_importer') THEN
    CREATE ROLE mirror_importer LOGIN IN ROLE readwrite;
  END IF;
END
$$;
