-- For the session: a DDL statement queued behind a long-running query gives up after this long instead of hanging
-- (and blocking everything queued behind it). The value, a literal of milliseconds, is a template variable
-- (SET takes no bound parameter).
SET lock_timeout = :'timeout'
