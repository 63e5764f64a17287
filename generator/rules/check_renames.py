"""Rules on declared renames (`renamed_from:` on a table, a column or an index): what `schemagen plan` turns into
a RENAME must name one old object unambiguously. The old name must differ from the new one, must not be a name the
model itself still uses (both would exist, and a rename would take one of them), must not be given by two objects
(both cannot be renamed from one), and on an org template must hold `{org}` as its name does (else every org would
rename the same table: two orgs giving one old name is the error then). Renames stay within a schema and a table.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.rules.context import Context

ORG = "{org}"


def renames(ck: Context) -> None:
    """The renamed_from of every table of the database and of its columns and indexes."""
    relations = {(t.schema, t.name) for t in ck.db.tables}
    relations |= {(o.schema, o.name) for o in (*ck.db.views, *ck.db.continuous_aggregates, *ck.db.sequences)}
    relations |= {(t.schema, i.name) for t in ck.db.tables for i in t.indexes}
    seen: dict[tuple[str, str], str] = {}
    for t in ck.db.tables:
        if t.renamed_from is not None:
            _one(ck, t.source, f"table {t.qname}", t.schema, t.name, t.renamed_from, relations, seen, t)
        for i in t.indexes:
            if i.renamed_from is not None:
                _one(ck, i.source, f"index {t.schema}.{i.name}", t.schema, i.name, i.renamed_from, relations,
                     seen, t)
        _columns(ck, t)


def _one(ck: Context, source: m.Source, what: str, schema: str, name: str, old: str,
         relations: set[tuple[str, str]], seen: dict[tuple[str, str], str], t: m.Table) -> None:
    if old == name:
        ck.add(source, f"{what}: renamed_from names the object itself; remove it", t.org)
    elif (schema, old) in relations:
        ck.add(source, f"{what}: renamed_from {old!r} is a name this model still uses in schema {schema}: both "
                       "would exist, so there is nothing to rename", t.org)
    elif (schema, old) in seen:
        hint = f" (on an org template, renamed_from holds `{ORG}` as the name does)" if t.template else ""
        ck.add(source, f"{what}: renamed_from {old!r} is given by {seen[(schema, old)]} too; one object can be "
                       f"renamed from it{hint}")
    else:
        seen[(schema, old)] = what


def _columns(ck: Context, t: m.Table) -> None:
    names = {c.name for c in t.columns}
    seen: dict[str, str] = {}
    for c in t.columns:
        old = c.renamed_from
        if old is None:
            continue
        what = f"column {c.name} of {t.qname}"
        if old == c.name:
            ck.add(c.source, f"{what}: renamed_from names the column itself; remove it", t.org)
        elif old in names:
            ck.add(c.source, f"{what}: renamed_from {old!r} is a column this table still has: both would exist, "
                             "so there is nothing to rename", t.org)
        elif old in seen:
            ck.add(c.source, f"{what}: renamed_from {old!r} is given by column {seen[old]} too", t.org)
        else:
            seen[old] = c.name
