-- After a plan step run alone: the session's search_path, lock_timeout and statement_timeout as the server sets them.
RESET search_path;
RESET lock_timeout;
RESET statement_timeout;
