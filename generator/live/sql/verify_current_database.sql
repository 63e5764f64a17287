-- The database this session is connected to: verify checks that connecting to its throwaway database reached it
-- (PGlite, or a proxy, may hand every session the same database whatever the DSN names).
SELECT pg_catalog.current_database()
