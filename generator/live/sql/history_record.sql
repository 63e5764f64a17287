-- Insert or update a script's row, in the script's own transaction. Parameters: database, script, checksum,
-- statements, duration_ms, skipped_features, tool_version.
INSERT INTO :"schema".history
       (database, script, checksum, statements, duration_ms, skipped_features, tool_version)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (database, script) DO UPDATE SET checksum = EXCLUDED.checksum,
       statements = EXCLUDED.statements, duration_ms = EXCLUDED.duration_ms,
       skipped_features = EXCLUDED.skipped_features, tool_version = EXCLUDED.tool_version,
       applied_at = pg_catalog.now()
