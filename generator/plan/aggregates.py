"""Continuous aggregates in a plan: created, dropped, or recreated with every aggregate and view built on them.

TimescaleDB has no in-place query change (no CREATE OR REPLACE for a continuous aggregate): a changed definition
is the aggregate dropped and created again WITH NO DATA, and with it every aggregate built on it (dropping a lower
one needs the upper ones gone) and every view that reads one of them, each recreated as render creates it
(indexes, compression, policies, pause). Its refresh policy then recomputes it from the raw rows that are left:
the history past the raw hypertable's retention is lost (`cagg_recompute`), and its jobs get new ids. One step, in
a transaction: DROP and CREATE ... WITH NO DATA both run in one. `materialized_only` and the comment change in
place (AggregateSetting), and an index is built or dropped alone (plan/indexes.py: on the aggregate's
materialization hypertable, in a transaction).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from schemagen import model as m
from schemagen.order import caggs_in_order, dependency_order, views_in_order, views_reading
from schemagen.plan.indexes import index_changes
from schemagen.plan.objects import views_dropped
from schemagen.plan.ops import CAGG_RECOMPUTE, JOB_ID_CHANGE, LOCK, Hazard, Op, bare_query
from schemagen.render import sql
from schemagen.render import statements as st
from schemagen.scripts import PHASES
from schemagen.sqlparse import query_relations
from schemagen.sqltext import qualified


def sources(c: m.ContinuousAggregate) -> list[str]:
    """What an aggregate reads: the model says it; a live one's query does."""
    if c.source_relation:
        return [c.source_relation]
    return [qualified(s or c.schema, r) for s, r in query_relations(c.query)]


def ordered(caggs) -> list[m.ContinuousAggregate]:
    """Aggregates after the aggregates they are built on (live ones too)."""
    return dependency_order(list(caggs), lambda c: c.qname, sources)


def chain(root: str, caggs) -> list[m.ContinuousAggregate]:
    """The aggregate named root and every aggregate built on it, directly or not, bottom up."""
    found, out = {root}, []
    for c in ordered(caggs):
        if c.qname in found or any(s in found for s in sources(c)):
            found.add(c.qname)
            out.append(c)
    return out


def _render(objs: st.Objects) -> list[str]:
    out: list[str] = []
    for phase in PHASES:
        st.init(phase.name, None, objs, lambda text, *args, **kw: out.append(text))
    return out


def create_views(views, ts: str) -> list[str]:
    """Views (plain or materialized, in dependency order) created as render creates them."""
    return _render(st.Objects([], [], [bare_query(v) for v in views], ts=ts))


@dataclass(frozen=True)
class Aggregates(Op):
    """drops (aggregates and views as they are, dropped top down) then creates (as the model has them, bottom
    up): a new aggregate (no drops), one removed (no creates), or a chain recreated."""

    drops: tuple[m.ContinuousAggregate, ...]
    creates: tuple[m.ContinuousAggregate, ...]
    ts: str  # TimescaleDB's schema, unquoted
    drop_views: tuple[m.View, ...] = ()
    create_views: tuple[m.View, ...] = ()
    retention: tuple[tuple[str, str], ...] = ()  # (raw hypertable, its drop_after) under the chain
    position: int = 0  # among aggregates created (bottom up) or dropped (negative: top down)

    @property  # type: ignore[override]
    def rank(self) -> int:
        """Created or recreated after the tables, columns and policies their sources need (68); only dropped: before
        the tables they read are dropped (50), after the views that read them (25)."""
        return 26 if not self.creates else 68

    @property  # type: ignore[override]
    def op(self) -> str:
        return "create_aggregate" if not self.drops else "drop_aggregate" if not self.creates \
            else "recreate_aggregates"

    def needs(self) -> frozenset[str]:
        return frozenset({m.FEATURE_CAGG, m.FEATURE_POLICY} if self.creates else {m.FEATURE_CAGG})

    def statements(self) -> tuple[str, ...]:
        return (*self.dropping(), *self.creating())

    def dropping(self) -> list[str]:
        """The views and aggregates dropped, top down."""
        return [*views_dropped(self.drop_views), *self.dropping_aggregates()]

    def dropping_aggregates(self) -> list[str]:
        return [sql("continuous_aggregate", "drop", c) for c in reversed(caggs_in_order(self.drops))]

    def creating(self) -> list[str]:
        """The aggregates and views created, bottom up, as render creates them."""
        return [*self.creating_aggregates(), *create_views(self.create_views, self.ts)]

    def creating_aggregates(self) -> list[str]:
        return _render(st.Objects([], [bare_query(c) for c in self.creates], [], ts=self.ts))

    def hazards(self) -> tuple[Hazard, ...]:
        if not self.drops:
            return ()
        names = ", ".join(c.qname for c in self.drops)
        lost = "; ".join(f"{t} keeps no rows older than {after}, its retention" for t, after in self.retention)
        out = [Hazard(JOB_ID_CHANGE, f"the refresh, compression and retention jobs of {names} are removed; those "
                                     "created again get new ids")]
        if self.creates:
            out.append(Hazard(CAGG_RECOMPUTE, f"{names} dropped and created again WITH NO DATA: empty until their "
                                              "refresh policies recompute them from the raw rows that are left, "
                                              "each only within its window (start_offset): CALL "
                                              "refresh_continuous_aggregate(..., NULL, NULL) for the history "
                                              "before it" + (f" ({lost})" if lost else "")))
        else:
            out.append(Hazard(CAGG_RECOMPUTE, f"{names} and what they hold are dropped"))
        return tuple(out)

    def reverse(self) -> tuple[Op, ...]:
        return (Aggregates(self.key, self.org, self.creates, self.drops, self.ts, self.create_views,
                           self.drop_views, self.retention, -self.position),)

    def describe(self) -> str:
        views = f" and view(s) {', '.join(v.qname for v in self.create_views or self.drop_views)}" \
            if self.create_views or self.drop_views else ""
        if not self.drops:
            return f"create continuous aggregate {self.creates[0].qname}{views}"
        if not self.creates:
            return f"drop continuous aggregate {self.drops[-1].qname}{views}"
        return f"recreate continuous aggregate(s) {', '.join(c.qname for c in self.creates)}{views}"

    def order(self) -> tuple:
        return (self.position, self.object, self.describe())


@dataclass(frozen=True)
class AggregateSetting(Op):
    """An aggregate's materialized_only (real-time aggregation off or on: ALTER MATERIALIZED VIEW ... SET) or its
    comment, changed in place: its rows stay."""

    op: ClassVar[str] = "alter_aggregate"
    rank: ClassVar[int] = 71  # after the aggregates created
    catalog_only: ClassVar[bool] = True
    aggregate: m.ContinuousAggregate  # as the model has it
    previous: m.ContinuousAggregate
    setting: str  # materialized_only | comment

    def needs(self) -> frozenset[str]:
        return frozenset({m.FEATURE_CAGG})

    def statements(self) -> tuple[str, ...]:
        which = "set_materialized_only" if self.setting == "materialized_only" else "comment"
        return (sql("continuous_aggregate", which, self.aggregate),)

    def hazards(self) -> tuple[Hazard, ...]:
        if self.setting != "materialized_only":
            return ()
        how = ("only what is materialized (rows newer than its last refresh are not seen until it runs)"
               if self.aggregate.materialized_only else "its materialized rows and the raw rows newer than them")
        return (Hazard(LOCK, f"ACCESS EXCLUSIVE lock on {self.aggregate.qname}, briefly; its queries then read "
                             + how),)

    def reverse(self) -> tuple[Op, ...]:
        return (AggregateSetting(self.key, self.org, self.previous, self.aggregate, self.setting),)

    def describe(self) -> str:
        what = "materialized_only" if self.setting == "materialized_only" else "the comment"
        return f"set {what} of continuous aggregate {self.aggregate.qname}"


def recreate(key: m.ObjectKey, org: str, root: str, new: m.Database, old: m.Database, ts: str) -> Aggregates:
    """The chain above root, dropped as it is and created as the model has it, with the views that read it."""
    creates, drops = chain(root, new.continuous_aggregates), chain(root, old.continuous_aggregates)
    names = [c.qname for c in (*creates, *drops)]
    create_views = tuple(v for v in views_in_order(new.views) if v.qname in views_reading(new.views, names))
    drop_views = tuple(v for v in views_in_order(old.views) if v.qname in views_reading(old.views, names))
    raws = {t.qname: t for t in new.tables}
    retention = tuple((s, str(raws[s].retention.drop_after)) for c in creates for s in sources(c)
                      if s in raws and raws[s].retention)
    return Aggregates(key, org, tuple(drops), tuple(creates), ts, drop_views, create_views, retention)


def recreated(changes, new: m.Database, old: m.Database) -> dict[str, str]:
    """Every aggregate and view a recreated chain holds -> the chain's root: the lowest aggregate whose definition
    changed (an aggregate above it that changed too is recreated with it)."""
    changed = {qualified(c.key.schema, c.key.name) for c in changes
               if c.kind == "continuous aggregate" and c.part == ("definition",)}
    out: dict[str, str] = {}
    for c in ordered(new.continuous_aggregates):
        if c.qname not in changed or c.qname in out:
            continue
        members = [a.qname for a in (*chain(c.qname, new.continuous_aggregates),
                                     *chain(c.qname, old.continuous_aggregates))]
        members += views_reading(new.views, members) | views_reading(old.views, members)
        out |= dict.fromkeys(members, c.qname)
    return out


def aggregate_ops(c, new, old, ts: str, roots: dict[str, str], new_db: m.Database,
                  old_db: m.Database) -> tuple[Op, ...] | str | None:
    """The operations for a change of an aggregate, or of a view in a recreated chain; None: not this module's."""
    name = qualified(c.key.schema, c.key.name)
    if name in roots:
        root = next(a for a in (*new_db.continuous_aggregates, *old_db.continuous_aggregates) if a.qname == roots[name])
        key = m.ObjectKey("continuous aggregate", root.schema, root.name)
        return (recreate(key, root.org or "", root.qname, new_db, old_db, ts),)
    if c.kind == "continuous aggregate" and new is not None and old is not None:
        if c.part in (("materialized_only",), ("comment",)):
            return (AggregateSetting(c.key, new.org or "", new, old, c.part[0]),)
        if c.part[:1] == ("index",) and len(c.part) >= 2:
            return index_changes(c, new, old)
    if c.kind != "continuous aggregate" or c.part:
        return None
    depth = {a.qname: n for n, a in enumerate(ordered((*new_db.continuous_aggregates,
                                                       *old_db.continuous_aggregates)))}
    if c.change == "missing":
        return (Aggregates(c.key, new.org or "", (), (new,), ts, position=depth.get(name, 0)),)
    return (Aggregates(c.key, old.org or "", (old,), (), ts, position=-depth.get(name, 0)),)
