"""Operations on tables: create and drop a table, add and drop a column, add, validate and drop a constraint.

A created table is rendered exactly as `render` creates it (render/statements.py, every phase of one table:
columns, keys, hypertable, indexes, compression, policies, triggers, seed rows), so a planned table and an
applied one are the same.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from schemagen import model as m
from schemagen.plan.ops import (
    DATA_LOSS,
    DECOMPRESSION,
    INDEX_BUILD,
    IRREVERSIBLE,
    TABLE_REWRITE,
    VIOLATING_ROWS,
    Hazard,
    Irreversible,
    Op,
    columnstore,
    lock_hazard,
)
from schemagen.render import sql
from schemagen.render import statements as st
from schemagen.scripts import PHASES
from schemagen.sqltext import quote_ident

# A default that is a constant: a number, a quoted string (with a cast), a boolean or NULL. Anything else may be
# volatile (random(), clock_timestamp()), which rewrites a plain table and is refused on a columnstore hypertable.
_CONSTANT = re.compile(r"\s*(-?\d+(\.\d+)?|'([^']|'')*'(::[a-z][a-z0-9_ ]*(\(\d+(,\d+)?\))?)?|true|false|null)\s*\Z",
                       re.I)


def constant_default(expression: str | None) -> bool:
    return expression is None or bool(_CONSTANT.match(expression))


def table_statements(t: m.Table, ts: str) -> tuple[str, ...]:
    """Every statement `render` creates the table with, in phase order (ts: TimescaleDB's schema, unquoted)."""
    out: list[str] = []
    objs = st.Objects([t], [], [], ts=ts)
    for phase in PHASES:
        st.init(phase.name, None, objs, lambda text, *args, **kw: out.append(text))
    return tuple(out)


@dataclass(frozen=True)
class CreateTable(Op):
    op: ClassVar[str] = "create_table"
    rank: ClassVar[int] = 60
    table: m.Table
    ts: str
    position: int = 0  # in the dependency order of the tables created (foreign key targets first)

    def needs(self) -> frozenset[str]:
        t = self.table
        out = {m.FEATURE_TIMESCALEDB} if t.hypertable else set()
        out |= {m.FEATURE_COMPRESSION} if t.compression else set()
        out |= {m.FEATURE_POLICY} if t.retention or (t.compression and t.compression.after is not None) else set()
        return frozenset(out)

    def statements(self) -> tuple[str, ...]:
        return table_statements(self.table, self.ts)

    def reverse(self) -> tuple[Op, ...]:
        return (DropTable(self.key, self.org, self.table, self.ts, -self.position),)

    def describe(self) -> str:
        return f"create table {self.table.qname}"

    def order(self) -> tuple:
        return (self.position, self.object)


@dataclass(frozen=True)
class DropTable(Op):
    op: ClassVar[str] = "drop_table"
    rank: ClassVar[int] = 50
    table: m.Table
    ts: str
    position: int = 0  # referrers before the tables they reference

    def statements(self) -> tuple[str, ...]:
        return (sql("table", "drop", self.table),)

    def hazards(self) -> tuple[Hazard, ...]:
        t = self.table
        rows = f"every row of hypertable {t.qname} and all its chunks" if t.hypertable else f"every row of {t.qname}"
        return (Hazard(DATA_LOSS, f"the table is dropped with {rows}"), lock_hazard(t),
                Hazard(IRREVERSIBLE, f"the rollback creates {t.qname} again, empty: its rows are gone"))

    def reverse(self) -> tuple[Op, ...]:
        return (CreateTable(self.key, self.org, self.table, self.ts, -self.position),)

    def describe(self) -> str:
        return f"drop table {self.table.qname}"

    def order(self) -> tuple:
        return (self.position, self.object)


@dataclass(frozen=True)
class AddColumn(Op):
    op: ClassVar[str] = "add_column"
    rank: ClassVar[int] = 57  # before the new tables, whose foreign keys may reference it
    table: m.Table
    column: m.Column
    violations: int | None = None  # the rows of the table, counted at plan time (NOT NULL without a default)

    def statements(self) -> tuple[str, ...]:
        out = [sql("plan_table", "add_column", self.table, self.column)]
        if self.column.comment is not None:
            out.append(sql("table", "comment_column", self.table, self.column))
        return tuple(out)

    def hazards(self) -> tuple[Hazard, ...]:
        c, t = self.column, self.table
        out = [lock_hazard(t)]
        if not constant_default(c.default):
            out.append(Hazard(TABLE_REWRITE, f"the default of {quote_ident(c.name)} ({c.default}) is not a "
                                             f"constant: if it is volatile, every row of {t.qname} is rewritten"))
        if c.not_null and c.default is None:
            out.append(self._rows())
        return tuple(out)

    def _rows(self) -> Hazard:
        c, t, n = self.column, self.table, self.violations
        what = f"{quote_ident(c.name)} is NOT NULL without a default: the step fails if {t.qname} holds any row"
        if n is None:
            return Hazard(VIOLATING_ROWS, what)
        if n == 0:
            return Hazard(VIOLATING_ROWS, f"{what}; it was empty when the plan was made")
        held = f"{n:,} or more" if n >= 1_000_000 else f"{n:,}"
        return Hazard(VIOLATING_ROWS, f"{what}, and it held {held} row(s) when the plan was made: give the column "
                                      "a default, or add it nullable, backfill it, then set NOT NULL")

    def reverse(self) -> tuple[Op, ...]:
        return (DropColumn(self.key, self.org, self.table, self.column),)

    def counts(self) -> tuple[str, object] | None:
        return ("not null", self.column) if self.column.not_null and self.column.default is None else None

    def describe(self) -> str:
        return f"add column {quote_ident(self.column.name)} to {self.table.qname}"

    def order(self) -> tuple:
        """A table's new columns in the model's order: PostgreSQL appends each at the end."""
        names = [c.name for c in self.table.columns]
        return (0, self.object, names.index(self.column.name) if self.column.name in names else len(names))


@dataclass(frozen=True)
class DropColumn(Op):
    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "drop_column"
    rank: ClassVar[int] = 52  # after the tables dropped, whose foreign keys may reference it
    table: m.Table
    column: m.Column

    def statements(self) -> tuple[str, ...]:
        return (sql("plan_table", "drop_column", self.table, self.column),)

    def hazards(self) -> tuple[Hazard, ...]:
        name, t = quote_ident(self.column.name), self.table
        return (Hazard(DATA_LOSS, f"column {name} of {t.qname} is dropped with its values"), lock_hazard(t),
                Hazard(IRREVERSIBLE, f"the rollback adds {name} again, empty (or with its default): its values "
                                     "are gone"))

    def reverse(self) -> tuple[Op, ...]:
        return (AddColumn(self.key, self.org, self.table, self.column),)

    def describe(self) -> str:
        return f"drop column {quote_ident(self.column.name)} of {self.table.qname}"


Constraint = m.Check | m.Unique | m.PrimaryKey | m.ForeignKey

# a unique key (UNIQUE, PRIMARY KEY) added to a hypertable with compression: TimescaleDB checks it inside the
# compressed chunks, shown on 2.23 (commands/plan.py refuses it on older servers, where it is not shown to work)
KEY_WITH_CHUNKS = "a unique key added to a hypertable with compression"


@dataclass(frozen=True)
class AddConstraint(Op):
    """ADD CONSTRAINT: NOT VALID on a plain table (checks and foreign keys: no scan under the lock; a
    ValidateConstraint step follows), validated at once on a hypertable, where TimescaleDB ignores NOT VALID and
    refuses VALIDATE once compression is on."""

    op: ClassVar[str] = "add_constraint"
    table: m.Table
    kind: str  # check | unique | primary key | foreign key
    constraint: Constraint
    not_valid: bool = False
    violations: int | None = None  # counted at plan time on a live database (None: not counted)

    @property  # type: ignore[override]
    def rank(self) -> int:
        """A unique or check before the new tables (their foreign keys may need a new unique key); a foreign key
        after them (it may reference one)."""
        return 62 if self.kind == "foreign key" else 58

    def needs(self) -> frozenset[str]:
        keyed = self.kind in ("unique", "primary key") and columnstore(self.table)
        return frozenset({KEY_WITH_CHUNKS} if keyed else ())

    def statements(self) -> tuple[str, ...]:
        return (sql("plan_table", "add_constraint", self.table, self.kind, self.constraint, self.not_valid),)

    def hazards(self) -> tuple[Hazard, ...]:
        t, name = self.table, quote_ident(self.constraint.name)
        if self.not_valid:
            lock = "SHARE ROW EXCLUSIVE" if self.kind == "foreign key" else "ACCESS EXCLUSIVE"
            held = lock_hazard(t, lock)
            return (Hazard(held.kind, held.message + " (briefly: NOT VALID reads no rows)"),)
        out = [self._lock(), violating(t, self.kind, name, self.violations, "make the step fail")]
        if self.kind == "primary key":
            every = "every chunk of hypertable " if t.hypertable else ""
            out.append(Hazard(INDEX_BUILD, f"the unique index of primary key {name} is built over every row of "
                                           f"{every}{t.qname}, under that lock; its columns become NOT NULL"))
        if columnstore(t):
            out.append(Hazard(DECOMPRESSION, f"{self.kind} {name} is checked inside every compressed chunk of "
                                             f"{t.qname} too"))
        return tuple(out)

    def _lock(self) -> Hazard:
        """A validated ADD: a primary key blocks reads too (ACCESS EXCLUSIVE), a unique key's SHARE writes only."""
        if self.kind == "primary key":
            return lock_hazard(self.table)
        return lock_hazard(self.table, "SHARE" if self.kind == "unique" else "ACCESS EXCLUSIVE", "writes")

    def reverse(self) -> tuple[Op, ...]:
        return (DropConstraint(self.key, self.org, self.table, self.kind, self.constraint),)

    def counts(self) -> tuple[str, object] | None:
        return None if self.not_valid else (self.kind, self.constraint)

    def describe(self) -> str:
        how = " (NOT VALID)" if self.not_valid else ""
        return f"add {self.kind} {quote_ident(self.constraint.name)} to {self.table.qname}{how}"


@dataclass(frozen=True)
class ValidateConstraint(Op):
    op: ClassVar[str] = "validate_constraint"
    rank: ClassVar[int] = 63
    table: m.Table
    kind: str
    constraint: Constraint
    violations: int | None = None  # as AddConstraint's

    def statements(self) -> tuple[str, ...]:
        return (sql("plan_table", "validate_constraint", self.table, self.constraint.name),)

    def hazards(self) -> tuple[Hazard, ...]:
        t, name = self.table, quote_ident(self.constraint.name)
        lock = lock_hazard(t, "SHARE UPDATE EXCLUSIVE", "other schema changes (reads and writes go on)")
        return (lock, violating(t, self.kind, name, self.violations, "make the step fail; the constraint then "
                                                                     "stays NOT VALID (new rows are checked)"))

    def reverse(self) -> tuple[Op, ...]:
        return ()  # nothing to undo: the rollback of the ADD drops the constraint

    def counts(self) -> tuple[str, object] | None:
        return (self.kind, self.constraint)

    def describe(self) -> str:
        return f"validate {self.kind} {quote_ident(self.constraint.name)} of {self.table.qname}"


@dataclass(frozen=True)
class DropConstraint(Op):
    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "drop_constraint"
    table: m.Table
    kind: str
    constraint: Constraint

    def statements(self) -> tuple[str, ...]:
        return (sql("plan_table", "drop_constraint", self.table, self.constraint.name),)

    def hazards(self) -> tuple[Hazard, ...]:
        return (lock_hazard(self.table),)

    def reverse(self) -> tuple[Op, ...] | Irreversible:
        return add_constraint(self.key, self.org, self.table, self.kind, self.constraint)

    def describe(self) -> str:
        return f"drop {self.kind} {quote_ident(self.constraint.name)} of {self.table.qname}"

    @property  # type: ignore[override]
    def rank(self) -> int:
        """Foreign keys early (before the tables and keys they reference go); a unique or check after the tables
        the plan drops, whose foreign keys may reference a unique one."""
        return 30 if self.kind == "foreign key" else 51

    def order(self) -> tuple:
        return (0 if self.kind == "foreign key" else 1, self.object, self.describe())  # referrers first


def violating(t: m.Table, kind: str, name: str, counted: int | None, then: str) -> Hazard:
    """The violating-rows hazard, with the count when the plan read one from the live database."""
    if counted is None:
        return Hazard(VIOLATING_ROWS, f"existing rows of {t.qname} that violate {kind} {name} {then}")
    if counted == 0:
        return Hazard(VIOLATING_ROWS, f"no row of {t.qname} violated {kind} {name} when the plan was made; rows "
                                      f"written since then that do {then}")
    return Hazard(VIOLATING_ROWS, f"{counted} existing row(s) of {t.qname} violate {kind} {name}, counted when the "
                                  f"plan was made: they {then}; fix them first")


def add_constraint(key: m.ObjectKey, org: str, t: m.Table, kind: str, k: Constraint) -> tuple[Op, ...]:
    """The online form where it is safe: on a plain table a check or foreign key is added NOT VALID and validated in
    a second step; on a hypertable (NOT VALID ignored, VALIDATE refused with compression) and for a unique
    constraint or a primary key (its index is built either way) it is added validated."""
    if t.hypertable or kind in ("unique", "primary key"):
        return (AddConstraint(key, org, t, kind, k),)
    return (AddConstraint(key, org, t, kind, k, not_valid=True), ValidateConstraint(key, org, t, kind, k))
