"""Order: the phases of `out/<database>/` (which numbered file holds which kind of object, in apply order), and
the dependency order of objects inside a phase (and, at the end, the order the builder keeps the model's tables
and aggregates in: foreign key targets and aggregate sources first).

PHASES is the one place that decides the order of the init files; rollback files are numbered 1000 - number, so
`ls rollback/` is the order that undoes them (dependents first, no CASCADE needed).
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import TypeVar

from schemagen import model as m
from schemagen.sqlparse import call_names, query_relations
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


def views_reading(views: Sequence[m.View], relations: Iterable[str]) -> set[str]:
    """The qualified names of the views that read one of `relations` (qualified names), directly or through
    another such view: what cannot exist when those relations do not (a view on a continuous aggregate that
    --skip-unsupported leaves out). An unqualified name matches a relation of that name in any schema."""
    gone = set(relations)
    found: set[str] = set()
    for v in views_in_order(views):
        for schema, rel in query_relations(v.query):
            if qualified(schema, rel) in gone or (schema is None and any(g.rpartition(".")[2] == qualified(None, rel)
                                                                          for g in gone)):
                found.add(v.qname)
                gone.add(v.qname)
                break
    return found


# --- functions the tables need: created in 028_early_functions.sql, before 030_tables.sql --------------------

def table_sql(t: m.Table) -> Iterator[tuple[str, m.SqlText]]:
    """The free-form SQL of a table that runs when its phases do (030 tables, 050 indexes): what it is, its text."""
    for c in t.columns:
        if c.default is not None:
            yield f"the default of column {c.name}", c.default
    for k in t.checks:
        yield f"check {k.name}", k.expression
    for i in t.indexes:
        for e in i.elements:
            if e.expression is not None:
                yield f"index {i.name}", e.expression
        if i.where is not None:
            yield f"the predicate of index {i.name}", i.where


def needed_before_tables(db: m.Database) -> Iterator[tuple[m.Table, str, str | None, str]]:
    """What the shared tables call while their phases run: (table, what calls, schema or None, function name).
    Org tables need nothing early: their file comes after every shared phase. Add here what else a table's phases
    call (a hypertable's integer_now function, say): the functions it names move to 028 with all they call."""
    names = {f.name.lower() for f in db.functions}
    for t in db.tables:
        if t.org is None and names:
            for what, text in table_sql(t):
                if not _may_call(text, names):  # parse only the SQL that can name a model function
                    continue
                for schema, name in sorted(call_names(text), key=str):
                    yield t, what, schema, name
        if t.hypertable and t.hypertable.integer_now:  # set_integer_now_func in 040 needs it
            schema, _, name = t.hypertable.integer_now.rpartition(".")
            yield t, "the integer_now of the hypertable", schema or None, name


def _may_call(text: str, names: set[str]) -> bool:
    """Whether a text holds one of the model's function names at all (as a quoted name it keeps its case)."""
    lowered = text.lower()
    return any(n in lowered for n in names)


def _resolve(db: m.Database, schema: str | None, name: str) -> list[m.Function]:
    """The model's functions a call names: of that schema, or (unqualified) of the search path's schemas, else of
    any schema (at worst one more function is created early, which is harmless)."""
    named = [f for f in db.functions if f.name == name]
    if schema is not None:
        return [f for f in named if f.schema == schema]
    path = {"public", "pg_catalog", *(e.schema or "public" for e in db.extensions)}  # as scripts.search_path
    return [f for f in named if f.schema in path] or named


def early_functions(db: m.Database) -> list[m.Function]:
    """The model's functions that must exist before the tables (in the model's order): those the tables'
    defaults, checks, index expressions and predicates call (needed_before_tables), and what those call in turn
    (their bodies and argument defaults), transitively."""
    early = why_early(db)
    return [f for f in db.functions if id(f) in early]


def why_early(db: m.Database) -> dict[int, tuple[m.Function, str]]:
    """Each early function (by id) with why it is needed early: `check c of table s.t calls it`, or `s.g calls
    it, and check c of table s.t calls s.g` for one reached through another's body."""
    todo = [(f, f"{what} of table {t.qname} calls it") for t, what, schema, name in needed_before_tables(db)
            for f in _resolve(db, schema, name)]
    todo.reverse()
    early: dict[int, tuple[m.Function, str]] = {}
    while todo:
        f, why = todo.pop()
        if id(f) in early:
            continue
        early[id(f)] = (f, why)
        for text in (f.body, *(a.default for a in f.arguments if a.default is not None)):
            for schema, name in sorted(call_names(text), key=str):
                todo += [(g, f"{f.qname} calls it, and {why.removesuffix(' calls it')} calls {f.qname}")
                         for g in _resolve(db, schema, name) if g is not f]
    return early


def row_types_named(db: m.Database, f: m.Function) -> list[str]:
    """The tables and views whose row type a function's arguments or result name (`s.shared`, `setof s.shared`,
    `s.shared[]`, a `table(...)` column): such a function cannot be created before them."""
    relations = [*db.tables, *db.views, *db.continuous_aggregates]
    words = {w for text in (f.returns, *(a.type for a in f.arguments))
             for w in _type_words(text)}
    return [r.qname for r in relations if r.qname in words or (r.schema == "public" and r.name in words)]


def _type_words(text: str) -> set[str]:
    """The type names a type text holds, as qualified names: `setof s.t` -> {s.t}, `table(a s.t[])` -> {a, s.t}."""
    words = set()
    body = text[6:-1] if text.startswith("table(") and text.endswith(")") else text
    for part in _top_level_parts(body):
        part = part.strip().removeprefix("setof ").removesuffix("[]").strip()
        words.add(part)
        words.add(part.partition(" ")[2].strip().removesuffix("[]"))
    return words


def _top_level_parts(text: str) -> list[str]:
    """The comma-separated parts of a text, commas inside parentheses or double quotes not counted."""
    parts, depth, quoted, start = [], 0, False, 0
    for n, ch in enumerate(text):
        quoted ^= ch == '"'
        if not quoted:
            depth += (ch == "(") - (ch == ")")
            if ch == "," and depth == 0:
                parts.append(text[start:n])
                start = n + 1
    return [*parts, text[start:]]


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
