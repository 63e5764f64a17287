-- Template: one of the model's values, the literal the rendered INSERT wrote, as the column's type.
CAST(:'value' AS :type)
