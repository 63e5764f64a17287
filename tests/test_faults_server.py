"""The server goes away in the middle of a large apply (issue 7, faults): its session is terminated from another
connection, or the server itself is stopped (`pg_ctl stop -m immediate`, on a throwaway server of the test's
own). apply exits 3 with a one-line message and no traceback; the database holds whole scripts only (exactly
the state a reference database reaches by running the recorded scripts); the next apply carries on and `diff`
finds nothing."""
from __future__ import annotations

import os
import subprocess
import time

import pytest
from faults import PG15, Gate, PrivateServer, Reference, init_scripts, recorded, remove_gate, sessions, state
from helpers import run_cli
from servers import Server, TestDatabase, create_database, with_dbname
from test_apply_faults import _consistent, _process, _wait_for_org_rows, _write_model

from schemagen.load import load_model
from schemagen.model import COMMUNITY_FEATURES, FEATURE_TIMESCALEDB

ORGS = 200


def _error_line(err: str) -> str:
    """The one error line apply ends with; no traceback before it."""
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and err.rstrip("\n").splitlines()[-1] == errors[0], err
    print(f"\n{errors[0]}")
    return errors[0]


def _org_statement(scripts, org: int, start: str) -> str:
    script = next(s for s in scripts if s.org == f"org{org:05d}")
    return next(st.sql for st in script.statements if st.sql.startswith(start))


# --- a terminated session -------------------------------------------------------------------------------------

def _terminate(db) -> list[str]:
    with db.connect() as c:
        rows = c.execute("SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() "
                         "AND application_name = 'schemagen'").fetchall()
        return [query for pid, query in rows if c.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]]


def test_terminated_session_exits_3_and_leaves_whole_scripts(ts_apache_db, db_factory, tmp_path):
    path = _write_model(tmp_path, ORGS)
    model = load_model(path)
    db = model.database("datakwip")
    scripts = init_scripts(model, "datakwip", COMMUNITY_FEATURES)
    first_org = next(i for i, s in enumerate(scripts) if s.org is not None)
    reference = Reference(db_factory("ts-apache"), scripts, db)
    gate = Gate(ts_apache_db)
    try:
        # 1. at a known statement: the gate holds the apply in org 40's CREATE TABLE of its current-value table
        target = _org_statement(scripts, 40, "CREATE TABLE IF NOT EXISTS core.values_org00040_current")
        gate.at_statement(target)
        proc = _process("apply", ts_apache_db.dsn, path, "--skip-unsupported")
        assert gate.wait_blocked(proc) is not None
        assert _terminate(ts_apache_db) == [target]
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 3, err
        line = _error_line(err)
        assert line.startswith("error: datakwip/900_org_org00040.sql, line ") and \
            "(table core.values_org00040_current)" in line, line
        assert "terminating connection due to administrator command [SQLSTATE 57P01]" in line, line
        gate.open()
        assert recorded(ts_apache_db, "datakwip", scripts, model) == first_org + 40
        assert state(ts_apache_db, db) == reference.state_after(first_org + 40)

        # 2. at a COMMIT: the next run resumes at org 40 and waits at its COMMIT (a deferred trigger)
        gate.at_commit()
        proc = _process("apply", ts_apache_db.dsn, path, "--skip-unsupported")
        assert gate.wait_blocked(proc).query == "COMMIT"
        assert _terminate(ts_apache_db) == ["COMMIT"]
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 3, err
        line = _error_line(err)
        assert line.startswith("error: datakwip/900_org_org00040.sql: terminating connection") and \
            "lost at the script's COMMIT: schemagen.history says whether it committed" in line, line
        gate.open()
        assert recorded(ts_apache_db, "datakwip", scripts, model) == first_org + 40, "terminated before it committed"
        assert state(ts_apache_db, db) == reference.state_after(first_org + 40)
        gate.remove()

        # 3. wherever it is after 120 org scripts: between statements, at a history row, at a COMMIT
        proc = _process("apply", ts_apache_db.dsn, path, "--skip-unsupported")
        _wait_for_org_rows(ts_apache_db, 120, proc)
        assert len(_terminate(ts_apache_db)) == 1
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 3, err
        line = _error_line(err)
        assert "SQLSTATE 57P01" in line or "connection" in line, line
        assert not sessions(ts_apache_db)
        done = recorded(ts_apache_db, "datakwip", scripts, model)
        assert first_org + 120 <= done < len(scripts), done
        assert state(ts_apache_db, db) == reference.state_after(done)
        assert _consistent(ts_apache_db, ORGS) == done - first_org

        proc = _process("apply", ts_apache_db.dsn, path, "--skip-unsupported")
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert f"{len(scripts) - done} script(s) applied" in err and f"{done} unchanged" in err, err
        assert state(ts_apache_db, db) == reference.state_after(len(scripts))
        code, out, err = run_cli("diff", "--dsn", ts_apache_db.dsn, "-m", str(path), "--database", "datakwip",
                                 "--skip-unsupported")
        assert code == 0, out + err
    finally:
        gate.close()


# --- a stopped server ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def private_server():
    """A PostgreSQL 15 cluster of this module's own (Debian's, which scripts/testdb.sh installs for pg-plain):
    stopping it disturbs no other test."""
    if not (PG15 / "initdb").exists():
        message = f"no PostgreSQL 15 in {PG15}: start the test servers with `scripts/testdb.sh start`, as root"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    server = None
    try:
        server = PrivateServer()
        server.start()
    except (OSError, RuntimeError, subprocess.SubprocessError) as e:
        if server is not None:
            server.remove()
        pytest.fail(f"could not run a throwaway PostgreSQL 15 cluster: {e}", pytrace=False)
    try:
        yield server
    finally:
        server.remove()


def _database(server: PrivateServer, name: str) -> TestDatabase:
    own = Server("private", "", server.dsn, "native", False, None)  # no variable: its DSN is always server.dsn
    return create_database(own, name)


def test_server_stopped_mid_apply_exits_3_and_leaves_whole_scripts(private_server, tmp_path):
    path = _write_model(tmp_path, ORGS)
    model = load_model(path)
    db = model.database("datakwip")
    scripts = init_scripts(model, "datakwip", COMMUNITY_FEATURES | {FEATURE_TIMESCALEDB})
    first_org = next(i for i, s in enumerate(scripts) if s.org is not None)
    target_db = _database(private_server, "faults_stop")
    reference = Reference(_database(private_server, "faults_reference"), scripts, db)
    dsn = with_dbname(private_server.dsn, "faults_stop")

    def stop_and_check(proc, at_least: int) -> tuple[int, str]:
        private_server.stop("immediate")
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 3, err
        line = _error_line(err)
        assert "the connection to the server was lost" in line, line
        code, _, err = run_cli("apply", "--dsn", dsn, "-m", str(path), "--database", "datakwip", "--skip-unsupported")
        assert code == 3 and _error_line(err).startswith("error: cannot connect to the database: "), err
        private_server.start()
        done = recorded(target_db, "datakwip", scripts, model)
        assert at_least <= done < len(scripts), done
        assert state(target_db, db) == reference.state_after(done), f"not whole scripts after {done}"
        return done, line

    # 1. at a known statement: the gate holds the apply in org 30's CREATE TABLE of its history table
    gate = Gate(target_db)
    gate.at_statement(_org_statement(scripts, 30, "CREATE TABLE IF NOT EXISTS core.values_org00030 "))
    proc = _process("apply", dsn, path, "--skip-unsupported")
    assert gate.wait_blocked(proc) is not None
    done, line = stop_and_check(proc, first_org + 30)  # the gate's session goes with the server
    gate.close()
    assert done == first_org + 30
    assert line.startswith("error: datakwip/900_org_org00030.sql, line ") and "(table core.values_org00030)" in line
    assert "the script did not commit" in line, line
    with target_db.connect() as c:
        remove_gate(c)

    # 2. wherever it is after 100 more org scripts
    proc = _process("apply", dsn, path, "--skip-unsupported")
    _wait_for_org_rows(target_db, 130, proc)
    done, _ = stop_and_check(proc, first_org + 130)

    started = time.monotonic()
    proc = _process("apply", dsn, path, "--skip-unsupported")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert f"{len(scripts) - done} script(s) applied" in err, err
    assert state(target_db, db) == reference.state_after(len(scripts))
    code, out, err = run_cli("diff", "--dsn", dsn, "-m", str(path), "--database", "datakwip", "--skip-unsupported")
    assert code == 0, out + err
    print(f"\nstopped the server at {first_org + 30} and {done} scripts; rerun in {time.monotonic() - started:.1f} s")
