"""Concurrent runs on one database (issue 7, faults): four applies at once end exactly like one run (catalog
state, history rows, no drift), and an apply racing a rollback ends fully applied or fully rolled back, whichever
ran last, never a mix. Two applies at once, and a rollback started during an apply, are in test_apply_faults.py."""
from __future__ import annotations

import time

import pytest
from faults import Gate, init_scripts, recorded, sessions, state, watcher
from helpers import run_cli
from test_apply import has_history_schema, history_rows
from test_apply_faults import _process, _write_model

from schemagen.live import history
from schemagen.load import load_model
from schemagen.model import COMMUNITY_FEATURES

ORGS = 40
WAITING = "waiting for another schemagen apply/rollback on datakwip"


def _applied(err: str) -> int:
    """N of apply's "datakwip: N script(s) applied" line."""
    return int(err.split(" script(s) applied")[0].rsplit(" ", 1)[1])


def _history(db) -> dict[str, tuple]:
    """The history without times: what one run records."""
    return {k: (r["checksum"], r["statements"], tuple(r["skipped_features"]), r["tool_version"])
            for k, r in history_rows(db).items()}


def _wait_polling(db, count: int, proc_list, seconds: float = 60) -> None:
    """Until `count` schemagen sessions poll for the apply/rollback lock (apply and rollback say they wait)."""
    deadline = time.monotonic() + seconds
    with watcher(db) as c:
        while time.monotonic() < deadline:
            polling = [s for s in sessions(db, c) if s[1] == "schemagen"
                       and s[3].startswith("SELECT pg_try_advisory_lock")]
            if len(polling) >= count:
                return
            ended = [p.returncode for p in proc_list if p.poll() is not None]
            assert not ended, f"a process ended while the others should wait: {ended}"
            time.sleep(0.02)
    raise AssertionError(f"fewer than {count} schemagen sessions wait for the lock")


def _one_run(db_factory, path):
    """A database that one apply made: what every concurrent scenario must end like."""
    single = db_factory("ts-apache")
    proc = _process("apply", single.dsn, path, "--skip-unsupported")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return single


def _setup(tmp_path, db_factory):
    """The model of ORGS orgs, its datakwip database and scripts, and a database one single apply made."""
    path = _write_model(tmp_path, ORGS)
    model = load_model(path)
    return path, model, model.database("datakwip"), init_scripts(model, "datakwip", COMMUNITY_FEATURES), \
        _one_run(db_factory, path)


@pytest.mark.parametrize("start", ["together", "queued"])
def test_four_applies_at_once_end_like_one_run(start, ts_apache_db, db_factory, tmp_path):
    """together: four processes started at once; queued: all four wait behind a held lock, then race for it."""
    path, model, db, scripts, single = _setup(tmp_path, db_factory)
    holder = None
    if start == "queued":
        holder = ts_apache_db.connect()
        holder.execute("SELECT pg_advisory_lock(%s, %s)", (history.LOCK_CLASS, history.lock_key("datakwip")))
    started = time.monotonic()
    procs = [_process("apply", ts_apache_db.dsn, path, "--skip-unsupported") for _ in range(4)]
    if holder is not None:
        _wait_polling(ts_apache_db, 4, procs)
        holder.close()
    outputs = [p.communicate(timeout=300) for p in procs]
    elapsed = time.monotonic() - started
    errs = [err for _, err in outputs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errs
    # Each run holds the lock from reading the history to its drift check: one applies everything, the
    # others find every script recorded.
    assert sorted(map(_applied, errs)) == [0, 0, 0, len(scripts)], errs
    if start == "queued":
        assert all(WAITING in e and "lock acquired" in e for e in errs), errs
    else:
        assert sum(WAITING in e for e in errs) >= 1, errs
    assert recorded(ts_apache_db, "datakwip", scripts, model) == len(scripts)
    assert _history(ts_apache_db) == _history(single)
    assert state(ts_apache_db, db) == state(single, db)
    code, out, err = run_cli("diff", "--dsn", ts_apache_db.dsn, "-m", str(path), "--database", "datakwip",
                             "--skip-unsupported")
    assert code == 0, out + err
    print(f"\nfour applies ({start}) in {elapsed:.1f} s: applied {sorted(map(_applied, errs))}")


# --- apply against rollback -----------------------------------------------------------------------------------

def _check_end(db, model, scripts, single, before, apply_err: str, started_applied: bool) -> str:
    """The end state is one run's or the empty database's, and the apply's report agrees with the order."""
    database = model.database("datakwip")
    if has_history_schema(db):
        assert recorded(db, "datakwip", scripts, model) == len(scripts)
        assert _history(db) == _history(single)
        assert state(db, database) == state(single, database), "applied, but not like one run"
        assert _applied(apply_err) == len(scripts), "the apply ran last, after the rollback: it applied everything"
        return "applied"
    assert state(db, database) == before, "rolled back, but something is left"
    assert _applied(apply_err) == (0 if started_applied else len(scripts)), "the rollback ran last, the apply first"
    return "rolled back"


@pytest.mark.parametrize("order", ["apply, then rollback", "rollback, then apply", "together, apply started first",
                                   "together, rollback started first"])
def test_apply_against_a_concurrent_rollback(order, ts_apache_db, db_factory, tmp_path):
    path, model, database, scripts, single = _setup(tmp_path, db_factory)
    before = state(ts_apache_db, database)
    apply_args = ("apply", ts_apache_db.dsn, path, "--skip-unsupported")
    rollback_args = ("rollback", ts_apache_db.dsn, path, "--yes")
    gate = Gate(ts_apache_db)
    try:
        if order != "apply, then rollback":  # the rollback has something to undo
            first = _process(*apply_args)
            assert first.wait(timeout=300) == 0
        if order.startswith("together"):
            gate.remove()
            pair = [apply_args, rollback_args] if "apply started first" in order else [rollback_args, apply_args]
            procs = [_process(*args) for args in pair]
            apply_proc, rollback_proc = procs if pair[0] is apply_args else procs[::-1]
        else:
            # the first one waits at the gate, holding the lock, until the second waits for the lock
            if order == "apply, then rollback":
                gate.at_statement(next(st.sql for s in scripts if s.org == "org00020" for st in s.statements
                                       if st.sql.startswith("CREATE TABLE IF NOT EXISTS core.values_org00020 ")))
                apply_proc = _process(*apply_args)
                assert gate.wait_blocked(apply_proc) is not None
                rollback_proc = _process(*rollback_args)
            else:
                gate.at_statement("DROP TABLE IF EXISTS core.values_org00020_current;")
                rollback_proc = _process(*rollback_args)
                assert gate.wait_blocked(rollback_proc) is not None
                apply_proc = _process(*apply_args)
            _wait_polling(ts_apache_db, 1, [apply_proc, rollback_proc])  # the other holds the lock, at the gate
            gate.open()
            gate.remove()
        _, apply_err = apply_proc.communicate(timeout=300)
        _, rollback_err = rollback_proc.communicate(timeout=300)
    finally:
        gate.close()
    assert apply_proc.returncode == 0, apply_err
    assert rollback_proc.returncode == 0, rollback_err
    end = _check_end(ts_apache_db, model, scripts, single, before, apply_err, order != "apply, then rollback")
    if order == "apply, then rollback":
        assert WAITING in rollback_err and end == "rolled back"
    elif order == "rollback, then apply":
        assert WAITING in apply_err and end == "applied"
        # its session had loaded TimescaleDB, which the rollback dropped: a new session can create it again
        assert "TimescaleDB was dropped by a rollback while this apply waited" in apply_err, apply_err
    if end == "applied":
        code, out, err = run_cli("diff", "--dsn", ts_apache_db.dsn, "-m", str(path), "--database", "datakwip",
                                 "--skip-unsupported")
        assert code == 0, out + err
    print(f"\n{order}: {end}")
