-- verify's throwaway database, created on the server the DSN names (from template1, as CREATE DATABASE does by
-- default: what a new database of that server starts with). The name is a template variable (an identifier).
CREATE DATABASE :"database"
