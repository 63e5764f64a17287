-- The attack of issue 13 as reported: a text overload of create_hypertable with TimescaleDB's parameter names, so
-- that the untyped call create_hypertable('s.m', by_range('ts', ...), if_not_exists => TRUE) preferred it.
-- Planted only where TimescaleDB is installed (files named 10_timescaledb_*: its type must exist).
CREATE FUNCTION public.create_hypertable(relation text, dimension _timescaledb_internal.dimension_info,
                                         create_default_indexes boolean DEFAULT true,
                                         if_not_exists boolean DEFAULT false, migrate_data boolean DEFAULT false)
RETURNS text LANGUAGE plpgsql AS $$BEGIN RETURN public.sg_attack('create_hypertable(text, dimension_info, ...)'); END$$;
CREATE FUNCTION public.by_range(column_name text, partition_interval anyelement DEFAULT NULL,
                                partition_func regproc DEFAULT NULL)
RETURNS _timescaledb_internal.dimension_info LANGUAGE plpgsql AS $$BEGIN PERFORM public.sg_attack('by_range(text, ...)'); RETURN NULL; END$$;
CREATE FUNCTION public.add_retention_policy(relation text, drop_after text, if_not_exists boolean DEFAULT false,
                                            schedule_interval text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$BEGIN RETURN public.sg_attack('add_retention_policy(text, ...)'); END$$;
CREATE FUNCTION public.remove_retention_policy(relation text, if_exists boolean DEFAULT false)
RETURNS text LANGUAGE plpgsql AS $$BEGIN RETURN public.sg_attack('remove_retention_policy(text, ...)'); END$$;
