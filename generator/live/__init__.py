"""Everything that talks to a server: psycopg, the catalog queries in sql/, history, privileges, the runner."""
