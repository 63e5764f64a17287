-- The objects schemagen created in a model database (parameter: its name), and the script that created each.
SELECT kind, schema, name, signature, script FROM :"schema".objects WHERE database = %s
