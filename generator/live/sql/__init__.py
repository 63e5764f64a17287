"""The SQL that schemagen sends to a live server, one file per query, statement list, template or fragment, and
the one loader of those files.

A file's name says who sends it: history_, connect_, ownership_, rowcheck_, normalize_ (the modules of those
names), apply_, privileges_, preflight_, drift_, plan_ (planrun.py, violations.py), import_, verify_; the catalog
queries of inspect.py and behaviour.py have bare names; the fragments that other files include (below) are named in
FRAGMENTS. What a file holds besides SQL:
- a leading comment saying what it is for (not sent);
- `--@<marker> ` at the start of a line: the rest of the line is SQL when the marker is active (the server's
  version, `pg15` or `pre_pg15`; `timescaledb` when it is installed; in a template, an optional clause the caller
  asks for), left out otherwise;
- `@<fragment>(<expression>)`: the fragment file, with `:arg` standing for the expression: the managed-schema
  filter (`@managed(n.nspname)`) and a function's arguments (`@function_arguments(p)`) are written once;
- psycopg parameters for values, `%s` or `%(name)s` (a file run with parameters writes a literal `%` as `%%`);
- in templates (compose), psql's variables for what cannot be a parameter: `:"name"` an identifier (a str), a
  qualified name (a (schema, name) tuple) or a list of identifiers, quoted by sqltext.quote_ident / qualified;
  `:'name'` a literal or a list of literals (sqltext.quote_literal); `:name` SQL text the caller composed (the
  model's own SQL expressions, parts composed from other templates). sqltext is the one quoting path, the
  one render uses too. Variables are replaced in one pass: what is put in is never read again.
A statement list (statements) ends each statement with `;` at the end of a line.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from functools import cache
from importlib import resources

from schemagen.sqltext import qualified, quote_ident, quote_literal

FRAGMENTS = ("managed", "function_arguments")
_MARKER = re.compile(r"^--@(\w+) ([^\n]*\n?)", re.M)
_INCLUDE = re.compile(r"@(\w+)\(([^()]*)\)")
_HEADER = re.compile(r"\A(?:[ \t]*(?:--(?!@)[^\n]*)?\n)*")
_VARIABLE = re.compile(r"(?<![:\w]):(?:\"(\w+)\"|'(\w+)'|(\w+))")
_END = re.compile(r";[ \t]*$\n?", re.M)


@cache
def text(name: str) -> str:
    """sql/<name>.sql as written."""
    return resources.files(__name__).joinpath(f"{name}.sql").read_text("utf-8")


def _body(name: str) -> str:
    return _HEADER.sub("", text(name)).rstrip()


def _include(found: re.Match) -> str:
    if found[1] not in FRAGMENTS:
        raise ValueError(f"@{found[1]}(...): not a fragment of sql/ ({', '.join(FRAGMENTS)})")
    return substitute(_body(found[1]), {"arg": found[2].strip()})


@cache
def query(name: str, markers: frozenset[str] = frozenset()) -> str:
    """sql/<name>.sql as it is sent: without its leading comment, fragments included, the lines of the active
    markers uncommented and those of the others left out."""
    body = _INCLUDE.sub(_include, _body(name))
    return _MARKER.sub(lambda found: found[2] if found[1] in markers else "", body).rstrip()


def substitute(template: str, variables: dict[str, object]) -> str:
    """The template's psql variables replaced (see the module's docstring); KeyError for one not given."""

    def one(found: re.Match) -> str:
        identifier, literal, raw = found.groups()
        if identifier:
            value = variables[identifier]
            if isinstance(value, list):
                return ", ".join(map(quote_ident, value))
            return qualified(*value) if isinstance(value, tuple) else quote_ident(value)
        if literal:
            value = variables[literal]
            return ", ".join(map(quote_literal, value)) if isinstance(value, list) else quote_literal(value)
        value = variables[raw]
        if not isinstance(value, str):
            raise TypeError(f":{raw} takes SQL text, not {value!r}")
        return value

    return _VARIABLE.sub(one, template)


def compose(name: str, /, *, markers: Collection[str] = (), **variables: object) -> str:
    """The template sql/<name>.sql with its variables replaced and the optional lines of `markers` kept."""
    return substitute(query(name, frozenset(markers)), variables)


def statements(name: str, /, **variables: object) -> tuple[str, ...]:
    """The statements of sql/<name>.sql (each ends with `;` at the end of a line), without their `;`, each
    with its variables replaced."""
    return tuple(substitute(s.strip(), variables) for s in _END.split(query(name)) if s.strip())

