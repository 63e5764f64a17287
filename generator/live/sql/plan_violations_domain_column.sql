-- Template: how many values of one column of a domain (or of a domain over it) violate its new CHECK (`check`:
-- pg_temp.schemagen_domain_check is false, a NULL result passes) or NOT NULL (`null`); `more`: not the first column,
-- added to the others (plan_violations_domain.sql sums them).
--@more UNION ALL
SELECT pg_catalog.count(*) AS n FROM :"table"
--@check WHERE NOT COALESCE(pg_temp.schemagen_domain_check(:"column"), true)
--@null WHERE :"column" IS NULL
