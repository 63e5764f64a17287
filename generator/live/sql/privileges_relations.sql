-- The role's rights on the existing relations a run alters, drops, references or writes rows to: ownership,
-- the owner's name, SELECT, INSERT, UPDATE, DELETE, REFERENCES. Parameters: schemas (text[]), names (text[]).
SELECT w.s, w.r, pg_has_role(c.relowner, 'USAGE'), pg_get_userbyid(c.relowner),
       has_table_privilege(c.oid, 'SELECT'), has_table_privilege(c.oid, 'INSERT'),
       has_table_privilege(c.oid, 'UPDATE'), has_table_privilege(c.oid, 'DELETE'),
       has_table_privilege(c.oid, 'REFERENCES')
  FROM unnest(%s::text[], %s::text[]) AS w(s, r)
  JOIN pg_namespace n ON n.nspname = w.s JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.r
