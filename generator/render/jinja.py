"""render's Jinja: the one environment, its filters, and `sql(kind, macro, *args)`, one statement of a template.

Every identifier passes through sqltext's quoting (the `ident`/`idents`/`qname` filters), every literal through
`literal`, every body through `dollar`; the templates (templates/<kind>.sql.j2) hold only SQL, one statement per
macro.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache

import jinja2

from schemagen import model as m
from schemagen.sqlparse import column_definition
from schemagen.sqltext import Interval, dollar_quote, qualified, quote_ident, quote_literal


def _interval(value: Interval | int | None) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, Interval):
        return f"INTERVAL {quote_literal(str(value))}"
    return str(int(value))  # integer time columns: a plain number of the column's unit


def _column_type(c: m.Column) -> str:
    if c.serial:
        return {"integer": "serial", "bigint": "bigserial", "smallint": "smallserial"}[c.type]
    return c.type


def _param(value: str) -> str:
    """A storage parameter's value: numbers and words bare, anything else quoted."""
    return value if value.replace(".", "", 1).isdigit() or value.isidentifier() else quote_literal(value)


def signature(f: m.Function) -> str:
    """The function as DROP FUNCTION names it: `s.f(integer, text)`."""
    return qualified(f.schema, f.name) + f.signature


def _dotted(name: str) -> str:
    """A name the model writes as `schema.name` or `name` (a trigger's function, an operator class)."""
    schema, _, base = name.rpartition(".")
    return qualified(schema or None, base)


def _orderby(items: Sequence[m.OrderBy]) -> str:
    out = []
    for o in items:
        text = quote_ident(o.column) + (" DESC" if o.descending else "")
        if o.nulls_first is not None:
            text += " NULLS FIRST" if o.nulls_first else " NULLS LAST"
        out.append(text)
    return ", ".join(out)


def _grantee(role: str) -> str:
    """A grantee: the pseudo-role PUBLIC as the keyword, any other role quoted (a role may be named anything)."""
    return "PUBLIC" if role == "PUBLIC" else quote_ident(role)


def _literal(value: object) -> str:
    return "DEFAULT" if value is m.SEED_DEFAULT else quote_literal(value)


@lru_cache(maxsize=4096)
def _column_default(expression: str) -> str:
    """A column's DEFAULT in CREATE TABLE: as written where the grammar reads it so, else in parentheses. There it
    takes a restricted expression (`NOT true`, `a IS NULL`, `x IN (...)`, `x LIKE y` need parentheses), and one
    that parses bare may mean something else (`'x' COLLATE "C"` would collate the column)."""
    bare = column_definition(f"CREATE TABLE t (c int DEFAULT {expression})")
    if bare is not None and bare == column_definition(f"CREATE TABLE t (c int DEFAULT ({expression}))"):
        return expression
    return f"({expression})"


def _key_literal(value: object) -> str:
    """A seed key value to look a row up by (rollback's DELETE): a float quoted, so that it takes the column's type.
    A bare 1.1 is numeric, and `real_column = 1.1` compares as double precision: never true for 1.1."""
    return quote_literal(repr(value)) if isinstance(value, float) else _literal(value)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs (Jinja's per-user directory under the temp dir, keyed by each
    template's source): compiling them is most of a small render's time. None where that directory is unsafe."""
    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        return None


@cache
def environment() -> jinja2.Environment:
    """The one Jinja environment (built once): a missing variable is an error, never an empty string."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("schemagen.templates", "."),  # the installed package, not a repo path
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # SQL, not HTML: quoting is the filters' job
        keep_trailing_newline=True,
        extensions=["jinja2.ext.do"],
        bytecode_cache=_bytecode_cache(),
    )
    env.filters.update(
        ident=quote_ident,
        idents=lambda names: ", ".join(quote_ident(n) for n in names),
        qname=lambda obj: qualified(obj.schema, obj.name),
        literal=_literal,
        # typed arguments: a literal of a known type leaves no planted overload (text, anyelement) a better match
        regclass=lambda name: f"{quote_literal(name)}::pg_catalog.regclass",
        name_arg=lambda name: f"{quote_literal(name)}::pg_catalog.name",
        text_arg=lambda text: f"{quote_literal(text)}::pg_catalog.text",
        # a function of no arguments by its exact signature (regprocedure), as a regproc argument
        regproc=lambda name: f"{quote_literal(_dotted(name) + '()')}::pg_catalog.regprocedure::pg_catalog.regproc",
        timestamptz=lambda text: f"{quote_literal(text)}::pg_catalog.timestamptz",
        key_literal=_key_literal,
        column_default=_column_default,
        dollar=dollar_quote,
        interval=_interval,
        column_type=_column_type,
        param=_param,
        signature=signature,
        dotted=_dotted,
        orderby=_orderby,
        grantee=_grantee,
        grantees=lambda roles: ", ".join(_grantee(r) for r in roles),
    )
    return env


@cache
def macros(kind: str):
    return environment().get_template(f"{kind}.sql.j2").module


def sql(kind: str, macro: str, *args) -> str:
    """One statement: macro `macro` of templates/<kind>.sql.j2."""
    return str(getattr(macros(kind), macro)(*args)).strip()
