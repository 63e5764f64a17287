-- A plan step's search_path, in its transaction (SET LOCAL): the scripts' own (pg_catalog first, pg_temp last), as
-- render's prelude pins it in each file. Template variable: the path (a list of identifiers).
SET LOCAL search_path = :"path";
SET LOCAL standard_conforming_strings = on;
