-- The role a run acts as: its name, whether it is a superuser (who holds every privilege: the checks stop here),
-- whether it may create schemas in the database, and the database's name.
SELECT current_user, rolsuper, pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE'), pg_catalog.current_database() FROM pg_roles WHERE rolname = current_user
