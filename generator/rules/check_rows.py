"""Rules for the rows schemagen inserts: seed rows and the org registry's one row per org.

The INSERTs run ON CONFLICT (key) DO NOTHING, so the key must be a primary key or unique constraint; every NOT
NULL column without a default needs a value; and each value must be one the column's type accepts (checked as the
server's input functions check them: rules.values).
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.rules.context import Context, unique_keys
from schemagen.rules.values import value_error


def seed(ck: Context, t: m.Table) -> None:
    """Seed rows: known columns, a key that ON CONFLICT can use, values the column types accept."""
    s, org = t.seed, t.org
    if s is None:
        return
    cols = {c.name: c for c in t.columns}

    def at(i: int) -> m.Source:  # the line of row i (from 1), where the model says where rows were written
        return s.row_sources[i - 1] if len(s.row_sources) >= i else s.source

    for j, c in enumerate(s.columns):
        if c not in cols:
            first = next((i for i, row in enumerate(s.rows, 1) if row[j] is not m.SEED_DEFAULT), 1)
            ck.add(at(first), f"seed rows name unknown column {c!r} of {t.qname}", org)
    if not s.key:
        ck.add(s.source, f"seed rows need a key (`key:`) or a primary key on {t.qname}", org)
        return
    if not any(set(k) == set(s.key) for k in unique_keys(t, partial=False)):
        ck.add(s.source, f"the seed key ({', '.join(s.key)}) must be the primary key or a unique constraint "
                           f"of {t.qname} (ON CONFLICT needs one)", org)
    for c in s.columns:
        if c in cols and cols[c].identity == "always" and any(v is not m.SEED_DEFAULT for v in _column(s, c)):
            ck.add(s.source, f"seed rows give {c} a value, but it is GENERATED ALWAYS AS IDENTITY: PostgreSQL "
                             "refuses that (make it `identity: by default`, or leave it out of the rows)", org)
    required = [c.name for c in t.columns
                if c.not_null and c.default is None and not c.serial and not c.identity]
    seen: dict[tuple, int] = {}
    for i, row in enumerate(s.rows, 1):
        values = dict(zip(s.columns, row))
        missing = [k for k in s.key if values.get(k) in (None, m.SEED_DEFAULT)]
        if missing:
            ck.add(at(i), f"seed row {i} has no value for key column(s) {', '.join(missing)}", org)
        absent = [c for c in required if values.get(c, m.SEED_DEFAULT) in (None, m.SEED_DEFAULT)]
        if absent and not missing:
            ck.add(at(i), f"seed row {i} has no value for NOT NULL column(s) {', '.join(absent)}", org)
        # null is NULL, not DEFAULT: a serial, identity or defaulted NOT NULL column refuses it too
        nulls = [c for c, v in values.items() if v is None and c in cols and cols[c].not_null
                 and c not in required and c not in s.key]
        if nulls:
            ck.add(at(i), f"seed row {i} gives null to NOT NULL column(s) {', '.join(nulls)} (leave a column out "
                             "of the row for its default)", org)
        for c, v in values.items():
            if c in cols and v is not m.SEED_DEFAULT and not isinstance(v, (dict, list)):  # the schema said those
                error = value_error(cols[c].type, v)
                if error:
                    ck.add(at(i), f"seed row {i}, column {c}: {error}", org)
        key = tuple(values.get(k) for k in s.key)
        if key in seen:
            ck.add(at(i), f"seed row {i} repeats the key {key} of row {seen[key]}", org)
        seen.setdefault(key, i)


def _column(s: m.SeedRows, column: str) -> list:
    i = s.columns.index(column)
    return [row[i] for row in s.rows]


def registry(ck: Context) -> None:
    """The org registry: its table, key and columns, and every org's row as PostgreSQL would take it."""
    db = ck.db
    reg = db.org_registry
    if reg is None:
        return
    t = ck.tables.get((reg.schema, reg.table))
    if t is None:
        ck.add(reg.source, f"org_registry: unknown table {reg.schema}.{reg.table}")
        return
    if t.org:
        ck.add(reg.source, "org_registry: the registry table must be shared, not an org template")
    cols = {c.name: c for c in t.columns}
    for col, _ in reg.values:
        if col not in cols:
            ck.add(reg.source, f"org_registry: {t.qname} has no column {col!r}")
    if not any(k == (reg.key_column,) for k in unique_keys(t, partial=False)):
        ck.add(reg.source, f"org_registry: the key column {reg.key_column!r} must be the primary key or "
                             "UNIQUE (the row is inserted ON CONFLICT DO NOTHING)")
    given = {c for c, _ in reg.values}
    absent = [c.name for c in t.columns
              if c.not_null and c.default is None and not c.serial and not c.identity and c.name not in given]
    if absent:
        ck.add(reg.source, f"org_registry: NOT NULL column(s) {', '.join(absent)} of {t.qname} need a value")
    unique_cols = {k[0] for k in unique_keys(t, partial=False) if len(k) == 1}
    seen: dict[tuple[str, str], str] = {}
    for row in db.org_rows:
        for col, value in row.values:
            if col not in cols:
                continue
            error = value_error(cols[col].type, value)
            if error:
                ck.add(reg.source, f"org_registry: column {col} of org {row.org}: {error}")
            if col in unique_cols and col != reg.key_column:
                if (col, value) in seen:
                    ck.add(reg.source, f"org_registry: orgs {seen[(col, value)]} and {row.org} both put "
                                         f"{value!r} in the unique column {col}")
                seen.setdefault((col, value), row.org)
