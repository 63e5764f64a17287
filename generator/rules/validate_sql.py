"""Rules on the free-form SQL of the model beyond its shape (sqlcheck makes sure each piece is one expression or
one statement of the right kind): what PostgreSQL refuses in a DEFAULT, CHECK, index or trigger WHEN (aggregates,
window and set-returning functions, functions that are not immutable in an index), constants of the wrong type,
NEW.x of a column the table does not have, relations a view or aggregate reads (unknown ones, and another org's),
function bodies and languages, and trigger functions.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

from schemagen import model as m
from schemagen.errors import did_you_mean
from schemagen.rules.validate_values import INTEGER_RANGES, value_error
from schemagen.sqlparse import (
    Parsed,
    TooMuchSql,
    _text,
    _unescape,
    calls,
    output_columns,
    parse_expression,
    plpgsql_error,
    returns_error,
    row_refs,
    statements_error,
)
from schemagen.sqltext import INTEGER_TYPES, base_type, canonical_type, dollar_quote, quote_ident

if TYPE_CHECKING:
    from schemagen.rules.validate import Checker

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
# PostgreSQL's own trigger functions: the one usable as it is, and those that need arguments the model cannot give.
TRIGGER_BUILTINS = {"suppress_redundant_updates_trigger": None,
                    "tsvector_update_trigger": "takes arguments (tsvector column, configuration, columns)",
                    "tsvector_update_trigger_column": "takes arguments (tsvector column, configuration column, "
                                                      "columns)"}
LANGUAGES = frozenset({"sql", "plpgsql", "internal"})  # always there; others come with their extension
_NOT_TEXT = frozenset({"boolean", "uuid", "json", "jsonb", "date", "timestamp with time zone", "interval",
                       "timestamp without time zone", "time with time zone", "time without time zone", "inet",
                       "bytea"}) | INTEGER_TYPES | {"numeric", "real", "double precision"}
_S = r'"((?:[^"\\]|\\.)*)"'
_RANGEVAR = re.compile(r'"RangeVar":\{(?:"catalogname":' + _S + r',)?(?:"schemaname":' + _S + r',)?"relname":' + _S)
_CTE = re.compile(r'"ctename":' + _S)
_ROW_COLUMN = re.compile(r'"ColumnRef":\{"fields":\[\{"String":\{"sval":"(new|old)"\}\},\{"String":\{"sval":'
                         + _S + r'\}\}\]')
_AGG_MARK = re.compile(r'"agg_(?:star|distinct|within_group)":true|"agg_(?:order|filter)":')


_NEXTVAL = re.compile(r'"funcname":\[(?:\{"String":\{"sval":"pg_catalog"\}\},)?\{"String":\{"sval":"nextval"\}\}\],'
                      r'"args":\[\{(?:"TypeCast":\{"arg":\{)?"A_Const":\{"sval":\{"sval":' + _S)


def _regclass_name(text: str) -> tuple[str, str] | None:
    """(schema, name) of a regclass literal as PostgreSQL reads it ('s.seq', '"S".x'; no schema: public, the
    default search_path's); None when it is not one or two names."""
    parts, rest = [], text
    while True:
        quoted = re.match(r'"((?:[^"]|"")*)"', rest)
        if quoted:
            parts.append(quoted[1].replace('""', '"'))
            rest = rest[quoted.end():]
        else:
            plain = re.match(r"[^.\"]+", rest)
            if not plain:
                return None
            parts.append(plain[0].strip().lower())
            rest = rest[plain.end():]
        if not rest:
            break
        if rest[0] != ".":
            return None
        rest = rest[1:]
    return (("public", *parts) if len(parts) == 1 else tuple(parts)) if len(parts) <= 2 else None


def sequences_used(tree: Parsed) -> list[tuple[str, str] | str]:
    """The sequences nextval('...') reads: (schema, name), or the text when it names no sequence."""
    return [_regclass_name(_unescape(s)) or _unescape(s) for s in _NEXTVAL.findall(_text(tree))]


def unknown_sequences(checker: Checker, db: m.Database, known: dict) -> None:
    """A default's nextval('s.seq') in a schema of the model reads a sequence the model creates (a serial
    column's); the model creates no other sequence there, and the apply would fail. Sequences in schemas the model
    does not hold are someone else's: left to the server."""
    mine = {s.name for s in db.schemas} | {t.schema for t in db.tables}
    for t in db.tables:
        for c in t.columns:
            if not c.default or "nextval" not in c.default.lower():
                continue
            try:
                tree = parse_expression(c.default)  # cached: the column check parsed it already
            except TooMuchSql:
                return
            for seq in sequences_used(tree) if isinstance(tree, Parsed) else ():
                if isinstance(seq, str):
                    checker.add(c.source, f"the default of {t.name}.{c.name}: nextval({seq!r}) does not name a "
                                          "sequence", t.org)
                elif seq[0] in mine and seq not in known:
                    serial = sorted(f"{s}.{n}" for (s, n), o in known.items()
                                    if isinstance(o, m.Table) and n != o.name and s == seq[0])
                    hint = f" (the model's sequences there: {', '.join(serial[:5])})" if serial else \
                        "; make the column serial/bigserial, or an identity column"
                    checker.add(c.source, f"the default of {t.name}.{c.name}: nextval reads sequence "
                                          f"{seq[0]}.{seq[1]}, which the model does not create{hint}", t.org)


# --- expressions ------------------------------------------------------------------------------------------------

def expression_kind_error(tree: Parsed, where: str) -> str | None:
    """What PostgreSQL refuses in an expression of this place: where is "default", "check", "index" or "when"."""
    text = _text(tree)
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


# The parser's internal names of built-in types (`'x'::int` is pg_catalog.int4), as canonical_type reads them
_PG_NAMES = {"int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real", "float8": "double precision",
             "bool": "boolean", "bpchar": "character", "varchar": "character varying", "timestamptz":
             "timestamp with time zone", "timetz": "time with time zone", "bit": "bit", "varbit": "bit varying"}


# --- relations read by views and aggregates ---------------------------------------------------------------------

def relations_read(parsed: Parsed) -> set[tuple[str | None, str]]:
    """(schema or None, name) of every table, view or function-less relation a query names, CTEs left out."""
    text = parsed.json
    ctes = {_unescape(n) for n in _CTE.findall(text)}
    out = set()
    for _, schema, name in _RANGEVAR.findall(text):
        if schema or _unescape(name) not in ctes:
            out.add((_unescape(schema) if schema else None, _unescape(name)))
    return out


def reads(ck: Checker, db: m.Database, obj, parsed: Parsed | None, known: dict) -> None:
    """A view's or aggregate's query: the relations it reads in the model's own schemas exist, and belong to the
    shared objects or to its own org (a shared object is created before any org's, and serves every org)."""
    if parsed is None:
        return
    what = "continuous aggregate" if isinstance(obj, m.ContinuousAggregate) else "view"
    if '"ParamRef":' in parsed.json:
        ck.add(obj.source, "the query cannot use a parameter ($1): nothing would fill it in", obj.org)
    if what == "view":
        names = [n for n in output_columns(parsed) if n != "*"]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            ck.add(obj.source, f"the view would have two columns named {twice[0]!r}; name them apart with AS",
                   obj.org)
    schemas = {s.name for s in db.schemas} - {"public"} - {e.schema for e in db.extensions}
    for schema, name in sorted(relations_read(parsed), key=str):
        target = known.get((schema or "public", name))
        if target is None:
            if schema in schemas:
                ck.add(obj.source, f"the query reads {schema}.{name}, which is not a table, view or aggregate of "
                                   "the model", obj.org, "reads unknown")
            continue
        if target is obj:
            ck.add(obj.source, f"the {what} reads itself ({obj.qname})", obj.org)
        elif target.org is not None and obj.org is None:
            ck.add(obj.source, f"a shared {what} cannot read {target.qname} of org {target.org}: the org's objects "
                               f"are created after the shared ones; make it an org template (`{{org}}` in its name)")
        elif target.org is not None and target.org != obj.org:
            ck.add(obj.source, f"the query reads {target.qname} of another org ({target.org}); write "
                               f"`{{org}}` in its name", obj.org, "reads another org")


def foreign_key_orgs(ck: Checker, t: m.Table, tables: dict) -> None:
    """For every org (not only a template's first): a foreign key stays within shared tables and its own org."""
    for fk in t.foreign_keys:
        target = tables.get((fk.ref_schema, fk.ref_table))
        if target is None or target.org is None:
            continue
        if t.org is None:
            ck.add(fk.source, f"foreign key {fk.name}: a shared table cannot reference the org table {target.qname}")
        elif target.org != t.org:
            ck.add(fk.source, f"foreign key {fk.name}: references {target.qname} of another org ({target.org})",
                   t.org, "fk another org")


# --- triggers and functions -------------------------------------------------------------------------------------

def trigger(ck: Checker, t: m.Table, tr: m.Trigger, funcs: dict, need_columns) -> None:
    org = t.org
    fschema, _, fname = tr.function.rpartition(".")
    f = funcs.get((fschema, fname))
    if fschema == "pg_catalog" and f is None:
        if fname not in TRIGGER_BUILTINS:
            ck.add(tr.source, f"trigger {tr.name}: pg_catalog has no trigger function {fname!r} (its own usable one "
                              "is suppress_redundant_updates_trigger); declare yours under `functions:`", org)
        elif TRIGGER_BUILTINS[fname]:
            ck.add(tr.source, f"trigger {tr.name}: pg_catalog.{fname} {TRIGGER_BUILTINS[fname]}, which a trigger "
                              "in the model cannot pass; it would fail at every row", org)
    elif f is None:
        close = did_you_mean(tr.function, [f"{s}.{n}" for s, n in funcs])
        ck.add(tr.source, f"trigger {tr.name}: unknown function {tr.function}"
               + (f"; did you mean {close}?" if close else " (declare it under `functions:`)"), org)
    elif f.returns != "trigger":
        ck.add(tr.source, f"trigger {tr.name}: {tr.function} must return trigger, not {f.returns}", org)
    if tr.timing == "instead of":
        ck.add(tr.source, f"trigger {tr.name}: tables cannot have INSTEAD OF triggers (views only)", org)
    if "truncate" in tr.events and tr.for_each == "row":
        ck.add(tr.source, f"trigger {tr.name}: TRUNCATE triggers must be `for_each: statement`", org)
    if tr.update_of:
        need_columns(tr.update_of, f"trigger {tr.name}", tr.source)
        if "update" not in tr.events:
            ck.add(tr.source, f"trigger {tr.name}: update_of needs the event update", org)
    tree = ck.expression(tr.source, f"the WHEN of trigger {tr.name}", tr.when, org, where="when")
    if tree is None:
        return
    rows = row_refs(tree)
    if tr.for_each == "statement" and rows & {"new", "old"}:
        ck.add(tr.source, f"trigger {tr.name}: a statement trigger's WHEN cannot read NEW or OLD", org)
    elif "old" in rows and "insert" in tr.events or "new" in rows and "delete" in tr.events:
        ck.add(tr.source, f"trigger {tr.name}: WHEN reads {'OLD' if 'old' in rows else 'NEW'}, which "
                          f"{'INSERT' if 'old' in rows else 'DELETE'} triggers do not have", org)
    names = {c.name for c in t.columns}
    for row, column in sorted(set(_ROW_COLUMN.findall(tree.json))):
        if _unescape(column) not in names:
            ck.add(tr.source, f"trigger {tr.name}: WHEN reads {row.upper()}.{_unescape(column)}, but {t.qname} has "
                              f"no column {_unescape(column)!r}", org)


def function(ck: Checker, f: m.Function, exts: set[str]) -> None:
    ck.name(f.source, "function", f.name)
    if f.language == "c":
        ck.add(f.source, f"{f.qname}: C functions load a shared library (AS 'file', 'symbol'); the model writes "
                         "SQL-level functions only")
    elif f.language not in LANGUAGES and f.language not in exts:
        ck.add(f.source, f"{f.qname}: language {f.language} needs its extension: add `{f.language}:` under "
                         "`extensions:` (sql and plpgsql are built in)")
    if f.language == "sql":
        error = ck.sql(statements_error, f.body, f.source)
        if error:
            ck.add(f.source, f"the body of {f.qname} {error}")
        if f.returns == "trigger":
            ck.add(f.source, f"{f.qname}: SQL functions cannot return trigger; use language plpgsql")
    elif f.language == "plpgsql":
        error = ck.sql(plpgsql_error, _create_function(f), f.source)
        if error:
            ck.add(f.source, f"the body of {f.qname} {error}")
    if f.returns.startswith("table") or f.returns.startswith("setof "):
        error = ck.sql(returns_error, f.returns, f.source)
        if error:
            ck.add(f.source, f"returns: {error}")
    elif f.returns not in ("trigger", "void", "event_trigger", "record"):
        ck.type_(f.source, f.returns, exts)
    if len(f.arguments) > 100:
        ck.add(f.source, f"{f.qname} takes {len(f.arguments)} arguments; PostgreSQL allows at most 100")
    if f.returns == "trigger" and f.arguments:
        ck.add(f.source, f"{f.qname}: a trigger function takes no arguments")
    seen: set[str] = set()
    defaulted = False
    for a in f.arguments:
        ck.type_(f.source, a.type, exts)
        if a.name:
            ck.name(f.source, "argument", a.name)
            if a.name in seen:
                ck.add(f.source, f"{f.qname}: argument {a.name!r} is given twice")
            seen.add(a.name)
        ck.expression(f.source, f"the default of argument {a.name}", a.default, exts=exts, where="default")
        if a.mode in ("in", "inout", "variadic"):
            if a.default is not None:
                defaulted = True
            elif defaulted:
                ck.add(f.source, f"{f.qname}: argument {a.name or '?'} follows one with a default, so it needs a "
                                 "default too")


def _create_function(f: m.Function) -> str:
    """The function's CREATE statement as render writes it, enough for the PL/pgSQL parser."""
    args = ", ".join(" ".join(filter(None, (a.mode.upper() if a.mode != "in" else "", quote_ident(a.name) if a.name
                                            else "", a.type, f"DEFAULT {a.default}" if a.default is not None
                                            else ""))) for a in f.arguments)
    return f"CREATE FUNCTION f({args}) RETURNS {f.returns} LANGUAGE plpgsql AS {dollar_quote(f.body)}"
