-- The schema each of the model's installed extensions is in. Parameter: extension names (text[]).
SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = ANY(%s)
