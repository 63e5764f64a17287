"""Operations on indexes: build one on a live table, drop one.

Plain tables: CREATE / DROP INDEX CONCURRENTLY, outside a transaction (writes go on while it builds). Hypertables:
never CONCURRENTLY (TimescaleDB refuses it to build, and from 2.22 to drop), so a plain statement in a
transaction, which locks the hypertable and each chunk while it builds on every chunk. Materialized views: a plain
statement in a transaction too: its SHARE lock blocks only REFRESH (the view's one writer), reads go on.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from schemagen import model as m
from schemagen.plan.ops import INDEX_BUILD, LOCK, Hazard, Op, lock_hazard
from schemagen.render import sql
from schemagen.sqltext import qualified, quote_ident


@dataclass(frozen=True)
class _IndexOp(Op):
    """An index built or dropped: CONCURRENTLY, alone outside a transaction, on a plain table; in a transaction
    on a hypertable, where TimescaleDB refuses CONCURRENTLY."""

    table: m.Table | m.View | m.ContinuousAggregate
    index: m.Index
    online: bool = True  # False on a server that refuses every CONCURRENTLY statement (PGlite): in a transaction

    @property
    def concurrently(self) -> bool:
        return self.online and isinstance(self.table, m.Table) and self.table.hypertable is None

    @property
    def transactional(self) -> bool:
        return not self.concurrently  # CONCURRENTLY cannot run inside a transaction block


@dataclass(frozen=True)
class CreateIndex(_IndexOp):
    op: ClassVar[str] = "create_index"
    rank: ClassVar[int] = 64

    def statements(self) -> tuple[str, ...]:
        t, i = self.table, self.index
        out = [sql("plan_index", "create", t.schema, t.name, i, self.concurrently)]
        if i.comment is not None:
            out.append(sql("index", "comment", t.schema, i))
        return tuple(out)

    def hazards(self) -> tuple[Hazard, ...]:
        t, name = self.table, qualified(self.table.schema, self.index.name)
        if self.concurrently:
            return (Hazard(INDEX_BUILD, f"index {name} is built over every row of {t.qname} without blocking "
                                        "writes; a build that fails leaves an INVALID index to drop before a "
                                        "retry"),)
        if isinstance(t, m.View):
            return (Hazard(INDEX_BUILD, f"index {name} is built over every row of materialized view {t.qname} in "
                                        "one transaction"), lock_hazard(t, "SHARE", "its REFRESH (reads go on)"))
        if isinstance(t, m.ContinuousAggregate):
            return (Hazard(INDEX_BUILD, f"index {name} is built on every chunk of the materialization hypertable of "
                                        f"continuous aggregate {t.qname}, in one transaction"),
                    Hazard(LOCK, f"SHARE lock on the materialization hypertable of {t.qname} and on each of its "
                                 "chunks, blocking its refreshes until the step commits (reads go on)"))
        if not t.hypertable:
            return (Hazard(INDEX_BUILD, f"index {name} is built over every row of {t.qname} in one transaction (this "
                                        "server refuses CONCURRENTLY)"), lock_hazard(t, "SHARE", "writes"))
        return (Hazard(INDEX_BUILD, f"index {name} is built on every chunk of hypertable {t.qname} in one "
                                    "transaction (TimescaleDB refuses CONCURRENTLY)"),
                lock_hazard(t, "SHARE", "writes"))

    def reverse(self) -> tuple[Op, ...]:
        return (DropIndex(self.key, self.org, self.table, self.index, self.online),)

    def describe(self) -> str:
        how = " concurrently" if self.concurrently else ""
        return f"create index {quote_ident(self.index.name)} on {self.table.qname}{how}"


@dataclass(frozen=True)
class DropIndex(_IndexOp):
    op: ClassVar[str] = "drop_index"
    rank: ClassVar[int] = 51  # after the tables dropped (a unique index may back their foreign keys)

    def statements(self) -> tuple[str, ...]:
        t = self.table
        if isinstance(t, m.ContinuousAggregate):  # on its materialization hypertable, in TimescaleDB's schema
            return (sql("plan_index", "drop_on_aggregate", t.schema, t.name, self.index),)
        return (sql("plan_index", "drop", t.schema, self.index, self.concurrently),)

    def hazards(self) -> tuple[Hazard, ...]:
        return () if self.concurrently else (lock_hazard(self.table),)

    def reverse(self) -> tuple[Op, ...]:
        return (CreateIndex(self.key, self.org, self.table, self.index, self.online),)

    def describe(self) -> str:
        how = " concurrently" if self.concurrently else ""
        return f"drop index {quote_ident(self.index.name)} of {self.table.qname}{how}"


def index_changes(c, new, old) -> tuple[Op, ...]:
    """An index of a table, materialized view or continuous aggregate that stays: built, dropped, or (changed)
    dropped and built again."""
    name = c.part[1]
    want = next((i for i in new.indexes if i.name == name), None)
    have = next((i for i in old.indexes if i.name == name), None)
    drop = (DropIndex(c.key, old.org or "", old, have),) if have and c.change != "missing" else ()
    return drop + ((CreateIndex(c.key, new.org or "", new, want),) if want and c.change != "extra" else ())
