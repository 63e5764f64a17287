-- Insert or update a script's row, in the script's own transaction. Parameters: database, script, checksum,
-- statements, duration_ms (NULL: the milliseconds since the transaction began, the server's clock), skipped_features,
-- tool_version.
INSERT INTO :"schema".history
       (database, script, checksum, statements, duration_ms, skipped_features, tool_version)
VALUES (%s, %s, %s, %s,
        COALESCE(%s, (pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - pg_catalog.now()) * 1000)::int),
        %s, %s)
ON CONFLICT (database, script) DO UPDATE SET checksum = EXCLUDED.checksum,
       statements = EXCLUDED.statements, duration_ms = EXCLUDED.duration_ms,
       skipped_features = EXCLUDED.skipped_features, tool_version = EXCLUDED.tool_version,
       applied_at = pg_catalog.now()
