"""Operations for declared renames (`renamed_from:`, plan/renamed.py finds them): a table, a column, an index, and
the constraint or index names PostgreSQL keeps through a rename. Each is a name change only: rows, grants and
dependent objects stay; each reverses to the rename back. They run before every other step, which sees the new
names.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from schemagen import model as m
from schemagen.changes import Change
from schemagen.compare.diff import diff
from schemagen.compare.sequences import as_read
from schemagen.naming import default_name
from schemagen.plan.ops import LOCK, Hazard, Op, lock_hazard
from schemagen.plan.renamed import Rename, Renamed
from schemagen.render import sql
from schemagen.sqltext import quote_ident


def _brief(t: m.Table, lock: str = "ACCESS EXCLUSIVE") -> Hazard:
    held = lock_hazard(t, lock)
    return Hazard(held.kind, held.message + " (briefly: a rename reads no rows)")


@dataclass(frozen=True)
class RenameTable(Op):
    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "rename_table"
    rank: ClassVar[int] = 5
    table: m.Table  # as it is, under its old name
    new: str
    keep: frozenset[str] = frozenset()  # sequences declared in the model (`sequences:`): their names are the model's

    @property
    def renamed_to(self) -> str:
        return self.new

    def statements(self) -> tuple[str, ...]:
        t = self.table
        return (sql("plan_table", "rename_table", t, self.new), *(
            sql("plan_table", "rename_sequence", t, default_name(t.name, c.name, "seq"),
                default_name(self.new, c.name, "seq")) for c in t.columns
            if (c.serial or c.identity) and default_name(t.name, c.name, "seq") not in self.keep))

    def hazards(self) -> tuple[Hazard, ...]:
        return (_brief(self.table),)

    def reverse(self) -> tuple[Op, ...]:
        return (RenameTable(replace(self.key, name=self.new), self.org, replace(self.table, name=self.new),
                            self.table.name, self.keep),)

    def describe(self) -> str:
        return f"rename table {self.table.qname} to {quote_ident(self.new)}"


@dataclass(frozen=True)
class RenamePart(Op):
    """A column, an index or a constraint of a table renamed (kind)."""

    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "rename"
    rank: ClassVar[int] = 6
    table: m.Table
    kind: str  # column | index | constraint
    old: str
    new: str
    keep: frozenset[str] = frozenset()  # sequences declared in the model: their names are the model's

    def statements(self) -> tuple[str, ...]:
        t = self.table
        if self.kind == "index":
            return (sql("plan_index", "rename", t.schema, self.old, self.new),)
        owned = self.kind == "column" and default_name(t.name, self.old, "seq") not in self.keep and any(
            c.name in (self.old, self.new) and (c.serial or c.identity) for c in t.columns)
        return (sql("plan_table", f"rename_{self.kind}", t, self.old, self.new), *((
            sql("plan_table", "rename_sequence", t, default_name(t.name, self.old, "seq"),
                default_name(t.name, self.new, "seq")),) if owned else ()))

    def hazards(self) -> tuple[Hazard, ...]:
        if self.kind == "index":  # the index's own lock (PostgreSQL 12+), not the table's
            return (Hazard(LOCK, f"SHARE UPDATE EXCLUSIVE lock on index {quote_ident(self.table.schema)}."
                                 f"{quote_ident(self.old)}, blocking other schema changes of it (reads and writes "
                                 "go on)"),)
        return (_brief(self.table),)

    def reverse(self) -> tuple[Op, ...]:
        return (RenamePart(self.key, self.org, self.table, self.kind, self.new, self.old, self.keep),)

    def describe(self) -> str:
        return f"rename {self.kind} {quote_ident(self.old)} of {self.table.qname} to {quote_ident(self.new)}"

    def order(self) -> tuple:
        return (0, self.object, ("column", "constraint", "index").index(self.kind), self.old)


def rename_op(r: Rename, keep: frozenset[str] = frozenset()) -> Op:
    """The operation of one rename (on the table as the renames before it left it); keep: the declared sequences
    of the table's schema, which keep their names."""
    key = m.ObjectKey("table", r.table.schema, r.table.name)
    if r.kind == "table":
        return RenameTable(key, r.table.org or "", r.table, r.new, keep)
    return RenamePart(key, r.table.org or "", r.table, r.kind, r.old, r.new, keep)


def after_renames(changes: list[Change], renamed: Renamed, old_e: m.Database, new_e: m.Database
             ) -> tuple[list[Change], m.Database, dict[Op, list[Change]]]:
    """The changes once the declared renames ran: those of every table the renames touched (under its old or new
    name) diffed again against the renamed live side; the live side renamed; the rename operations with the
    changes they serve (the table missing under its new name and extra under its old one, the same of a column or
    an index)."""
    if not renamed.renames:
        return changes, old_e, {}
    before = {(t.schema, t.name): t for t in old_e.tables}
    after = renamed.actual
    touched = {(t.schema, t.name) for t in after.tables if before.get((t.schema, t.name)) != t}
    names = touched | {(r.table.schema, r.old) for r in renamed.renames if r.kind == "table"}
    declared_seqs = {(q.schema, q.name) for q in new_e.sequences}  # the live side lists serials' too
    ops = {rename_op(r, frozenset(n for s, n in declared_seqs if s == r.table.schema)): []
           for r in renamed.renames}
    owners = {(q.schema, q.name): q.owned_by for q in after.sequences}
    kept: list[Change] = []
    for c in changes:
        if c.key.kind == "sequence" and c.part == ("owned_by",) and _owned_as(c, new_e, owners):
            ops[next(iter(ops))].append(c)  # PostgreSQL's OWNED BY followed the rename
            continue
        if c.key.kind != "table" or (c.key.schema, c.key.name) not in names:
            kept.append(c)
            continue
        for op in ops:
            if _serves(op, c):
                ops[op].append(c)
    sub_e = m.Database(new_e.name, tables=tuple(t for t in new_e.tables if (t.schema, t.name) in touched),
                       orgs=new_e.orgs, sequences=new_e.sequences)
    sub_e = _as_read(sub_e, after)
    sub_a = m.Database(after.name, tables=tuple(t for t in after.tables if (t.schema, t.name) in touched))
    kept += diff(sub_e, sub_a, managed_schemas={s for s, _ in touched}, known_orgs=new_e.orgs)
    return sorted(kept, key=Change.sort_key), after, ops


def _as_read(sub_e: m.Database, after: m.Database) -> m.Database:
    """The model's columns owning a declared sequence in the form the catalogs read them (serial), where the live
    side reads so (a live plan; an offline one compares two models, both as written)."""
    read = as_read(sub_e, after)
    live = {(t.schema, t.name, c.name): c.serial for t in after.tables for c in t.columns}
    tables = tuple(replace(r, columns=tuple(rc if live.get((t.schema, t.name, c.name)) else c
                                            for c, rc in zip(t.columns, r.columns)))
                   for t, r in zip(sub_e.tables, read.tables))
    return replace(sub_e, tables=tables, sequences=())


def _owned_as(c: Change, new_e: m.Database, owners: dict) -> bool:
    """A sequence's OWNED BY change that the renames make go away: the renamed live owner is the model's."""
    want = next((q for q in new_e.sequences if (q.schema, q.name) == (c.key.schema, c.key.name)), None)
    return want is not None and owners.get((want.schema, want.name)) == want.owned_by


def _serves(op: Op, c: Change) -> bool:
    """A change that a rename makes go away: its object (or part) missing under the new name, extra under the
    old."""
    if isinstance(op, RenameTable):
        return not c.part and (c.key.schema, c.key.name) in {(op.table.schema, op.table.name),
                                                             (op.table.schema, op.new)}
    return len(c.part) == 2 and c.part[0] == op.kind and c.part[1] in (op.old, op.new)
