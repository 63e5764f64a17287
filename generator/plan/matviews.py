"""Materialized views in a plan: created (with their indexes and comment, as render creates them), dropped, or
recreated with every view built on them.

A materialized view holds the rows its query computed: PostgreSQL has no CREATE OR REPLACE for one, so a change
of its query or of being materialized at all is the view dropped and created again, and with it every
view (plain or materialized) that reads it, directly or not: those that read it are dropped first (top down) and
created again as the model has them (bottom up), in one transaction (`recompute`: its rows are computed again by
running its query, WITH DATA as render creates it; readers wait on its ACCESS EXCLUSIVE lock until the step
commits), their grants given as render gives them. A comment alone is set in place, and an index is built or
dropped alone (plan/indexes.py: in a transaction, its SHARE lock blocking only REFRESH). The rollback recreates them
as they were, recomputed the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from schemagen import model as m
from schemagen.order import views_in_order, views_reading
from schemagen.plan.indexes import index_changes
from schemagen.plan.ops import LOCK, RECOMPUTE, Hazard, Op, an, bare_query
from schemagen.render import sql
from schemagen.render import statements as st
from schemagen.scripts import PHASES
from schemagen.sqltext import qualified

# the ops of this module, by name: plan/blocked.py reads what they create and drop (creates, drops)
OPS = ("create_materialized_view", "drop_materialized_view", "recreate_materialized_view")


def _names(views) -> str:
    return ", ".join(v.qname for v in views)


@dataclass(frozen=True)
class MaterializedViews(Op):
    """drops (the views as they are, in dependency order, dropped top down) then creates (as the model has them,
    bottom up): a new materialized view (no drops), one removed (no creates), or one recreated with its readers."""

    drops: tuple[m.View, ...]
    creates: tuple[m.View, ...]
    position: int = 0  # in dependency order (negative for a drop: readers first)

    @property  # type: ignore[override]
    def op(self) -> str:
        return OPS[0] if not self.drops else OPS[1] if not self.creates else OPS[2]

    @property  # type: ignore[override]
    def rank(self) -> int:
        return 25 if not self.creates else 70  # dropped before the tables it reads; made after them

    @property
    def create_views(self) -> tuple[m.View, ...]:  # blocked.py reads them as it reads an aggregate chain's
        return ()

    @property
    def drop_views(self) -> tuple[m.View, ...]:
        return ()

    def statements(self) -> tuple[str, ...]:
        out = [sql("view", "drop", v) for v in reversed(views_in_order(self.drops))]
        objs = st.Objects([], [], [bare_query(v) for v in self.creates])
        for phase in PHASES:  # the views' phase and their grants, as render writes them
            st.init(phase.name, None, objs, lambda text, *args, **kw: out.append(text))
        return tuple(out)

    def hazards(self) -> tuple[Hazard, ...]:
        if not self.drops:
            return ()
        held = Hazard(LOCK, f"ACCESS EXCLUSIVE lock on {_names(self.drops)}, blocking the queries that read "
                            f"{'it' if len(self.drops) == 1 else 'them'} until the step commits")
        if not self.creates:
            return (held, Hazard(RECOMPUTE, f"materialized view {_names(self.drops)} and the rows it holds are "
                                            "dropped; the rollback computes them again from its query"))
        computed = [v for v in self.creates if v.materialized]
        readers = [v for v in self.creates if not v.materialized]
        empty = [v for v in computed if not v.with_data]
        rows = (f"the rows of {_names(computed)} are computed again by running the query over every row it reads, "
                "in this step's transaction" + (f" ({_names(empty)} WITH NO DATA: empty until refreshed)"
                                                 if empty else "")) if computed else \
            "the rows it held are gone (it is a plain view now)"
        also = f"; view(s) {_names(readers)} reading it dropped and created with it" if readers else ""
        return (held, Hazard(RECOMPUTE, f"{_names(self.drops)} dropped and created again as the model has "
                                        f"{'it' if len(self.drops) == 1 else 'them'}: {rows}{also}"))

    def reverse(self) -> tuple[Op, ...]:
        return (MaterializedViews(self.key, self.org, self.creates, self.drops, -self.position),)

    def describe(self) -> str:
        main = [v for v in (*self.creates, *self.drops) if v.materialized or v.name == self.key.name]
        name = qualified(self.key.schema, self.key.name)
        readers = sorted({v.qname for v in (*self.creates, *self.drops)} - {name})
        also = f" and view(s) {', '.join(readers)}" if readers else ""
        verb = "create" if not self.drops else "drop" if not self.creates else "recreate"
        return f"{verb} materialized view {main[0].qname if main else name}{also}"

    def order(self) -> tuple:
        return (self.position, self.object, self.describe())


@dataclass(frozen=True)
class ViewComment(Op):
    """The comment of a materialized view (set in place, its rows stay)."""

    op: ClassVar[str] = "set_comment"
    rank: ClassVar[int] = 71
    catalog_only: ClassVar[bool] = True
    view: m.View  # as the model has it
    previous: m.View

    def statements(self) -> tuple[str, ...]:
        return (sql("view", "comment", self.view),)

    def reverse(self) -> tuple[Op, ...]:
        return (ViewComment(self.key, self.org, self.previous, self.view),)

    def describe(self) -> str:
        return f"set the comment of materialized view {self.view.qname}"


def _view(db: m.Database, name: str) -> m.View | None:
    return next((v for v in db.views if v.qname == name), None)


def roots(changes, new: m.Database, old: m.Database) -> dict[str, str]:
    """Every view a recreated materialized view takes with it -> the materialized view (the lowest one changed:
    one above it that changed too is recreated with it)."""
    changed = {qualified(c.key.schema, c.key.name) for c in changes if c.change == "changed" and c.part[:1] not in (
        ("comment",), ("index",)) and (c.kind == "materialized view" or c.part[:1] == ("materialized",))}
    out: dict[str, str] = {}
    for v in views_in_order([*new.views, *(v for v in old.views if _view(new, v.qname) is None)]):
        if v.qname in changed and v.qname not in out:
            members = {v.qname} | views_reading(new.views, [v.qname]) | views_reading(old.views, [v.qname])
            out |= dict.fromkeys(sorted(members), v.qname)
    return out


def _recreate(root: str, new: m.Database, old: m.Database, order: dict[str, int]) -> MaterializedViews:
    top = _view(old, root) or _view(new, root)
    kind = "materialized view" if top.materialized else "view"  # the key schemagen.objects holds it under
    drops = [v for v in old.views if v.qname == root or v.qname in views_reading(old.views, [root])]
    creates = [v for v in new.views if v.qname == root or v.qname in views_reading(new.views, [root])]
    return MaterializedViews(m.ObjectKey(kind, top.schema, top.name), top.org or "", tuple(views_in_order(drops)),
                             tuple(views_in_order(creates)), order.get(root, 0))


def matview_ops(c, new, old, found: dict[str, str], new_db: m.Database, old_db: m.Database,
                order: dict[str, int]) -> tuple[Op, ...] | str | None:
    """The operations for a change of a materialized view, or of a view a recreated one takes with it; None: not
    this module's. found: roots(); order: each view's place in dependency order."""
    name = qualified(c.key.schema, c.key.name)
    if name in found:
        return (_recreate(found[name], new_db, old_db, order),)
    if c.kind != "materialized view":
        return None
    at = order.get(name, 0)
    if c.change == "missing" and not c.part:
        return (MaterializedViews(c.key, new.org or "", (), (new,), at),)
    if c.change == "extra" and not c.part:
        return (MaterializedViews(c.key, old.org or "", (old,), (), -at),)
    if c.part == ("comment",) and new is not None and old is not None:
        return (ViewComment(c.key, new.org or "", new, old),)
    if c.part[:1] == ("index",) and len(c.part) >= 2 and new is not None and old is not None:
        return index_changes(c, new, old)
    return f"{an(c.change)} materialized view part ({' '.join(c.part)}) is not planned yet"

