"""The rules: the semantic checks on a built model. `validate` runs the rule modules (`check_*`, which never import
each other) in a fixed order; they share a problem collector (`problems`), a per-database context (`context`) and
helpers (`types`, `values`, `expressions`). SQL is parsed by `schemagen.sqlparse`."""
