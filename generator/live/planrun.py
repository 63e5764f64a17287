"""Running a plan file's steps (`apply --plan`) or its rollback (`rollback --plan`) on a live database.

Each transactional step runs in its own transaction with its row in schemagen.history (`plan <id> step NNN`), so a
failure or a kill leaves whole steps; a step that cannot run in a transaction runs alone (the scripts'
search_path and its lock_timeout set for the session meanwhile) and its row is written right after it. A step whose
row exists is done: running the same plan again carries on from the first step not done. The fingerprint of the
state a plan produced is recorded (`plan <id> applied`), and is what its rollback checks before it starts.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

import psycopg

from schemagen import model as m
from schemagen.errors import DatabaseError, Interrupted
from schemagen.live import history
from schemagen.live import sql as queries
from schemagen.live.connect import server_message

Say = Callable[[str], None]


class RunStep(Protocol):  # plan/planfile.RunStep, as this module reads it (live never imports plan)
    number: int
    description: str
    statements: tuple[str, ...]
    transactional: bool
    lock_timeout_ms: int | None
    op: str
    key: m.ObjectKey | None
    renamed_to: str | None
    statement_timeout_ms: int | None
    new_signature: str | None


class PlanFile(Protocol):  # plan/planfile.PlanFile
    path: str
    database: str
    plan_id: str


def row_name(plan: PlanFile, phase: str, number: int | None = None) -> str:
    """The history row of one step ("step", "rollback") or of the plan's end state ("applied")."""
    return f"plan {plan.plan_id} {phase}" + (f" {number:03d}" if number is not None else "")


def recorded(conn: psycopg.Connection, plan: PlanFile) -> dict[str, history.Entry]:
    """This plan's rows in the history (its steps done, its end state)."""
    prefix = f"plan {plan.plan_id} "
    return {k: v for k, v in history.read(conn, plan.database).items() if k.startswith(prefix)}


def run_steps(conn: psycopg.Connection, plan: PlanFile, phase: str, steps: Sequence[RunStep], path: Sequence[str],
              say: Say) -> tuple[int, int]:
    """Run the steps not yet recorded, in order; (run, already done)."""
    history.ensure(conn)
    done = recorded(conn, plan)
    run = skipped = 0
    started = time.monotonic()
    for n, step in enumerate(steps, 1):
        name = row_name(plan, phase, step.number)
        if name in done:
            skipped += 1
            continue
        if step.statements:
            say(f"  step {n} of {len(steps)}: {step.description} ...")
        ms = _run_step(conn, plan, name, step, path)
        run += 1
        if step.statements:
            say(f"  step {n} of {len(steps)}: done in {ms} ms ({time.monotonic() - started:.1f} s so far)")
    return run, skipped


def _checksum(step: RunStep) -> str:
    return "sha256:" + hashlib.sha256("\n".join(step.statements).encode()).hexdigest()


def _run_step(conn: psycopg.Connection, plan: PlanFile, name: str, step: RunStep, path: Sequence[str]) -> int:
    started = time.monotonic()
    timeout = f"{step.lock_timeout_ms}ms" if step.lock_timeout_ms is not None else "0"
    sent: list[tuple[str, psycopg.Cursor]] = []  # a transactional step's statements, with their cursors
    current = None
    try:
        if step.transactional and len(step.statements) == 1:
            current = step.statements[0]
            _run_as_one_query(conn, plan, name, step, path, timeout)
            current = None
        elif step.transactional:
            _run_in_one_round_trip(conn, plan, name, step, path, timeout, sent)
        else:
            for stmt in queries.statements("plan_session_settings", path=list(path), timeout=timeout):
                conn.execute(stmt)
            if step.statement_timeout_ms is not None:
                conn.execute(queries.compose("plan_session_statement_timeout",
                                             timeout=f"{step.statement_timeout_ms}ms"))
            try:
                for current in step.statements:
                    conn.execute(current)  # autocommit: alone, outside any transaction block
                current = None
            finally:
                for stmt in queries.statements("plan_reset_session"):
                    conn.execute(stmt)
            with conn.transaction():
                _record(conn, plan, name, step, int((time.monotonic() - started) * 1000))
    except psycopg.Error as e:
        current = _failed(sent) if sent else current
        what = f": {current.strip().splitlines()[0][:120]}" if current else ""
        raise DatabaseError(f"{plan.path}: step {step.number} ({step.description}) failed{what}: "
                            f"{server_message(e)}; the steps before it stay done, this one changed nothing "
                            "(run the same plan again to carry on)") from None
    except KeyboardInterrupt:
        raise Interrupted(f"{plan.path}: interrupted in step {step.number} ({step.description}): it was rolled "
                          "back; the steps before it stay done (run the same plan again to carry on)") from None
    return int((time.monotonic() - started) * 1000)


def _run_in_one_round_trip(conn: psycopg.Connection, plan: PlanFile, name: str, step: RunStep,
                           path: Sequence[str], timeout: str, sent: list[tuple[str, psycopg.Cursor]]) -> None:
    """A transactional step in one round trip (psycopg's pipeline mode, one sync at its end): BEGIN, its SET
    LOCALs, its statements, its history row (the duration the server's, from its BEGIN), COMMIT. The server
    stops at the first statement that fails and rolls the whole step back; `sent` says which one it was."""
    with conn.pipeline(), conn.transaction():
        for stmt in _step_settings(step, path, timeout):
            conn.execute(stmt)
        for stmt in step.statements:
            sent.append((stmt, conn.execute(stmt)))
        _record(conn, plan, name, step, None)


def _run_as_one_query(conn: psycopg.Connection, plan: PlanFile, name: str, step: RunStep, path: Sequence[str],
                      timeout: str) -> None:
    """A transactional step of one statement as one simple query, as psql sends a script's lines but in one round
    trip: BEGIN, its SET LOCALs, its statement, its history row (the parameters bound by psycopg's client-side
    quoting), COMMIT. A failure leaves the transaction aborted: rolled back here, so the step changed nothing.
    Pipelining the same statements costs psycopg about 2 ms a step, three times psql's whole step."""
    texts = [queries.compose("plan_step_begin"), *_step_settings(step, path, timeout), step.statements[0]]
    rows = _Collected(conn)
    _record(rows, plan, name, step, None)  # type: ignore[arg-type]  # only execute() is called
    texts += [*rows.texts, queries.compose("plan_step_commit")]
    try:
        conn.execute("\n;\n".join(texts))  # a statement may end in a -- comment: `;` on a line of its own
    except BaseException:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
        raise


class _Collected:
    """Takes what history's functions execute, as the text psycopg would send (client-side binding)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.cursor, self.texts = psycopg.ClientCursor(conn), []

    def execute(self, query: str, params: Sequence[object] | None = None) -> None:
        self.texts.append(self.cursor.mogrify(query, params))


def _failed(sent: list[tuple[str, psycopg.Cursor]]) -> str | None:
    """The statement of a pipelined step that failed: the first one with no result (those after it were not run);
    None when they all ran (the settings or the history row failed)."""
    return next((stmt for stmt, cur in sent if cur.pgresult is None
                 or cur.pgresult.status == psycopg.pq.ExecStatus.FATAL_ERROR), None)


def _step_settings(step: RunStep, path: Sequence[str], timeout: str) -> list[str]:
    """What a transactional step sets right after its BEGIN (SET LOCAL): its lock_timeout, its statement_timeout
    when it has one, and the scripts' search_path, as render's prelude pins it."""
    out = [queries.compose("plan_step_settings", timeout=timeout)]
    if step.statement_timeout_ms is not None:
        out.append(queries.compose("plan_step_statement_timeout", timeout=f"{step.statement_timeout_ms}ms"))
    return [*out, *queries.statements("plan_step_path", path=list(path))]


def _record(conn: psycopg.Connection, plan: PlanFile, name: str, step: RunStep, ms: int | None) -> None:
    """The step's history row (ms None: the server's time since the transaction began), and (in the same
    transaction) the table it created recorded as schemagen's, or the table it dropped no longer: so a later plan
    may change what a plan created. run_steps made sure schemagen.objects exists (history.ensure)."""
    history.record(conn, plan.database, name, _checksum(step), len(step.statements), ms, ())
    if step.key is not None and step.op in m.PLAN_CREATES_OBJECT:
        history.claim(conn, plan.database, name, [step.key])
    elif step.key is not None and step.op in m.PLAN_DROPS_OBJECT:
        history.disown(conn, plan.database, [step.key], checked=True)
    elif step.key is not None and (moved := _moved_to(step)) is not None:
        history.disown(conn, plan.database, [step.key], checked=True)
        history.claim(conn, plan.database, name, [moved])


def _moved_to(step: RunStep) -> m.ObjectKey | None:
    """The key a renamed table or a function recreated with new arguments has after the step (its ownership record
    follows it), or None."""
    if step.op == "rename_table" and step.renamed_to:
        return replace(step.key, name=step.renamed_to)
    if step.op == "recreate_function" and step.new_signature is not None:
        return replace(step.key, signature=step.new_signature)
    return None


def record_state(conn: psycopg.Connection, plan: PlanFile, fingerprint: str) -> None:
    """The fingerprint of the state the plan produced, which its rollback checks."""
    with conn.transaction():
        history.record(conn, plan.database, row_name(plan, "applied"), fingerprint, 0, 0, ())


def forget(conn: psycopg.Connection, plan: PlanFile) -> None:
    """After a complete rollback: the plan's rows go (the database is back where the plan started)."""
    with conn.transaction():
        for name in recorded(conn, plan):
            history.forget(conn, plan.database, name)
