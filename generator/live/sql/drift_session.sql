-- The drift check's settings, after the scripts' own (render.prelude: the search_path, pg_catalog first and
-- pg_temp last, so that names print as they resolve when the scripts run), for its transaction only:
-- - lock_timeout: a shadow view waits for share locks on its sources, never forever;
-- - no JIT, as pg_dump does: catalog queries are estimated costly enough to JIT-compile, which takes longer than
--   running them.
SET LOCAL lock_timeout = '30s'; SET LOCAL jit = off
