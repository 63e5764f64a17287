-- User triggers: internal ones (constraint triggers) and TimescaleDB's own (their functions belong to the
-- extension: ts_insert_blocker, ts_cagg_invalidation_trigger) left out.
SELECT n.nspname AS schema, c.relname AS table, t.tgname AS name, t.tgtype AS type,
       fn.nspname AS function_schema, f.proname AS function_name, pg_catalog.pg_get_triggerdef(t.oid, true) AS definition,
       ARRAY(SELECT a.attname FROM pg_catalog.unnest(t.tgattr::int2[]) WITH ORDINALITY k(num, i)
             JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.num ORDER BY k.i)::text[] AS update_of,
       CASE t.tgenabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' ELSE 'enabled' END
         AS enabled
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc f ON f.oid = t.tgfoid
JOIN pg_namespace fn ON fn.oid = f.pronamespace
WHERE @managed(n.nspname)
  AND NOT t.tgisinternal AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = f.oid
                  AND d.deptype = 'e')
ORDER BY n.nspname, c.relname, t.tgname
