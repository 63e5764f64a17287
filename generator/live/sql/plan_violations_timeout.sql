-- How long plan --dsn may spend counting the rows that violate one new constraint (a full scan of the table):
-- past it the hazard says "may" instead of a count. Local to the counting's own transaction, which rolls back.
SET LOCAL statement_timeout = '60s'
