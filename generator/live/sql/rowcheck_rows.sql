-- Template: the rows of :"table" that rollback's DELETE removes (:condition: by key, as the rollback file does).
SELECT tableoid, ctid FROM :"table" WHERE :condition
