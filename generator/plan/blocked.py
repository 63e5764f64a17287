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
from schemagen.plan.objects import DropView, PutView
from schemagen.plan.ops import NotPlanned, Op
from schemagen.sqlparse import query_relations
from schemagen.sqltext import qualified

_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')+)'")  # a default's sequence, as the catalog prints it (qualified)


def _creates(op: Op) -> set[str]:
    """The qualified names a step creates."""
    if op.op in ("create_table", "create_view", "create_function"):
        return {getattr(op, op.op.removeprefix("create_")).qname}
    if op.op in ("create_type", "create_sequence"):
        return {op.obj.qname}
    if op.op in ("create_aggregate", "recreate_aggregates"):
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
    if op.op in ("create_aggregate", "recreate_aggregates"):
        return set().union(*(_reads(c.query, c.schema) for c in op.creates)) - _creates(op)
    if op.op in ("create_sequence", "own_sequence"):  # the table it belongs to
        q = getattr(op, "obj", None) or op.sequence
        return {qualified(q.schema, q.owned_by[0])} if q.owned_by else set()
    if op.op == "onboard_org":  # the shared objects its tables, views and aggregates need
        org = op.model.database(op.database).for_org(op.org)
        mine = {o.qname for o in (*org.tables, *org.views, *org.continuous_aggregates)}
        return set().union(*_needs_of(org).values()) - mine
    return set()


def _rows_needed(op: Op) -> set[str]:
    """The tables whose rows a new table's seed rows reference through its foreign keys."""
    table = getattr(op, "table", None)
    if op.op != "create_table" or table is None or not table.seed:
        return set()
    return {qualified(f.ref_schema, f.ref_table) for f in table.foreign_keys} - {table.qname}


def missing_names(left: list[NotPlanned]) -> set[str]:
    """The objects a not-planned difference leaves missing (whole objects, not parts), or not as the model has
    them (a type whose change is not planned: a table using it may need its new values)."""
    return {qualified(n.change.key.schema, n.change.key.name) for n in left if n.change.key.schema and (
        (n.change.change == "missing" and not n.change.part) or n.change.kind == "type")}


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
    if op.op in ("drop_aggregate", "recreate_aggregates"):  # recreated: dropped first, so its names are free
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
    rows = {qualified(n.change.key.schema, n.change.key.name) for n in left
            if n.change.kind in ("seed row", "org row")}  # tables whose rows the plan leaves as they are
    needs = _live_needs(live, model, {qualified(n.change.key.schema, n.change.key.name) for n in left})
    names = set().union(*(_relations(t) for t in live.tables)) | {v.qname for v in (*live.views,
                                                                                   *live.continuous_aggregates)}
    needed_by: dict[str, set[str]] = {}  # a name -> the objects that need it (a step is linear in its names)
    for name, wants in needs.items():
        for want in wants:
            needed_by.setdefault(want, set()).add(name)
    changed = True
    while changed:
        changed = False
        dropped = set().union(*(_drops(op) for op in served))
        for op in list(served):
            drops = _drops(op)
            blocked = sorted(_needs(op) & gone | (_rows_needed(op) & rows))
            kept = sorted({n for d in drops for n in needed_by.get(d, ()) if n not in dropped})
            taken = sorted(n for n in _taken(op) - drops if n in names and n not in dropped)
            if blocked or kept or taken:
                why = (f"it needs {blocked[0]}, which this plan does not create or change" if blocked
                       else f"{kept[0]} needs it, and this plan does not drop {kept[0]}" if kept
                       else f"the name {taken[0]} is taken by an object this plan does not drop")
                out += [NotPlanned(c, why + " (see the other differences)") for c in served.pop(op)]
                gone |= _creates(op)
                changed = True
    return out





def split_replaced_views(served: dict[Op, list[Change]]) -> dict[Op, list[Change]]:
    """A view replaced in place whose present query reads what the plan drops: dropped before that drop and
    created after (CREATE OR REPLACE comes too late: the drop would refuse to leave it without its table)."""
    dropped = set().union(*(_drops(op) for op in served))
    out: dict[Op, list[Change]] = {}
    for op, changes in served.items():
        if op.op == "replace_view" and _reads(op.previous.query, op.previous.schema) & dropped:
            out[DropView(op.key, op.org, op.previous, -op.position)] = changes
            out[PutView(op.key, op.org, op.view, None, op.position)] = list(changes)
        else:
            out[op] = changes
    return out
