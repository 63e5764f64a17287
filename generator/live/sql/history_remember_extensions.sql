-- The extensions installed when the history is created: schemagen did not create them.
INSERT INTO :"schema".preexisting_extensions SELECT extname FROM pg_extension ON CONFLICT DO NOTHING
