"""One SQL expression of the model checked in its place (a DEFAULT, CHECK, index or trigger WHEN), beyond its
shape (sqlparse makes sure it is one expression): what PostgreSQL refuses there (aggregates, window and
set-returning functions, functions that are not immutable in an index), columns it may not read, functions whose
extension is missing, and constant defaults of the wrong type.
"""
from __future__ import annotations

import re
from decimal import Decimal

from schemagen import model as m
from schemagen.rules.context import Context, short
from schemagen.rules.values import INTEGER_RANGES, value_error
from schemagen.sqlparse import Parsed, calls, column_refs, has_subquery, json_of, parse_expression, row_refs
from schemagen.sqltext import INTEGER_TYPES, base_type, canonical_type

AGGREGATES = frozenset("""
    count sum avg min max array_agg string_agg bool_and bool_or every bit_and bit_or bit_xor json_agg jsonb_agg
    json_object_agg jsonb_object_agg xmlagg stddev stddev_pop stddev_samp variance var_pop var_samp corr covar_pop
    covar_samp regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy
    percentile_cont percentile_disc mode range_agg range_intersect_agg any_value first last histogram
""".split())
SET_RETURNING = frozenset("""
    generate_series generate_subscripts unnest regexp_matches regexp_split_to_table json_array_elements
    json_array_elements_text jsonb_array_elements jsonb_array_elements_text json_each json_each_text jsonb_each
    jsonb_each_text json_object_keys jsonb_object_keys jsonb_path_query json_to_recordset jsonb_to_recordset
    json_populate_recordset jsonb_populate_recordset
""".split())
# Built-in functions that are not IMMUTABLE, which PostgreSQL refuses in index expressions and predicates.
NOT_IMMUTABLE = frozenset("""
    now clock_timestamp statement_timestamp transaction_timestamp timeofday random random_normal gen_random_uuid
    uuid_generate_v1 uuid_generate_v1mc uuid_generate_v4 nextval currval lastval setval txid_current
    pg_current_xact_id pg_backend_pid current_setting age
""".split())
EXTENSION_FUNCTIONS = {"uuid_generate_v1": "uuid-ossp", "uuid_generate_v1mc": "uuid-ossp",
                       "uuid_generate_v3": "uuid-ossp", "uuid_generate_v4": "uuid-ossp",
                       "uuid_generate_v5": "uuid-ossp", "gen_random_bytes": "pgcrypto", "crypt": "pgcrypto",
                       "gen_salt": "pgcrypto", "digest": "pgcrypto", "hmac": "pgcrypto",
                       "time_bucket": "timescaledb"}
_NOT_TEXT = frozenset({"boolean", "uuid", "json", "jsonb", "date", "timestamp with time zone", "interval",
                       "timestamp without time zone", "time with time zone", "time without time zone", "inet",
                       "bytea"}) | INTEGER_TYPES | {"numeric", "real", "double precision"}
_AGG_MARK = re.compile(r'"agg_(?:star|distinct|within_group)":true|"agg_(?:order|filter)":')
# The parser's internal names of built-in types (`'x'::int` is pg_catalog.int4), as canonical_type reads them
_PG_NAMES = {"int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real", "float8": "double precision",
             "bool": "boolean", "bpchar": "character", "varchar": "character varying", "timestamptz":
             "timestamp with time zone", "timetz": "time with time zone", "bit": "bit", "varbit": "bit varying"}


def expression(ctx: Context, source: m.Source, what: str, text: str | None, org: str | None = None,
               columns: set[str] | None = None, allow_columns: bool = True, exts: set[str] | None = None,
               where: str | None = None, table: m.Table | None = None) -> Parsed | None:
    """One SQL expression: it parses alone, reads only columns of its table (when given), has no subquery,
    and nothing its place refuses (`where`: default, check, index, when); with `exts`, the extensions of the
    functions it calls are declared. Returns its parse (None when it has none)."""
    if text is None:
        return None
    tree = ctx.sql(parse_expression, text, source)
    if tree is None:
        return None
    if isinstance(tree, str):
        ctx.add(source, f"{what} {tree}: {short(text)}", org)
        return None
    if has_subquery(tree):
        ctx.add(source, f"{what} cannot use a subquery (PostgreSQL refuses it): {short(text)}", org)
        return tree
    kind = expression_kind_error(tree, where) if where else None
    if kind:
        ctx.add(source, f"{what} {kind}: {short(text)}", org)
    refs = column_refs(tree)
    if refs and not allow_columns:
        ref = sorted(refs)[0]
        ctx.add(source, f"{what} cannot read columns, but {short(text)} reads column {ref!r}; for a string write "
                        f"it quoted in SQL: \"'{ref}'\"", org)
    elif columns is not None:
        for ref in sorted(refs - columns):
            ctx.add(source, f"{what} reads unknown column {ref!r}: {short(text)}", org)
        for name in sorted(row_refs(tree) - ({table.name, table.schema} if table else set())):
            ctx.add(source, f"{what} names {name!r} in {name}.<column>: it can read only columns of its "
                            f"own table (write them without a table name): {short(text)}", org)
    if exts is not None:
        _extension_functions(ctx, source, tree, exts, org)
    return tree


def _extension_functions(ctx: Context, source: m.Source, tree: Parsed, exts: set[str], org: str | None) -> None:
    for fn in sorted(calls(tree)):
        ext = EXTENSION_FUNCTIONS.get(fn)
        if ext == "uuid-ossp" and ext not in exts:
            ctx.add(source, "uuid_generate_v*() needs the extension `uuid-ossp` (or use gen_random_uuid(), "
                            "built into PostgreSQL 13+)", org)
        elif ext and ext not in exts:
            ctx.add(source, f"{fn}() needs the extension `{ext}` under `extensions:`", org)


def expression_kind_error(tree: Parsed, where: str) -> str | None:
    """What PostgreSQL refuses in an expression of this place: where is "default", "check", "index" or "when"."""
    text = json_of(tree)
    names = calls(tree)
    if '"ParamRef":' in text:
        return "cannot use a parameter ($1): nothing would fill it in"
    if '"over":' in text:
        return "cannot use a window function (OVER)"
    aggregate = sorted(names & AGGREGATES)
    if aggregate or _AGG_MARK.search(text):
        return f"cannot use an aggregate function ({(aggregate or ['count'])[0]})"
    srf = sorted(names & SET_RETURNING)
    if srf:
        return f"cannot use a set-returning function ({srf[0]})"
    if where == "index":
        volatile = sorted(names & NOT_IMMUTABLE)
        if volatile or '"SQLValueFunction":' in text:
            what = f"{volatile[0]}()" if volatile else "CURRENT_TIMESTAMP, CURRENT_DATE, CURRENT_USER and the like"
            return f"can use only IMMUTABLE functions, and {what} is not (its value changes)"
    return None


def default_constant_error(tree: Parsed, type_: str) -> str | None:
    """A constant default the column's type refuses: `'abc'` for an integer, `true` for a number, `1` for a
    boolean (PostgreSQL has no assignment cast for those)."""
    node = tree.tree if isinstance(tree.tree, dict) else {}
    cast = node.get("TypeCast")
    if cast and "A_Const" in cast.get("arg", {}):  # `'2024-02-30'::date`: the text, read as the cast's type
        sval = cast["arg"]["A_Const"].get("sval")
        target = _cast_type(cast.get("typeName", {}))
        return value_error(target, sval.get("sval", "")) if sval is not None and target else None
    const = node.get("A_Const")
    if const is None or type_.endswith("]"):
        return None
    base = base_type(type_)
    if "sval" in const:
        return value_error(type_, const["sval"].get("sval", ""))
    if "boolval" in const and base in _NOT_TEXT - {"boolean"}:
        return f"a boolean cannot be the default of a {type_} column"
    if ("ival" in const or "fval" in const) and base in _NOT_TEXT - INTEGER_TYPES - {"numeric", "real",
                                                                                      "double precision"}:
        number = const.get("ival", const.get("fval", {}))
        return f"the number {next(iter(number.values()), 0)} cannot be the default of a {type_} column"
    if "ival" in const:
        return value_error(type_, const["ival"].get("ival", 0))
    if "fval" in const:  # 12345.6 as the default of a numeric(3,1): the text, as numeric's input reads it
        text = const["fval"].get("fval", "0")
        if base in INTEGER_TYPES:  # numeric -> integer is an assignment cast that rounds: only the range counts
            rounded = round(Decimal(text))
            return None if -INTEGER_RANGES[base] <= rounded < INTEGER_RANGES[base] else \
                f"{text} is out of the range of {base}"
        return value_error(type_, text)
    return None


def _cast_type(type_name: dict) -> str | None:
    """The canonical type of a cast's target when it is a plain (built-in) type with constant modifiers, else
    None: `'x'::varchar(3)` -> `character varying(3)`."""
    names = [n["String"]["sval"] for n in type_name.get("names", ()) if "String" in n]
    mods = [m_["A_Const"]["ival"].get("ival", 0) for m_ in type_name.get("typmods", ()) if "A_Const" in m_
            and "ival" in m_["A_Const"]]
    if not names or type_name.get("arrayBounds") or len(mods) != len(type_name.get("typmods", ())):
        return None
    if len(names) == 2 and names[0] != "pg_catalog":
        return None
    name = names[-1]
    try:
        return canonical_type(_PG_NAMES.get(name, name) + (f"({','.join(map(str, mods))})" if mods else ""))
    except ValueError:
        return None
