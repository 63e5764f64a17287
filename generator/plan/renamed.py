"""Declared renames as the plan sees them: which `renamed_from:` of the model the live database still needs, and
the live database as it will be once those renames ran (pure: model objects in, model objects out).

A table is renamed when the live database has its old name and not its new one (both: refused, listed); then its
columns and its indexes the same way, within the (renamed) table. What PostgreSQL renames along with them is
renamed in the live side too: a column's name in keys, constraints, indexes, the hypertable's dimensions and the
compression settings, and in the foreign keys of other tables; a table's name in the foreign keys that reference
it. What PostgreSQL does not rename is renamed by derived steps: a constraint or index whose name is the old
table's name plus a suffix, or a column's default constraint name, where the model has the new form (so a
renamed table keeps `<new>_pkey` as render would name it). Expressions (CHECK, index expressions, WHERE) are
compared as the server prints them after the rename: the old name as a whole word becomes the new one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from schemagen import model as m
from schemagen.naming import default_name
from schemagen.sqltext import quote_ident


@dataclass(frozen=True)
class Rename:
    """One rename: kind table | column | index | constraint; table: the live table before this rename (as the
    renames before it left it); old and new names."""

    kind: str
    table: m.Table
    old: str
    new: str
    derived: bool = False  # not declared: PostgreSQL would keep the old table's prefix in the name


@dataclass
class Renamed:
    renames: list[Rename] = field(default_factory=list)
    refused: list[tuple[m.Table, str]] = field(default_factory=list)  # (model table, why)
    actual: m.Database | None = None


def _word(old: str, new: str, text: str | None) -> str | None:
    if text is None:
        return None
    text = re.sub(r'(?<![\w$."])' + re.escape(old) + r'(?![\w$"])', new, text) if old == old.lower() else text
    return text.replace(quote_ident(old) if quote_ident(old) != old else f'"{old}"', quote_ident(new))


def _column_renamed(t: m.Table, old: str, new: str) -> m.Table:
    def r(name: str) -> str:
        return new if name == old else name

    def rs(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(map(r, names))

    ht, comp = t.hypertable, t.compression
    return replace(
        t, columns=tuple(replace(c, name=new) if c.name == old else c for c in t.columns),
        primary_key=t.primary_key and replace(t.primary_key, columns=rs(t.primary_key.columns)),
        uniques=tuple(replace(u, columns=rs(u.columns)) for u in t.uniques),
        foreign_keys=tuple(replace(f, columns=rs(f.columns)) for f in t.foreign_keys),
        checks=tuple(replace(k, expression=_word(old, new, k.expression)) for k in t.checks),
        indexes=tuple(replace(i, include=rs(i.include), where=_word(old, new, i.where), elements=tuple(
            replace(e, column=e.column and r(e.column), expression=_word(old, new, e.expression))
            for e in i.elements)) for i in t.indexes),
        hypertable=ht and replace(ht, time_column=r(ht.time_column),
                                  dimensions=tuple(replace(d, column=r(d.column)) for d in ht.dimensions)),
        compression=comp and replace(comp, segment_by=rs(comp.segment_by),
                                     order_by=tuple(replace(o, column=r(o.column)) for o in comp.order_by)))


def _named(t: m.Table, kind: str, old: str, new: str) -> m.Table:
    """t after a rename of one of its parts (index or constraint) or of itself."""
    if kind == "table":
        return replace(t, name=new)
    if kind == "column":
        return _column_renamed(t, old, new)
    if kind == "index":
        return replace(t, indexes=tuple(replace(i, name=new) if i.name == old else i for i in t.indexes))
    pk = t.primary_key
    return replace(t, primary_key=replace(pk, name=new) if pk and pk.name == old else pk,
                   uniques=tuple(replace(u, name=new) if u.name == old else u for u in t.uniques),
                   foreign_keys=tuple(replace(f, name=new) if f.name == old else f for f in t.foreign_keys),
                   checks=tuple(replace(k, name=new) if k.name == old else k for k in t.checks),
                   indexes=tuple(replace(i, name=new) if i.name == old and (i.unique or pk and pk.name == old)
                                 else i for i in t.indexes))


def _references(t: m.Table, target: m.Table, rename: Rename) -> m.Table:
    """A table's foreign keys that point at the renamed table (or its renamed column), renamed with it."""
    def fk(f: m.ForeignKey) -> m.ForeignKey:
        if (f.ref_schema, f.ref_table) != (target.schema, target.name if rename.kind != "table" else rename.old):
            return f
        if rename.kind == "table":
            return replace(f, ref_table=rename.new)
        if rename.kind == "column":
            return replace(f, ref_columns=tuple(rename.new if c == rename.old else c for c in f.ref_columns))
        return f
    return replace(t, foreign_keys=tuple(map(fk, t.foreign_keys)))


def _part_names(t: m.Table) -> set[str]:
    """The names of a table's indexes and constraints (the ones a rename can reach)."""
    names = {i.name for i in t.indexes} | {k.name for k in (*t.uniques, *t.foreign_keys, *t.checks)}
    return names | ({t.primary_key.name} if t.primary_key else set())


def _default_indexes(t: m.Table) -> set[str]:
    ht = t.hypertable
    if not ht or not ht.create_default_indexes:
        return set()
    return {f"{t.name}_{ht.time_column}_idx"} | {f"{t.name}_{d.column}_{ht.time_column}_idx"
                                                 for d in ht.dimensions if d.partitions}


def _derived(want: m.Table, have: m.Table, old_table: str, columns: dict[str, str]) -> list[Rename]:
    """The index and constraint names PostgreSQL keeps through the renames of a table and its columns (columns: new
    name -> old name) where the model has the new form: a default name of the old table or column (`site_pkey`,
    `site_label_key`), or a name with the old table's prefix (`site_by_name`)."""
    model, live = _part_names(want) | _default_indexes(want), _part_names(have)
    renamed = {default_name(old_table, None, "pkey"): default_name(want.name, None, "pkey")}
    for c in have.columns:
        old = columns.get(c.name, c.name)
        renamed |= {default_name(old_table, old, label): default_name(want.name, c.name, label)
                    for label in ("key", "fkey", "check")}
    out = []
    for name in sorted(live - model):
        candidate = renamed.get(name)
        if candidate is None and old_table != want.name and name.startswith(old_table + "_"):
            candidate = want.name + name[len(old_table):]
        if candidate in model and candidate not in live:
            kind = "constraint" if _constraint(have, name) else "index"
            out.append(Rename(kind, have, name, candidate, derived=True))
    return out


def _constraint(t: m.Table, name: str) -> bool:
    return any(k.name == name for k in (*t.uniques, *t.foreign_keys, *t.checks, *([t.primary_key] * bool(
        t.primary_key))))


class _Live:
    """The live tables by (schema, name), renamed as the renames are found."""

    def __init__(self, db: m.Database):
        self.db = db
        self.tables = {(t.schema, t.name): t for t in db.tables}
        self.position = {(t.schema, t.name): n for n, t in enumerate(db.tables)}  # kept through renames
        self.out = Renamed()

    def apply(self, r: Rename) -> m.Table:
        self.out.renames.append(r)
        key = (r.table.schema, r.table.name)
        renamed = _named(self.tables.pop(key), r.kind, r.old, r.new)
        self.tables[(renamed.schema, renamed.name)] = renamed
        self.position[(renamed.schema, renamed.name)] = self.position.pop(key)
        if r.kind in ("table", "column"):
            for k, t in list(self.tables.items()):
                self.tables[k] = _references(t, renamed, r)
            renamed = self.tables[(renamed.schema, renamed.name)]
        return renamed

    def table(self, want: m.Table) -> m.Table | None:
        """The live table the model's table is, after its own rename when it declares one."""
        here, old = self.tables.get((want.schema, want.name)), want.renamed_from
        there = self.tables.get((want.schema, old)) if old else None
        if here is not None and there is not None:
            self.out.refused.append((want, f"renamed_from {old!r}: both {want.schema}.{old} and {want.qname} exist; "
                                           "nothing is renamed (drop or rename one of them first)"))
        if here is not None or there is None:
            return here
        return self.apply(Rename("table", there, old, want.name))

    def parts(self, want: m.Table, have: m.Table, old_table: str) -> None:
        columns: dict[str, str] = {}
        for c in want.columns:
            if c.renamed_from and have.column(c.renamed_from) and have.column(c.name):
                self.out.refused.append((want, f"column {c.name} renamed_from {c.renamed_from!r}: both columns "
                                               f"exist in {have.qname}; nothing is renamed"))
            elif c.renamed_from and have.column(c.renamed_from):
                have = self.apply(Rename("column", have, c.renamed_from, c.name))
                columns[c.name] = c.renamed_from
        names = {i.name for i in have.indexes}
        for i in want.indexes:
            if i.renamed_from and i.renamed_from in names and i.name not in names:
                have = self.apply(Rename("index", have, i.renamed_from, i.name))
        if old_table != want.name or columns:
            for d in _derived(want, have, old_table, columns):
                have = self.apply(replace(d, table=have))


def declared(model: m.Database, live: m.Database) -> Renamed:
    """The renames the model declares that the live database needs, in order, and the live database after them."""
    state = _Live(live)
    for want in model.tables:
        was = len(state.out.renames)
        have = state.table(want)
        if have is not None:
            state.parts(want, have, want.renamed_from if len(state.out.renames) > was else want.name)
    state.out.actual = replace(live, tables=tuple(sorted(state.tables.values(),
                                                         key=lambda t: state.position[(t.schema, t.name)])),
                               sequences=tuple(_owner_renamed(q, state.out.renames) for q in live.sequences))
    return state.out


def _owner_renamed(q: m.Sequence, renames: list[Rename]) -> m.Sequence:
    """A sequence OWNED BY a column of a table or a column renamed: owned by it under its new name (PostgreSQL
    follows the rename)."""
    owner = q.owned_by
    for r in renames:
        if owner and r.table.schema == q.schema and owner[0] == r.table.name and r.kind in ("table", "column"):
            owner = (r.new, owner[1]) if r.kind == "table" else (owner[0], r.new if owner[1] == r.old else owner[1])
    return q if owner == q.owned_by else replace(q, owned_by=owner)
