-- Whether any script of any model database is recorded.
SELECT EXISTS (SELECT FROM :"schema".history)
