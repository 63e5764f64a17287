"""Column recipes for what one ALTER TABLE cannot do: several statements in one step (one transaction: all or
nothing), as checked on TimescaleDB 2.23 (docs/plan.md, "What is planned").

- A segment-by or order-by column of a hypertable with compression dropped (DropColumnstoreColumns): every
  compressed chunk decompressed, the new settings set (without the column), the column dropped. TimescaleDB refuses
  the drop while the settings name the column, and after changing them while a chunk is still compressed with the
  old ones. The compression policy stays: its next run compresses the chunks again.
- A NOT NULL column without a default added to a hypertable with compression (AddColumnNullFirst): TimescaleDB
  refuses it in one statement, so it is added nullable and set NOT NULL, which succeeds only while the table holds
  no row (as on any table: every row would violate it; the rows are counted at plan time).
- A serial or identity column added (AddFilledColumn): PostgreSQL fills every existing row from the new sequence
  (a rewrite). On a hypertable with compression every compressed chunk is decompressed first: TimescaleDB accepts
  the column but leaves its compressed rows NULL. An identity column on a hypertable is refused (filled_column).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

from schemagen import model as m
from schemagen.plan.compression import SetCompression, clears_segment_by
from schemagen.plan.identity import ChangeNumbering
from schemagen.plan.ops import (
    DATA_LOSS,
    DECOMPRESSION,
    IRREVERSIBLE,
    TABLE_REWRITE,
    Hazard,
    Op,
    columnstore,
    lock_hazard,
)
from schemagen.plan.tables import AddColumn
from schemagen.render import sql
from schemagen.sqltext import quote_ident

IDENTITY_ON_COLUMNSTORE = (
    "TimescaleDB refuses an identity column on a hypertable with compression (\"cannot add column with constraints "
    "to a hypertable that has columnstore enabled\"): use a serial column, or rebuild the table")


def _names(columns: tuple[m.Column, ...]) -> str:
    return ", ".join(quote_ident(c.name) for c in columns)


def compressed_by(t: m.Table) -> set[str]:
    """The columns a hypertable's compression settings name (segment by, order by)."""
    return set(t.compression.segment_by) | {o.column for o in t.compression.order_by} if columnstore(t) else set()


def dropped_compressed(key: m.ObjectKey, new: m.Table, old: m.Table, org: str,
                       ts: str) -> DropColumnstoreColumns | None:
    """The recipe dropping the segment-by and order-by columns of old that new lacks, or None: the same operation
    for the column changes and the compression change it serves."""
    names = {c.name for c in new.columns}
    gone = tuple(c for c in old.columns if c.name in compressed_by(old) and c.name not in names)
    if not gone or new.compression is None:
        return None
    return DropColumnstoreColumns(key, org, old, gone, interim(new.compression, old, gone), ts)


def interim(wanted: m.Compression, old: m.Table, gone: tuple[m.Column, ...]) -> m.Compression:
    """The settings the recipe sets: the model's, unless they name a column the plan adds later (after this step);
    then the live ones without the columns dropped, and a later step sets the model's (planner._compression)."""
    there = {c.name for c in old.columns} - {c.name for c in gone}
    if set(wanted.segment_by) <= there and {o.column for o in wanted.order_by} <= there:
        return wanted
    now = old.compression
    return dataclasses.replace(now, segment_by=tuple(c for c in now.segment_by if c in there),
                               order_by=tuple(o for o in now.order_by if o.column in there))


def null_first(column: m.Column) -> bool:
    """A NOT NULL column without a default: added nullable, then set NOT NULL, on a hypertable with compression."""
    return column.not_null and column.default is None and not (column.serial or column.identity)


@dataclass(frozen=True)
class DropColumnstoreColumns(Op):
    op: ClassVar[str] = "drop_columnstore_column"
    rank: ClassVar[int] = 52  # as DropColumn
    table: m.Table  # as it is
    columns: tuple[m.Column, ...]  # the segment-by / order-by columns dropped
    compression: m.Compression  # the settings without them
    ts: str

    def needs(self) -> frozenset[str]:
        return frozenset({m.FEATURE_COMPRESSION})

    def statements(self) -> tuple[str, ...]:
        t = self.table
        return (sql("plan_compression", "decompress_all", self.ts, t.qname),
                sql("compression", "create", "TABLE", t.qname, self.compression,
                    clears_segment_by(self.compression, t.compression, frozenset(c.name for c in self.columns))),
                *(sql("plan_table", "drop_column", t, c) for c in self.columns))

    def hazards(self) -> tuple[Hazard, ...]:
        t, names = self.table, _names(self.columns)
        back = ("; NOT NULL without a default, it can only be added back while the table holds no row"
                if any(null_first(c) for c in self.columns) else "")
        return (Hazard(DATA_LOSS, f"column(s) {names} of {t.qname} are dropped with their values"),
                lock_hazard(t),
                Hazard(DECOMPRESSION, f"every compressed chunk of {t.qname} is decompressed (the disk for its rows "
                                      "uncompressed) and stays so until the compression policy's next run "
                                      "compresses it with the new settings (no policy: until compressed by hand)"),
                Hazard(IRREVERSIBLE, f"the rollback adds {names} again, empty, and sets the compression settings "
                                     f"back: the values are gone{back}"))

    def reverse(self) -> tuple[Op, ...]:
        t = self.table
        adds = tuple((AddColumnNullFirst if null_first(c) else AddColumn)(self.key, self.org, t, c)
                     for c in self.columns)
        return (*adds, SetCompression(self.key, self.org, t, t.compression, self.compression, self.ts))

    def describe(self) -> str:
        return (f"drop column(s) {_names(self.columns)} of {self.table.qname} (decompress every chunk, compression "
                "settings without them, drop)")


@dataclass(frozen=True)
class AddColumnNullFirst(AddColumn):
    """ADD COLUMN nullable, then SET NOT NULL: what TimescaleDB accepts on a hypertable with compression for a NOT
    NULL column without a default (which fails, as anywhere, when the table holds a row)."""

    def statements(self) -> tuple[str, ...]:
        t, c = self.table, self.column
        return (sql("plan_table", "add_column", t, dataclasses.replace(c, not_null=False)),
                sql("plan_table", "set_not_null", t, c), *super().statements()[1:])

    def hazards(self) -> tuple[Hazard, ...]:
        t = self.table
        return (*super().hazards(),
                Hazard(DECOMPRESSION, f"SET NOT NULL of {quote_ident(self.column.name)} reads every compressed "
                                      f"chunk of {t.qname} too (there is none while the table is empty)"))

    def describe(self) -> str:
        return f"add column {quote_ident(self.column.name)} to {self.table.qname} (nullable, then SET NOT NULL)"


@dataclass(frozen=True)
class AddFilledColumn(AddColumn):
    """A serial or identity column: its sequence created with it (OWNED BY the column, so the rollback's DROP
    COLUMN drops it too), every existing row filled from it. On a hypertable with compression every chunk is
    decompressed first (compressed rows would stay NULL)."""

    ts: str = ""  # TimescaleDB's schema, for the decompression

    def needs(self) -> frozenset[str]:
        return frozenset({m.FEATURE_COMPRESSION}) if columnstore(self.table) else frozenset()

    def statements(self) -> tuple[str, ...]:
        first = (sql("plan_compression", "decompress_all", self.ts, self.table.qname),) if columnstore(
            self.table) else ()
        return (*first, *super().statements())

    def hazards(self) -> tuple[Hazard, ...]:
        t, name = self.table, quote_ident(self.column.name)
        rows = f"every row of {t.qname} and of each of its chunks" if t.hypertable else f"every row of {t.qname}"
        out = [lock_hazard(t),
               Hazard(TABLE_REWRITE, f"{rows} is written again with a value of {name} from its new sequence")]
        if columnstore(t):
            out.append(Hazard(DECOMPRESSION, f"every compressed chunk of {t.qname} is decompressed first (compressed "
                                             f"rows would keep {name} NULL) and stays so until the compression "
                                             "policy's next run"))
        return tuple(out)

    def counts(self) -> tuple[str, object] | None:
        return None

    def describe(self) -> str:
        kind = "identity" if self.column.identity else "serial"
        return f"add {kind} column {quote_ident(self.column.name)} to {self.table.qname}, filling every row"


@dataclass(frozen=True)
class AddIdentityToHypertable(AddFilledColumn):
    """A new identity column of a hypertable. PostgreSQL refuses ADD COLUMN ... GENERATED AS IDENTITY on a table
    with child tables, and every chunk is one ("cannot recursively add identity column to table that has child
    tables"), but makes an existing column of the hypertable an identity (chunks take none: the rewriter fills it on
    the hypertable). So the column is added as a serial one, every row filled from its sequence, and made an
    identity in the same step (identity.py), its next value after the largest."""

    def statements(self) -> tuple[str, ...]:
        serial = dataclasses.replace(self.column, identity=None, serial=True)
        added = AddColumn(self.key, self.org, self.table, serial)
        made = ChangeNumbering(self.key, self.org, self.table, self.column, serial)
        return (*added.statements(), *made.statements())


def filled_column(key: m.ObjectKey, org: str, t: m.Table, column: m.Column, ts: str) -> tuple[Op, ...] | str:
    """A new serial or identity column, or why TimescaleDB / PostgreSQL refuses it."""
    if column.identity and t.hypertable:
        return IDENTITY_ON_COLUMNSTORE if columnstore(t) else (AddIdentityToHypertable(key, org, t, column, ts=ts),)
    return (AddFilledColumn(key, org, t, column, ts=ts),)
