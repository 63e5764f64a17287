"""Operations on the compression (columnstore) settings of a live hypertable or continuous aggregate: turned on,
changed, turned off.

Turned on: `ALTER TABLE ... SET (timescaledb.compress, ...)` as render writes it, before the compression policy that
needs it. Changed (segment by, order by, compress_chunk_time_interval): the same statement; TimescaleDB 2.14+
accepts it with compressed chunks, which keep their old settings until they are decompressed and compressed again
(a hazard: the drift check reads the hypertable's settings, not each chunk's). Turned off: every compressed chunk
decompressed, then `compress = false` (TimescaleDB refuses it while chunks are compressed), after the policy is
removed (its job would fail). Each reverses to the settings as they were; chunks decompressed stay so until the
policy's next run. A continuous aggregate's settings are its materialization hypertable's, set and read through
the aggregate (ALTER MATERIALIZED VIEW, show_chunks of the aggregate).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from schemagen import model as m
from schemagen.plan.columns import AlterType
from schemagen.plan.ops import DECOMPRESSION, JOB_ID_CHANGE, NEW_CHUNKS_ONLY, TABLE_REWRITE, Hazard, Op, lock_hazard
from schemagen.render import sql
from schemagen.sqltext import quote_ident

# compression settings changed while chunks may be compressed: TimescaleDB 2.14+ (commands/plan.py knows the version)
CHANGED_WITH_CHUNKS = "compression settings changed with compressed chunks"


def relation_kind(obj: m.Table | m.ContinuousAggregate) -> str:
    """ALTER's word for the relation whose compression is set: TABLE, or MATERIALIZED VIEW for an aggregate."""
    return "MATERIALIZED VIEW" if isinstance(obj, m.ContinuousAggregate) else "TABLE"


def clears_segment_by(new: m.Compression, previous: m.Compression | None, dropped: frozenset[str] = frozenset()
                      ) -> bool:
    """Whether a change of settings clears the segment by (compress_segmentby = ''). A setting left out keeps its
    value, and a segment by the model leaves out is TimescaleDB's choice (the drift check does not compare it), so
    it stays; unless the new order by names one of its columns (TimescaleDB refuses a column in both) or one of
    them is `dropped`."""
    if new.segment_by or previous is None:
        return False
    return bool(set(previous.segment_by) & ({o.column for o in new.order_by} | dropped))


def _settings(c: m.Compression) -> str:
    parts = [f"segment by {', '.join(map(quote_ident, c.segment_by))}" if c.segment_by else "no segment by"]
    if c.order_by:
        parts.append("order by " + ", ".join(quote_ident(o.column) + (" DESC" if o.descending else "")
                                             for o in c.order_by))
    if c.chunk_time_interval is not None:
        parts.append(f"compress_chunk_time_interval {c.chunk_time_interval}")
    return ", ".join(parts)


@dataclass(frozen=True)
class SetCompression(Op):
    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "set_compression"
    rank: ClassVar[int] = 65  # after new columns (a segment-by column may be one), before the policy
    table: m.Table | m.ContinuousAggregate  # as it is
    compression: m.Compression  # the settings to set
    previous: m.Compression | None  # None: compression is turned on
    ts: str

    def needs(self) -> frozenset[str]:
        return frozenset({m.FEATURE_COMPRESSION} | ({CHANGED_WITH_CHUNKS} if self.previous is not None else set()))

    def statements(self) -> tuple[str, ...]:
        return (sql("compression", "create", relation_kind(self.table), self.table.qname, self.compression,
                    clears_segment_by(self.compression, self.previous)),)

    def hazards(self) -> tuple[Hazard, ...]:
        held = lock_hazard(self.table)
        out = [Hazard(held.kind, held.message + " (briefly: no chunk is compressed by this step)")]
        if self.previous is not None:
            out.append(Hazard(NEW_CHUNKS_ONLY, f"chunks of {self.table.qname} compressed already keep "
                                               f"{_settings(self.previous)} until decompressed and compressed "
                                               "again; chunks compressed after this step use the new settings "
                                               "(TimescaleDB 2.14+)"))
        return tuple(out)

    def reverse(self) -> tuple[Op, ...]:
        if self.previous is None:
            return (DisableCompression(self.key, self.org, self.table, self.compression, self.ts),)
        return (SetCompression(self.key, self.org, self.table, self.previous, self.compression, self.ts),)

    def describe(self) -> str:
        if self.previous is None:
            return f"turn on compression of {self.table.qname} ({_settings(self.compression)})"
        return f"change the compression settings of {self.table.qname} to {_settings(self.compression)}"


@dataclass(frozen=True)
class DisableCompression(Op):
    op: ClassVar[str] = "disable_compression"
    rank: ClassVar[int] = 21  # after the compression policy is removed
    table: m.Table | m.ContinuousAggregate
    previous: m.Compression  # the settings turned off (what the rollback sets again)
    ts: str

    def needs(self) -> frozenset[str]:
        return frozenset({m.FEATURE_COMPRESSION})

    def statements(self) -> tuple[str, ...]:
        return (sql("plan_compression", "decompress_all", self.ts, self.table.qname),
                sql("plan_compression", "disable", relation_kind(self.table), self.table.qname))

    def hazards(self) -> tuple[Hazard, ...]:
        return (lock_hazard(self.table, what="reads and writes while its chunks are decompressed"),
                Hazard(DECOMPRESSION, f"every compressed chunk of {self.table.qname} is decompressed in this "
                                      "step's transaction: the disk for its rows uncompressed, and the time to "
                                      "write them"))

    def reverse(self) -> tuple[Op, ...]:
        return (SetCompression(self.key, self.org, self.table, self.previous, None, self.ts),)

    def describe(self) -> str:
        return f"decompress every chunk of {self.table.qname} and turn its compression off"


@dataclass(frozen=True)
class RetypeColumnstore(Op):
    """A column's type changed on a hypertable with compression, which TimescaleDB refuses in place: the recipe
    in one transaction (all or nothing): the compression policy removed, every chunk decompressed, compression
    turned off, the type changed (as AlterType does it), compression turned on again with the same settings, the
    policy added again; its next run compresses the chunks again."""

    op: ClassVar[str] = "retype_columnstore"
    rank: ClassVar[int] = 56  # as AlterType
    table: m.Table  # as it is
    column: m.Column  # as it will be
    old: m.Column
    ts: str

    def statements(self) -> tuple[str, ...]:
        t, c = self.table, self.table.compression
        out = [sql("policy", "drop", self.ts, "compression", t.qname)] if c.after is not None else []
        out += [sql("plan_compression", "decompress_all", self.ts, t.qname),
                sql("plan_compression", "disable", "TABLE", t.qname)]
        out += AlterType(self.key, self.org, t, self.column, self.old).statements()
        out.append(sql("compression", "create", "TABLE", t.qname, c))
        if c.after is not None:
            out.append(sql("policy", "compression", self.ts, t.qname, c))
        return tuple(out)

    def needs(self) -> frozenset[str]:
        return frozenset({m.FEATURE_COMPRESSION, m.FEATURE_POLICY})

    def hazards(self) -> tuple[Hazard, ...]:
        t = self.table
        return (lock_hazard(t, what="reads and writes while every chunk is decompressed and rewritten,"),
                Hazard(DECOMPRESSION, f"every compressed chunk of {t.qname} is decompressed (the disk for its rows "
                                      "uncompressed) and stays so until the compression policy's next run"),
                Hazard(TABLE_REWRITE, f"{t.qname} and every chunk are rewritten to turn {quote_ident(self.column.name)}"
                                      f" from {self.old.type} into {self.column.type}; a value that does not convert "
                                      "makes the step fail, changing nothing"),
                Hazard(JOB_ID_CHANGE, f"the compression job of {t.qname} is removed and added again: a new id"))

    def reverse(self) -> tuple[Op, ...]:
        return (RetypeColumnstore(self.key, self.org, self.table, self.old, self.column, self.ts),)

    def describe(self) -> str:
        return (f"change the type of column {quote_ident(self.column.name)} of {self.table.qname} from "
                f"{self.old.type} to {self.column.type} (decompress, compression off, alter, compression on)")
