-- How long one statement of a plan step may run, right after its BEGIN (SET LOCAL: it ends with the step's
-- transaction): the plan file's statement_timeout_ms, 0 for no limit. A literal of milliseconds.
SET LOCAL statement_timeout = :'timeout'
