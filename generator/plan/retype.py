"""A column's type changed while views or continuous aggregates read it: PostgreSQL refuses the change ("cannot
alter type of a column used by a view or rule"; a continuous aggregate's views are such views), so they go first.

One step, in a transaction: the plain views that read the column (and the views that read those) dropped, each
continuous aggregate that reads it dropped with every aggregate and view built on it (aggregates.py's chain), the
type changed (columns.AlterType, or on a hypertable with compression the recipe of compression.RetypeColumnstore),
the aggregates created again WITH NO DATA as the model has them (indexes, compression, policies: their refresh
policies recompute them from the raw rows that are left, `cagg_recompute`, new job ids) and the views created again
with their comments and grants. Its rollback is the same step back. A view or aggregate reads the column when its
query names it (by name: a same-named word counts too, and the object is then made again for nothing).

An aggregate whose definition changes in the same plan is made again here in the model's form and again by its
own step (aggregates.py), which the rollback undoes first. Not planned: two chains that share an aggregate built on
both, a materialized view over the column (it holds data).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from schemagen import model as m
from schemagen.order import views_in_order
from schemagen.plan.aggregates import Aggregates, create_views, recreate, sources
from schemagen.plan.objects import views_dropped, views_over
from schemagen.plan.ops import LOCK, NOT_YET, Hazard, NotPlanned, Op, mentions
from schemagen.sqltext import quote_ident


@dataclass(frozen=True)
class RetypeWithReaders(Op):
    op: ClassVar[str] = "retype_with_readers"
    rank: ClassVar[int] = 56  # as AlterType
    retype: Op  # AlterType or RetypeColumnstore
    ts: str  # TimescaleDB's schema, unquoted (render's Objects, for the chains' views)
    chains: tuple[Aggregates, ...] = ()
    views: tuple[tuple[m.View, m.View], ...] = ()  # (as it is, as it will be), readers after what they read

    def needs(self) -> frozenset[str]:
        return frozenset().union(self.retype.needs(), *(a.needs() for a in self.chains))

    def _remade(self) -> tuple[list[m.View], list[m.View]]:
        """Every view dropped and created again (the plain ones and those of the chains, once each), as they are
        and as they will be, in dependency order."""
        old = {v.qname: v for v in (*(v for a in self.chains for v in a.drop_views), *(o for o, _ in self.views))}
        new = {v.qname: v for v in (*(v for a in self.chains for v in a.create_views), *(n for _, n in self.views))}
        return views_in_order(list(old.values())), views_in_order(list(new.values()))

    def statements(self) -> tuple[str, ...]:
        """The views dropped (readers first), the aggregates (top down), the type changed, the aggregates created
        (bottom up), then the views: a view may read two of them."""
        old, new = self._remade()
        out = [*views_dropped(old), *(x for a in self.chains for x in a.dropping_aggregates())]
        out += self.retype.statements()
        out += [x for a in self.chains for x in a.creating_aggregates()]
        return (*out, *create_views(new, self.ts))  # render's form

    def hazards(self) -> tuple[Hazard, ...]:
        out = [*self.retype.hazards(), *(h for a in self.chains for h in a.hazards())]
        if self.views:
            names = ", ".join(v.qname for v in self._remade()[1])
            out.append(Hazard(LOCK, f"ACCESS EXCLUSIVE lock on view(s) {names}, "
                                    "dropped and created again with the model's definition and grants in the same "
                                    "transaction: the queries that read them wait until the step commits"))
        return tuple(sorted(set(out)))

    def reverse(self) -> tuple[Op, ...]:
        return (RetypeWithReaders(self.key, self.org, self.retype.reverse()[0], self.ts,
                                  tuple(a.reverse()[0] for a in self.chains),
                                  tuple((v, old) for old, v in self.views)),)

    def describe(self) -> str:
        made = [*(c.qname for a in self.chains for c in a.creates), *(v.qname for v in self._remade()[1])]
        return f"{self.retype.describe()}, with {', '.join(made)} dropped and created again"


def _views(table: m.Table, column: str, live: m.Database, new: m.Database) -> list[tuple[m.View, m.View]] | str:
    """The plain views reading the column of table, and the views reading those, each with the model's form; a
    view the model drops is gone before (rank 25)."""
    named, col = mentions(table.name), mentions(column)
    found = {v.qname: v for v in views_over([v for v in live.views if not v.materialized and named.search(v.query)
                                             and col.search(v.query)], live)}
    model = {v.qname: v for v in new.views}
    over = [mentions(r.name) for r in found.values()]
    held = next((v for v in live.views if v.materialized and (
        (named.search(v.query) and col.search(v.query)) or any(p.search(v.query) for p in over))), None)
    if held is not None:
        return (f"materialized view {held.qname} reads the column (or a view over it): it holds data, which dropping "
                f"and creating it again would recompute ({NOT_YET})")
    return [(v, model[v.qname]) for v in found.values() if v.qname in model]


def with_readers(retype: Op, table: m.Table, column: str, live: m.Database, new: m.Database, ts: str) -> Op | str:
    """retype alone when nothing reads the column, else the step with its readers, or why it is not planned."""
    col = mentions(column)
    readers = [a for a in live.continuous_aggregates if table.qname in sources(a) and col.search(a.query)
               and any(x.qname == a.qname for x in new.continuous_aggregates)]
    chains = tuple(recreate(m.ObjectKey("continuous aggregate", a.schema, a.name), a.org or "", a.qname, new, live,
                            ts) for a in readers)
    held = next((v.qname for a in chains for v in a.drop_views if v.materialized), None)
    if held:
        return (f"materialized view {held} reads an aggregate over the column: it holds data, which dropping and "
                f"creating it again would recompute from the emptied aggregate ({NOT_YET})")
    members = [c.qname for a in chains for c in a.drops]
    if len(members) != len(set(members)):
        return f"two continuous aggregates over {table.qname} share an aggregate built on both ({NOT_YET})"
    views = _views(table, column, live, new)
    if isinstance(views, str):
        return views
    if not chains and not views:
        return retype
    return RetypeWithReaders(retype.key, retype.org, retype, ts, chains, tuple(views))


def _remakes(op: Op) -> set[str]:
    """The views a function's or a column's step makes again."""
    return {v.qname for _, v in getattr(op, "views", ())} | {
        v.qname for a in getattr(op, "chains", ()) for v in a.create_views}


def _needs_later(v: m.View, live: m.Database, new: m.Database, own: str) -> str | None:
    """What the model's form of a view made again needs that the plan makes only later: a new table, view or
    aggregate, a new column of a table it reads, or another function whose signature changes (own: the step's own
    function)."""
    tables = {t.qname: t for t in live.tables}
    there = {*tables, *(v.qname for v in live.views), *(a.qname for a in live.continuous_aggregates)}
    made = next((x.qname for x in (*new.tables, *new.views, *new.continuous_aggregates)
                 if x.qname not in there and x.qname != v.qname and mentions(x.name).search(v.query)), None)
    if made:
        return f"{made}, which the plan creates later"
    for t in new.tables:
        before = tables.get(t.qname)
        if before is None or not mentions(t.name).search(v.query):
            continue
        added = next((c.name for c in t.columns if before.column(c.name) is None and mentions(c.name).search(v.query)),
                     None)
        if added:
            return f"column {quote_ident(added)} of {t.qname}, which the plan adds later"
        retyped = next((c.name for c in t.columns if own and (was := before.column(c.name)) is not None
                        and was.type != c.type and mentions(c.name).search(v.query)), None)
        if retyped:  # a function's step runs before the tables' changes (a column's own step remakes it again)
            return f"column {quote_ident(retyped)} of {t.qname}, whose type changes later in the plan"
    functions = {f.qname: f for f in live.functions}
    for f in new.functions:
        was = functions.get(f.qname)
        if f.qname != own and was is not None and (was.signature, was.returns) != (f.signature, f.returns) and (
                mentions(f.name).search(v.query)):
            return f"function {f.qname}, whose arguments change later in the plan"
    return None


def absorb_views(served: dict[Op, list], live: m.Database, new: m.Database) -> list:
    """A view that a function's or a column's step makes again while the model also changes it: its change is
    that step's (which creates the model's form, and in its rollback the live one after undoing the rest), not a
    replace_view of its own, whose rollback would run first, against the new function or type. When that form
    needs what the plan makes later, the step is not planned (returned, with the reason)."""
    out = []
    for op in [o for o in served if _remakes(o)]:
        names = _remakes(op)
        own = getattr(getattr(op, "function", None), "qname", "")
        model = {v.qname: v for v in new.views}
        why = next((f"view {n} is made again in its new form, which needs {w}" for n in sorted(names)
                    if n in model and (w := _needs_later(model[n], live, new, own))), None)
        if why:
            out += [NotPlanned(c, f"{why}: not planned yet (change them in two plans)") for c in served.pop(op)]
            continue
        for other in [o for o in served if o.op == "replace_view" and o.view.qname in names]:
            served[op] += served.pop(other)
    return out
