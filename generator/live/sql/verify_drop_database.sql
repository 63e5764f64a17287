-- verify drops its throwaway database when it is done, has failed or was interrupted. WITH (FORCE) (PostgreSQL 13
-- and later) ends the sessions still connected to it, a license probe's or one a Ctrl-C left behind.
DROP DATABASE IF EXISTS :"database"
--@force WITH (FORCE)
