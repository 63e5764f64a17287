"""Changes: the differences between a live database and the model, one object part at a time.

A Change names its object by key (model.ObjectKey: kind, schema, name, and the signature of a function,
procedure, aggregate or operator), the org it belongs to, the part of the object that differs as a path
(`("column", "id", "type")`, `("index", "ix")`, `()` for the object itself) and the two values, typed: a bool stays
a bool, an Interval an Interval, a list of columns a tuple, a changed row's columns a dict; None is absence. Text
is made only at the report edge: `object`, `attribute`, `expected_text`, `actual_text`, `summary()`, and the
reports (compare/report.py), which sort by that text.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import total_ordering

from schemagen.model import ObjectKey
from schemagen.sqltext import Interval, qualified, quote_ident, quote_literal

# A part path: names after the word that introduces them; a tuple segment is a list (`name, unit`). A segment is a
# word of NAMED followed by its name, or a word on its own (`type`, `hypertable`, `column order`).
Part = tuple[object, ...]


def _grantee(name: str) -> str:
    return "PUBLIC" if name == "PUBLIC" else quote_ident(name or "?")


def _row_key(pairs: tuple[tuple[str, object], ...]) -> str:
    return ", ".join(f"{c}={quote_literal(v)}" for c, v in pairs)


# the words of a part path followed by a name, and how that pair reads ("column id", "privileges of PUBLIC")
NAMED: dict[str, Callable[[object], str] | None] = {
    **dict.fromkeys(("column", "index", "primary key", "unique", "foreign key", "check", "trigger", "dimension",
                     "rule", "policy", "constraint", "option"), None),
    "sequence": lambda name: f"sequence {quote_ident(name)}",
    "privileges of": lambda name: f"privileges of {_grantee(name)}",
    "row": _row_key,  # a seed or org row by its key: (("id", "site"),) reads id='site'
}


def part_text(part: Part) -> str:
    """("column", "id", "type") -> "column id: type"; () -> ""."""
    segments, i = [], 0
    while i < len(part):
        word = part[i]
        if isinstance(word, str) and word in NAMED and i + 1 < len(part):
            shown = NAMED[word]
            segments.append(shown(part[i + 1]) if shown else f"{word} {part[i + 1]}")
            i += 2
        else:
            segments.append(", ".join(word) if isinstance(word, tuple) else str(word))
            i += 1
    return ": ".join(segments)


def value_text(value: object) -> str | None:
    """A value as the reports show it: booleans true/false, intervals by their length, lists comma-separated, a
    changed row's columns as a JSON object; None (absent) stays None. An interval in one form on both sides
    (Interval.canonical: `1 hour`, `2 days`), whether the model wrote `60 minutes` or the server printed `01:00:00`."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Interval):
        return value.canonical
    if isinstance(value, (tuple, list)):
        return ", ".join(str(value_text(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def object_text(key: ObjectKey, overloaded: bool = False) -> str:
    """The object as the reports name it: the qualified name, quoted as PostgreSQL needs; an extension's name; a
    procedure's or aggregate's with its arguments, an operator's with its operand types; a function's with its
    argument types only where its name is overloaded."""
    if key.kind == "extension":
        return key.name
    if key.kind == "schema":
        return qualified(None, key.name)
    if key.kind == "operator":  # operator names are never quoted: shop.=== (integer, integer)
        return f"{quote_ident(key.schema)}.{key.name} {key.signature}"
    if key.kind == "function" and not overloaded:
        return qualified(key.schema, key.name)
    return qualified(key.schema, key.name) + key.signature


@total_ordering
@dataclass(frozen=True)
class Change:
    database: str
    org: str  # "" for shared objects
    key: ObjectKey  # kind: table, view, materialized view, continuous aggregate, function, extension, schema,
    #                 seed row, org row (a row's key names its table), or an extra object's kind (sequence, ...)
    change: str  # missing | extra | changed
    part: Part = ()  # what differs: ("column", "value", "type"), ("index", "ix_x") (a missing part), () the object
    expected: object = None
    actual: object = None
    overloaded: bool = False  # a function whose name has several signatures: its name is shown with them

    @property
    def kind(self) -> str:
        return self.key.kind

    @property
    def object(self) -> str:
        return object_text(self.key, self.overloaded)

    @property
    def attribute(self) -> str:
        return part_text(self.part)

    @property
    def expected_text(self) -> str | None:
        return value_text(self.expected)

    @property
    def actual_text(self) -> str | None:
        return value_text(self.actual)

    def sort_key(self) -> tuple[str, ...]:
        """Database, org (shared objects first), kind, object, change, attribute, values: all as shown."""
        return (self.database, self.org, self.kind, self.object, self.change, self.attribute,
                self.expected_text or "", self.actual_text or "")

    def __lt__(self, other: Change) -> bool:
        return self.sort_key() < other.sort_key()

    def summary(self) -> str:
        who = f"[org {self.org}] " if self.org else ""
        if self.change == "changed":
            return (f"{who}{self.kind} {self.object}: {self.attribute}: expected {shown(self.expected_text)}, "
                    f"found {shown(self.actual_text)}")
        what = f" {self.attribute}" if self.attribute else ""
        return f"{who}{self.kind} {self.object}{what}: {self.change}"


def shown(value: str | None) -> str:
    return "(none)" if value is None else value
