"""`schemagen diff --targets targets.yaml`: one model's drift check of many databases, in parallel, in one report.

Interface:
- check(targets, model, *, env, jobs=4, database=None, orgs=None, skip_unsupported=False, say=silent)
  -> FleetResult: every target checked (at most `jobs` at once), each with its status; raises nothing for a
  target that drifted or could not be checked. The CLI prints `report(result, fmt)` and exits `result.exit_code`.
- report(result, fmt) -> str: the text or JSON report (docs/drift-json.md, "Many databases").

Each target gets its own connection (connect_timeout and a session statement_timeout of its `timeout:`) and the
drift check's own compare path (drift.compare_live). A target that takes longer than its timeout in all is
cancelled (psycopg's cancel request, from a thread of its own) and reported `timeout`; its worker is a daemon
thread, so a server that never answers even the cancel holds neither the others nor the exit. Every message is
redacted of every target's password (live.connect.redact with each DSN).
"""
from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from schemagen import model as m
from schemagen.changes import Change
from schemagen.commands import Say, drift, silent
from schemagen.compare.report import change_records, format_text
from schemagen.errors import DatabaseError, ExitCode, SchemagenError, printable
from schemagen.live.connect import check_orgs, connection, pick_database, redact
from schemagen.live.drift import server_errors
from schemagen.modelfile.targets import Target

CLEAN, DRIFTED, UNREACHABLE, TIMEOUT, ERROR = "clean", "drifted", "unreachable", "timeout", "error"
STATUSES = (CLEAN, DRIFTED, UNREACHABLE, TIMEOUT, ERROR)
NOT_CHECKED = frozenset({UNREACHABLE, TIMEOUT, ERROR})
_TICK = 0.05  # seconds between looks at the running targets' deadlines


@dataclass
class TargetResult:
    name: str
    database: str
    status: str
    changes: list[Change] = field(default_factory=list)
    message: str | None = None  # why it could not be checked, password-free
    seconds: float = 0.0
    started: float = 0.0  # seconds after the fleet's start (for the --jobs bound)


@dataclass
class FleetResult:
    targets: list[TargetResult]
    jobs: int

    def count(self, status: str) -> int:
        return sum(1 for t in self.targets if t.status == status)

    @property
    def exit_code(self) -> int:
        """3 when any target could not be checked, else 1 when any drifted, else 0."""
        if any(t.status in NOT_CHECKED for t in self.targets):
            return int(ExitCode.DATABASE)
        return int(ExitCode.DIFFERENCE) if self.count(DRIFTED) else int(ExitCode.OK)

    @property
    def message(self) -> str:
        counts = ", ".join(f"{self.count(s)} {s}" for s in STATUSES if self.count(s))
        return f"{len(self.targets)} target(s): {counts}"


@dataclass
class _Run:
    target: Target
    database: str
    dsn: str | None
    started: float
    conn: list = field(default_factory=list)  # the connection, once open (for the cancel)


def check(targets: Sequence[Target], model: m.Model, *, env: Mapping[str, str], jobs: int = 4,
          database: str | None = None, orgs: Sequence[str] | None = None, skip_unsupported: bool = False,
          say: Say = silent) -> FleetResult:
    """Check every target, at most `jobs` at once; say() gets one progress line per target as it ends."""
    databases = {t.name: pick_database(model, t.database or database).name for t in targets}  # UsageError
    for name in set(databases.values()):
        check_orgs(model, model.database(name), orgs)
    dsns = {t.name: t.dsn if t.dsn is not None else env.get(t.dsn_env or "") for t in targets}
    secrets = [d for d in dsns.values() if d]

    def clean(text: str) -> str:
        for dsn in secrets:
            text = redact(text, dsn)
        return text

    done: queue.Queue[tuple[str, TargetResult]] = queue.Queue()
    pending, running, results = list(targets), {}, {}
    epoch = time.monotonic()
    while pending or running:
        while pending and len(running) < jobs:
            t = pending.pop(0)
            run = running[t.name] = _Run(t, databases[t.name], dsns[t.name], time.monotonic())
            threading.Thread(target=_work, args=(run, model, orgs, skip_unsupported, done, clean), daemon=True,
                             name=f"schemagen target {len(results) + len(running)}").start()
        try:
            name, result = done.get(timeout=_TICK)
        except queue.Empty:
            name, result = None, None
        now = time.monotonic()
        if name in running:
            results[name] = _finished(running.pop(name), result, epoch, say, len(results), len(targets))
        for late in [r for r in running.values() if now - r.started > r.target.timeout]:
            _cancel(late)  # its worker's late answer is dropped: the target is reported timed out
            result = TargetResult(late.target.name, late.database, TIMEOUT,
                                  message=f"no answer within {late.target.timeout:g} s; cancelled")
            results[late.target.name] = _finished(running.pop(late.target.name), result, epoch, say,
                                                  len(results), len(targets))
    return FleetResult([results[t.name] for t in targets], jobs)


def _finished(run: _Run, result: TargetResult, epoch: float, say: Say, n: int, total: int) -> TargetResult:
    result.started = run.started - epoch
    result.seconds = time.monotonic() - run.started
    detail = f": {result.message}" if result.message else (f": {len(result.changes)} difference(s)"
                                                             if result.changes else "")
    say(printable(f"[{n + 1}/{total}] {result.name}: {result.status}{detail} ({result.seconds:.2f} s)"))
    return result


def _work(run: _Run, model: m.Model, orgs, skip_unsupported: bool, done: queue.Queue,
          clean: Callable[[str], str]) -> None:
    """One target's check, in its own thread and connection; every outcome goes to `done`."""
    t = run.target
    result = TargetResult(t.name, run.database, ERROR)
    try:
        if run.dsn is None:
            result.message = f"environment variable {t.dsn_env} is not set (dsn_env of line {t.line})"
        else:
            result = _compare(run, model, orgs, skip_unsupported)
    except DatabaseError as e:
        result.status, result.message = _status(str(e)), clean(str(e))
    except SchemagenError as e:  # a malformed DSN (UsageError) or the like: this target only
        result.message = clean(str(e))
    except Exception as e:  # a bug must not take the other targets down; still no traceback, no password
        result.message = clean(f"unexpected {type(e).__name__}: {e}")
    done.put((t.name, result))


def _compare(run: _Run, model: m.Model, orgs, skip_unsupported: bool) -> TargetResult:
    t = run.target
    db = model.database(run.database)
    with connection(run.dsn, purpose="schemagen diff --targets", connect_timeout=t.timeout,
                    statement_timeout=t.timeout, source=f"target {t.name}") as conn, server_errors(run.dsn):
        run.conn.append(conn)
        skip = drift.skipped(conn, run.dsn, skip_unsupported, silent)
        changes = drift.compare_live(conn, model, db, orgs=orgs, skip=skip)
    return TargetResult(t.name, db.name, DRIFTED if changes else CLEAN, changes)


def _status(message: str) -> str:
    lowered = message.lower()
    if "timeout expired" in lowered or "statement timeout" in lowered or "57014" in lowered:
        return TIMEOUT
    if lowered.startswith("cannot connect"):
        return UNREACHABLE
    return ERROR


def _cancel(run: _Run) -> None:
    """Ask the target's server to cancel what runs there, from a thread of its own (the cancel connects too)."""
    if run.conn:
        conn = run.conn[0]
        threading.Thread(target=_cancel_quietly, args=(conn,), daemon=True).start()


def _cancel_quietly(conn) -> None:
    with contextlib.suppress(Exception):  # gone already, or unreachable: nothing more to do
        conn.cancel_safe(timeout=5)


def report(result: FleetResult, fmt: str) -> str:
    """The fleet's report: text (one block per target) or JSON (docs/drift-json.md)."""
    if fmt == "json":
        return json.dumps(_document(result), indent=2, sort_keys=True)
    lines = []
    for t in result.targets:
        if t.status in (CLEAN, DRIFTED):
            head = f"== {t.name} (database {t.database}): {t.status}"
            lines.append(printable(head + (f", {len(t.changes)} difference(s)" if t.changes else "")))
            if t.changes:
                lines.append(format_text(t.database, t.changes))
        else:
            lines.append(printable(f"== {t.name} (database {t.database}): {t.status}: {t.message}"))
    lines.append(result.message)
    return "\n".join(lines)


def _document(result: FleetResult) -> dict:
    return {
        "version": 1,
        "exit_code": result.exit_code,
        "summary": {s: result.count(s) for s in STATUSES} | {"targets": len(result.targets)},
        "targets": [{
            "name": t.name, "database": t.database, "status": t.status, "message": t.message,
            "seconds": round(t.seconds, 3), "differences": len(t.changes),
            "changes": change_records(t.changes) if t.status in (CLEAN, DRIFTED) else None,
        } for t in result.targets],
    }
