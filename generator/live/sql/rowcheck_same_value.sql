-- Template: a seed row's column holds the model's value, compared as text of the column's type (json has no
-- equality): the value the rendered INSERT wrote (the same literal, sqltext.quote_literal) cast to :type.
CAST(:"column" AS pg_catalog.text) IS NOT DISTINCT FROM CAST(:value AS pg_catalog.text)
