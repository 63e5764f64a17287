-- Template: how many values a domain's new CHECK or NOT NULL refuses, over every column of it: :counts, one
-- plan_violations_domain_column.sql per column.
SELECT COALESCE(pg_catalog.sum(c.n), 0)::pg_catalog.int8 FROM (:counts) c
