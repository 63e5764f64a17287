"""The plan's vocabulary: hazards, the operation base class, a step (an operation as the plan shows it), and what
is not planned.

An operation (Op) is one planned change of one object: `statements()` (SQL rendered through templates only),
`transactional`, `lock_timeout_ms`, `hazards()` (typed, each with a sentence) and `reverse()` (the operations that
undo it, or Irreversible saying why none can). Operations are frozen dataclasses: equal inputs, equal operations.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import ClassVar

from schemagen import model as m
from schemagen.changes import Change, object_text

# Hazard kinds: what a step may do that a reviewer must accept (apply --allow-hazards KIND,..., a later step).
DATA_LOSS = "data_loss"
TABLE_REWRITE = "table_rewrite"
LOCK = "lock"
INDEX_BUILD = "index_build"
DECOMPRESSION = "decompression"
CAGG_RECOMPUTE = "cagg_recompute"
IRREVERSIBLE = "irreversible"
JOB_ID_CHANGE = "job_id_change"
VIOLATING_ROWS = "violating_rows"
NEW_CHUNKS_ONLY = "new_chunks_only"
RECOMPUTE = "recompute"
PRIVILEGE_LOSS = "privilege_loss"
ROWS_HIDDEN = "rows_hidden"
ROWS_EXPOSED = "rows_exposed"
SIGNATURE_CHANGE = "signature_change"

NOT_YET = "not planned yet: change it by hand, or drop and add the object"  # the reason's usual ending


def an(word: str) -> str:
    """The word with its article: "a missing", "an extra"."""
    return ("an " if word[:1] in "aeiou" else "a ") + word

HAZARD_KINDS: dict[str, str] = {
    DATA_LOSS: "rows or columns are deleted",
    TABLE_REWRITE: "every row of the table is written again, under an ACCESS EXCLUSIVE lock",
    LOCK: "a lock that blocks reads or writes: on a hypertable, one on the hypertable and one on each chunk",
    INDEX_BUILD: "an index is built over every existing row (and every chunk)",
    DECOMPRESSION: "compressed chunks are decompressed or read through",
    CAGG_RECOMPUTE: "a continuous aggregate is recomputed from raw data; history past raw retention is lost",
    IRREVERSIBLE: "the rollback cannot give back what this step removes",
    JOB_ID_CHANGE: "a background job is removed or added: its id and run history do not survive",
    VIOLATING_ROWS: "existing rows may violate a new constraint, and the step then fails",
    NEW_CHUNKS_ONLY: "only chunks created after the step follow the change; existing chunks keep their shape",
    RECOMPUTE: "a materialized view is dropped (and created again): its rows are computed again by its query",
    PRIVILEGE_LOSS: "a role loses privileges: its queries, and callers relying on them, fail with permission denied",
    ROWS_HIDDEN: "row-level security hides rows that roles other than the owner could see or write before",
    ROWS_EXPOSED: "row-level security stops hiding rows: roles with privileges see or write rows they could not",
    SIGNATURE_CHANGE: "a function is dropped and created with other arguments or another result type: calls of its "
                      "old form fail",
}

LOCK_TIMEOUT_MS = 5_000  # how long a step waits for its lock before it gives up (and changes nothing)
# how long a step that only changes the catalog may run once it holds its locks; a step that reads or writes the
# rows (a validation, an index build, a rewrite, a decompression, a copy) runs without a limit: as long as the
# data takes, which the plan's hazards say
STATEMENT_TIMEOUT_MS = 60_000
_SCANS = frozenset({INDEX_BUILD, TABLE_REWRITE, DECOMPRESSION, VIOLATING_ROWS, CAGG_RECOMPUTE, DATA_LOSS, RECOMPUTE})


@dataclass(frozen=True, order=True)
class Hazard:
    kind: str  # one of HAZARD_KINDS
    message: str  # one sentence about this step's object


@dataclass(frozen=True)
class Irreversible:
    """What an operation's reverse() returns when nothing can undo it: why."""

    why: str


@dataclass(frozen=True)
class Op:
    """One planned change of one object. Subclasses set `op` (its name in the plan file) and `rank` (its place in
    the plan: drops of dependents first, then removals, then additions, new orgs last)."""

    op: ClassVar[str] = ""
    rank: ClassVar[int] = 50
    catalog_only: ClassVar[bool] = False  # its statements change the catalog, never the rows (statement_timeout)

    key: m.ObjectKey
    org: str

    def statements(self) -> tuple[str, ...]:
        raise NotImplementedError

    @property
    def transactional(self) -> bool:
        return True

    @property
    def lock_timeout_ms(self) -> int | None:
        return LOCK_TIMEOUT_MS

    def hazards(self) -> tuple[Hazard, ...]:
        return ()

    @property
    def statement_timeout_ms(self) -> int:
        """STATEMENT_TIMEOUT_MS for a step that changes the catalog only (catalog_only, and no hazard that reads
        or writes rows), 0 (no limit) for the others."""
        if self.catalog_only and not {h.kind for h in self.hazards()} & _SCANS:
            return STATEMENT_TIMEOUT_MS
        return 0

    def reverse(self) -> tuple[Op, ...] | Irreversible:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def needs(self) -> frozenset[str]:
        """The server features the step's statements need (model.FEATURE_*): a live plan on a server that lacks
        one lists the change as not planned, saying why, instead of a step that would fail."""
        return frozenset()

    def counts(self) -> tuple[str, object] | None:
        """What a live plan counts for this step's violating_rows hazard: (kind, constraint or column) as
        live/violations.count takes them, or None (the step scans no rows for it)."""
        return None

    @property
    def object(self) -> str:
        return object_text(self.key)

    def order(self) -> tuple:
        """Where the op goes among those of its rank (subclasses refine it: tables in dependency order)."""
        return (0, self.object, self.describe())


@dataclass(frozen=True)
class Step:
    """An operation as the plan shows it, numbered; a rollback step says which step it undoes, or why it cannot."""

    number: int
    op: str
    description: str
    key: m.ObjectKey
    org: str
    serves: tuple[Change, ...]
    statements: tuple[str, ...]
    transactional: bool
    lock_timeout_ms: int | None
    hazards: tuple[Hazard, ...]
    undoes: int | None = None  # rollback steps: the number of the step they undo
    irreversible: str | None = None  # rollback steps with no statements: why the step cannot be undone
    renamed_to: str | None = None  # a table rename: the new name
    statement_timeout_ms: int | None = None  # 0: no limit; None: not set (plan files before it)
    new_signature: str | None = None  # a function recreated: its new argument types (the key has its old ones)

    @classmethod
    def of(cls, number: int, op: Op, serves: tuple[Change, ...] = (), undoes: int | None = None) -> Step:
        return cls(number, op.op, op.describe(), op.key, op.org, serves, op.statements(), op.transactional,
                   op.lock_timeout_ms, tuple(sorted(set(op.hazards()))), undoes,
                   renamed_to=getattr(op, "renamed_to", None), statement_timeout_ms=op.statement_timeout_ms,
                   new_signature=getattr(op, "new_signature", None))


@dataclass(frozen=True)
class NotPlanned:
    """A difference plan cannot turn into steps (yet): listed, never dropped."""

    change: Change
    reason: str


# --- sentences shared by the operations ---------------------------------------------------------------------

def lock_hazard(t: m.Table | m.View | m.ContinuousAggregate, lock: str = "ACCESS EXCLUSIVE",
                what: str = "reads and writes") -> Hazard:
    """The lock a step takes on a table (or materialized view): on a hypertable, one on it and one on each of its
    chunks; on a continuous aggregate, on its materialization hypertable and its chunks."""
    if isinstance(t, m.ContinuousAggregate):
        return Hazard(LOCK, f"{lock} lock on the materialization hypertable of continuous aggregate {t.qname} and "
                            f"on each of its chunks (one lock per chunk), blocking {what} until the step commits")
    if getattr(t, "hypertable", None):
        return Hazard(LOCK, f"{lock} lock on hypertable {t.qname} and on each of its chunks (one lock per chunk), "
                            f"blocking {what} until the step commits")
    return Hazard(LOCK, f"{lock} lock on {t.qname}, blocking {what} until the step commits")


def bare_query(obj):
    """A view or aggregate whose query, as the server prints it, ends with `;`: without it, for the CREATE around
    it (the model's own queries have none)."""
    return replace(obj, query=obj.query.rstrip().rstrip(";").rstrip())


def columnstore(t: m.Table | None) -> bool:
    """A hypertable with compression (columnstore) enabled: TimescaleDB refuses much of ALTER TABLE there."""
    return bool(t and t.hypertable and t.compression)


def texts(obj) -> Iterator[str]:
    """Every text field of a model object, through its nested objects."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, tuple):
        for item in obj:
            yield from texts(item)
    elif is_dataclass(obj) and not isinstance(obj, m.Source):
        for f in fields(obj):
            yield from texts(getattr(obj, f.name))


def mentions(name: str) -> re.Pattern:
    """A name as a whole word of SQL text, bare or quoted (`"Mixed Case"`); a lower-case name in any case, as
    PostgreSQL folds a bare name."""
    quoted = re.escape('"' + name.replace('"', '""') + '"')
    return re.compile(rf'(?<![\w$"]){re.escape(name)}(?![\w$"])|{quoted}', re.I if name == name.lower() else 0)
