"""Rules on the names PostgreSQL keeps: at most 63 bytes (it cuts longer ones silently), one namespace per schema
for tables, views, indexes, sequences and aggregates (the names each claims there), one per table for its
constraints, and schema names outside the prefix pg_.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.naming import default_name
from schemagen.rules.context import Context, cut


def database_name(ck: Context) -> None:
    ck.name(ck.db.source, "database", ck.db.name)


def relations(ck: Context) -> None:
    """Extensions' and schemas' names, then the names tables, views and aggregates claim in their schemas."""
    db = ck.db
    for e in db.extensions:
        ck.name(e.source, "extension", e.name)
    for s in db.schemas:
        ck.name(s.source, "schema", s.name)
        if s.name.startswith("pg_"):
            ck.add(s.source, f"schema name {s.name!r}: the prefix pg_ is reserved for system schemas")
    for t in db.tables:
        ck.claim(t.schema, t.name, "table", t.source, t.org)
    for v in db.views:
        ck.claim(v.schema, v.name, "materialized view" if v.materialized else "view", v.source, v.org)
    for c in db.continuous_aggregates:
        ck.claim(c.schema, c.name, "continuous aggregate", c.source, c.org)


def table_names(ck: Context, t: m.Table) -> None:
    """The names a table brings: columns, constraints (one namespace per table; primary keys and unique
    constraints are indexes too), indexes, the sequences of serial and identity columns, triggers. Checked for every
    org."""
    org = t.org
    for c in t.columns:
        ck.name(c.source, "column", c.name, org)
        if c.serial or c.identity:
            ck.claim(t.schema, default_name(t.name, c.name, "seq"), "sequence", c.source, org)
    constraint_names: dict[str, str] = {}
    constraints = ([(t.primary_key, "primary key", True)] if t.primary_key else []) + \
        [(u, "unique constraint", True) for u in t.uniques] + [(k, "check constraint", False) for k in t.checks] \
        + [(f, "foreign key", False) for f in t.foreign_keys]
    for obj, what, backed_by_index in constraints:
        name = cut(obj.name)
        if name in constraint_names:
            ck.add(obj.source, f"{what} {obj.name!r} has the same name as {constraint_names[name]} on {t.qname}",
                   org, "constraint name")
        constraint_names[name] = f"{what} {obj.name!r}"
        if backed_by_index:
            ck.claim(t.schema, obj.name, what, obj.source, org)
        else:
            ck.name(obj.source, what, obj.name, org)
    for ix in t.indexes:
        ck.claim(t.schema, ix.name, "index", ix.source, org)
    for tr in t.triggers:
        ck.name(tr.source, "trigger", tr.name, org)
