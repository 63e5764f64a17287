-- Template: one of the model's domain checks on a shadow domain, under its own name.
ALTER DOMAIN :"domain" ADD CONSTRAINT :"name" CHECK (:expression)
