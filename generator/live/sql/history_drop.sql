-- The history removed, once no script of any model database is recorded (a full rollback). Rows of objects the
-- rollback left are not schemagen's any more.
DROP TABLE IF EXISTS :"schema".objects;
DROP TABLE :"schema".history, :"schema".preexisting_extensions;
DROP SCHEMA :"schema";
