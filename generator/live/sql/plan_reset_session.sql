-- After a plan step run alone: the session's search_path and lock_timeout as the server sets them.
RESET search_path;
RESET lock_timeout;
