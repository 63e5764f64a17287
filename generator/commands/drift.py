"""The drift check: `schemagen diff`, and the check apply runs afterwards.

Interface:
- compare_live(conn, model, db, *, orgs=None, skip=frozenset(), report=None) -> list[Change]: the live database on
  conn compared with the model's database db (everything rolled back); report, when given, gets the counts.
- diff(dsn, model, *, database=None, orgs=None, skip_unsupported=False, say=print-nothing) -> DiffResult, raising
  nothing for drift: the CLI prints `report(result, fmt)` to stdout, what `say` gets to stderr, and exits 1 with
  `result.message` when result.changes.

The live database is read (live/: inspect, normalize, behaviour, drift) in one snapshot; the comparison itself
(compare/) sees only model.Database objects and the rows read.
"""
from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from schemagen import model as m
from schemagen import render
from schemagen.changes import Change
from schemagen.compare import behaviour, rows, sequences
from schemagen.compare import security as compare_security
from schemagen.compare.diff import diff as compare
from schemagen.compare.expected import expected_database, scope
from schemagen.compare.report import format_json, format_text
from schemagen.errors import printable
from schemagen.live import behaviour as live_behaviour
from schemagen.live import drift as live_drift
from schemagen.live import normalize_types, preflight
from schemagen.live import security as live_security
from schemagen.live import types as live_types
from schemagen.live.connect import check_orgs, connection, pick_database, server_info
from schemagen.live.inspect import Catalog, inspect
from schemagen.live.normalize import normalize


@dataclass
class Report:
    """What a comparison found and what it cost."""

    changes: list[Change]
    catalog_queries: int = 0  # inspect's: fixed, whatever the number of orgs
    normalize_statements: int = 0  # shadow objects created and read back
    data_queries: int = 0
    expected: m.Database | None = None  # the model's database as the server prints it (what plan goes to)
    actual: m.Database | None = None  # the live database as inspected (what plan starts from)
    model_grants: list[dict] = field(default_factory=list)  # the model's roles' privileges (live/security.py)
    model_roles: list[str] = field(default_factory=list)  # those roles


@contextmanager
def _no_gc() -> Iterator[None]:
    """Without the cyclic garbage collector while comparing: tens of thousands of small objects are built and
    none form cycles, yet each collection walks them all (a quarter of the time at 1,000 orgs)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compare_live(conn, model: m.Model, db: m.Database, *, orgs: Sequence[str] | None = None,
                 skip: frozenset[str] = frozenset(), report: Report | None = None) -> list[Change]:
    """Inspect the live database on conn and compare it with the model's database db. Everything happens in a
    transaction (a savepoint if conn is in one already) that is rolled back. Refused (UnsafeSearchPath) where
    another role could plant what the comparison, run under the scripts' search_path, would call."""
    preflight.safe_search_path(conn, render.search_path(db))
    expected = expected_database(db, orgs, skip)
    schemas = [s.name for s in db.schemas]
    catalog = Catalog(conn)
    # both sides printed under the scripts' own search_path, so that names print as they resolve when they run
    with _no_gc(), live_drift.snapshot(conn, render.prelude(db)):
        actual = inspect(conn, schemas=schemas, name=db.name, catalog=catalog)
        normalized, statements = normalize(conn, expected)
        normalized, more = normalize_types.domains(conn, normalized)
        statements += more
        normalized = live_types.qualify(normalized, catalog.type_names)  # as inspect wrote the live side's
        normalized = sequences.as_read(normalized, actual)  # a column owning a declared sequence reads as serial
        changes = compare(normalized, scope(actual, expected, orgs), managed_schemas=schemas,
                          known_orgs=[o.key for o in model.orgs])
        # rules, RLS, grants, owners, ... and objects of kinds the model has none of (with --org: not those)
        printed, policy_statements = live_security.policies(conn, expected.tables)
        statements += policy_statements
        # PUBLIC's too, once any are read: what a plan's rollback gives back to an object it creates again
        roles = compare_security.roles(expected)
        roles += ["PUBLIC"] if roles and "PUBLIC" not in roles else []
        live = live_behaviour.read(catalog, schemas, roles)
        changes += behaviour.changes(expected, live, extra_objects=not orgs, printed=printed)
        parts = rows.data_parts(db, actual, orgs)  # db: the registry table is shared
        found, data_queries = live_drift.read_rows(conn, [(p.table, p.seed) for p in parts])
        changes += rows.row_changes(db.name, parts, found)
    if report is not None:
        report.changes, report.catalog_queries = changes, catalog.queries
        report.normalize_statements, report.data_queries = statements, data_queries
        report.expected, report.actual = normalized, scope(actual, expected, orgs)
        report.model_grants, report.model_roles = live.model_grants, roles
    return sorted(changes, key=Change.sort_key)


def inspect_live(conn, db: m.Database) -> m.Database:
    """The live database as compare_live reads it (its Report.actual without orgs): the catalog queries alone,
    under the same checks and settings, in a transaction rolled back. What a plan's fingerprint is taken of."""
    preflight.safe_search_path(conn, render.search_path(db))
    with _no_gc(), live_drift.snapshot(conn, render.prelude(db)):
        return inspect(conn, schemas=[s.name for s in db.schemas], name=db.name)


@dataclass
class DiffResult:
    database: str
    changes: list[Change] = field(default_factory=list)
    skipped: frozenset[str] = frozenset()  # features not expected on this server (--skip-unsupported)

    @property
    def message(self) -> str:
        """What `schemagen diff` says on stderr (as its error, exit 1) when there is drift."""
        return f"database {self.database}: {len(self.changes)} difference(s) from the model"


def diff(dsn: str, model: m.Model, *, database: str | None = None, orgs: Sequence[str] | None = None,
         skip_unsupported: bool = False, say: Callable[[str], None] = lambda text: None) -> DiffResult:
    """`schemagen diff`: the live database on dsn against the model's database (named, or the only one). With
    skip_unsupported, what the server cannot have is not expected, and say() is told so."""
    db = pick_database(model, database)
    check_orgs(model, db, orgs)
    with connection(dsn) as conn, live_drift.server_errors(dsn):
        skip = skipped(conn, dsn, skip_unsupported, say)
        changes = compare_live(conn, model, db, orgs=orgs, skip=skip)
    return DiffResult(db.name, changes, skip)


def skipped(conn, dsn: str, skip_unsupported: bool, say: Callable[[str], None]) -> frozenset[str]:
    """With --skip-unsupported, the features this server cannot provide (not expected), and say() is told."""
    if not skip_unsupported:
        return frozenset()
    info = server_info(conn, dsn)
    skip = frozenset(info.unsupported())
    if skip:
        say(printable(f"--skip-unsupported: not expecting {', '.join(sorted(skip))} on this server "
                      f"({info.describe()})"))
    return skip


def report(result: DiffResult, fmt: str) -> str:
    """The text or JSON report of one database's result (what `schemagen diff` prints to stdout)."""
    if fmt == "json":
        return format_json([(result.database, result.changes)])
    return format_text(result.database, result.changes)
