-- The drift check's transaction: one snapshot for every query.
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ
