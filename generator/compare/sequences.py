"""Sequences of their own, compared: their settings as facts, and the one case where the catalog cannot tell a
declared sequence from a serial column's.

A column whose default reads nextval() of a sequence OWNED BY that column is exactly what `serial` makes, and the
catalogs read it back so (serial, no default). When the model declares that sequence with `owned_by:` that column,
and the live sequence of that name is owned by it, the model's column is compared in that form too; otherwise
(the OWNED BY changed out of band) it is compared as written, and the sequence's `owned_by` says what changed.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.compare.facts import Facts
from schemagen.model import replace
from schemagen.sqltext import qualified


def owned_by(q: m.Sequence) -> str | None:
    return None if q.owned_by is None else f"{qualified(q.schema, q.owned_by[0])}.{qualified(None, q.owned_by[1])}"


def sequence_facts(q: m.Sequence) -> Facts:
    f = Facts()
    f.put("as", value=q.as_type)
    for attr in ("start", "increment", "min", "max", "cache", "cycle"):
        f.put(attr, value=getattr(q, attr))
    f.put("owned_by", value=owned_by(q))
    f.put("comment", value=q.comment)
    return f


def not_extra(q: m.Sequence) -> bool:
    """A live sequence the model does not declare that a column owns: its table's (a serial column's, checked by
    the behaviour rows of sql/sequences.sql), not an extra object."""
    return q.owned_by is not None


def owned_columns(db: m.Database) -> dict[tuple[str, str, str], m.Sequence]:
    """(schema, table, column) -> the declared sequence that column owns."""
    return {(q.schema, *q.owned_by): q for q in db.sequences if q.owned_by is not None}


def as_read(expected: m.Database, actual: m.Database) -> m.Database:
    """The expected side with each column that owns a declared sequence (owned so live too) in the form the
    catalogs read such a column: serial, its default implied."""
    live = {(q.schema, q.name): q.owned_by for q in actual.sequences}
    owners = {k: q for k, q in owned_columns(expected).items() if live.get((q.schema, q.name)) == q.owned_by}
    if not owners:
        return expected
    tables = []
    for t in expected.tables:
        if any((t.schema, t.name, c.name) in owners for c in t.columns):
            t = replace(t, columns=tuple(
                replace(c, serial=True, default=None)
                if (t.schema, t.name, c.name) in owners and c.default and "nextval" in c.default.lower() else c
                for c in t.columns))
        tables.append(t)
    return replace(expected, tables=tuple(tables))
