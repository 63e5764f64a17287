"""Operations on a column changed in place: its default, NOT NULL, type and comment (one step each, each reversing
to the old value).

A default or a comment is a catalog change (a brief lock, no scan). SET NOT NULL reads every row under an ACCESS
EXCLUSIVE lock (on a hypertable with compression, inside every compressed chunk too); the rows that hold NULL are
counted at plan time on a live database. A type change rewrites the table and its indexes unless PostgreSQL
knows the new type as binary-compatible (a longer varchar, varchar to text); TimescaleDB refuses it on a
hypertable with compression (planner.py lists it as not planned).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import ClassVar

from schemagen import model as m
from schemagen.plan.ops import DECOMPRESSION, INDEX_BUILD, TABLE_REWRITE, Hazard, Op, columnstore, lock_hazard
from schemagen.plan.tables import violating
from schemagen.render import sql
from schemagen.sqltext import quote_ident

_VARCHAR = re.compile(r"character varying(?:\((\d+)\))?\Z")


def _name(t: m.Table, c: m.Column) -> str:
    return f"{quote_ident(c.name)} of {t.qname}"


@dataclass(frozen=True)
class SetDefault(Op):
    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "set_default"
    rank: ClassVar[int] = 64
    table: m.Table
    column: m.Column  # as it will be
    old: m.Column  # as it is

    def statements(self) -> tuple[str, ...]:
        return (sql("plan_table", "set_default", self.table, self.column),)

    def hazards(self) -> tuple[Hazard, ...]:
        held = lock_hazard(self.table)
        return (Hazard(held.kind, held.message + " (briefly: existing rows keep their values)"),)

    def reverse(self) -> tuple[Op, ...]:
        return (SetDefault(self.key, self.org, self.table, self.old, self.column),)

    def describe(self) -> str:
        what = f"set the default of {_name(self.table, self.column)} to {self.column.default}"
        return what if self.column.default is not None else f"drop the default of {_name(self.table, self.column)}"


@dataclass(frozen=True)
class SetComment(Op):
    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "set_comment"
    rank: ClassVar[int] = 64
    table: m.Table
    column: m.Column
    old: m.Column

    def statements(self) -> tuple[str, ...]:
        return (sql("table", "comment_column", self.table, self.column),)

    def reverse(self) -> tuple[Op, ...]:
        return (SetComment(self.key, self.org, self.table, self.old, self.column),)

    def describe(self) -> str:
        return f"comment on column {_name(self.table, self.column)}"


@dataclass(frozen=True)
class SetNotNull(Op):
    """SET NOT NULL (column.not_null) or DROP NOT NULL."""

    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "set_not_null"
    rank: ClassVar[int] = 65  # after the defaults and backfills a team plans before it
    table: m.Table
    column: m.Column
    old: m.Column
    violations: int | None = None  # rows holding NULL, counted at plan time

    def statements(self) -> tuple[str, ...]:
        return (sql("plan_table", "set_not_null", self.table, self.column),)

    def hazards(self) -> tuple[Hazard, ...]:
        t, c = self.table, self.column
        if not c.not_null:
            held = lock_hazard(t)
            return (Hazard(held.kind, held.message + " (briefly: no row is read)"),)
        out = [lock_hazard(t, what="reads and writes while every row is read"),
               violating(t, "NOT NULL on", quote_ident(c.name), self.violations, "make the step fail")]
        if columnstore(t):
            out.append(Hazard(DECOMPRESSION, f"NOT NULL on {quote_ident(c.name)} is checked inside every "
                                             f"compressed chunk of {t.qname}"))
        return tuple(out)

    def reverse(self) -> tuple[Op, ...]:
        return (SetNotNull(self.key, self.org, self.table, self.old, self.column),)

    def counts(self) -> tuple[str, object] | None:
        return ("null", self.column) if self.column.not_null else None

    def describe(self) -> str:
        how = "set NOT NULL on" if self.column.not_null else "drop NOT NULL of"
        return f"{how} column {_name(self.table, self.column)}"


def binary_compatible(old: str, new: str) -> bool:
    """A type change PostgreSQL makes without rewriting the table: varchar to a longer (or unbounded) varchar or
    to text."""
    was, now = _VARCHAR.match(old), _VARCHAR.match(new)
    if was and new == "text":
        return True
    if was and now:
        return now[1] is None or (was[1] is not None and int(now[1]) >= int(was[1]))
    return False


@dataclass(frozen=True)
class AlterType(Op):
    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "alter_type"
    rank: ClassVar[int] = 56  # first among the changes of existing tables: constraints, defaults are for the new type
    table: m.Table
    column: m.Column
    old: m.Column

    def statements(self) -> tuple[str, ...]:
        """The old default dropped first (it may not cast to the new type), the type changed with an explicit
        cast of each value (USING), the new default set."""
        t, c = self.table, replace(self.column, serial=False)
        out = [sql("plan_table", "set_default", t, replace(self.old, default=None))] if self.old.default else []
        out.append(sql("plan_table", "alter_type", t, c, not binary_compatible(self.old.type, c.type)))
        if c.default is not None:
            out.append(sql("plan_table", "set_default", t, c))
        return tuple(out)

    def hazards(self) -> tuple[Hazard, ...]:
        t, c = self.table, self.column
        if binary_compatible(self.old.type, c.type):
            held = lock_hazard(t)
            return (Hazard(held.kind, held.message + f" (briefly: {self.old.type} to {c.type} reads no row)"),)
        chunks = " and every chunk" if t.hypertable else ""
        out = [lock_hazard(t, what="reads and writes while the table is rewritten"),
               Hazard(TABLE_REWRITE, f"{t.qname}{chunks} is rewritten to turn {quote_ident(c.name)} from "
                                     f"{self.old.type} into {c.type}; a value that does not convert makes the "
                                     "step fail")]
        if any(e.column == c.name for i in t.indexes for e in i.elements) or (
                t.primary_key and c.name in t.primary_key.columns):
            out.append(Hazard(INDEX_BUILD, f"the indexes on {quote_ident(c.name)} of {t.qname} are rebuilt"))
        return tuple(out)

    def reverse(self) -> tuple[Op, ...]:
        return (AlterType(self.key, self.org, self.table, self.old, self.column),)

    def describe(self) -> str:
        return f"change the type of column {_name(self.table, self.column)} from {self.old.type} to {self.column.type}"
