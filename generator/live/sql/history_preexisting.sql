-- The extensions that were installed before schemagen's first apply.
SELECT name FROM :"schema".preexisting_extensions
