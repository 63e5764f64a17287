-- schemagen import: the rows of a shared lookup table (importer/seeds.py), each as its record's text output
-- (`(1,"a b",,{x,y})`: every value as the server prints it, an empty field NULL; JSON would print arrays and
-- composites as JSON, not as PostgreSQL reads them back), ordered by the primary key (:"key"), at most %(limit)s of
-- them (the caller asks one more than it keeps: more rows than that is data, not seed rows).
SELECT t::text AS row FROM :"table" t ORDER BY :"key" LIMIT %(limit)s
