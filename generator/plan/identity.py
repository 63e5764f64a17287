"""A column made an identity or serial column in place, or no longer one, or its identity switched between ALWAYS
and BY DEFAULT: one step, its rows kept (plan/columnchanges.py routes the column's identity, serial, NOT NULL and
default changes here together, so that they are one step and not four).

The step goes from the column as it is to the column as the model has it, in an order PostgreSQL accepts: the old
identity and the old default (a serial's nextval) dropped, the serial's own sequence dropped, NOT NULL set (an
identity needs it), the new sequence made (`<table>_<column>_seq` OWNED BY the column, as `serial` makes it and the
drift check expects) or the identity added, the sequence moved past the column's largest value (so that the next
row does not collide with an existing one), the new default, NOT NULL dropped. Its reverse is the same step the
other way; a sequence made again continues after the largest value, not where the dropped one was.

On a hypertable this is DDL on the hypertable alone (chunks take no identity: PostgreSQL's rewriter fills it on the
hypertable), checked on TimescaleDB 2.19: ADD GENERATED, SET GENERATED and DROP IDENTITY work and inserts into old
and new chunks go on. With compression it is not planned (yet).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from schemagen import model as m
from schemagen.naming import default_name
from schemagen.plan.ops import Hazard, Op, lock_hazard
from schemagen.plan.tables import violating
from schemagen.render import sql
from schemagen.sqltext import quote_ident

NUMBERING = frozenset({"identity", "serial", "not null", "default"})  # what this step serves when numbering changes


def _not_null(c: m.Column) -> bool:
    return bool(c.not_null or c.identity or c.serial)


def _default(c: m.Column) -> object:
    """The column's default as this step sees it: a serial's nextval, none for an identity, or the model's."""
    return "nextval" if c.serial else None if c.identity else c.default


def numbering_changes(want: m.Column, have: m.Column) -> bool:
    """The column becomes, or stops being, an identity or serial column, or its identity kind changes."""
    return want.identity != have.identity or want.serial != have.serial


@dataclass(frozen=True)
class ChangeNumbering(Op):
    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "change_numbering"
    rank: ClassVar[int] = 64
    table: m.Table
    column: m.Column  # as it will be
    old: m.Column  # as it is
    keyed: bool = False  # in the model's primary key: its NOT NULL is the key's (keys.py: the ADD, its reverse)
    violations: int | None = None  # rows holding NULL, counted at plan time, when NOT NULL is set

    def _sequence(self) -> str:
        return default_name(self.table.name, self.column.name, "seq")

    def statements(self) -> tuple[str, ...]:
        t, want, have, seq = self.table, self.column, self.old, self._sequence()
        was, now = _default(have), _default(want)
        out = [sql("plan_identity", "drop_identity", t, have)] if have.identity and not want.identity else []
        if was is not None and was != now:
            out.append(sql("plan_table", "set_default", t, replace(have, default=None)))
        if have.serial and not want.serial:
            out.append(sql("plan_identity", "drop_owned_sequence", t, have))
        if self._sets_not_null():
            out.append(sql("plan_table", "set_not_null", t, replace(want, not_null=True)))
        if want.serial and not have.serial:
            out += [sql("plan_identity", "create_sequence", t, want, seq),
                    sql("plan_identity", "nextval_default", t, want, seq)]
        elif now is not None and now != was:
            out.append(sql("plan_table", "set_default", t, want))
        if want.identity and want.identity != have.identity:
            out.append(sql("plan_identity", "set_generated" if have.identity else "add_identity", t, want))
        if (want.serial and not have.serial) or (want.identity and not have.identity):
            out.append(sql("plan_identity", "continue_after_max", t, want))
        if _not_null(have) and not _not_null(want) and not self.keyed:
            out.append(sql("plan_table", "set_not_null", t, replace(want, not_null=False)))
        return tuple(out)

    def _sets_not_null(self) -> bool:
        return _not_null(self.column) and not _not_null(self.old) and not self.keyed

    def _scans(self) -> bool:
        """The step reads every row: NOT NULL set, or a new sequence moved past the column's largest value."""
        want, have = self.column, self.old
        return self._sets_not_null() or (want.serial and not have.serial) or bool(want.identity and not have.identity)

    @property
    def statement_timeout_ms(self) -> int:
        return 0 if self._scans() else super().statement_timeout_ms

    def hazards(self) -> tuple[Hazard, ...]:
        t, want = self.table, self.column
        if not self._scans():
            held = lock_hazard(t)
            return (Hazard(held.kind, held.message + " (briefly: no row is read)"),)
        name = quote_ident(want.name)
        out = [lock_hazard(t, what=f"reads and writes while every row is read (the largest value of {name}"
                                   + (", rows holding NULL)" if self._sets_not_null() else ")"))]
        if self._sets_not_null():
            out.append(violating(t, "NOT NULL on", name, self.violations, "make the step fail"))
        return tuple(out)

    def reverse(self) -> tuple[Op, ...]:
        return (ChangeNumbering(self.key, self.org, self.table, self.old, self.column, self.keyed),)

    def counts(self) -> tuple[str, object] | None:
        return ("null", self.column) if self._sets_not_null() else None

    def describe(self) -> str:
        where = f"column {quote_ident(self.column.name)} of {self.table.qname}"
        want, have = _numbering(self.column), _numbering(self.old)
        if not want:
            return f"{where}: no longer {have}"
        return f"{where}: {have} becomes {want}" if have else f"make {where} {want}"


def _numbering(c: m.Column) -> str:
    return f"an identity ({c.identity})" if c.identity else "serial" if c.serial else ""
