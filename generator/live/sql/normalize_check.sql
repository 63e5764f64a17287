-- Template: one of the model's check constraints on a shadow table, named by its position (c0, c1, ...).
ALTER TABLE :"table" ADD CONSTRAINT :"name" CHECK (:expression)
