-- Fragment: the arguments of the function :arg (a pg_proc row), as four arrays by position over all its
-- arguments (proallargtypes; proargtypes when they are all IN): types as format_type prints them, names ('' for
-- none), modes (i, o, b: INOUT, v: VARIADIC, t: a column of RETURNS TABLE, not an argument) and defaults as
-- pg_get_function_arguments prints them (pg_get_function_arg_default: the same deparser, one argument at a time).
ARRAY(SELECT pg_catalog.format_type(a.type, NULL)
        FROM pg_catalog.unnest(coalesce(:arg.proallargtypes, :arg.proargtypes::oid[])) WITH ORDINALITY a(type, k)
       ORDER BY a.k)::text[] AS argument_types,
       :arg.proargnames::text[] AS argument_names, :arg.proargmodes::text[] AS argument_modes,
       ARRAY(SELECT pg_catalog.pg_get_function_arg_default(:arg.oid, k)
               FROM pg_catalog.generate_series(1, pg_catalog.cardinality(coalesce(:arg.proallargtypes,
                                                                                   :arg.proargtypes::oid[]))) k
              ORDER BY k)::text[] AS argument_defaults
