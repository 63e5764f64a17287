-- Back to the server's statement_timeout before the connection closes (PGlite: the next client shares the session).
RESET statement_timeout
