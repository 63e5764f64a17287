"""Stage 4, apply: run the rendered scripts on a live database, and roll them back, never half-way.

- The scripts come rendered (commands/apply.py renders them: byte for byte what `render` writes to out/, each with
  its text and the line of each statement) and run in file order.
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

import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeVar

import psycopg

from schemagen import model as m
from schemagen import scripts as sc
from schemagen.errors import DatabaseError, Interrupted, UsageError
from schemagen.live import history, ownership, preflight, privileges, rowcheck
from schemagen.live import sql as queries
from schemagen.live.connect import ServerInfo, connection, server_message, timescaledb_dropped, timescaledb_gone

QUIET_ABOVE = 100  # with more scripts than this, org scripts report through progress lines, not one line each
PROGRESS_LINES = 20  # about this many progress lines in a long run, whatever the number of orgs

Say = Callable[[str], None]
R = TypeVar("R")


@dataclass
class ScriptRun:  # one script of a run
    name: str  # relpath within the database: "030_tables.sql", "900_org_acme.sql", "rollback/100_org_acme.sql"
    status: str  # apply: "applied" | "unchanged"; dry run: "new" | "changed" | "unchanged"; rollback: "rolled back"
    #              | "nothing to undo" (its init script never ran)
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


class _Progress:
    """One line per script for short runs; for long ones, the shared scripts line by line and the org scripts
    as ~20 progress lines, so 5,000 orgs stay readable."""

    def __init__(self, total: int, say: Say):
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


# --- the session and the lock ------------------------------------------------------------------------------------

class StaleSession(Exception):
    """TimescaleDB was dropped (by a rollback running meanwhile) after this session had loaded it."""


STALE = "TimescaleDB was dropped by a rollback while this {} waited, and this session can no longer use it: " \
        "starting over in a new one"


def session(dsn: str, what: str, body: Callable[[psycopg.Connection, bool], R], say: Say) -> R:
    """body(conn, first) on a new connection, a server's error becoming DatabaseError (exit 3). Starts over once,
    in a new session, when a rollback running meanwhile dropped TimescaleDB after this session had loaded it (the
    session can neither use nor create it again): body raised StaleSession, or the server said so."""
    for first in (True, False):
        with connection(dsn) as conn:
            try:
                return body(conn, first)
            except psycopg.Error as e:
                if not (first and timescaledb_gone(e)):
                    raise DatabaseError(server_message(e, dsn)) from None
            except StaleSession:
                pass
        say(STALE.format(what))
    raise AssertionError("the second session raises or returns")  # pragma: no cover


def _set_lock_timeout(conn: psycopg.Connection, seconds: float) -> None:
    """For the session (sql/apply_lock_timeout.sql); reset when done, as PGlite's server resets a departing client's."""
    conn.execute(queries.compose("apply_lock_timeout", timeout=f"{max(1, int(seconds * 1000))}ms"))


def _reset_lock_timeout(conn: psycopg.Connection) -> None:
    try:
        if not conn.closed and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            conn.execute(queries.query("apply_reset_lock_timeout"))
    except psycopg.Error:
        pass


@contextmanager
def locked(conn: psycopg.Connection, database: str, lock_timeout: float, say: Say, *,
           fresh: bool = False) -> Iterator[None]:
    """Under schemagen's advisory lock of the database (waiting up to lock_timeout for it), with lock_timeout set
    for the session's statements; released, and the setting reset, when done. fresh: StaleSession when a rollback
    dropped TimescaleDB while this session waited."""
    history.acquire(conn, database, lock_timeout, say)
    try:
        if fresh and timescaledb_dropped(conn):
            raise StaleSession
        _set_lock_timeout(conn, lock_timeout)
        yield
    finally:
        _reset_lock_timeout(conn)
        history.release(conn, database)


# --- apply ----------------------------------------------------------------------------------------------------

def dry_run(conn: psycopg.Connection, db: m.Database, scripts: list[sc.Script], shared: Sequence[sc.Script] | None,
            result: ApplyResult, say: Say) -> None:
    """List each script as new / changed / unchanged; create nothing, not even the history schema. shared: the
    shared scripts, when only orgs' scripts are applied (checked for in the history)."""
    done = history.read(conn, db.name)
    if shared is not None:
        need_shared(db, done, shared, say)
    for s in scripts:
        name = s.name
        status = "new" if name not in done else ("unchanged" if done[name].checksum == s.checksum else "changed")
        result.scripts.append(ScriptRun(name, status, len(s.statements)))
        say(f"{status:>9}  {name}  ({_count(len(s.statements), 'statement')})")
    say(f"{db.name}: dry run: {result.count('new')} new, {result.count('changed')} changed, "
        f"{result.count('unchanged')} unchanged; nothing was changed")


def need_shared(db: m.Database, done: dict[str, history.Entry], shared: Sequence[sc.Script], say: Say) -> None:
    """--org adds a tenant to a database that already has the shared objects: check the history for them."""
    missing = [s.name for s in shared if s.name not in done]
    if missing:
        raise UsageError(f"database {db.name} lacks the model's shared objects ({', '.join(missing)} not recorded "
                         "in schemagen.history): apply the shared scripts first: schemagen apply without --org")
    changed = [s.name for s in shared if done[s.name].checksum != s.checksum]
    if changed:
        say(f"warning: shared script(s) changed since they were applied ({', '.join(changed)}): run schemagen "
            "apply without --org to bring them up to date")


def apply_scripts(conn: psycopg.Connection, db: m.Database, scripts: list[sc.Script], skip: frozenset[str], *,
                  lock_timeout: float, adopt: bool, fresh: bool, result: ApplyResult, say: Say,
                  shared: Sequence[sc.Script] | None = None,
                  after: Callable[[psycopg.Connection], None] | None = None) -> None:
    """Under the lock: check the history, the role's privileges and the objects' owners, then run the scripts
    that are new, changed or have objects gone, and `after` (the drift check) before letting go of the lock: a
    rollback queued behind this apply must not be what it sees. skip: the features left out (recorded); fresh
    and shared: see locked and dry_run."""
    with locked(conn, db.name, lock_timeout, say, fresh=fresh):
        history.verify(conn)  # before anything reads or writes a history another role may have planted
        privileges.check_apply(conn, db, scripts)
        done = history.read(conn, db.name)
        if shared is not None:  # shared scripts of only what this server refuses were never applied: not needed
            need_shared(db, done, shared, say)
        found = ownership.survey(conn, db.name, scripts)
        pending = _pending(scripts, done, found, say)
        foreign = found.foreign(pending)
        if not adopt:
            ownership.refuse_foreign(foreign)
        history.ensure(conn)
        ownership.record_inferred(conn, db.name, found)
        if foreign:
            ownership.adopt(conn, db.name, pending, foreign, say)
        _run_scripts(conn, db, scripts, pending, found, set(foreign), skip, result, say)
        if after is not None:
            after(conn)


def _pending(scripts: list[sc.Script], done: dict[str, history.Entry], found: ownership.Survey,
             say: Say) -> list[sc.Script]:
    """The scripts to run: new, changed, or recorded unchanged but with objects they created gone since (dropped
    out of band): every script is idempotent, so running it again creates what is missing."""
    pending = []
    for script in scripts:
        name = script.name
        if name not in done or done[name].checksum != script.checksum:
            pending.append(script)
        elif gone := found.missing_in(script):
            say(f"running {name} again: {len(gone)} object(s) it acts on are gone (dropped since it was applied): "
                + ", ".join(ownership.label(k) for k in gone[:5]) + (" ..." if len(gone) > 5 else ""))
            pending.append(script)
    return pending


def _run_scripts(conn, db: m.Database, scripts: list[sc.Script], pending: list[sc.Script], found: ownership.Survey,
                 adopted: set[m.ObjectKey], skip: frozenset[str], result: ApplyResult, say: Say) -> None:
    progress, statements, run = _Progress(len(scripts), say), 0, set(map(id, pending))
    for script in scripts:
        name = script.name
        if id(script) not in run:
            result.scripts.append(ScriptRun(name, "unchanged", len(script.statements)))
            progress.script(script, f"unchanged  {name}")
            continue

        def bookkeep(ms: int, script=script, name=name) -> None:
            history.record(conn, db.name, name, script.checksum, len(script.statements), ms, tuple(sorted(skip)))
            history.claim(conn, db.name, name, found.to_claim(script.statements, adopted))

        # an adopted object is left as it is (no CREATE OR REPLACE, COMMENT, index or rows): its differences from
        # the model are drift, which the check after the run reports
        kept = [st for st in script.statements if st.target not in adopted] if adopted else script.statements
        ms = _run(conn, script, kept, bookkeep)
        statements += len(script.statements)
        result.scripts.append(ScriptRun(name, "applied", len(script.statements), ms))
        progress.script(script, f"  applied  {name}  {_count(len(script.statements), 'statement')}  {ms} ms")
    say(f"{db.name}: {result.count('applied')} script(s) applied ({_count(statements, 'statement')}), "
        f"{result.count('unchanged')} unchanged, {progress.elapsed:.1f} s")


def _run(conn: psycopg.Connection, script: sc.Script, statements: Sequence[sc.Statement],
         bookkeep: Callable[[int], None], undoing: bool = False) -> int:
    """Run a script's statements in one transaction and call bookkeep(ms) (its history change) in that same
    transaction; the non-transactional statements run after it, one by one, and bookkeeping waits for them.
    On failure: DatabaseError naming the script, the statement's line in the file text, its object, and the
    server's message with SQLSTATE. Returns milliseconds."""
    line_of = dict(zip(map(id, script.statements), script.lines))
    wanted = set(map(id, statements))
    inside = [s for s in script.statements if s.transactional and id(s) in wanted]
    outside = [s for s in script.statements if not s.transactional and id(s) in wanted]
    started = time.monotonic()
    current: sc.Statement | None = None
    committing = False  # the history change is made: what follows is the COMMIT
    try:
        with conn.transaction():
            conn.execute(" ".join(script.prelude))  # the file's SET LOCALs
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
        raise DatabaseError(f"{script.relpath}{where}: {server_message(e)}"
                            f"{_failed(conn, current, committing, undoing)}") from None
    except KeyboardInterrupt:  # Ctrl-C: psycopg cancelled the running statement, the transaction rolled back
        raise Interrupted(_interrupted(script, current, line_of, committing, undoing)) from None
    return int((time.monotonic() - started) * 1000)


def _failed(conn: psycopg.Connection, current: sc.Statement | None, committing: bool, undoing: bool) -> str:
    """What a failed script left, for the end of its message."""
    done, again = ("undone", "roll back") if undoing else ("applied", "apply")
    if conn.closed and committing:  # the server went away or ended the session, at the COMMIT
        return (f"; the connection to the server was lost at the script's COMMIT: schemagen.history says whether it "
                f"committed, the ones before it stay {done}; {again} again to carry on")
    if conn.closed:  # a transaction the server never committed
        return (f"; the connection to the server was lost: the script did not commit, the ones before it stay "
                f"{done}; {again} again to carry on")
    if current and not current.transactional:
        return ("; it runs outside the script's transaction, which had committed: the script is not recorded "
                "as done and runs again next time")
    if undoing:
        return "; this script was rolled back, the ones before it stay undone"
    return "; the script was rolled back (its history unchanged), the ones before it stay applied"


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


# --- rollback -------------------------------------------------------------------------------------------------

def rollback_scripts(conn: psycopg.Connection, db: m.Database, scripts: list[sc.Script], *,
                     orgs: Sequence[str] | None, yes: bool, lock_timeout: float, prelude: Sequence[str],
                     result: RollbackResult, say: Say) -> None:
    """Under the lock, each rollback script (in the order given) in one transaction with the removal of its
    history row. Without `yes`, refuses (Difference, exit 1) when a table it would drop holds rows. Extensions
    that predate the first apply are kept. prelude: the scripts' SET LOCALs, which the row checks run under."""
    with locked(conn, db.name, lock_timeout, say):
        history.verify(conn)
        preflight.safe_search_path(conn, sc.search_path(db))
        privileges.check_rollback(conn, db, orgs)
        found = ownership.survey(conn, db.name, scripts)
        if not yes:  # under the scripts' search_path: seed values are cast to the model's types (hstore)
            with conn.transaction():
                for pin in prelude:
                    conn.execute(pin)
                rowcheck.refuse(conn, db, orgs, {(k.schema, k.name) for k in found.owned if k.kind == "table"})
        result.kept_extensions = _leaving(found.foreign(scripts), found, scripts, say)
        progress = _Progress(len(scripts), say)
        # every object that exists and is not recorded as schemagen's (extensions it keeps included)
        leave = found.live.keys() - found.owned.keys()
        done = history.read(conn, db.name)
        for script in scripts:
            if _never_applied(script, done, found):
                result.scripts.append(ScriptRun(script.name, "nothing to undo"))
                progress.script(script, f"  nothing to undo  {script.name}  ({script.init_name} never ran)")
                continue
            run = _rollback_script(conn, script, leave, bool(found.owned), say)
            result.scripts.append(run)
            progress.script(script, f"  undone  {run.name}  {_count(run.statements, 'statement')}  {run.ms} ms")
        if history.drop_if_empty(conn):
            say("removed the schemagen history schema")


def _never_applied(script: sc.Script, done: dict[str, history.Entry], found: ownership.Survey) -> bool:
    """A rollback script with nothing to undo: its init script has no history row (it never committed: a refused
    or interrupted apply) and none of its objects is recorded as schemagen's (one an older phase created)."""
    return script.init_name not in done and not any(k in found.owned for k in ownership.targets([script]))


def _leaving(foreign: dict[m.ObjectKey, str], found: ownership.Survey, scripts: list[sc.Script],
             say: Say) -> list[str]:
    """Say what rollback leaves because schemagen did not create it; returns the extensions it keeps."""
    kept = [k.name for k in ownership.targets(scripts)
            if k.kind == "extension" and k in found.live and k not in found.owned]
    if kept:
        say(f"keeping extension(s) schemagen did not create: {', '.join(sorted(kept))}")
    if foreign:
        say(f"leaving {len(foreign)} object(s) schemagen did not create (not recorded in schemagen.objects):\n"
            + "\n".join(f"  {ownership.label(k)} (owner {owner})" for k, owner in sorted(foreign.items())))
    return sorted(kept)


class Left(Enum):  # why rollback leaves a statement of its script out
    FOREIGN = "its object exists and schemagen did not create it"
    OCCUPIED = "it drops a schema that still holds objects schemagen did not create"
    UNTOUCHED = "it acts on no object (the public schema's comment put back), and schemagen applied nothing"


def _left(statement: sc.Statement, leave: set[m.ObjectKey], touched: bool) -> Left | None:
    """Why the statement is left out before looking at schemas (see Left), None when it runs."""
    if statement.target is None:
        return None if touched else Left.UNTOUCHED
    return Left.FOREIGN if statement.target in leave else None


def _drops_schema(s: sc.Statement) -> bool:
    return s.target is not None and s.target.kind == "schema" and s.defines


def _rollback_script(conn: psycopg.Connection, script: sc.Script, leave: set[m.ObjectKey], touched: bool,
                     say: Say) -> ScriptRun:
    """One rollback script in one transaction, with the removal of its init script's history row and of the
    objects it drops from schemagen.objects. Statements on objects schemagen did not create are left out; so is
    the DROP SCHEMA of a schema that still holds another's objects; so is a statement on no object where
    schemagen applied nothing."""
    why = {id(s): _left(s, leave, touched) for s in script.statements}
    schemas = [s.target.name for s in script.statements if why[id(s)] is None and _drops_schema(s)]
    busy = ownership.occupied(conn, schemas)
    if busy:
        say(f"leaving schema(s) {', '.join(sorted(busy))}: still holding objects schemagen did not create")
        for s in script.statements:
            if why[id(s)] is None and _drops_schema(s) and s.target.name in busy:
                why[id(s)] = Left.OCCUPIED
    statements = [s for s in script.statements if why[id(s)] is None]
    dropped = ownership.defined(statements)

    def bookkeep(_: int) -> None:
        history.forget(conn, script.database, script.init_name)
        history.disown(conn, script.database, dropped)

    ms = _run(conn, script, statements, bookkeep, undoing=True)
    return ScriptRun(script.name, "rolled back", len(statements), ms)
