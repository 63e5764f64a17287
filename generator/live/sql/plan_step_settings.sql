-- The settings a plan step runs under, right after its BEGIN (SET LOCAL: they end with its transaction): how long
-- it waits for a lock before it gives up and changes nothing. The value, a literal of milliseconds, is a template
-- variable (SET takes no bound parameter).
SET LOCAL lock_timeout = :'timeout'
