"""Rules on sequences of their own (`sequences:`): their names in the schema's relation namespace, settings that
CREATE SEQUENCE accepts (an increment other than 0, min below max, start between them, all within the `as`
type), and an `owned_by` naming a column of a table of the same schema. Sequences are shared objects: no `{org}`.
"""
from __future__ import annotations

import re

from schemagen import model as m
from schemagen.rules.context import Context

_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def sequences(ck: Context) -> None:
    """Every sequence of the database: claimed after the tables, views and aggregates, so a collision is reported
    at the sequence."""
    for q in ck.db.sequences:
        what = f"sequence {q.qname}"
        placeholder = _PLACEHOLDER.search(q.name)
        if placeholder:
            ck.add(q.source, f"{what}: `{placeholder[0]}` stays literally in a sequence's name: sequences are shared "
                             "objects (only the names of tables, views and continuous aggregates are org templates)")
        ck.claim(q.schema, q.name, "sequence", q.source, None)
        _settings(ck, q, what)
        if q.owned_by is not None:
            _owner(ck, q, what)


def _settings(ck: Context, q: m.Sequence, what: str) -> None:
    low, high = m.SEQUENCE_TYPES[q.as_type]
    if q.increment == 0:
        ck.add(q.source, f"{what}: increment must not be 0")
    for key, value in (("increment", q.increment), ("cache", q.cache)):
        if not -2 ** 63 <= value < 2 ** 63:
            ck.add(q.source, f"{what}: {key} {value} does not fit in a bigint")
    for key, value in (("min", q.min), ("max", q.max)):
        if not low <= value <= high:
            ck.add(q.source, f"{what}: {key} {value} is out of range for its type {q.as_type} ({low} to {high})")
    if q.min >= q.max:
        ck.add(q.source, f"{what}: min ({q.min}) must be less than max ({q.max})")
    elif not q.min <= q.start <= q.max:
        ck.add(q.source, f"{what}: start {q.start} is not within min..max ({q.min} to {q.max})")


def _owner(ck: Context, q: m.Sequence, what: str) -> None:
    table, column = q.owned_by
    if not column:
        ck.add(q.source, f"{what}: owned_by {table!r} must be `table.column`, a column of a table of schema "
                         f"{q.schema}")
        return
    if "{org}" in table:
        ck.add(q.source, f"{what}: owned_by {table}.{column}: an org table is stamped out per org; a shared "
                         "sequence cannot belong to one")
        return
    t = ck.tables.get((q.schema, table))
    if t is None:
        names = [n for (s, n), o in ck.tables.items() if s == q.schema and o.org is None]
        hint = ck.hint(table, names)
        ck.add(q.source, f"{what}: owned_by names unknown table {table!r} of schema {q.schema} (a sequence belongs "
                         "to a table of its own schema)" + (f"; did you mean {hint!r}?" if hint else ""))
    elif t.column(column) is None:
        hint = ck.hint(column, [c.name for c in t.columns])
        ck.add(q.source, f"{what}: owned_by names unknown column {column!r} of {t.qname}"
               + (f"; did you mean {hint!r}?" if hint else ""))
