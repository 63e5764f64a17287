"""Order: the phases of `out/<database>/` (which numbered file holds which kind of object, in apply order), and
the dependency order of objects inside a phase.

PHASES is the one place that decides the order of the init files; rollback files are numbered 1000 - number, so
`ls rollback/` is the order that undoes them (dependents first, no CASCADE needed).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence, TypeVar

from . import model as m
from .sqltext import qualified


@dataclass(frozen=True)
class Phase:
    number: int  # fixed per phase: a phase that gains its first object adds a file and renumbers nothing
    name: str
    why: str  # why it comes where it does (kept next to the number, where a reader looks for it)
    undo: str | None = None  # when its rollback has nothing to run: why (written into the rollback file)


PHASES: tuple[Phase, ...] = (
    Phase(10, "extensions", "everything else may use their types and functions (timescaledb, vector, ...)"),
    Phase(20, "schemas", "tables, views and functions live in them"),
    Phase(30, "tables", "columns and constraints; foreign key targets come before the tables that reference them"),
    Phase(40, "hypertables", "create_hypertable needs the table, and runs before the indexes so TimescaleDB "
                             "builds them on every chunk",
          undo="dropping the tables (rollback/970_tables.sql) removes the hypertables and their chunks"),
    Phase(50, "indexes", "on tables and hypertables (TimescaleDB repeats them on each chunk)"),
    Phase(60, "compression", "compression settings need the hypertable",
          undo="dropping the tables (rollback/970_tables.sql) removes their compression settings"),
    Phase(70, "policies", "compression and retention policies need the hypertable and its compression settings"),
    Phase(80, "functions", "bodies are not checked at creation (check_function_bodies = off), so they may name "
                           "objects of later phases; views, aggregates and triggers after them may call them"),
    Phase(90, "continuous_aggregates", "they read hypertables and may call functions; an aggregate built on "
                                       "another comes after it"),
    Phase(100, "views", "views and materialized views may read tables, continuous aggregates and functions"),
    Phase(110, "triggers", "they need their table and their function; created after the objects they may touch"),
    Phase(120, "seed", "rows last among shared objects: tables, defaults and triggers all exist"),
)

# One file per org after every shared phase: an org's objects may use every shared object, and adding an org
# adds a file without renumbering any other. Inside it, the org's objects follow PHASES' order.
ORG_NUMBER = 900

BY_NAME = {p.name: p for p in PHASES}


def rollback_number(number: int) -> int:
    """The rollback file's number: reversed, so `ls rollback/` runs the undo in the right order."""
    return 1000 - number


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
