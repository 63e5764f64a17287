"""Stage 4, apply: run the rendered scripts on a live database, and roll them back, never half-way.

- The scripts are rendered in memory, byte for byte what `render` writes to out/, and run in file order.
- Pre-flight before any change (preflight.py): server version, TimescaleDB and its license, the extensions on
  offer; what the server refuses stops the apply, or is left out with --skip-unsupported and reported.
- One transaction per script, its history row (history.py) written in that same transaction: a failure or a
  kill leaves whole scripts only, and a rerun carries on. One transaction per org file also keeps lock slots
  bounded: max_locks_per_transaction = 64 cannot hold hundreds of new hypertables in one transaction.
- A script whose checksum is recorded unchanged is skipped; a changed one is run again (every script is
  idempotent) and its row updated.
- A session advisory lock keeps two applies, or an apply and a rollback, from interleaving; lock_timeout keeps a
  DDL statement from waiting forever behind a long query.
- Statements PostgreSQL refuses inside a transaction block (Statement.transactional = False: CREATE INDEX
  CONCURRENTLY, CALL refresh_continuous_aggregate, CREATE MATERIALIZED VIEW ... WITH (timescaledb.continuous)
  ... WITH DATA) run one by one after their script's COMMIT, as the file shows them, and the history row is
  written after the last of them. A kill in between leaves the script unrecorded, so the next apply runs it again
  (its statements are idempotent). The renderer emits none today: aggregates are created WITH NO DATA.
"""
from __future__ import annotations

import hashlib
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

import psycopg
from psycopg import sql as psql

from schemagen import model as m
from schemagen import render
from schemagen import scripts as sc
from schemagen.errors import DatabaseError, Difference, Interrupted, UsageError, printable
from schemagen.live import history, ownership, preflight, privileges, rowcheck
from schemagen.live.connect import (
    ServerInfo,
    check_orgs,
    connection,
    pick_database,
    server_info,
    server_message,
    timescaledb_dropped,
    timescaledb_gone,
)

QUIET_ABOVE = 100  # with more scripts than this, org scripts report through progress lines, not one line each
PROGRESS_LINES = 20  # about this many progress lines in a long run, whatever the number of orgs


@dataclass
class ScriptRun:
    name: str  # relpath within the database: "030_tables.sql", "900_org_acme.sql", "rollback/100_org_acme.sql"
    status: str  # apply: "applied" | "unchanged"; dry run: "new" | "changed" | "unchanged"; rollback: "rolled back"
    statements: int = 0
    ms: int = 0


@dataclass
class Result:
    database: str
    server: ServerInfo | None = None
    scripts: list[ScriptRun] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for s in self.scripts if s.status == status)


@dataclass
class ApplyResult(Result):
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (object, why) left out with --skip-unsupported
    skipped_features: frozenset[str] = frozenset()


@dataclass
class RollbackResult(Result):
    kept_extensions: list[str] = field(default_factory=list)  # there before the first apply: not dropped


def _reporter(out: TextIO | None) -> Callable[[str], None]:
    def say(text: str) -> None:
        stream = out or sys.stderr  # looked up late: tests swap sys.stderr
        print(printable(text, keep="\n"), file=stream, flush=True)  # names escaped: no ESC or BEL reaches a terminal

    return say


class _Progress:
    """One line per script for short runs; for long ones, the shared scripts line by line and the org scripts
    as ~20 progress lines, so 5,000 orgs stay readable."""

    def __init__(self, total: int, say: Callable[[str], None]):
        self.total, self.say, self.started, self.done = total, say, time.monotonic(), 0
        self.quiet = total > QUIET_ABOVE
        self.step = max(QUIET_ABOVE, math.ceil(total / PROGRESS_LINES / 50) * 50)

    def script(self, script: sc.Script, line: str) -> None:
        self.done += 1
        if not self.quiet or script.org is None:
            self.say(line)
        if self.quiet and (self.done % self.step == 0 or self.done == self.total):
            self.say(f"progress: {self.done}/{self.total} scripts, {self.elapsed:.1f} s")

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def checksum(text: str) -> str:
    """The history's checksum of a script: sha256 of its file text."""
    return hashlib.sha256(text.encode()).hexdigest()


def _name(script: sc.Script) -> str:
    """The script's path within its database folder, as recorded in the history: "900_org_acme.sql"."""
    return script.relpath.split("/", 1)[1]


def _init_scripts(model: m.Model, db: m.Database, orgs, skip: frozenset[str]) -> list[sc.Script]:
    return render.render(model, database=db.name, orgs=orgs, skip_features=skip, only="init")


def _set_lock_timeout(conn: psycopg.Connection, seconds: float) -> None:
    """For the session: a DDL statement queued behind a long-running query gives up instead of hanging (and
    blocking everything queued behind it). Reset when done; PGlite's server resets a departing client's session."""
    conn.execute(psql.SQL("SET lock_timeout = {}").format(psql.Literal(f"{max(1, int(seconds * 1000))}ms")))


def _reset_lock_timeout(conn: psycopg.Connection) -> None:
    try:
        if not conn.closed and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            conn.execute("RESET lock_timeout")
    except psycopg.Error:
        pass


# --- apply ----------------------------------------------------------------------------------------------------

class _StaleSession(Exception):
    """TimescaleDB was dropped (by a rollback running meanwhile) after this session had loaded it."""


STALE = "TimescaleDB was dropped by a rollback while this {} waited, and this session can no longer use it: " \
        "starting over in a new one"


def apply(dsn: str, model: m.Model, *, database: str | None = None, orgs: Sequence[str] | None = None,
          dry_run: bool = False, lock_timeout: float = 60.0, skip_unsupported: bool = False, adopt: bool = False,
          out: TextIO | None = None, check_drift: bool = True, _first: bool = True) -> ApplyResult:
    """Apply the model's init scripts to the database at dsn (see the module docstring). Raises
    UnsupportedFeatures / DatabaseError (exit 3), UsageError (exit 2), and Difference (exit 1) when the database
    still differs from the model afterwards in ways init scripts cannot change (check_drift). Starts over once,
    in a new session, when a rollback running meanwhile dropped TimescaleDB after this session had loaded it (the
    session can neither use nor create it again)."""
    say = _reporter(out)
    db = pick_database(model, database)
    check_orgs(model, db, orgs)
    result = ApplyResult(db.name)
    with connection(dsn) as conn:
        try:
            full = _init_scripts(model, db, orgs, frozenset())
            plan = preflight.check(conn, dsn, db, full, orgs, skip_unsupported)
            preflight.safe_search_path(conn, render.search_path(db))
            result.server, result.skipped, result.skipped_features = plan.server, plan.left_out, plan.skip
            say(f"server: {plan.server.describe()}")
            if plan.left_out:
                say(f"left out {len(plan.left_out)} object(s) this server cannot create (--skip-unsupported):\n"
                    + preflight.grouped(plan.left_out, 3))
            scripts = render.leave_out(full, plan.skip)
            if dry_run:
                _dry_run(conn, model, db, scripts, orgs, result, say)
                return result
            history.acquire(conn, db.name, lock_timeout, say)
            try:
                if _first and timescaledb_dropped(conn):
                    raise _StaleSession
                _set_lock_timeout(conn, lock_timeout)
                history.verify(conn)  # before anything reads or writes a history another role may have planted
                privileges.check_apply(conn, model, db, scripts)
                done = history.read(conn, db.name)
                if orgs:  # shared scripts of only what this server refuses were never applied: not needed
                    _need_shared(model, db, done, frozenset(plan.server.unsupported()), say)
                found = ownership.survey(conn, db.name, scripts)
                pending = _pending(model, scripts, done, found, say)
                foreign = found.foreign(pending)
                if not adopt:
                    ownership.refuse_foreign(foreign)
                history.ensure(conn)
                ownership.record_inferred(conn, db.name, found)
                if foreign:
                    ownership.adopt(conn, db.name, pending, foreign, say)
                _apply_scripts(conn, model, db, scripts, pending, found, set(foreign), plan.skip, result, say)
                if check_drift:  # under the lock: a rollback queued behind this apply must not be what it sees
                    _after_apply_drift(conn, model, db, orgs, plan.skip)
            finally:
                _reset_lock_timeout(conn)
                history.release(conn, db.name)
        except psycopg.Error as e:
            if not (_first and timescaledb_gone(e)):
                raise DatabaseError(server_message(e, dsn)) from None
        except _StaleSession:
            pass
        else:
            return result
    say(STALE.format("apply"))
    return apply(dsn, model, database=database, orgs=orgs, lock_timeout=lock_timeout,
                 skip_unsupported=skip_unsupported, adopt=adopt, out=out, check_drift=check_drift, _first=False)


def _dry_run(conn, model: m.Model, db: m.Database, scripts: list[sc.Script], orgs, result: ApplyResult,
             say: Callable[[str], None]) -> None:
    """List each script as new / changed / unchanged; create nothing, not even the history schema."""
    done = history.read(conn, db.name)
    if orgs:
        _need_shared(model, db, done, frozenset(result.server.unsupported()), say)
    for s in scripts:
        name = _name(s)
        status = "new" if name not in done else (
            "unchanged" if done[name].checksum == checksum(render.script_text(s, model)) else "changed")
        result.scripts.append(ScriptRun(name, status, len(s.statements)))
        say(f"{status:>9}  {name}  ({_count(len(s.statements), 'statement')})")
    say(f"{db.name}: dry run: {result.count('new')} new, {result.count('changed')} changed, "
        f"{result.count('unchanged')} unchanged; nothing was changed")


def _need_shared(model: m.Model, db: m.Database, done: dict[str, history.Entry], skip: frozenset[str],
                 say: Callable[[str], None]) -> None:
    """--org adds a tenant to a database that already has the shared objects: check the history for them."""
    shared = [s for s in render.render(model, database=db.name, skip_features=skip, only="init") if s.org is None]
    missing = [_name(s) for s in shared if _name(s) not in done]
    if missing:
        raise UsageError(f"database {db.name} lacks the model's shared objects ({', '.join(missing)} not recorded "
                         "in schemagen.history): apply the shared scripts first: schemagen apply without --org")
    changed = [_name(s) for s in shared if done[_name(s)].checksum != checksum(render.script_text(s, model))]
    if changed:
        say(f"warning: shared script(s) changed since they were applied ({', '.join(changed)}): run schemagen "
            "apply without --org to bring them up to date")


def _pending(model: m.Model, scripts: list[sc.Script], done: dict[str, history.Entry], found: ownership.Survey,
             say: Callable[[str], None]) -> list[sc.Script]:
    """The scripts to run: new, changed, or recorded unchanged but with objects they created gone since (dropped
    out of band): every script is idempotent, so running it again creates what is missing."""
    pending = []
    for script in scripts:
        name = _name(script)
        if name not in done or done[name].checksum != checksum(render.script_text(script, model)):
            pending.append(script)
        elif gone := found.missing_in(script):
            say(f"running {name} again: {len(gone)} object(s) it acts on are gone (dropped since it was applied): "
                + ", ".join(ownership.label(k) for k in gone[:5]) + (" ..." if len(gone) > 5 else ""))
            pending.append(script)
    return pending


def _apply_scripts(conn, model: m.Model, db: m.Database, scripts: list[sc.Script], pending: list[sc.Script],
                   found: ownership.Survey, adopted: set[m.ObjectKey], skip: frozenset[str], result: ApplyResult,
                   say: Callable[[str], None]) -> None:
    progress = _Progress(len(scripts), say)
    statements = 0
    run = set(map(id, pending))
    for script in scripts:
        name, text = _name(script), render.script_text(script, model)
        digest = checksum(text)
        if id(script) not in run:
            result.scripts.append(ScriptRun(name, "unchanged", len(script.statements)))
            progress.script(script, f"unchanged  {name}")
            continue

        def bookkeep(ms: int, script=script, name=name, digest=digest) -> None:
            history.record(conn, db.name, name, digest, len(script.statements), ms, tuple(sorted(skip)))
            history.claim(conn, db.name, name, found.to_claim(script.statements, adopted))

        # an adopted object is left as it is (no CREATE OR REPLACE, COMMENT, index or rows): its differences from
        # the model are drift, which the check after the run reports
        kept = [st for st in script.statements if st.target not in adopted] if adopted else script.statements
        ms = _run(conn, script, model, kept, bookkeep)
        statements += len(script.statements)
        result.scripts.append(ScriptRun(name, "applied", len(script.statements), ms))
        progress.script(script, f"  applied  {name}  {_count(len(script.statements), 'statement')}  {ms} ms")
    say(f"{db.name}: {result.count('applied')} script(s) applied ({_count(statements, 'statement')}), "
        f"{result.count('unchanged')} unchanged, {progress.elapsed:.1f} s")


def _run(conn: psycopg.Connection, script: sc.Script, model: m.Model, statements: Sequence[sc.Statement],
         bookkeep: Callable[[int], None], undoing: bool = False) -> int:
    """Run a script's statements in one transaction and call bookkeep(ms) (its history change) in that same
    transaction; the non-transactional statements run after it, one by one, and bookkeeping waits for them.
    On failure: DatabaseError naming the script, the statement's line in the file text, its object, and the
    server's message with SQLSTATE. Returns milliseconds."""
    # statement_lines lists the transactional statements first, then the others: the order they run in.
    ordered = [s for s in script.statements if s.transactional] + [s for s in script.statements if not s.transactional]
    line_of = dict(zip(map(id, ordered), render.statement_lines(script, model)))
    wanted = set(map(id, statements))
    inside = [s for s in ordered if s.transactional and id(s) in wanted]
    outside = [s for s in ordered if not s.transactional and id(s) in wanted]
    started = time.monotonic()
    current: sc.Statement | None = None
    committing = False  # the history change is made: what follows is the COMMIT
    try:
        with conn.transaction():
            conn.execute(" ".join(render.prelude(model.database(script.database))))  # the file's SET LOCALs
            for current in inside:
                conn.execute(current.sql)
            current = None
            if not outside:
                bookkeep(int((time.monotonic() - started) * 1000))
                committing = True
        for current in outside:
            conn.execute(current.sql)  # autocommit: on its own, outside any transaction block
        current = None
        if outside:
            with conn.transaction():
                bookkeep(int((time.monotonic() - started) * 1000))
                committing = True
    except psycopg.Error as e:
        where = f", line {line_of[id(current)]} ({current.object})" if current else ""
        if conn.closed:  # the server went away or ended the session
            after = _lost(committing, undoing)
        elif current and not current.transactional:
            after = ("; it runs outside the script's transaction, which had committed: the script is not recorded "
                     "as done and runs again next time")
        elif undoing:
            after = "; this script was rolled back, the ones before it stay undone"
        else:
            after = "; the script was rolled back (its history unchanged), the ones before it stay applied"
        raise DatabaseError(f"{script.relpath}{where}: {server_message(e)}{after}") from None
    except KeyboardInterrupt:  # Ctrl-C: psycopg cancelled the running statement, the transaction rolled back
        raise Interrupted(_interrupted(script, current, line_of, committing, undoing)) from None
    return int((time.monotonic() - started) * 1000)


def _interrupted(script: sc.Script, current: sc.Statement | None, line_of: dict, committing: bool,
                 undoing: bool) -> str:
    where = f", line {line_of[id(current)]} ({current.object})" if current else ""
    done, again = ("undone", "roll back") if undoing else ("applied", "apply")
    if committing:  # the COMMIT was sent: the server may have committed it
        return (f"{script.relpath}: interrupted (Ctrl-C) at the script's COMMIT: schemagen.history says whether it "
                f"committed, the ones before it stay {done}; {again} again to carry on")
    if current is not None and not current.transactional:
        return (f"{script.relpath}{where}: interrupted (Ctrl-C) outside the script's transaction, which had "
                "committed: the script is not recorded as done and runs again next time")
    return (f"{script.relpath}{where}: interrupted (Ctrl-C): the script was rolled back (its history unchanged), "
            f"the ones before it stay {done}; {again} again to carry on")


def _lost(committing: bool, undoing: bool) -> str:
    """What a lost connection left: a transaction the server never committed, unless it was lost at the COMMIT."""
    done, again = ("undone", "roll back") if undoing else ("applied", "apply")
    if committing:
        return (f"; the connection to the server was lost at the script's COMMIT: schemagen.history says whether it "
                f"committed, the ones before it stay {done}; {again} again to carry on")
    return (f"; the connection to the server was lost: the script did not commit, the ones before it stay {done}; "
            f"{again} again to carry on")


def _after_apply_drift(conn: psycopg.Connection, model: m.Model, db: m.Database, orgs, skip: frozenset[str]) -> None:
    """What init scripts cannot reconcile shows here: a column added to a table that already existed, a changed
    chunk interval, a changed policy (add_*_policy with if_not_exists only warns). Exit 1, pointing at diff."""
    from schemagen.commands.drift import compare_live  # imported late: apply works without inspecting

    changes = compare_live(conn, model, db, orgs=orgs, skip=skip)
    if changes:
        lines = [f"  {c.summary()}" for c in changes[:10]]
        if len(changes) > 10:
            lines.append(f"  ... and {len(changes) - 10} more")
        raise Difference(f"applied, but database {db.name} still differs from the model in {len(changes)} way(s) "
                         "that its init scripts do not change (they create what is missing, and never alter or "
                         "drop what exists):\n" + "\n".join(lines) +
                         "\nRun `schemagen diff` to see each difference with its expected and actual value, then "
                         "change the database by hand to match, or change the model to match the database.")


# --- rollback -------------------------------------------------------------------------------------------------

def rollback(dsn: str, model: m.Model, *, database: str | None = None, orgs: Sequence[str] | None = None,
             yes: bool = False, lock_timeout: float = 60.0, out: TextIO | None = None,
             _first: bool = True) -> RollbackResult:
    """Run the rollback scripts (org files first, then the shared phases in reverse; only those orgs' files with
    orgs), each in one transaction with the removal of its history row. Without `yes`, refuses (Difference,
    exit 1) when a table it would drop holds rows. Extensions that predate the first apply are kept. Starts over
    once, in a new session, when another rollback dropped TimescaleDB after this session had loaded it."""
    say = _reporter(out)
    db = pick_database(model, database)
    check_orgs(model, db, orgs)
    result = RollbackResult(db.name)
    with connection(dsn) as conn:
        try:
            result.server = info = server_info(conn, dsn)
            # What this server could never have created is not undone either (remove_*_policy on Apache fails).
            skip = frozenset(info.unsupported())
            scripts = render.render(model, database=db.name, orgs=orgs, skip_features=skip, only="rollback")
            scripts.sort(key=lambda s: s.filename)  # ls order is the order to undo: 100_org_* first, then 880..990
            history.acquire(conn, db.name, lock_timeout, say)
            try:
                _set_lock_timeout(conn, lock_timeout)
                history.verify(conn)
                preflight.safe_search_path(conn, render.search_path(db))
                privileges.check_rollback(conn, db, orgs)
                found = ownership.survey(conn, db.name, scripts)
                if not yes:  # under the scripts' search_path: seed values are cast to the model's types (hstore)
                    with conn.transaction():
                        for pin in render.prelude(db):
                            conn.execute(pin)
                        rowcheck.refuse(conn, db, orgs,
                                        {(k.schema, k.name) for k in found.owned if k.kind == "table"})
                leave = found.foreign(scripts)
                result.kept_extensions = _leaving(leave, found, scripts, say)
                progress = _Progress(len(scripts), say)
                for script in scripts:
                    # every object that exists and is not recorded as schemagen's (extensions it keeps included)
                    run = _rollback_script(conn, model, script, found.live.keys() - found.owned.keys(),
                                           bool(found.owned), say)
                    result.scripts.append(run)
                    progress.script(script, f"  undone  {run.name}  {_count(run.statements, 'statement')}  {run.ms} ms")
                if history.drop_if_empty(conn):
                    say("removed the schemagen history schema")
            finally:
                _reset_lock_timeout(conn)
                history.release(conn, db.name)
        except psycopg.Error as e:
            if not (_first and timescaledb_gone(e)):
                raise DatabaseError(server_message(e, dsn)) from None
        else:
            say(f"{db.name}: {len(result.scripts)} rollback script(s) run")
            return result
    say(STALE.format("rollback"))
    return rollback(dsn, model, database=database, orgs=orgs, yes=yes, lock_timeout=lock_timeout, out=out,
                    _first=False)


def _leaving(foreign: dict[m.ObjectKey, str], found: ownership.Survey, scripts: list[sc.Script],
             say: Callable[[str], None]) -> list[str]:
    """Say what rollback leaves because schemagen did not create it; returns the extensions it keeps."""
    kept = [k.name for k in ownership.targets(scripts)
            if k.kind == "extension" and k in found.live and k not in found.owned]
    if kept:
        say(f"keeping extension(s) schemagen did not create: {', '.join(sorted(kept))}")
    if foreign:
        say(f"leaving {len(foreign)} object(s) schemagen did not create (not recorded in schemagen.objects):\n"
            + "\n".join(f"  {ownership.label(k)} (owner {owner})" for k, owner in sorted(foreign.items())))
    return sorted(kept)


def _rollback_script(conn: psycopg.Connection, model: m.Model, script: sc.Script, leave: set[m.ObjectKey],
                     touched: bool, say: Callable[[str], None]) -> ScriptRun:
    """One rollback script in one transaction, with the removal of its init script's history row and of the
    objects it drops from schemagen.objects. Statements on objects schemagen did not create are left out; so is
    the DROP SCHEMA of a schema that still holds another's objects."""
    # a statement on no object (the public schema's comment put back) only where schemagen applied something
    statements = [s for s in script.statements if (s.target is None and touched) or
                  (s.target is not None and s.target not in leave)]
    schemas = [s.target.name for s in statements if s.target and s.target.kind == "schema" and s.defines]
    busy = ownership.occupied(conn, schemas)
    if busy:
        say(f"leaving schema(s) {', '.join(sorted(busy))}: still holding objects schemagen did not create")
        statements = [s for s in statements if not (s.target and s.target.kind == "schema" and s.defines
                                                    and s.target.name in busy)]
    init_name = f"{render.rollback_number(script.number):03d}_{script.phase}.sql"
    dropped = [k for k in ownership.defined(statements) if not (k.kind == "schema" and k.name in busy)]

    def bookkeep(_: int) -> None:
        history.forget(conn, script.database, init_name)
        history.disown(conn, script.database, dropped)

    ms = _run(conn, script, model, statements, bookkeep, undoing=True)
    return ScriptRun(f"rollback/{script.filename}", "rolled back", len(statements), ms)
