-- Back to the server's lock_timeout when the run is done (PGlite's server resets a departing client's session).
RESET lock_timeout
