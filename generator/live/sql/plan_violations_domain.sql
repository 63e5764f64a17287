-- Template: how many values a domain's new CHECK or NOT NULL refuses, over every column of it: :counts, one
-- plan_violations_domain_column.sql per column (or the rows holding a value an enum made again lacks:
-- plan_violations_enum_column.sql per column).
SELECT COALESCE(pg_catalog.sum(c.n), 0)::pg_catalog.int8 FROM (:counts) c
