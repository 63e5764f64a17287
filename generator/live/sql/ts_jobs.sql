-- TimescaleDB: policies. Jobs below 1000 are TimescaleDB's own; job ids are never compared. A refresh policy's
-- hypertable is the aggregate's materialization hypertable. `scheduled` false: a paused job.
SELECT j.proc_name AS kind, j.hypertable_schema AS schema, j.hypertable_name AS relation,
       j.schedule_interval, j.config::text AS config, j.scheduled, j.initial_start
FROM timescaledb_information.jobs j
WHERE j.job_id >= 1000
  AND (@managed(j.hypertable_schema)
       OR j.hypertable_schema || '.' || j.hypertable_name = ANY(%(materializations)s::text[]))
ORDER BY j.hypertable_schema, j.hypertable_name, j.proc_name
