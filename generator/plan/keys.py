"""A table's primary key added, dropped or changed: `ADD CONSTRAINT ... PRIMARY KEY` and `DROP CONSTRAINT`, through
tables.py's AddConstraint and DropConstraint with kind "primary key" (plan_table.sql.j2 renders the key with
table.sql.j2's own macro).

A changed key (its columns) is dropped (rank 51), then added (rank 58). PRIMARY KEY makes its columns NOT NULL
itself: the model's NOT NULL of a key column that was nullable is served by the ADD, whose reverse drops the key
and then that NOT NULL again. PostgreSQL keeps NOT NULL when the key goes: a column the model after leaves
nullable gets its own DROP NOT NULL (columns.SetNotNull, rank 65, after the key's drop).

Refused (not planned, with why) where the server would refuse the statement: a foreign key that stays references
the old key's columns (its index goes with the key: "cannot drop constraint ... because other objects depend on
it"), and a hypertable's key without a partitioning column ("cannot create a unique index without the column ...
(used in partitioning)").
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from schemagen import model as m
from schemagen.changes import Change
from schemagen.plan.columns import SetNotNull
from schemagen.plan.ops import Op
from schemagen.plan.tables import AddConstraint, DropConstraint
from schemagen.sqltext import quote_ident

KIND = "primary key"


@dataclass(frozen=True)
class AddPrimaryKey(AddConstraint):
    """ADD CONSTRAINT ... PRIMARY KEY, validated at once (its unique index is built either way)."""

    nullable: tuple[m.Column, ...] = ()  # the key's columns as they are, nullable: NOT NULL comes with the key

    def reverse(self) -> tuple[Op, ...]:
        """The key dropped, then the NOT NULL it brought to columns that were nullable (PostgreSQL keeps it)."""
        return (DropConstraint(self.key, self.org, self.table, KIND, self.constraint),
                *(SetNotNull(self.key, self.org, self.table, c, replace(c, not_null=True)) for c in self.nullable))


def _names(columns) -> str:
    return ", ".join(map(quote_ident, columns))


def drop_refused(old: m.Table, old_db: m.Database, new_db: m.Database) -> str | None:
    """Why old's primary key cannot be dropped: a foreign key that the model after keeps references its columns,
    through the key's own index."""
    pk = old.primary_key
    after = {t.qname: t for t in new_db.tables}
    for t in old_db.tables:
        for f in t.foreign_keys:
            if ((f.ref_schema, f.ref_table) == (old.schema, old.name) and set(f.ref_columns or pk.columns)
                    == set(pk.columns) and t.qname in after and f in after[t.qname].foreign_keys):
                return (f"foreign key {quote_ident(f.name)} of {t.qname} references {old.qname} "
                        f"({_names(pk.columns)}) and stays: PostgreSQL refuses to drop primary key "
                        f"{quote_ident(pk.name)}, whose index it uses (cannot drop constraint ... because other "
                        "objects depend on it); change or drop that foreign key in the model too, or keep the key")
    return None


def add_primary_key(key: m.ObjectKey, org: str, new: m.Table, old: m.Table) -> AddPrimaryKey | str:
    """The ADD of new's primary key on the table as it is (old), or why TimescaleDB refuses it."""
    pk = new.primary_key
    # the table as it is partitions by its live dimensions (a time column change is not planned), and the model's
    # dimensions the plan adds come before the key
    partitioning = tuple(dict.fromkeys(c for ht in (old.hypertable, new.hypertable) if ht
                                       for c in (ht.time_column, *(d.column for d in ht.dimensions))))
    left_out = [c for c in partitioning if c not in pk.columns]
    if left_out:
        return (f"TimescaleDB refuses a primary key of hypertable {new.qname} without its partitioning column(s) "
                f"{_names(left_out)} (cannot create a unique index without the column ... (used in partitioning)): "
                "put them in the key")
    nullable = tuple(c for c in old.columns if c.name in pk.columns and not c.not_null)
    return AddPrimaryKey(key, org, new, KIND, pk, nullable=nullable)


def key_ops(c: Change, new: m.Table, old: m.Table, org: str, new_db: m.Database,
            old_db: m.Database) -> tuple[Op, ...] | str:
    """A primary key added (missing), dropped (extra) or changed (its columns: dropped, then added)."""
    out: tuple[Op, ...] = ()
    if c.change != "missing":
        why = drop_refused(old, old_db, new_db)
        if why:
            return why
        out += (DropConstraint(c.key, org, old, KIND, old.primary_key),)
    if c.change != "extra":
        added = add_primary_key(c.key, org, new, old)
        if isinstance(added, str):
            return added
        out += (added,)
    return out


def key_not_null(c: Change, new: m.Table, old: m.Table, org: str, new_db: m.Database,
                 old_db: m.Database) -> tuple[Op, ...] | str | None:
    """A key column's NOT NULL changed with its key: made NOT NULL by a new key (its ADD serves it), or left
    nullable by a key that goes (None: a DROP NOT NULL after the key's drop, unless the drop is refused)."""
    name, pk = c.part[1], old.primary_key
    want = new.column(name)
    why = drop_refused(old, old_db, new_db) if pk and pk != new.primary_key else None
    if want.not_null and new.primary_key and name in new.primary_key.columns and new.primary_key != pk:
        added = why or add_primary_key(c.key, org, new, old)  # a changed key is added after the old one's drop
        return added if isinstance(added, str) else (added,)
    if not want.not_null and pk and name in pk.columns:
        return None if why is None else f"the column is in primary key {quote_ident(pk.name)}: {why}"
    return None
