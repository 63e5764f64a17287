-- For a plan step that cannot run in a transaction (CREATE INDEX CONCURRENTLY): the scripts' search_path and
-- lock_timeout for the session, while it runs alone; plan_reset_session.sql puts them back. Template variables: the
-- path (a list of identifiers) and the milliseconds (a literal).
SET search_path = :"path";
SET lock_timeout = :'timeout';
SET standard_conforming_strings = on;
