"""A column's type changed while views or continuous aggregates read it: PostgreSQL refuses the change ("cannot
alter type of a column used by a view or rule"; a continuous aggregate's views are such views), so they go first.

One step, in a transaction: the plain views that read the column (and the views that read those) dropped, each
continuous aggregate that reads it dropped with every aggregate and view built on it (aggregates.py's chain), the
type changed (columns.AlterType, or on a hypertable with compression the recipe of compression.RetypeColumnstore),
the aggregates created again WITH NO DATA as the model has them (indexes, compression, policies: their refresh
policies recompute them from the raw rows that are left, `cagg_recompute`, new job ids) and the views created again
with their comments and grants. Its rollback is the same step back. A view or aggregate reads the column when its
query names it (by name: a same-named word counts too, and the object is then made again for nothing).

Not planned: an aggregate whose definition changes in the same plan (its own step makes it again), and two chains
that share an aggregate built on both.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from schemagen import model as m
from schemagen.plan.aggregates import Aggregates, recreate, sources
from schemagen.plan.objects import views_created, views_dropped
from schemagen.plan.ops import LOCK, NOT_YET, Hazard, Op
from schemagen.sqltext import quote_ident


def _word(name: str) -> re.Pattern:
    quoted = re.escape('"' + name.replace('"', '""') + '"')
    return re.compile(rf'(?<![\w$"]){re.escape(name)}(?![\w$"])|{quoted}', re.IGNORECASE if name.islower() else 0)


@dataclass(frozen=True)
class RetypeWithReaders(Op):
    op: ClassVar[str] = "retype_with_readers"
    rank: ClassVar[int] = 56  # as AlterType
    retype: Op  # AlterType or RetypeColumnstore
    chains: tuple[Aggregates, ...] = ()
    views: tuple[tuple[m.View, m.View], ...] = ()  # (as it is, as it will be), readers after what they read

    def needs(self) -> frozenset[str]:
        return frozenset().union(self.retype.needs(), *(a.needs() for a in self.chains))

    def statements(self) -> tuple[str, ...]:
        out = views_dropped(self.views)
        for a in self.chains:
            out += a.dropping()
        out += self.retype.statements()
        for a in self.chains:
            out += a.creating()
        return (*out, *views_created(self.views))

    def hazards(self) -> tuple[Hazard, ...]:
        out = [*self.retype.hazards(), *(h for a in self.chains for h in a.hazards())]
        if self.views:
            out.append(Hazard(LOCK, f"ACCESS EXCLUSIVE lock on view(s) {', '.join(v.qname for _, v in self.views)}, "
                                    "dropped and created again with the model's definition and grants in the same "
                                    "transaction: the queries that read them wait until the step commits"))
        return tuple(sorted(set(out)))

    def reverse(self) -> tuple[Op, ...]:
        return (RetypeWithReaders(self.key, self.org, self.retype.reverse()[0],
                                  tuple(a.reverse()[0] for a in self.chains),
                                  tuple((v, old) for old, v in self.views)),)

    def describe(self) -> str:
        made = [*(c.qname for a in self.chains for c in a.creates), *(v.qname for _, v in self.views)]
        return f"{self.retype.describe()}, with {', '.join(made)} dropped and created again"


def _views(table: m.Table, column: str, live: m.Database, new: m.Database) -> list[tuple[m.View, m.View]] | str:
    """The plain views reading the column of table, and the views reading those, each with the model's form; a
    view the model drops is gone before (rank 25)."""
    named, col = _word(table.name), _word(column)
    found = {v.qname: v for v in live.views if not v.materialized and named.search(v.query) and col.search(v.query)}
    while more := {v.qname: v for v in live.views if v.qname not in found and not v.materialized
                   and any(_word(r.name).search(v.query) for r in found.values())}:
        found |= more
    model = {v.qname: v for v in new.views}
    held = next((v for v in live.views if v.materialized and any(_word(r.name).search(v.query)
                                                                   for r in found.values())), None)
    if held is not None:
        return f"materialized view {held.qname} reads a view over the column ({NOT_YET})"
    return [(v, model[v.qname]) for v in live.views if v.qname in found and v.qname in model]


def with_readers(retype: Op, table: m.Table, column: str, live: m.Database, new: m.Database, ts: str,
                 remade: dict[str, str]) -> Op | str:
    """retype alone when nothing reads the column, else the step with its readers, or why it is not planned."""
    col = _word(column)
    readers = [a for a in live.continuous_aggregates if table.qname in sources(a) and col.search(a.query)
               and any(x.qname == a.qname for x in new.continuous_aggregates)]
    changed = next((a.qname for a in readers if a.qname in remade), None)
    if changed:
        return (f"continuous aggregate {changed} reads column {quote_ident(column)} of {table.qname} and is made "
                f"again for its own change in this plan ({NOT_YET})")
    chains = tuple(recreate(m.ObjectKey("continuous aggregate", a.schema, a.name), a.org or "", a.qname, new, live,
                            ts) for a in readers)
    members = [c.qname for a in chains for c in a.drops]
    if len(members) != len(set(members)):
        return f"two continuous aggregates over {table.qname} share an aggregate built on both ({NOT_YET})"
    views = _views(table, column, live, new)
    if isinstance(views, str):
        return views
    if not chains and not views:
        return retype
    return RetypeWithReaders(retype.key, retype.org, retype, chains, tuple(views))
