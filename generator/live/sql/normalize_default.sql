-- Template: the model's default of a shadow table's column.
ALTER TABLE :"table" ALTER COLUMN :"column" SET DEFAULT :default
