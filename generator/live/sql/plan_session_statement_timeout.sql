-- For a plan step run alone (outside a transaction): its statement_timeout for the session, while it runs;
-- plan_reset_session.sql puts it back. A literal of milliseconds, 0 for no limit.
SET statement_timeout = :'timeout'
