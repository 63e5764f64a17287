"""`schemagen verify`: the pull-request check that needs no long-lived database.

verify(dsn, model, *, database=None, skip_unsupported=False, lock_timeout=60, say) -> list[VerifyResult]: for the
model database named (or each of them in turn, one throwaway database each, stopping at the first that fails), on
the server the DSN names (any database of it, usually postgres):

  verify:      create a throwaway database (live/verify.py) and snapshot its catalog
  apply:       commands/apply.apply, without its own drift check (the next stage is that check)
  diff:        commands/drift.diff: no drift            (else Difference, exit 1)
  apply again: every script unchanged                   (else Difference, exit 1)
  plan:        commands/plan.plan_live: nothing to do   (else Difference, exit 1)
  rollback:    commands/apply.rollback, without --yes: a table holding rows the model did not seed is a finding
  catalog:     the snapshot again, equal to the first   (else Difference, exit 1, naming what was left or lost)
  dropped:     the throwaway database, in a `finally`: after a failure at any stage and after Ctrl-C (a second
               Ctrl-C while dropping waits until the drop is done)

Each stage says one line through `say`; the stages' own progress lines are not passed on. Errors are those of the
stages: UsageError / ModelError (2), Difference (1), DatabaseError and UnsupportedFeatures, the pre-flight's
refusal, (3), Interrupted (130).
"""
from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from schemagen import model as m
from schemagen import plan as planning
from schemagen.commands import Say, drift, silent
from schemagen.commands import apply as applying
from schemagen.commands.plan import plan_live
from schemagen.errors import DatabaseError, Difference, Interrupted, SchemagenError
from schemagen.live import verify as throwaway
from schemagen.live.connect import pick_database

SHOWN = 20  # differences, scripts or objects named in a stage's failure; the rest counted


@dataclass
class VerifyResult:
    database: str  # the model's database
    throwaway: str  # the database verify created and dropped
    stages: list[tuple[str, float]] = field(default_factory=list)  # (stage, seconds), in order


def verify(dsn: str, model: m.Model, *, database: str | None = None, skip_unsupported: bool = False,
           lock_timeout: float = 60.0, say: Say = silent) -> list[VerifyResult]:
    """Verify the model database named (or every one, in turn) in throwaway databases on dsn's server."""
    dbs = [pick_database(model, database)] if database is not None or len(model.databases) == 1 \
        else list(model.databases)
    return [_verify_one(dsn, model, db, skip_unsupported, lock_timeout, say) for db in dbs]


def _verify_one(dsn: str, model: m.Model, db: m.Database, skip_unsupported: bool, lock_timeout: float,
                say: Say) -> VerifyResult:
    name = throwaway.throwaway_name(db.name)
    target = throwaway.throwaway_dsn(dsn, name)
    result = VerifyResult(db.name, name)
    stage = _Stages(result, say)
    created: bool | None = None  # None: CREATE DATABASE may have been sent (a Ctrl-C while it ran)
    failed = True
    try:
        with stage("verify"):
            try:
                info = throwaway.create(dsn, name)
            except SchemagenError:
                created = False
                raise
            created = True
            throwaway.reached(target, name)
            before = throwaway.catalog(target)
            stage.done(f"created database {name} for model database {db.name} on PostgreSQL {info.version}")
        _stages(target, model, db, skip_unsupported, lock_timeout, stage, before)
        failed = False
    except (KeyboardInterrupt, Interrupted):
        raise Interrupted(f"verify of database {db.name} interrupted in stage {stage.current}"
                          + (f"; throwaway database {name} dropped" if created is not False else "")) from None
    finally:
        # a failure to drop is the error only when nothing failed before it; else it is said, and the first stays
        if created is not False and _drop(dsn, name, say, raising=not failed) and not failed:
            raise Interrupted(f"verify of database {db.name} interrupted while dropping throwaway database {name} "
                              "(dropped; every stage had passed)")
    say(f"verify: database {db.name} passed ({sum(s for _, s in result.stages):.1f} s)")
    return result


def _stages(target: str, model: m.Model, db: m.Database, skip_unsupported: bool, lock_timeout: float,
            stage: _Stages, before: list[throwaway.Entry]) -> None:
    """apply, diff, apply again, plan, rollback, catalog: each one line, or the Difference that stops verify."""
    common = {"database": db.name, "skip_unsupported": skip_unsupported}
    with stage("apply"):
        first = applying.apply(target, model, lock_timeout=lock_timeout, check_drift=False, say=silent, **common)
        left_out = f", left out {len(first.skipped)} object(s) this server cannot create" if first.skipped else ""
        server = first.server
        license = f" (TimescaleDB license {server.license})" if server and server.license and db.uses_timescaledb \
            else ""
        stage.done(f"{first.count('applied')} script(s){left_out}{license}")
    with stage("diff"):
        found = drift.diff(target, model, **common)
        if found.changes:
            raise Difference(_listed(f"{found.message} right after apply", [c.summary() for c in found.changes])
                             + "\n(`schemagen diff` on a database applied from this model shows each with its "
                               "expected and actual value)")
        stage.done("no drift")
    with stage("apply again"):
        again = applying.apply(target, model, lock_timeout=lock_timeout, check_drift=False, say=silent, **common)
        ran = [s.name for s in again.scripts if s.status != "unchanged"]
        if ran:
            raise Difference(_listed(f"the second apply ran {len(ran)} script(s) again instead of none", ran))
        stage.done("nothing to do")
    with stage("plan"):
        plan = plan_live(target, model, **common)
        if not plan.empty:
            raise Difference(_listed(f"plan right after apply: {plan.message}",
                                     planning.format_text(plan).splitlines()))
        stage.done("nothing to do")
    with stage("rollback"):
        try:
            back = applying.rollback(target, model, database=db.name, lock_timeout=lock_timeout, say=silent)
        except Difference as e:  # the advice to rerun with --yes is rollback's, not verify's
            why = re.sub(r" *Rerun with --yes[^\n]*", "", str(e))
            raise Difference("the rollback after apply refused: applying the model left rows it does not seed "
                             f"(written by a trigger or a function?): {why}") from None
        stage.done(f"{back.count('rolled back')} script(s)")
    with stage("catalog"):
        left, gone = throwaway.compare(before, throwaway.catalog(target))
        if left or gone:
            raise Difference(_listed(f"after rollback the database is not as it was before apply: {len(left)} "
                                     f"object(s) left or changed, {len(gone)} gone or changed",
                                     [f"left: {e}" for e in left] + [f"gone: {e}" for e in gone]))
        stage.done("as before")


def _listed(headline: str, lines: list[str]) -> str:
    shown = [f"  {line}" for line in lines[:SHOWN]]
    if len(lines) > SHOWN:
        shown.append(f"  ... and {len(lines) - SHOWN} more")
    return "\n".join([headline + ":", *shown])


class _Stages:
    """Times each stage and says its line: `apply: 12 script(s) (1.4 s)`."""

    def __init__(self, result: VerifyResult, say: Say):
        self.result, self.say, self.current, self.started = result, say, "", 0.0

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        self.current, self.started = name, time.monotonic()
        try:
            yield
        except SchemagenError as e:
            if not isinstance(e, Interrupted):
                outcome = "differs" if isinstance(e, Difference) else "failed"
                self.say(f"{name}: {outcome} ({time.monotonic() - self.started:.1f} s)")
            raise

    def done(self, text: str) -> None:
        seconds = time.monotonic() - self.started
        self.result.stages.append((self.current, seconds))
        self.say(f"{self.current}: {text} ({seconds:.1f} s)")


def _drop(dsn: str, name: str, say: Say, *, raising: bool) -> bool:
    """Drop the throwaway database, whatever happened before; a Ctrl-C meanwhile waits for it. True when one came.
    A failure is said, and raised when `raising`."""
    started = time.monotonic()
    with _interrupts_deferred() as caught:
        try:
            throwaway.drop(dsn, name)
        except DatabaseError as e:
            say(f"dropped: FAILED: {e}")
            if raising:
                raise
            return bool(caught)
    say(f"dropped: database {name} ({time.monotonic() - started:.1f} s)")
    return bool(caught)


DEFERRED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # Ctrl-C, and what CI runners send to cancel a job


@contextmanager
def _interrupts_deferred() -> Iterator[list[int]]:
    """SIGINT (SIGTERM, SIGHUP) held back while the block runs, so that the drop is not cut short; yields the list of
    those that came."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = {n: signal.signal(n, lambda signum, frame: caught.append(signum)) for n in DEFERRED}
    try:
        yield caught
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


__all__ = ["VerifyResult", "verify"]
