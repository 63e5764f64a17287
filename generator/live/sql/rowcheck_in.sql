-- Template: a key column holds one of the model's values (:values, from rowcheck_cast.sql).
:"column" IN (:values)
