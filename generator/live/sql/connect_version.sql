-- The server's version string (PGlite's names emcc, the WASM compiler).
SELECT pg_catalog.version()
