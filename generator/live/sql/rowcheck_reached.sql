-- Template: the rows of :"child" that a foreign key (:"child_columns" referring to :"parent_columns" of
-- :"parent") ties to the parent's rows :selected (a query of their tableoid, ctid).
SELECT tableoid, ctid FROM :"child"
 WHERE (:"child_columns") IN (SELECT :"parent_columns" FROM :"parent" WHERE (tableoid, ctid) IN (:selected))
