"""The rules: the semantic checks on a built model (validate and its rule modules) and the SQL parser they share
(sqlcheck, the one owner of pglast for the checks)."""
