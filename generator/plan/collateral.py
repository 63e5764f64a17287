"""What a step would take with it, or what the server would refuse in it, that the plan's own changes do not say:
DROP COLUMN drops the keys and indexes on the column, TimescaleDB refuses a unique key without a hypertable's
partitioning column, a default may name an enum value the plan does not add. blocked.py takes such steps out.
"""
from __future__ import annotations

import re

from schemagen import model as m
from schemagen.plan.ops import Op
from schemagen.sqltext import quote_ident


def own_keys(t: m.Table, name: str, served) -> list[str]:
    """A dropped column's own primary key, unique constraint or index that stays (its change not planned): DROP
    COLUMN would drop it with the column."""
    going = {o.constraint.name for o in served if o.op == "drop_constraint" and o.table.qname == t.qname}
    gone = {o.index.name for o in served if o.op == "drop_index" and o.table.qname == t.qname}
    keys = [f"{kind} {quote_ident(k.name)} of {t.qname}" for kind, k in (("primary key", t.primary_key),
                                                                         *(("unique", u) for u in t.uniques))
            if k is not None and name in k.columns and k.name not in going]
    return keys + [f"index {quote_ident(i.name)} of {t.qname}" for i in t.indexes if i.name not in gone and (
        any(e.column == name for e in i.elements) or name in i.include
        or any(word(name, x) for x in (*(e.expression or "" for e in i.elements), i.where or "")))]


def enum_default(op: Op, enums: set[str]) -> str | None:
    """A default set on a column of an enum whose new values the plan does not make: it may name one of them."""
    column = getattr(op, "column", None)
    if op.op not in ("set_default", "add_column") or column is None or column.default is None:
        return None
    name = column.type.removesuffix("[]")
    return f"its default may need a value of enum {name}, whose values this plan does not change" if (
        name in enums) else None


def partitioned(op: Op, live_tables: dict[str, m.Table]) -> str | None:
    """A unique key or unique index added to a live hypertable without one of its partitioning columns, which
    TimescaleDB refuses ("cannot create a unique index without the column ... (used in partitioning)"): the model
    makes the table a plain one, which the plan cannot do."""
    t = live_tables.get(op.table.qname) if hasattr(op, "table") else None
    if t is None or not t.hypertable:
        return None
    if op.op == "add_constraint" and op.kind in ("primary key", "unique"):
        columns = set(op.constraint.columns)
    elif op.op == "create_index" and op.index.unique:
        columns = {e.column for e in op.index.elements}
    else:
        return None
    left = [c for c in (t.hypertable.time_column, *(d.column for d in t.hypertable.dimensions)) if c not in columns]
    return (f"{t.qname} stays a hypertable (a plain table is not planned), and TimescaleDB refuses a unique key "
            f"without its partitioning column {quote_ident(left[0])}") if left else None


def word(column: str, text: str) -> bool:
    quoted = quote_ident(column)
    return quoted in text if quoted != column else bool(re.search(rf'(?<![\w$"]){re.escape(column)}(?![\w$"])',
                                                                 text))
