"""The drift check: `schemagen diff`, and the check apply runs afterwards.

Interface (kept stable while the compare stage is restructured):
- compare_live(conn, model, db, *, orgs=None, skip=frozenset()) -> list[Change]: the live database on conn
  compared with the model's database db (everything rolled back).
- diff(dsn, model, *, database=None, orgs=None, skip_unsupported=False, say=print-nothing) -> DiffResult, raising
  nothing for drift: the CLI prints `report(result, fmt)` to stdout and exits 1 when result.changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from schemagen import model as m
from schemagen.changes import Change
from schemagen.compare import diff as _diff


def compare_live(conn, model: m.Model, db: m.Database, *, orgs: Sequence[str] | None = None,
                 skip: frozenset[str] = frozenset()) -> list[Change]:
    return _diff.compare_live(conn, model, db, orgs=orgs, skip=skip)


@dataclass
class DiffResult:
    database: str
    changes: list[Change] = field(default_factory=list)
    skipped: frozenset[str] = frozenset()  # features not expected on this server (--skip-unsupported)


def diff(dsn: str, model: m.Model, *, database: str | None = None, orgs: Sequence[str] | None = None,
         skip_unsupported: bool = False, say: Callable[[str], None] = lambda text: None) -> DiffResult:
    raise NotImplementedError("the compare restructuring provides this")


def report(result: DiffResult, fmt: str) -> str:
    """The text or JSON report of one database's result (what `schemagen diff` prints to stdout)."""
    if fmt == "json":
        return _diff.format_json([(result.database, result.changes)])
    return _diff.format_text(result.database, result.changes)
