"""`schemagen apply --plan plan.json` and `schemagen rollback --plan plan.json`: run exactly a reviewed plan.

Interface:
- apply_plan(dsn, model, path, *, allow=frozenset(), old=None, lock_timeout=60, skip_unsupported=False, say)
  -> PlanRun: refused, changing nothing, when the plan holds hazards `allow` does not accept (each listed with its
  step), or when the database is no longer in the state the plan was computed from (its fingerprint; a plan made
  offline with `plan --from OLD_MODEL` checks instead that the database has no drift against OLD_MODEL, passed as
  `old`). Under apply's advisory lock; the steps run as live/planrun.py runs them; a plan stopped midway carries
  on from its first step not done. Ends with the drift check against the model (PlanRun.changes).
- rollback_plan(dsn, model, path, *, allow, lock_timeout, say) -> PlanRun: the plan's rollback steps for the
  steps that were done, guarded by the fingerprint of the state the plan produced; afterwards the database is
  compared with the plan's starting fingerprint (PlanRun.back).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from schemagen import model as m
from schemagen import render
from schemagen.changes import Change
from schemagen.commands import drift
from schemagen.errors import DatabaseError, UsageError
from schemagen.live import drift as live_drift
from schemagen.live import planrun
from schemagen.live.apply import locked, session
from schemagen.live.connect import pick_database
from schemagen.plan import fingerprint
from schemagen.plan.planfile import PlanFile, PlanFileError, RunStep, read_plan

Say = Callable[[str], None]


@dataclass
class PlanRun:
    database: str
    run: int = 0  # steps run now
    done_before: int = 0  # steps a previous run had done
    changes: list[Change] = field(default_factory=list)  # drift left afterwards (apply)
    back: bool = True  # rollback: the database is in the state the plan started from

    @property
    def message(self) -> str:
        return f"database {self.database}: {len(self.changes)} difference(s) from the model remain after the plan"


def _read(path) -> PlanFile:
    try:
        return read_plan(path)
    except PlanFileError as e:
        raise UsageError(str(e)) from None


def _refuse_hazards(plan: PlanFile, steps: tuple[RunStep, ...], allow: frozenset[str], what: str) -> None:
    left = plan.hazards_not_allowed(steps, allow)
    if left:
        kinds = ",".join(sorted({kind for _, kind, _ in left}))
        lines = [f"  step {s.number} ({s.description}): {kind}: {text}" for s, kind, text in left]
        raise UsageError(f"{what} holds hazards not allowed; nothing was changed. Review them and pass "
                         f"--allow-hazards {kinds} (or all):\n" + "\n".join(lines))


def _state(conn, model: m.Model, db: m.Database, skip: frozenset[str]) -> tuple[str, list[Change]]:
    """The live database's fingerprint (as plan computes it) and its drift from the model."""
    report = drift.Report([])
    changes = drift.compare_live(conn, model, db, skip=skip, report=report)
    return fingerprint(report.actual), changes


def _fingerprint(conn, db: m.Database) -> str:
    """The live database's fingerprint alone: its catalog queries, without the comparison with the model."""
    return fingerprint(drift.inspect_live(conn, db))


def apply_plan(dsn: str, model: m.Model, path, *, allow: frozenset[str] = frozenset(), old: m.Model | None = None,
               lock_timeout: float = 60.0, skip_unsupported: bool = False, say: Say = lambda text: None) -> PlanRun:
    plan = _read(path)
    db = pick_database(model, plan.database)
    if plan.offline and old is None:
        raise UsageError(f"{path} was planned offline ({plan.source}): pass that model with --from, so that apply "
                         "first checks the database has no drift against it")
    _refuse_hazards(plan, plan.steps, allow, str(path))
    result = PlanRun(db.name)

    def body(conn, first: bool) -> PlanRun:
        skip = drift.skipped(conn, dsn, skip_unsupported, say)
        with locked(conn, db.name, lock_timeout, say, fresh=not first):
            done = planrun.recorded(conn, plan)
            if planrun.row_name(plan, "applied") not in done:
                if not done:
                    _check_start(conn, plan, model if old is None else old, db, skip)
                result.run, result.done_before = planrun.run_steps(conn, plan, "step", plan.steps,
                                                                   render.search_path(db), say)
                state, result.changes = _state(conn, model, db, skip)
                planrun.record_state(conn, plan, state)
            else:
                say(f"{path}: already applied; checking the database against the model")
                result.changes = _state(conn, model, db, skip)[1]
        return result

    with live_drift.server_errors(dsn):
        return session(dsn, "plan", body, say)


def _check_start(conn, plan: PlanFile, start: m.Model, db: m.Database, skip: frozenset[str]) -> None:
    """Refuse (changing nothing) unless the database is where the plan starts."""
    if plan.offline:
        start_db = pick_database(start, plan.database)
        changes = drift.compare_live(conn, start, start_db, skip=skip)
        if changes:
            raise DatabaseError(f"{plan.path}: the database differs from {plan.source.removeprefix('model ')} in "
                                f"{len(changes)} way(s) (schemagen diff -m it shows them); the plan starts from "
                                "that model: nothing was changed")
        return
    state = _fingerprint(conn, db)
    if state != plan.fingerprint:
        raise DatabaseError(f"{plan.path}: the database is no longer in the state the plan was computed from "
                            f"(fingerprint {state[:19]}..., the plan's {plan.fingerprint[:19]}...): plan again; "
                            "nothing was changed")


def rollback_plan(dsn: str, model: m.Model, path, *, allow: frozenset[str] = frozenset(),
                  lock_timeout: float = 60.0, skip_unsupported: bool = False,
                  say: Say = lambda text: None) -> PlanRun:
    plan = _read(path)
    db = pick_database(model, plan.database)
    result = PlanRun(db.name)

    def body(conn, first: bool) -> PlanRun:
        with locked(conn, db.name, lock_timeout, say, fresh=not first):
            done = planrun.recorded(conn, plan)
            steps = _undoing(plan, done)
            if not any(n.startswith(f"plan {plan.plan_id} step") for n in done):
                raise DatabaseError(f"{path}: no step of this plan was applied to the database: nothing to roll "
                                    "back")
            _refuse_hazards(plan, steps, allow, f"the rollback of {path}")
            applied = done.get(planrun.row_name(plan, "applied"))
            started = any(n.startswith(f"plan {plan.plan_id} rollback") for n in done)
            if applied is not None and not started:
                state = _fingerprint(conn, db)
                if state != applied.checksum:
                    raise DatabaseError(f"{path}: the database changed after the plan was applied (fingerprint "
                                        f"{state[:19]}..., recorded {applied.checksum[:19]}...): its rollback "
                                        "would not undo exactly the plan; nothing was changed")
            result.run, result.done_before = planrun.run_steps(conn, plan, "rollback", steps,
                                                               render.search_path(db), say)
            planrun.forget(conn, plan)
            if not plan.offline:
                result.back = _fingerprint(conn, db) == plan.fingerprint
        return result

    with live_drift.server_errors(dsn):
        return session(dsn, "plan rollback", body, say)


def _undoing(plan: PlanFile, done: Sequence[str]) -> tuple[RunStep, ...]:
    """The rollback steps that undo a step that was done (all of them after a complete apply)."""
    ran = {int(n.rsplit(" ", 1)[1]) for n in done if n.startswith(f"plan {plan.plan_id} step ")}
    return tuple(s for s in plan.rollback if s.undoes in ran or s.undoes is None)
