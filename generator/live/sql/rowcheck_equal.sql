-- Template: a key column equals one of the model's values (:value, from rowcheck_cast.sql).
:"column" = :value
