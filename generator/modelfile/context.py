"""What every part of the builder shares: the document, the problems found so far, and the written values.

`Context` puts a problem at the line of the object it is about and turns written scalars into the model's
canonical forms (types, intervals, SQL text); the helpers below read the small notations of the model file
(`column DESC NULLS LAST`, `schema.table(column)`).
"""
from __future__ import annotations

import re

from schemagen import model as m
from schemagen.document import Document, PathT, dotted
from schemagen.errors import Problem
from schemagen.modelfile.typenames import resolve, written
from schemagen.sqlparse import Budget, trim
from schemagen.sqltext import Interval, canonical_type

_FLOAT_P = re.compile(r"\s*float\s*\(\s*(\d+)\s*\)(\s*(?:\[\s*\]\s*)*)$", re.I | re.A)
_QUOTED = re.compile(r'\s*"((?:[^"]|"")+)"(?=\s|$)')


class Context:
    """The document being built and the problems found in it (what cannot be built: bad types, intervals,
    references); `org_keys` are the model's orgs, for messages about an org's copy of a template."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.problems: list[Problem] = []
        self.org_keys: list[str] = []
        self.budget = Budget()  # the parse work of the aggregates' expressions (validation has its own)
        self.model_types: set[tuple[str, str]] = set()  # (schema, name) of the current database's `types:`

    def fail(self, path: PathT, message: str) -> None:
        self.problems.append(self.doc.problem(path, message, key=True))

    def src(self, path: PathT) -> m.Source:
        """Where an object is: the line of its name (its key), else of its value."""
        line, col = self.doc.where(path, key=True)
        return m.Source(self.doc.file, line, col, dotted(path))

    def interval(self, value, path: PathT) -> Interval | int | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            if not -2 ** 63 <= value < 2 ** 63:
                self.fail(path, f"{value} is out of range: an integer interval must fit in a bigint")
                return None
            return value
        if isinstance(value, float):
            return None  # the JSON Schema reports it (an integer or a string): one message per problem
        try:
            parsed = Interval.parse(value)
        except ValueError as e:
            self.fail(path, str(e))
            return None
        if max(abs(parsed.months), abs(parsed.days)) >= 2 ** 31 or abs(parsed.usecs) >= 2 ** 63:
            self.fail(path, f"interval {value!r} is out of range: PostgreSQL refuses it")
            return None
        return parsed

    def type_(self, text: str, path: PathT) -> str:
        schema = path[3] if len(path) > 3 and path[2] == "schemas" else None
        mine = written(text, schema, self.model_types) if self.model_types else None
        if mine:  # a model type: `schema.name`, unqualified in the schema of the path
            return mine
        float_p = _FLOAT_P.match(text)
        if float_p:  # float(p): PostgreSQL's real for p <= 24, double precision above (format_type prints that)
            text = ("real" if int(float_p[1]) <= 24 else "double precision") + float_p[2]
        try:
            canonical = canonical_type(text)
        except ValueError:
            self.fail(path, f"{text!r} is not a type (write it as in SQL: integer, varchar(50), timestamptz, "
                            "numeric(18,8), text[])")
            return "text"
        return resolve(canonical, schema, self.model_types) if self.model_types else canonical

    def sql(self, text: object, statement: bool = False) -> str:
        return trim(sql_scalar(text), statement)


# --- the written values ----------------------------------------------------------------------------------------

def sql_scalar(value: object) -> str:
    """A default given as a YAML scalar (`default: false`, `default: 0`) becomes SQL text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def comment_of(spec: dict) -> str | None:
    """A comment; an empty one is none: PostgreSQL's COMMENT ON ... IS '' removes the comment."""
    return spec.get("comment") or None


def str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def parse_reference(text: str) -> tuple[str | None, str | None, str | None]:
    """`schema.table(column)` or `table(column)` -> (schema, table, column); (None, None, None) if malformed."""
    text = text.strip()
    if not text.endswith(")") or "(" not in text:
        return None, None, None
    head, _, col = text[:-1].partition("(")
    head, col = head.strip(), col.strip()
    schema, _, table = head.rpartition(".")
    if not table or not col or "(" in col or ")" in col:
        return None, None, None
    return (schema or None), table, col


def parse_ordered(text: str) -> tuple[str, bool, bool | None] | None:
    """`name [ASC|DESC] [NULLS FIRST|LAST]` -> (name, descending, nulls_first); None if malformed. A name with
    blanks is written in double quotes, as in SQL: `"my time" DESC`."""
    quoted = _QUOTED.match(text)
    words = ([quoted[1].replace('""', '"')] + text[quoted.end():].split()) if quoted else text.split()
    if not words:
        return None
    name, rest = words[0], [w.lower() for w in words[1:]]
    descending = False
    if rest[:1] in (["asc"], ["desc"]):
        descending = rest.pop(0) == "desc"
    nulls = None
    if rest[:1] == ["nulls"] and len(rest) == 2 and rest[1] in ("first", "last"):
        nulls = rest[1] == "first"
        rest = []
    return None if rest else (name, descending, nulls)
