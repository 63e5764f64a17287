-- Template: a shadow function of one of the model's functions: :arguments from normalize_argument.sql, the body
-- dollar-quoted (sqltext.dollar_quote). Bodies are not compiled (normalize_no_body_check.sql).
CREATE FUNCTION :"function"(:arguments) RETURNS :returns LANGUAGE :"language" AS :body
