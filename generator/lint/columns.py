"""Column types and nullability: timestamp without time zone, json, serial, free text for a small set of values,
and columns that look required but take NULL."""
from __future__ import annotations

import re
from collections.abc import Iterator

from schemagen import model as m
from schemagen.lint.findings import Scope, name_of, rule
from schemagen.lint.sqlbits import in_list_length
from schemagen.sqltext import base_type

Found = Iterator[tuple[m.Source, str, str]]

# Names of columns that usually hold one of a few values (`status`, `order_type`, `log_level`).
ENUM_LIKE = re.compile(r"(?:^|_)(?:status|state|kind|type|category|level|severity|priority|role|mode|phase|stage|"
                       r"side|direction|gender)$")
NOT_ENUM_LIKE = frozenset({"content_type", "mime_type", "media_type", "data_type", "column_type", "type_name"})
TEXT_TYPES = frozenset({"text", "character varying", "character"})
# Names of columns every row has a value for: when it was written or changed.
REQUIRED_LIKE = re.compile(r"^(?:created|inserted|updated|modified)(?:_at|_on|_ts|_time)?$")


def _columns(scope: Scope) -> Iterator[tuple[m.Table, m.Column]]:
    for t in scope.tables:
        for c in t.columns:
            yield t, c


@rule("SG121", "warning", "timestamp-without-time-zone",
      "use `timestamptz` (timestamp with time zone): it stores an instant, whatever the session's time zone")
def timestamp_without_time_zone(scope: Scope) -> Found:
    """`timestamp` drops the offset it is given: 12:00+02 and 12:00-06 are stored alike, and now() is written in
    the session's time zone."""
    for t, c in _columns(scope):
        if base_type(c.type) == "timestamp without time zone":
            yield c.source, f"{name_of(t)}.{c.name}", f"column {name_of(t)}.{c.name} is {c.type}"


@rule("SG122", "warning", "json-not-jsonb",
      "use `jsonb`: binary, indexable with GIN, with equality; json only keeps key order and duplicate keys")
def json_not_jsonb(scope: Scope) -> Found:
    for t, c in _columns(scope):
        if base_type(c.type) == "json":
            yield c.source, f"{name_of(t)}.{c.name}", f"column {name_of(t)}.{c.name} is {c.type}, not jsonb"


@rule("SG123", "warning", "serial-not-identity",
      "use `type: bigint` with `identity: always` (or `by default`): the SQL-standard form, no separate grants")
def serial_not_identity(scope: Scope) -> Found:
    """serial makes a sequence of its own, with its own owner and privileges, that a copy of the table (CREATE
    TABLE ... LIKE) shares; an identity column's sequence belongs to the column."""
    for t, c in _columns(scope):
        if c.serial:
            yield c.source, f"{name_of(t)}.{c.name}", f"column {name_of(t)}.{c.name} is serial ({c.type})"


@rule("SG124", "info", "text-for-enum-like-values",
      "constrain it: a CHECK (col IN (...)), an enum type (`types:`), or a foreign key to a table of the values")
def text_for_enum_like(scope: Scope) -> Found:
    """A text column named like a small set of values (status, type, level, ...) that nothing constrains: any
    spelling goes in ('Active', 'active ', 'actve')."""
    for t, c in _columns(scope):
        if base_type(c.type) not in TEXT_TYPES or c.name in NOT_ENUM_LIKE or not ENUM_LIKE.search(c.name):
            continue
        if _constrained(t, c):
            continue
        yield c.source, f"{name_of(t)}.{c.name}", (
            f"column {name_of(t)}.{c.name} ({c.type}) looks like a small set of values, but no CHECK, enum or "
            "foreign key constrains it")


def _constrained(t: m.Table, c: m.Column) -> bool:
    mentions = re.compile(rf'(?<![\w"]){re.escape(c.name)}(?![\w"])|"{re.escape(c.name)}"')
    return (any(c.name in fk.columns for fk in t.foreign_keys)
            or any(mentions.search(ck.expression) for ck in t.checks)
            or bool(t.primary_key and c.name in t.primary_key.columns))


@rule("SG125", "warning", "nullable-required-column",
      "add `not_null: true` (a DEFAULT or a CHECK does not stop an explicit NULL)")
def nullable_required(scope: Scope) -> Found:
    """A nullable column that looks required: it has a DEFAULT (an explicit NULL still goes in), a CHECK of its own
    naming its values (`status IN (...)`: a NULL passes every CHECK), or the name of a row's creation or change
    time. A CHECK of a range (`battery_soc BETWEEN 0 AND 100`) says nothing of whether a value is required."""
    for t, c in _columns(scope):
        if c.not_null or (t.primary_key and c.name in t.primary_key.columns):
            continue
        why = _looks_required(t, c)
        if why:
            yield c.source, f"{name_of(t)}.{c.name}", f"column {name_of(t)}.{c.name} may be NULL, but {why}"


def _looks_required(t: m.Table, c: m.Column) -> str | None:
    if c.default is not None and c.default.strip().lower() != "null":
        return f"it has a default ({c.default}): a NULL written explicitly is kept"
    for ck in t.checks:
        if in_list_length(ck.expression, c.name) is not None and _only_column(t, ck.expression, c.name) \
                and not re.search(r"\bis\s+(not\s+)?null\b|coalesce", ck.expression, re.I):
            return f"a CHECK ({ck.name}) names its values, and a NULL passes every CHECK"
    if REQUIRED_LIKE.match(c.name):
        return "its name says every row has one"
    return None


def _only_column(t: m.Table, expression: str, column: str) -> bool:
    """The CHECK names no other column of the table (a check across columns may mean to allow NULL)."""
    others = [o.name for o in t.columns if o.name != column]
    return not any(re.search(rf'(?<![\w"]){re.escape(o)}(?![\w"])|"{re.escape(o)}"', expression) for o in others)
