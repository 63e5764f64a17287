-- Fragment: whether the schema named :arg is a managed one, one of the user's: those asked for (%(schemas)s, all
-- when NULL), never PostgreSQL's own (pg_catalog, pg_toast, pg_temp_*, information_schema), TimescaleDB's
-- (_timescaledb_*, timescaledb_*: chunks, materialization hypertables, its views) nor schemagen's history schema
-- (%(history_schema)s: history.SCHEMA, which the Catalog passes to every query). Included as @managed(<column>).
((%(schemas)s::text[] IS NULL OR :arg = ANY(%(schemas)s::text[]))
 AND :arg NOT IN ('information_schema', %(history_schema)s) AND :arg !~ '^(pg_|_timescaledb|timescaledb_)')
