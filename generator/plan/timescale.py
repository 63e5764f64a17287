"""Operations on TimescaleDB objects: the chunk interval of a hypertable, and policies added, removed or changed in
place.

A changed policy is `alter_job` on its job (kept: same id, same history), never remove + add (a new id), and never
`add_*_policy(if_not_exists)`, which keeps an existing policy whatever its arguments. alter_job barely validates
(it takes `compress_after: "nonsense"` and a one-bucket refresh window), so the values are checked here first
(`policy_problems`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from schemagen import model as m
from schemagen.plan.ops import (
    IRREVERSIBLE,
    JOB_ID_CHANGE,
    NEW_CHUNKS_ONLY,
    TABLE_REWRITE,
    Hazard,
    Irreversible,
    Op,
    lock_hazard,
)
from schemagen.render import sql
from schemagen.scripts import extension_schema
from schemagen.sqltext import INTEGER_TYPES, Interval, qualified, quote_ident

DEFAULT_CHUNK_INTERVAL = Interval.parse("7 days")  # TimescaleDB's, for a time column given none

# policy kind -> (the job's proc_name, the name in remove_<name>_policy, its config keys)
POLICIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "compression": ("policy_compression", "compression", ("compress_after",)),
    "retention": ("policy_retention", "retention", ("drop_after",)),
    "refresh": ("policy_refresh_continuous_aggregate", "continuous_aggregate", ("start_offset", "end_offset")),
}
Policy = m.Compression | m.Retention | m.RefreshPolicy


def _settings(kind: str, p: Policy) -> tuple[tuple[str, object], ...]:
    if kind == "compression":
        return (("compress_after", p.after),)
    if kind == "retention":
        return (("drop_after", p.drop_after),)
    return (("start_offset", p.start_offset), ("end_offset", p.end_offset))


def _positive(value: object) -> bool:
    return value.total > 0 if isinstance(value, Interval) else isinstance(value, int) and value > 0


def policy_problems(kind: str, p: Policy, bucket: Interval | int | None = None) -> list[str]:
    """What TimescaleDB's alter_job would accept and the job would then fail on: intervals that are no positive
    length, a refresh window under two buckets (add_continuous_aggregate_policy refuses it; alter_job does not)."""
    out = [f"{name} must be a positive interval, not {value}" for name, value in _settings(kind, p)
           if kind != "refresh" and not _positive(value)]
    if p.schedule_interval is not None and not _positive(p.schedule_interval):
        out.append(f"schedule_interval must be a positive interval, not {p.schedule_interval}")
    if kind == "refresh" and p.start_offset is not None and bucket is not None:
        def length(v) -> int:
            return v.total if isinstance(v, Interval) else int(v or 0)

        if length(p.start_offset) - length(p.end_offset) < 2 * length(bucket):
            out.append(f"the refresh window from {p.start_offset} to {p.end_offset or 'now'} holds fewer than two "
                       f"buckets of {bucket}: the job would refresh nothing")
    return out


@dataclass(frozen=True)
class Relation:
    """What a policy is on: a hypertable or a continuous aggregate (whose jobs run on its materialization
    hypertable)."""

    schema: str
    name: str
    cagg: bool = False

    @property
    def qname(self) -> str:
        return qualified(self.schema, self.name)


@dataclass(frozen=True)
class SetChunkInterval(Op):
    op: ClassVar[str] = "set_chunk_interval"
    rank: ClassVar[int] = 65
    table: m.Table  # with the interval to set
    previous: Interval | int | None
    ts: str  # TimescaleDB's schema, quoted

    @property
    def lock_timeout_ms(self) -> int | None:
        return None  # set_chunk_time_interval takes no relation lock

    def needs(self) -> frozenset[str]:
        return frozenset({m.FEATURE_TIMESCALEDB})

    def statements(self) -> tuple[str, ...]:
        return (sql("hypertable", "chunk_interval", self.ts, self.table),)

    def hazards(self) -> tuple[Hazard, ...]:
        was = self.previous if self.previous is not None else f"TimescaleDB's default, {DEFAULT_CHUNK_INTERVAL}"
        return (Hazard(NEW_CHUNKS_ONLY, f"existing chunks of {self.table.qname} keep their interval ({was}); only "
                                        f"chunks created after this step span {self.table.hypertable.chunk_interval}"),)

    def reverse(self) -> tuple[Op, ...] | Irreversible:
        t, previous = self.table, self.previous
        if previous is None:
            column = t.column(t.hypertable.time_column)
            if column is not None and column.type in INTEGER_TYPES:
                return Irreversible(f"{t.qname} had TimescaleDB's default interval, which an integer time column "
                                    "does not have: set the old one by hand")
            previous = DEFAULT_CHUNK_INTERVAL
        back = replace(t, hypertable=replace(t.hypertable, chunk_interval=previous))
        return (SetChunkInterval(self.key, self.org, back, t.hypertable.chunk_interval, self.ts),)

    def describe(self) -> str:
        return f"set the chunk interval of {self.table.qname} to {self.table.hypertable.chunk_interval}"


@dataclass(frozen=True)
class AddPolicy(Op):
    op: ClassVar[str] = "add_policy"
    rank: ClassVar[int] = 66
    relation: Relation
    kind: str  # compression | retention | refresh
    policy: Policy
    ts: str

    def needs(self) -> frozenset[str]:
        return frozenset({m.FEATURE_POLICY})

    def statements(self) -> tuple[str, ...]:
        return (sql("policy", self.kind, self.ts, self.relation.qname, self.policy),)

    def reverse(self) -> tuple[Op, ...]:
        return (RemovePolicy(self.key, self.org, self.relation, self.kind, self.policy, self.ts),)

    def describe(self) -> str:
        return f"add the {self.kind} policy of {self.relation.qname}"


@dataclass(frozen=True)
class RemovePolicy(Op):
    op: ClassVar[str] = "remove_policy"
    rank: ClassVar[int] = 20
    relation: Relation
    kind: str
    policy: Policy  # the one removed (what the rollback adds again)
    ts: str

    def needs(self) -> frozenset[str]:
        return frozenset({m.FEATURE_POLICY})

    def statements(self) -> tuple[str, ...]:
        return (sql("policy", "drop", self.ts, POLICIES[self.kind][1], self.relation.qname),)

    def hazards(self) -> tuple[Hazard, ...]:
        return (Hazard(JOB_ID_CHANGE, f"the {self.kind} job of {self.relation.qname} is deleted with its run "
                                      "history; the rollback adds a new job, with a new id"),)

    def reverse(self) -> tuple[Op, ...]:
        return (AddPolicy(self.key, self.org, self.relation, self.kind, self.policy, self.ts),)

    def describe(self) -> str:
        return f"remove the {self.kind} policy of {self.relation.qname}"


@dataclass(frozen=True)
class AlterPolicy(Op):
    op: ClassVar[str] = "alter_policy"
    rank: ClassVar[int] = 66
    relation: Relation
    kind: str
    policy: Policy  # as it should be
    previous: Policy  # as it is
    ts: str

    def needs(self) -> frozenset[str]:
        return frozenset({m.FEATURE_POLICY})

    def statements(self) -> tuple[str, ...]:
        r = self.relation
        scheduled = self.policy.scheduled if self.policy.scheduled != self.previous.scheduled else None
        return (sql("plan_policy", "alter", self.ts, POLICIES[self.kind][0], r.schema, r.name, r.cagg,
                    _settings(self.kind, self.policy), self.policy.schedule_interval, scheduled),)

    def reverse(self) -> tuple[Op, ...]:
        return (AlterPolicy(self.key, self.org, self.relation, self.kind, self.previous, self.policy, self.ts),)

    def describe(self) -> str:
        changed = [f"{name} {value}" for (name, value), (_, was) in zip(_settings(self.kind, self.policy),
                                                                         _settings(self.kind, self.previous))
                   if value != was]
        if self.policy.schedule_interval is not None and self.policy.schedule_interval != \
                self.previous.schedule_interval:
            changed.append(f"schedule_interval {self.policy.schedule_interval}")
        if self.policy.scheduled != self.previous.scheduled:
            changed.append("resumed" if self.policy.scheduled else "paused (scheduled => false)")
        what = f": {', '.join(changed)}" if changed else ""
        return f"alter the {self.kind} policy of {self.relation.qname} in place (alter_job, same job id){what}"


def relation_of(obj: m.Table | m.ContinuousAggregate) -> Relation:
    return Relation(obj.schema, obj.name, isinstance(obj, m.ContinuousAggregate))


def policy_of(obj: m.Table | m.ContinuousAggregate, kind: str) -> Policy | None:
    if kind == "compression":
        return obj.compression if obj.compression and obj.compression.after is not None else None
    if kind == "retention":
        return obj.retention
    return getattr(obj, "refresh", None)


def ts_schema(db: m.Database) -> str:
    """TimescaleDB's schema, quoted, as the templates call its functions."""
    return quote_ident(extension_schema(db, "timescaledb"))


@dataclass(frozen=True)
class ConvertToHypertable(Op):
    """A plain table the model makes a hypertable: create_hypertable(migrate_data => true), its other dimensions
    and integer_now. There is no way back: a hypertable cannot become a plain table again."""

    op: ClassVar[str] = "convert_to_hypertable"
    rank: ClassVar[int] = 63  # after new columns and constraints, before compression and policies
    table: m.Table  # as the model has it
    ts: str

    def needs(self) -> frozenset[str]:
        return frozenset({m.FEATURE_TIMESCALEDB})

    def statements(self) -> tuple[str, ...]:
        t = self.table
        out = [sql("plan_hypertable", "convert", self.ts, t)]
        out += [sql("hypertable", "dimension", self.ts, t, d) for d in t.hypertable.dimensions]
        if t.hypertable.integer_now:
            out.append(sql("hypertable", "integer_now", self.ts, t))
        return tuple(out)

    def hazards(self) -> tuple[Hazard, ...]:
        t = self.table
        return (lock_hazard(t, what="reads and writes while its rows move"),
                Hazard(TABLE_REWRITE, f"every row of {t.qname} is copied into chunks (migrate_data) in this step's "
                                      "transaction: the disk for a second copy until it commits"),
                Hazard(IRREVERSIBLE, f"{t.qname} cannot become a plain table again (only a new table, INSERT ... "
                                     "SELECT and a swap)"))

    def reverse(self) -> Irreversible:
        return Irreversible(f"{self.table.qname} stays a hypertable: TimescaleDB has no way back to a plain table "
                            "(a new table, INSERT ... SELECT and a swap, by hand)")

    def describe(self) -> str:
        return f"make {self.table.qname} a hypertable on {quote_ident(self.table.hypertable.time_column)}, moving " \
               "its rows into chunks (migrate_data)"


@dataclass(frozen=True)
class AddDimension(Op):
    op: ClassVar[str] = "add_dimension"
    rank: ClassVar[int] = 65
    table: m.Table
    dimension: m.Dimension
    ts: str

    def needs(self) -> frozenset[str]:
        return frozenset({m.FEATURE_TIMESCALEDB})

    def statements(self) -> tuple[str, ...]:
        return (sql("hypertable", "dimension", self.ts, self.table, self.dimension),)

    def hazards(self) -> tuple[Hazard, ...]:
        t, d = self.table, self.dimension
        return (lock_hazard(t), Hazard(NEW_CHUNKS_ONLY, f"existing chunks of {t.qname} keep a full range of "
                                                        f"{quote_ident(d.column)}; only new chunks are split by it"),
                Hazard(IRREVERSIBLE, f"TimescaleDB cannot remove a dimension of {t.qname} again"))

    def reverse(self) -> Irreversible:
        return Irreversible(f"TimescaleDB has no remove_dimension: {self.table.qname} keeps its dimension on "
                            f"{quote_ident(self.dimension.column)} (rebuilding the table is the only way back)")

    def describe(self) -> str:
        return f"add the dimension {quote_ident(self.dimension.column)} to hypertable {self.table.qname}"
