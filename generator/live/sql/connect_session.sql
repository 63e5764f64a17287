-- What every schemagen session pins before its first query, whatever the DSN, the role or the database set, in
-- one round trip:
-- - search_path: only pg_catalog (first) and pg_temp (last, explicitly, or it is searched first): a function,
--   operator or type another role created in a writable schema (`public`) is never what schemagen's own queries
--   and history reach (CVE-2018-1058). Scripts and the drift check set their own path on top (SET LOCAL).
-- - standard_conforming_strings: on, so that a backslash in a literal is a backslash.
-- - client_encoding: UTF8, whatever `?client_encoding=` says: names are Unicode, and psycopg decodes by it.
SET search_path = pg_catalog, pg_temp; SET standard_conforming_strings = on; SET client_encoding = 'UTF8'
