"""Rules on foreign keys: a known table, as many columns as the key it references, matching types, a referenced
key that is a primary key or unique constraint, and references that stay within shared tables and the own org.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.rules.context import Context, unique_keys
from schemagen.rules.types import comparable_type


def org_references(ck: Context, t: m.Table) -> None:
    """For every org (not only a template's first): a foreign key stays within shared tables and its own org."""
    for fk in t.foreign_keys:
        target = ck.tables.get((fk.ref_schema, fk.ref_table))
        if target is None or target.org is None:
            continue
        if t.org is None:
            ck.add(fk.source, f"foreign key {fk.name}: a shared table cannot reference the org table {target.qname}")
        elif target.org != t.org:
            ck.add(fk.source, f"foreign key {fk.name}: references {target.qname} of another org ({target.org})",
                   t.org, "fk another org")


def foreign_keys(ck: Context, t: m.Table) -> None:
    cols = {c.name: c for c in t.columns}
    for fk in t.foreign_keys:
        ck.need_columns(t, cols, fk.columns, f"foreign key {fk.name}", fk.source)
        _foreign_key(ck, t, fk, cols)


def _foreign_key(ck: Context, t: m.Table, fk: m.ForeignKey, cols: dict) -> None:
    org = t.org
    target = ck.tables.get((fk.ref_schema, fk.ref_table))
    if target is None:
        hint = ""
        if "{org}" in fk.ref_table:
            hint = " (a shared table cannot reference an org table)"
        else:
            close = ck.hint(fk.ref_table, [n for s, n in ck.tables if s == fk.ref_schema])
            hint = f"; did you mean {fk.ref_schema}.{close}?" if close else ""
        ck.add(fk.source, f"foreign key {fk.name}: unknown table {fk.ref_schema}.{fk.ref_table}{hint}", org)
        return
    if not fk.ref_columns and not target.primary_key:
        ck.add(fk.source, f"foreign key {fk.name}: {target.qname} has no primary key; name the referenced "
                          "column(s)", org)
        return
    ref_cols = fk.ref_columns or target.primary_key.columns
    if len(ref_cols) != len(fk.columns):
        ck.add(fk.source, f"foreign key {fk.name}: {len(fk.columns)} column(s) reference {len(ref_cols)} "
                          f"column(s) of {target.qname}; a reference to a composite key needs every key column", org)
        return
    tcols = {c.name: c for c in target.columns}
    for mine, theirs in zip(fk.columns, ref_cols):
        if theirs not in tcols:
            ck.add(fk.source, f"foreign key {fk.name}: {target.qname} has no column {theirs!r}", org)
        elif mine in cols and comparable_type(cols[mine].type) != comparable_type(tcols[theirs].type):
            ck.add(fk.source, f"foreign key {fk.name}: {t.name}.{mine} is {cols[mine].type} but "
                              f"{target.name}.{theirs} is {tcols[theirs].type}; the types must match", org)
    if not any(set(k) == set(ref_cols) for k in unique_keys(target)):
        ck.add(fk.source, f"foreign key {fk.name}: ({', '.join(ref_cols)}) of {target.qname} is not its primary "
                          "key or a unique constraint, which PostgreSQL requires", org)
