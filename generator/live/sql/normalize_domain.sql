-- Template: a shadow of one of the model's domains in pg_temp (its base type, and its default when the model
-- gives one: marker default), for the server to print its default and checks as inspect reads them.
CREATE DOMAIN :"domain" AS :base
--@default DEFAULT :default
