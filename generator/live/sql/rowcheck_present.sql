-- Which of the given tables (parameter: their qualified names, text[]) exist.
SELECT n FROM pg_catalog.unnest(%s::text[]) n WHERE pg_catalog.to_regclass(n) IS NOT NULL
