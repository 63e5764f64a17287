"""Order: the phases of `out/<database>/` (which numbered file holds which kind of object, in apply order), and
the dependency order of objects inside a phase (and, at the end, the order the builder keeps the model's tables
and aggregates in: foreign key targets and aggregate sources first).

PHASES is the one place that decides the order of the init files; rollback files are numbered 1000 - number, so
`ls rollback/` is the order that undoes them (dependents first, no CASCADE needed).
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

from schemagen import model as m
from schemagen.sqlparse import query_relations
from schemagen.sqltext import qualified

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def dependency_order(items: Sequence[T], key: Callable[[T], K], needs: Callable[[T], Iterable[K]]) -> list[T]:
    """The items in the model's order, except that each comes after the items it needs (stable, deterministic;
    a cycle keeps the written order and two items of one key both stay, a need naming the first of them:
    validation reports those). The one topological sort: render's order of tables, views and aggregates, and the
    order the builder keeps the model's tables and aggregates in."""
    first: dict[K, int] = {}
    for n, item in enumerate(items):
        first.setdefault(key(item), n)
    state: dict[int, int] = {}  # 1: on the current path, 2: placed
    out: list[T] = []
    for start in range(len(items)):
        if state.get(start):
            continue
        stack = [(start, iter(needs(items[start])))]  # iterative: a long chain of references cannot overflow
        state[start] = 1
        while stack:
            n, deps = stack[-1]
            dep = next((first[d] for d in deps if d in first and not state.get(first[d])), None)
            if dep is not None:
                state[dep] = 1
                stack.append((dep, iter(needs(items[dep]))))
                continue
            stack.pop()
            state[n] = 2
            out.append(items[n])
    return out


def tables_in_order(tables: Sequence[m.Table]) -> list[m.Table]:
    """Foreign key targets before the tables that reference them (rollback drops them in reverse)."""
    return dependency_order(tables, lambda t: t.qname, lambda t: [qualified(f.ref_schema, f.ref_table)
                                                                   for f in t.foreign_keys])


def caggs_in_order(caggs: Sequence[m.ContinuousAggregate]) -> list[m.ContinuousAggregate]:
    """Continuous aggregates after the aggregates they are built on."""
    return dependency_order(caggs, lambda c: c.qname, lambda c: [c.source_relation] if c.source_relation else [])


def views_in_order(views: Sequence[m.View]) -> list[m.View]:
    """Views after the views they read (found by parsing their queries; an unqualified name matches a view of
    that name in any schema: at worst an order that was already fine changes, never one that worked breaks)."""
    names: dict[str, list[str]] = {}
    for v in views:
        names.setdefault(v.name, []).append(v.qname)
    return dependency_order(views, lambda v: v.qname, lambda v: [
        q for schema, rel in query_relations(v.query)
        for q in ([qualified(schema, rel)] if schema else names.get(rel, []))])


# --- the order the builder puts the model's objects in (before rendering) -----------------------------------

def sources_first(schema: str, specs: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """A schema's aggregates (name and spec, as written) so that one built on another of the same schema comes
    after it (written order otherwise; a cycle keeps the written order and fails validation)."""
    if len(specs) < 2:
        return specs

    def source(item: tuple[str, dict]) -> list[str]:
        sschema, _, sname = str((item[1] or {}).get("source") or "").rpartition(".")
        return [sname] if (sschema or schema) == schema else []

    return dependency_order(specs, lambda item: item[0], source)


def build_order_of_tables(tables: list[m.Table]) -> list[m.Table]:
    """Tables ordered so that every foreign key's target comes before the table that references it (a cycle
    keeps the written order; two tables of one name both stay, for validation to report)."""
    return dependency_order(tables, lambda t: (t.schema, t.name),
                            lambda t: [(fk.ref_schema, fk.ref_table) for fk in t.foreign_keys])


def build_order_of_aggregates(caggs: list[m.ContinuousAggregate]) -> list[m.ContinuousAggregate]:
    """Aggregates after the aggregates they are built on (across schemas and orgs). Where two aggregates have one
    name (validation reports it), a source names the last of them."""
    later: dict[str, int] = {}  # how many aggregates of the name come after each one: 0 for the last
    keys: list[tuple[str, int]] = []
    for c in reversed(caggs):
        keys.append((c.qname, later.get(c.qname, 0)))
        later[c.qname] = later.get(c.qname, 0) + 1
    keys.reverse()
    order = dependency_order(range(len(caggs)), keys.__getitem__,
                             lambda n: [(caggs[n].source_relation, 0)] if caggs[n].source_relation else [])
    return [caggs[n] for n in order]
