"""Data: the model's seed rows and org rows against the live tables' rows.

What to check (data_parts) and what the rows read back mean (row_changes); live/drift.py reads them, one query
per batch of tables: for each row of the model, whether the live table has a row with its key, whether each
column's value is the same, and both rows' values as JSON.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from schemagen import model as m
from schemagen.changes import Change


@dataclass(frozen=True)
class Rows:
    kind: str  # "seed row" | "org row"
    table: m.Table
    seed: m.SeedRows
    orgs: tuple[str, ...]  # the org of each row ("" for shared seed rows)


# one row read back: (part index, row index, present, [column equal ...], expected JSON, actual JSON)
RowFound = tuple[int, int, bool, Sequence[bool], str, str]


def data_parts(db: m.Database, actual: m.Database, orgs: Sequence[str] | None) -> list[Rows]:
    """What to check, where the live table has every column it needs (else it is schema drift already)."""
    live = {t.qname: {c.name for c in t.columns} for t in actual.tables}
    parts = [Rows("seed row", t, t.seed, (t.org or "",) * len(t.seed.rows))
             for t in db.tables if t.seed and (orgs is None or t.org in orgs)]
    reg = db.org_registry
    rows = [r for r in db.org_rows if orgs is None or r.org in orgs]
    table = next((t for t in db.tables if (t.schema, t.name) == (reg.schema, reg.table)), None) if reg else None
    if reg and rows and table:
        seed = m.SeedRows((reg.key_column,), tuple(c for c, _ in rows[0].values),
                          tuple(tuple(v for _, v in r.values) for r in rows))
        parts.append(Rows("org row", table, seed, tuple(r.org for r in rows)))
    return [p for p in parts if set(p.seed.columns) <= live.get(p.table.qname, set())]


def row_changes(database: str, parts: Sequence[Rows], found: Iterable[RowFound]) -> list[Change]:
    """Missing rows (by key), and rows whose values differ in a column the model gives (not a DEFAULT cell)."""
    out = []
    for n, k, present, same, expected, actual in found:
        p = parts[n]
        row, org = p.seed.rows[k], p.orgs[k]
        key = m.ObjectKey(p.kind, p.table.schema, p.table.name)
        row_key = tuple((c, row[p.seed.columns.index(c)]) for c in p.seed.key)
        if not present:
            out.append(Change(database, org, key, "missing", ("row", row_key)))
            continue
        named = [i for i, v in enumerate(row) if v is not m.SEED_DEFAULT]  # DEFAULT cells: any value will do
        if not all(same[i] for i in named):
            want, got = json.loads(expected), json.loads(actual)
            cols = tuple(p.seed.columns[i] for i in named if not same[i])
            out.append(Change(database, org, key, "changed", ("row", row_key, cols), {c: want[c] for c in cols},
                              {c: got[c] for c in cols}))
    return out
