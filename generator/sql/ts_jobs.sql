-- TimescaleDB: policies (jobs from 1000 up; lower ids are TimescaleDB's own). Job ids are never compared.
SELECT j.proc_name AS kind, j.hypertable_schema AS schema, j.hypertable_name AS relation,
       j.schedule_interval, j.config::text AS config
FROM timescaledb_information.jobs j
WHERE j.job_id >= 1000 AND (j.hypertable_schema = ANY(%(schemas)s) OR j.hypertable_name = ANY(%(materializations)s))
ORDER BY 2, 3, 1
