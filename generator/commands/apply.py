"""`schemagen apply` and `schemagen rollback`: render the scripts, then run them on the server (live/apply.py).

What needs both the renderer and the server is here: the init scripts rendered before the pre-flight, and again
without what it decides to leave out; the shared scripts `apply --org` checks the history for; the drift check
after applying; the rollback scripts of what this server could have created.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from schemagen import model as m
from schemagen import render
from schemagen import scripts as sc
from schemagen.commands import Say, silent
from schemagen.errors import Difference, printable
from schemagen.live import apply as applying
from schemagen.live import preflight
from schemagen.live.apply import ApplyResult, RollbackResult
from schemagen.live.connect import check_orgs, pick_database, server_info

__all__ = ["ApplyResult", "RollbackResult", "apply", "rollback"]


def _say(say: Say | None, out: TextIO | None) -> Say:
    """say, or a writer of each line to out (escaped, as the CLI prints it), or nothing."""
    if say is not None:
        return say
    if out is None:
        return silent

    def write(text: str) -> None:
        out.write(printable(text, keep="\n") + "\n")
        out.flush()

    return write


def apply(dsn: str, model: m.Model, *, database: str | None = None, orgs: Sequence[str] | None = None,
          dry_run: bool = False, lock_timeout: float = 60.0, skip_unsupported: bool = False, adopt: bool = False,
          check_drift: bool = True, say: Say | None = None, out: TextIO | None = None) -> ApplyResult:
    """Apply the model's init scripts to the database at dsn (see live/apply.py). Raises UnsupportedFeatures /
    DatabaseError (exit 3), UsageError (exit 2), and Difference (exit 1) when the database still differs from
    the model afterwards in ways init scripts cannot change (check_drift). Progress goes to say (or, for tests,
    each line to the stream out)."""
    say = _say(say, out)
    db = pick_database(model, database)
    check_orgs(model, db, orgs)

    def body(conn, first: bool) -> ApplyResult:
        result = ApplyResult(db.name)
        full = render.render(model, database=db.name, orgs=orgs, only="init")
        plan = preflight.check(conn, dsn, db, full, orgs, skip_unsupported)
        preflight.safe_search_path(conn, sc.search_path(db))
        result.server, result.skipped, result.skipped_features = plan.server, plan.left_out, plan.skip
        say(f"server: {plan.server.describe()}")
        if plan.left_out:
            say(f"left out {len(plan.left_out)} object(s) this server cannot create (--skip-unsupported):\n"
                + preflight.grouped(plan.left_out, 20))
        scripts = render.leave_out(full, plan.skip)
        # --org: the shared scripts the history must hold; those of only what this server refuses were never
        # applied, and are not needed
        shared = render.shared(model, db.name, skip_features=frozenset(plan.server.unsupported()), only="init") \
            if orgs else None
        if dry_run:
            applying.dry_run(conn, db, scripts, shared, result, say)
            return result
        after = (lambda conn: _after_apply_drift(conn, model, db, orgs, plan.skip)) if check_drift else None
        applying.apply_scripts(conn, db, scripts, plan.skip, lock_timeout=lock_timeout, adopt=adopt, fresh=first,
                               result=result, say=say, shared=shared, after=after)
        return result

    return applying.session(dsn, "apply", body, say)


def _after_apply_drift(conn, model: m.Model, db: m.Database, orgs: Sequence[str] | None,
                       skip: frozenset[str]) -> None:
    """What init scripts cannot reconcile shows here: a column added to a table that already existed, a changed
    chunk interval, a changed policy (add_*_policy with if_not_exists only warns). Exit 1, pointing at diff."""
    from schemagen.commands import drift  # imported late: apply works without inspecting

    changes = drift.compare_live(conn, model, db, orgs=orgs, skip=skip)
    if changes:
        lines = [f"  {c.summary()}" for c in changes[:10]]
        if len(changes) > 10:
            lines.append(f"  ... and {len(changes) - 10} more")
        raise Difference(f"applied, but database {db.name} still differs from the model in {len(changes)} way(s) "
                         "that its init scripts do not change (they create what is missing, and never alter or "
                         "drop what exists):\n" + "\n".join(lines) +
                         "\nRun `schemagen diff` to see each difference with its expected and actual value, then "
                         "change the database by hand to match, or change the model to match the database.")


def rollback(dsn: str, model: m.Model, *, database: str | None = None, orgs: Sequence[str] | None = None,
             yes: bool = False, lock_timeout: float = 60.0, say: Say | None = None,
             out: TextIO | None = None) -> RollbackResult:
    """Run the rollback scripts (org files first, then the shared phases in reverse; only those orgs' files with
    orgs), each in one transaction with the removal of its history row. Without `yes`, refuses (Difference,
    exit 1) when a table it would drop holds rows. Extensions that predate the first apply are kept."""
    say = _say(say, out)
    db = pick_database(model, database)
    check_orgs(model, db, orgs)

    def body(conn, first: bool) -> RollbackResult:
        result = RollbackResult(db.name)
        result.server = info = server_info(conn, dsn)
        # What this server could never have created is not undone either (remove_*_policy on Apache fails).
        skip = frozenset(info.unsupported())
        scripts = render.render(model, database=db.name, orgs=orgs, skip_features=skip, only="rollback")
        scripts.sort(key=lambda s: s.filename)  # ls order is the order to undo: 100_org_* first, then 880..990
        applying.rollback_scripts(conn, db, scripts, orgs=orgs, yes=yes, lock_timeout=lock_timeout,
                                  prelude=render.prelude(db), result=result, say=say)
        ran = sum(run.status != "nothing to undo" for run in result.scripts)
        idle = len(result.scripts) - ran
        say(f"{db.name}: {ran} rollback script(s) run" + (f", {idle} with nothing to undo" if idle else ""))
        return result

    return applying.session(dsn, "rollback", body, say)
