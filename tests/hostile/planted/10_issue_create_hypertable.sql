-- The attack of issue 13 as reported: a text overload of create_hypertable with TimescaleDB's parameter names, so
-- that the untyped call create_hypertable('s.m', by_range('ts', ...), if_not_exists => TRUE) preferred it.
CREATE FUNCTION public.create_hypertable(relation text, dimension text, create_default_indexes boolean DEFAULT true,
                                         if_not_exists boolean DEFAULT false, migrate_data boolean DEFAULT false)
RETURNS text LANGUAGE plpgsql AS $$BEGIN RETURN public.sg_attack('create_hypertable(text, text, ...)'); END$$;
CREATE FUNCTION public.by_range(column_name text, partition_interval text DEFAULT NULL,
                                partition_func text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$BEGIN RETURN public.sg_attack('by_range(text, ...)'); END$$;
CREATE FUNCTION public.add_retention_policy(relation text, drop_after text, if_not_exists boolean DEFAULT false,
                                            schedule_interval text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$BEGIN RETURN public.sg_attack('add_retention_policy(text, ...)'); END$$;
CREATE FUNCTION public.remove_retention_policy(relation text, if_exists boolean DEFAULT false)
RETURNS text LANGUAGE plpgsql AS $$BEGIN RETURN public.sg_attack('remove_retention_policy(text, ...)'); END$$;
