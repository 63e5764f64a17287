"""Rules on functions: a language that is there (sql and plpgsql are built in, C is not for the model), a body
PostgreSQL's parsers take, a return type and argument types, at most 100 arguments, defaults in order.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.rules.context import Context
from schemagen.rules.expressions import expression
from schemagen.rules.types import check_type
from schemagen.sqlparse import plpgsql_error, returns_error, statements_error
from schemagen.sqltext import dollar_quote, quote_ident

LANGUAGES = frozenset({"sql", "plpgsql", "internal"})  # always there; others come with their extension
MAX_ARGUMENTS = 100


def function(ck: Context, f: m.Function) -> None:
    ck.name(f.source, "function", f.name)
    _body(ck, f)
    if f.returns.startswith("table") or f.returns.startswith("setof "):
        error = ck.sql(returns_error, f.returns, f.source)
        if error:
            ck.add(f.source, f"returns: {error}")
    elif f.returns not in ("trigger", "void", "event_trigger", "record"):
        check_type(ck, f.source, f.returns)
    if len(f.arguments) > MAX_ARGUMENTS:
        ck.add(f.source, f"{f.qname} takes {len(f.arguments)} arguments; PostgreSQL allows at most {MAX_ARGUMENTS}")
    if f.returns == "trigger" and f.arguments:
        ck.add(f.source, f"{f.qname}: a trigger function takes no arguments")
    _arguments(ck, f)


def _body(ck: Context, f: m.Function) -> None:
    if f.language == "c":
        ck.add(f.source, f"{f.qname}: C functions load a shared library (AS 'file', 'symbol'); the model writes "
                         "SQL-level functions only")
    elif f.language not in LANGUAGES and f.language not in ck.exts:
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


def _arguments(ck: Context, f: m.Function) -> None:
    seen: set[str] = set()
    defaulted = False
    for a in f.arguments:
        check_type(ck, f.source, a.type)
        if a.name:
            ck.name(f.source, "argument", a.name)
            if a.name in seen:
                ck.add(f.source, f"{f.qname}: argument {a.name!r} is given twice")
            seen.add(a.name)
        expression(ck, f.source, f"the default of argument {a.name}", a.default, exts=ck.exts, where="default")
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
