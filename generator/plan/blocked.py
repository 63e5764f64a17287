"""Steps that would create an object needing another one the plan does not create: listed as not planned too.

A difference the plan cannot serve yet (a materialized view, a changed type) may leave an object missing that a
planned step needs: a view reading it, an aggregate built on it, a table whose foreign key references it or whose
column has its type. Such a step would fail in apply; it is taken out with the reason, and what it would have
created is missing in turn (to a fixed point).
"""
from __future__ import annotations

import re

from schemagen import model as m
from schemagen.changes import Change
from schemagen.plan.collateral import enum_default, own_keys, partitioned, word
from schemagen.plan.matviews import OPS as MATVIEW_OPS
from schemagen.plan.matviews import MaterializedViews
from schemagen.plan.objects import DropView, PutView
from schemagen.plan.ops import NotPlanned, Op
from schemagen.rules.context import unique_keys
from schemagen.sqlparse import query_relations
from schemagen.sqltext import qualified, quote_ident

_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')+)'")  # a default's sequence, as the catalog prints it (qualified)


def _named_in(n: NotPlanned) -> str:
    """The qualified name of the object a difference not planned is about."""
    return qualified(n.change.key.schema, n.change.key.name)


def _org(op: Op) -> m.Database:
    """The objects an onboarding step creates: its org's part of the model's database."""
    return op.model.database(op.database).for_org(op.org)


def _creates(op: Op) -> set[str]:
    """The qualified names a step creates."""
    if op.op in ("create_table", "create_view", "create_function"):
        return {getattr(op, op.op.removeprefix("create_")).qname}
    if op.op in ("create_type", "create_sequence"):
        return {op.obj.qname}
    if op.op in ("create_aggregate", "recreate_aggregates", *MATVIEW_OPS):
        return {c.qname for c in op.creates} | {v.qname for v in op.create_views}
    return set()


def _reads(query: str, schema: str) -> set[str]:
    """The relations a query reads; an unqualified name as either schema it may resolve to (its own, public)."""
    try:
        return {name for s, r in query_relations(query)
                for name in ([qualified(s, r)] if s else [qualified(schema, r), qualified("public", r)])}
    except Exception:  # noqa: BLE001 - an unparsable query needs nothing we can name
        return set()


def _needs(op: Op) -> set[str]:
    """The qualified names a creating step needs to exist."""
    if not op.op.startswith(("create", "recreate", "onboard", "own")):
        return set()
    table = getattr(op, "table", None)
    if op.op == "create_table" and table is not None:
        out = {qualified(f.ref_schema, f.ref_table) for f in table.foreign_keys} - {table.qname}
        return out | {c.type.removesuffix("[]") for c in table.columns}
    view = getattr(op, "view", None)
    if view is not None:
        return _reads(view.query, view.schema)
    if op.op in ("create_aggregate", "recreate_aggregates", *MATVIEW_OPS):
        return set().union(*(_reads(c.query, c.schema) for c in op.creates)) - _creates(op)
    if op.op in ("create_sequence", "own_sequence"):  # the table it belongs to
        q = getattr(op, "obj", None) or op.sequence
        return {qualified(q.schema, q.owned_by[0])} if q.owned_by else set()
    if op.op == "onboard_org":  # the shared objects its tables, views and aggregates need
        org = _org(op)
        mine = {o.qname for o in (*org.tables, *org.views, *org.continuous_aggregates)}
        return set().union(*_needs_of(org).values()) - mine
    return set()


def _rows_needed(op: Op) -> set[str]:
    """The tables whose rows a new table's seed rows reference through its foreign keys."""
    table = getattr(op, "table", None)
    if op.op != "create_table" or table is None or not table.seed:
        return set()
    return {qualified(f.ref_schema, f.ref_table) for f in table.foreign_keys} - {table.qname}


def _column_drops(op: Op) -> set[tuple[str, str]]:
    """(table, column) of a step that drops a column."""
    return {(op.table.qname, op.column.name)} if op.op == "drop_column" else set()


def _mentions(query: str, schema: str, table: str, column: str) -> bool:
    """A query reads table and names column (as an identifier, quoted or not): a view PostgreSQL ties to it."""
    if table not in _reads(query, schema):
        return False
    return word(column, query)


def _column_readers(op: Op, views) -> list[str]:
    """The views (and aggregates) among `views` that name a column the step drops."""
    return [v.qname for v in views for t, col in _column_drops(op) if _mentions(v.query, v.schema, t, col)]


def _new_tables(op: Op) -> list[m.Table]:
    """The tables a step creates: a new table, or an onboarded org's."""
    if op.op == "create_table":
        return [op.table]
    if op.op == "onboard_org":
        return list(_org(op).tables)
    return []


def _columns_used(op: Op) -> set[tuple[str, str]]:
    """(table, column) of the columns a new constraint, index or compression setting on an existing table names,
    or that the foreign keys of a new table reference."""
    refs = {(qualified(f.ref_schema, f.ref_table), c) for t in _new_tables(op) for f in t.foreign_keys
            for c in f.ref_columns}
    table = getattr(op, "table", None)
    if table is None or op.op == "create_table":
        return refs
    if op.op in ("add_constraint", "validate_constraint"):
        return {(table.qname, c) for c in getattr(op.constraint, "columns", ())}
    if op.op == "create_index":
        return {(table.qname, e.column) for e in op.index.elements if e.column} | {
            (table.qname, c) for c in op.index.include}
    if op.op == "set_compression" and op.compression is not None:  # segment by and order by name columns
        return {(table.qname, c) for c in (*op.compression.segment_by, *(o.column for o in op.compression.order_by))}
    return set()


def _keys(live: m.Database, served) -> set[tuple[str, tuple[str, ...]]]:
    """(table, columns) of every unique key a foreign key may reference once the plan ran: the live ones, those
    the plan adds, and those of the tables it creates."""
    tables = [*live.tables, *(op.table for op in served if op.op == "create_table")]
    out = {(t.qname, k) for t in tables for k in unique_keys(t)}
    for op in served:
        if op.op == "add_constraint" and op.kind == "unique":
            out.add((op.table.qname, tuple(op.constraint.columns)))
        if op.op == "create_index" and op.index.unique and not op.index.where:
            out.add((op.table.qname, tuple(e.column for e in op.index.elements)))
    return out


def _unkeyed(op: Op, keys: set[tuple[str, tuple[str, ...]]]) -> list[str]:
    """The foreign keys of a new table, or a new foreign key, whose referenced columns no unique key covers."""
    mine = {t.qname for t in _new_tables(op)}
    if op.op in ("create_table", "onboard_org"):
        fks = tuple(f for t in _new_tables(op) for f in t.foreign_keys)
    elif op.op == "add_constraint" and op.kind == "foreign key":
        fks = (op.constraint,)
    else:
        return []
    return [f"a unique key on {qualified(f.ref_schema, f.ref_table)}({', '.join(map(quote_ident, f.ref_columns))})"
            for f in fks if qualified(f.ref_schema, f.ref_table) not in mine and not any(
                t == qualified(f.ref_schema, f.ref_table) and set(k) == set(f.ref_columns) for t, k in keys)]


def _named(op: Op, columns: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The columns among `columns` (table, column) that a new check's or index's expressions, a trigger's WHEN and
    UPDATE OF, or a view's query (on a table it reads) name."""
    view = getattr(op, "view", None)
    if op.op in ("create_view", "replace_view") and view is not None:  # a column of a table the query names
        reads = _reads(view.query, view.schema)
        return {(t, c) for t, c in columns if t in reads and word(c, view.query)}
    table = getattr(op, "table", None)
    if table is None or op.op not in ("add_constraint", "validate_constraint", "create_index", "create_trigger",
                                      "replace_trigger"):
        return set()
    if op.op in ("create_trigger", "replace_trigger"):
        texts = [op.trigger.when or "", *op.trigger.update_of]
    elif op.op == "create_index":
        texts = [e.expression for e in op.index.elements if e.expression] + [op.index.where or ""]
    else:
        texts = [getattr(op.constraint, "expression", None) or ""]
    return {(t, c) for t, c in columns if t == table.qname and any(word(c, x) for x in texts)}


def missing_names(left: list[NotPlanned]) -> set[str]:
    """The objects a not-planned difference leaves missing (whole objects, not parts), or not as the model has
    them (a type whose change is not planned: a table using it may need its new values)."""
    return {_named_in(n) for n in left if n.change.key.schema and (
        (n.change.change == "missing" and not n.change.part) or n.change.kind == "type")}


def _column_left(c: Change) -> bool:
    """A column the plan leaves missing, or with its old type: what needs it as the model has it cannot run."""
    return len(c.part) >= 2 and c.part[0] == "column" and (
        (c.change == "missing" and len(c.part) == 2) or (c.change == "changed" and c.part[2:] == ("type",)))


def _relations(t: m.Table) -> set[str]:
    """The names a table takes in its schema's relation namespace: its own, its indexes', its keys' indexes'."""
    keys = [k.name for k in (t.primary_key, *t.uniques) if k is not None] + [i.name for i in t.indexes]
    return {t.qname} | {qualified(t.schema, k) for k in keys}


def _taken(op: Op) -> set[str]:
    """The relation names a creating step takes (a table's indexes and keys too)."""
    table = getattr(op, "table", None)
    if op.op == "create_table" and table is not None:
        return _relations(table)
    if op.op == "create_index":
        return {qualified(op.table.schema, op.index.name)}
    return _creates(op)


def _drops(op: Op) -> set[str]:
    """The qualified names a step drops (a recreating step's too: they are free when it creates them again)."""
    if op.op == "drop_table":
        return _relations(op.table)
    if op.op == "drop_index":
        return {qualified(op.table.schema, op.index.name)}
    if op.op == "drop_function":  # a trigger names its function as schema.name, unquoted
        return {op.function.qname, f"{op.function.schema}.{op.function.name}"}
    if op.op == "drop_view":
        return {getattr(op, op.op.removeprefix("drop_")).qname}
    if op.op in ("drop_type", "drop_sequence"):
        return {op.obj.qname}
    if op.op in ("drop_aggregate", "recreate_aggregates", *MATVIEW_OPS):  # recreated: dropped first, names free
        return {c.qname for c in op.drops} | {v.qname for v in op.drop_views}
    return set()


def _live_needs(live: m.Database, model: m.Database, unchanged: set[str]) -> dict[str, set[str]]:
    """What each live object will need once the plan ran: as the model has it when the model keeps it and the plan
    serves all its changes (a foreign key moved to another table, a view's new query), as it is otherwise (an
    object the plan leaves alone, or one with a change it does not plan: `unchanged`)."""
    now, then = _needs_of(live), _needs_of(model)
    return {name: wants if name in unchanged else then.get(name, wants) for name, wants in now.items()}


def _needs_of(db: m.Database) -> dict[str, set[str]]:
    """What each object of a database needs to exist: a table its foreign keys' tables, its columns' types and its
    triggers' functions; a view or an aggregate what its query reads."""
    out: dict[str, set[str]] = {}
    for t in db.tables:
        refs = {qualified(f.ref_schema, f.ref_table) for f in t.foreign_keys}
        sequences = {name for c in t.columns for name in _NEXTVAL.findall(c.default or "")}
        out[t.qname] = (refs | sequences | {c.type.removesuffix("[]") for c in t.columns}
                        | {tr.function for tr in t.triggers}) - {t.qname}
    for v in (*db.views, *db.continuous_aggregates):
        out[v.qname] = _reads(v.query, v.schema)
    return out


def take_out_blocked(served: dict[Op, list[Change]], left: list[NotPlanned], live: m.Database,
                     model: m.Database) -> list[NotPlanned]:
    """The steps that need what the plan leaves missing, or drop what an object that stays needs, taken out of
    served, as differences not planned."""
    gone, out = missing_names(left), []
    rows = {_named_in(n) for n in left
            if n.change.kind in ("seed row", "org row")}  # tables whose rows the plan leaves as they are
    columns = {(_named_in(n), n.change.part[1]) for n in left if _column_left(n.change)}
    # hypertables keeping their old time column: an aggregate on one is bucketed on the new one
    retimed = {_named_in(n) for n in left if n.change.part == ("hypertable", "time column")}
    enums = {_named_in(n) for n in left if n.change.kind == "type" and n.change.part == ("values",)}
    needs = _live_needs(live, model, {_named_in(n) for n in left})
    live_needs = _needs_of(live)
    live_tables = {t.qname: t for t in live.tables}
    names = set().union(*(_relations(t) for t in live.tables)) | {v.qname for v in (*live.views,
                                                                                   *live.continuous_aggregates)}
    readers = [*live.views, *live.continuous_aggregates]
    needed_by: dict[str, set[str]] = {}  # a name -> the objects that need it (a step is linear in its names)
    for name, wants in needs.items():
        for want in wants:
            needed_by.setdefault(want, set()).add(name)
    changed = True
    while changed:
        changed = False
        dropped = set().union(*(_drops(op) for op in served))
        keys = _keys(live, served)
        for op in list(served):
            if op not in served:  # taken out with another one in this pass
                continue
            drops = _drops(op)
            aggregate = op.op in ("create_aggregate", "recreate_aggregates")
            blocked = sorted(_needs(op) & gone | (_rows_needed(op) & rows) | (_needs(op) & retimed if aggregate
                                                                                else set())
                             | {f"{t}.{quote_ident(c)}" for t, c in (_columns_used(op) | _named(op, columns))
                                & columns}
                             | set(_unkeyed(op, keys)))
            kept = sorted({n for d in drops for n in needed_by.get(d, ()) if n not in dropped})
            taken = sorted(n for n in _taken(op) - drops if n in names and n not in dropped)
            if op.op == "drop_column":
                kept += sorted(r for r in _column_readers(op, readers) if r not in dropped)
            if op.op == "drop_constraint" and op.kind in ("primary key", "unique"):
                columns_of_key = set(op.constraint.columns)
                kept += _key_users(op.table, lambda refs, k=columns_of_key: set(refs or k) == k, live, served,
                                   dropped)
            if op.op == "drop_column":
                kept += _key_users(op.table, lambda refs, c=op.column.name: c in refs, live, served, dropped)
            if op.op in ("drop_column", "drop_columnstore_column"):
                kept += [k for c in (op.columns if hasattr(op, "columns") else (op.column,))
                         for k in own_keys(op.table, c.name, served)]
            kept += _key_conflicts(op, live_tables, served)
            refused = partitioned(op, live_tables) or enum_default(op, enums)
            if blocked or kept or taken or refused:
                why = (f"it needs {blocked[0]}, which this plan does not create or change" if blocked
                       else f"{kept[0]} needs it, and this plan does not drop {kept[0]}" if kept
                       else f"the name {taken[0]} is taken by an object this plan does not drop" if taken
                       else refused)
                taken_out = served.pop(op)
                out += [NotPlanned(c, why + " (see the other differences)") for c in taken_out]
                for other in [o for o, cs in served.items() if cs and all(c in taken_out for c in cs)]:
                    del served[other]  # the drop of an index changed, whose new form is taken out: it stays
                gone |= _creates(op)
                # the object a step taken out would have changed stays as it is: it needs what it needs now
                name = qualified(op.key.schema, op.key.name)
                for want in live_needs.get(name, ()):
                    needed_by.setdefault(want, set()).add(name)
                changed = True
    return out





def _key_conflicts(op: Op, live_tables: dict[str, m.Table], served) -> list[str]:
    """A new primary key on a table whose live one stays (its drop taken out): a table has one primary key. A new
    dimension whose column a live key that stays leaves out: TimescaleDB refuses it ("used in partitioning")."""
    if op.op == "add_dimension" and op.table.qname in live_tables:
        t, column = live_tables[op.table.qname], op.dimension.column
        going = {o.constraint.name for o in served if o.op == "drop_constraint" and o.table.qname == t.qname}
        return [f"key {quote_ident(k.name)} of {t.qname} (without {quote_ident(column)})"
                for k in (t.primary_key, *t.uniques) if k and column not in k.columns and k.name not in going]
    if op.op != "add_constraint" or op.kind != "primary key":
        return []
    t = live_tables.get(op.table.qname)
    if t is None or t.primary_key is None or t.primary_key.name == op.constraint.name or any(
            o.op == "drop_constraint" and o.kind == "primary key" and o.table.qname == t.qname for o in served):
        return []
    return [f"primary key {quote_ident(t.primary_key.name)} of {t.qname}"]


def _key_users(t: m.Table, references, live: m.Database, served, dropped: set[str]) -> list[str]:
    """The live foreign keys on t whose referenced columns `references` matches and that stay (their table stays
    and no step drops them): PostgreSQL refuses to drop a key or a column one of them uses."""
    going = {(o.table.qname, o.constraint.name) for o in served
             if o.op == "drop_constraint" and o.kind == "foreign key"}
    return sorted(f"foreign key {quote_ident(f.name)} of {u.qname}" for u in live.tables if u.qname not in dropped
                  for f in u.foreign_keys if (f.ref_schema, f.ref_table) == (t.schema, t.name)
                  and references(f.ref_columns) and (u.qname, f.name) not in going)


def split_replaced_views(served: dict[Op, list[Change]]) -> dict[Op, list[Change]]:
    """A view replaced in place whose present query reads what the plan drops (a table, or a column it names, or
    a view split so itself): dropped before that drop and created after (CREATE OR REPLACE comes too late: the
    drop would refuse to leave it without what it reads)."""
    dropped = set().union(*(_drops(op) for op in served))
    columns = set().union(*(_column_drops(op) for op in served))
    out = _split_recreated(served, dropped, columns)
    # a dropped view -> where its drop goes: a split view's before the drops of the views it reads
    at = {name: op.position for op in served if op.op in ("drop_view", MATVIEW_OPS[1]) for name in _drops(op)}
    split = True
    while split:  # a view reading a view split is split too
        split = False
        for op in [op for op in out if op.op == "replace_view"]:
            v = op.previous
            reads = _reads(v.query, v.schema)
            if reads & dropped or any(_mentions(v.query, v.schema, t, col) for t, col in columns):
                changes = out.pop(op)
                at[v.qname] = min([-op.position, *(at[r] - 1 for r in reads & at.keys())])
                out[DropView(op.key, op.org, op.previous, at[v.qname])] = changes
                out[PutView(op.key, op.org, op.view, None, op.position)] = list(changes)
                dropped.add(v.qname)
                split = True
    return out


def _split_recreated(served: dict[Op, list[Change]], dropped: set[str], columns) -> dict[Op, list[Change]]:
    """A materialized view recreated (with its readers) whose present query reads what the plan drops: its drop
    goes first (with the drops of materialized views, before the tables) and its create after the tables, in two
    steps; otherwise the drop of what it reads comes first and PostgreSQL refuses it."""
    out = dict(served)
    for op in [op for op in served if op.op == MATVIEW_OPS[2]]:
        others = dropped - _drops(op)
        if any(_reads(v.query, v.schema) & others or any(_mentions(v.query, v.schema, t, col) for t, col in columns)
               for v in op.drops):
            changes = out.pop(op)
            out[MaterializedViews(op.key, op.org, op.drops, (), -op.position)] = changes
            out[MaterializedViews(op.key, op.org, (), op.creates, op.position)] = list(changes)
    return out
