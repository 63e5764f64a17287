-- The end of a plan step sent as one query: its statement, its settings and its history row commit together.
COMMIT
