-- The license probe: TimescaleDB created in a throwaway session, rolled back.
CREATE EXTENSION IF NOT EXISTS timescaledb
