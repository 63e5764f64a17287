-- Remove a script's row, in the rollback script's transaction. Parameters: database, script.
DELETE FROM :"schema".history WHERE database = %s AND script = %s
