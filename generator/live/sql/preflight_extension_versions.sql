-- The versions the server offers of the model's extensions. Parameter: extension names (text[]).
SELECT name, version FROM pg_available_extension_versions WHERE name = ANY(%s)
