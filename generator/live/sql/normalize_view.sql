-- Template: a shadow view of one of the model's queries (views, materialized views, continuous aggregates).
CREATE TEMP VIEW :"view" AS
:query
