-- Every recorded script of a model database (parameter: its name), in one query.
SELECT script, checksum, skipped_features FROM :"schema".history WHERE database = %s
