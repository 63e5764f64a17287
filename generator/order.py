"""Order: the phases of `out/<database>/` (which numbered file holds which kind of object, in apply order), and
the dependency order of objects inside a phase (and, at the end, the order the builder keeps the model's tables
and aggregates in: foreign key targets and aggregate sources first).

PHASES is the one place that decides the order of the init files; rollback files are numbered 1000 - number, so
`ls rollback/` is the order that undoes them (dependents first, no CASCADE needed).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from schemagen import model as m
from schemagen.sqltext import qualified

T = TypeVar("T")


def dependency_order(items: Sequence[T], key: Callable[[T], str], needs: Callable[[T], Iterable[str]]) -> list[T]:
    """The items in the model's order, except that each comes after the items it needs (stable, deterministic;
    a cycle keeps the written order and two items of one name both stay: validation reports those). Used for
    foreign key targets before their referrers, and aggregates after the aggregates they are built on."""
    first: dict[str, int] = {}
    for n, item in enumerate(items):
        first.setdefault(key(item), n)
    state: dict[int, int] = {}  # 1: on the current path, 2: placed
    out: list[T] = []
    for start in range(len(items)):
        stack = [(start, iter(needs(items[start])))]  # iterative: a long chain of references cannot overflow
        while stack:
            n, deps = stack[-1]
            state.setdefault(n, 1)
            dep = next((first[d] for d in deps if d in first and not state.get(first[d])), None)
            if dep is not None:
                stack.append((dep, iter(needs(items[dep]))))
                continue
            stack.pop()
            if state[n] == 1:
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
        q for schema, rel in _relations(v.query) for q in ([qualified(schema, rel)] if schema else names.get(rel, []))])


def _relations(query: str) -> list[tuple[str | None, str]]:
    """(schema, name) of every relation a query reads; nothing when it does not parse (validation reports it)."""
    import pglast
    from pglast.visitors import Visitor

    found: list[tuple[str | None, str]] = []

    class Relations(Visitor):
        def visit_RangeVar(self, ancestors, node):  # noqa: N802 (pglast's naming)
            found.append((node.schemaname, node.relname))

    try:
        Relations()(pglast.parse_sql(query))
    except pglast.parser.ParseError:
        return []
    return found


# --- the order the builder puts the model's objects in (before rendering) -----------------------------------

def sources_first(schema: str, specs: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """A schema's aggregates so that one built on another of the same schema comes after it (written order
    otherwise; a cycle keeps the written order and fails validation)."""
    if len(specs) < 2:
        return specs
    index = {name: n for n, (name, _) in enumerate(specs)}
    out: list[tuple[str, dict]] = []
    state: dict[int, int] = {}

    def visit(n: int) -> None:
        if state.get(n):
            return
        state[n] = 1
        src = str((specs[n][1] or {}).get("source") or "")
        sschema, _, sname = src.rpartition(".")
        if (sschema or schema) == schema and sname in index:
            visit(index[sname])
        state[n] = 2
        out.append(specs[n])

    for n in range(len(specs)):
        visit(n)
    visit = None  # type: ignore[assignment]  # the closure refers to itself: break the cycle (gc is off here)
    return out


def build_order_of_tables(tables: list[m.Table]) -> list[m.Table]:
    """Tables ordered so that every foreign key's target comes before the table that references it (a cycle
    keeps the written order; two tables of one name both stay, for validation to report)."""
    first: dict[tuple, int] = {}
    for n, t in enumerate(tables):
        first.setdefault((t.schema, t.name), n)
    out: list[m.Table] = []
    state: dict[int, int] = {}
    for start in range(len(tables)):
        stack = [(start, iter(tables[start].foreign_keys))]
        if state.get(start):
            continue
        state[start] = 1
        while stack:  # depth first without recursion: 10,000 tables may chain
            n, fks = stack[-1]
            for fk in fks:
                target = first.get((fk.ref_schema, fk.ref_table))
                if target is not None and not state.get(target):
                    state[target] = 1
                    stack.append((target, iter(tables[target].foreign_keys)))
                    break
            else:
                stack.pop()
                state[n] = 2
                out.append(tables[n])
    return out


def build_order_of_aggregates(caggs: list[m.ContinuousAggregate]) -> list[m.ContinuousAggregate]:
    """Aggregates after the aggregates they are built on (across schemas and orgs)."""
    by_name = {c.qname: n for n, c in enumerate(caggs)}
    out: list[m.ContinuousAggregate] = []
    state: dict[int, int] = {}
    for start in range(len(caggs)):
        chain, n = [], start
        while n is not None and not state.get(n):  # follow the chain of sources down, then emit bottom up
            state[n] = 1
            chain.append(n)
            n = by_name.get(caggs[n].source_relation or "")
        out += [caggs[k] for k in reversed(chain)]
    return out
