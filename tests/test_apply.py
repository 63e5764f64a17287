"""Apply and rollback on the three real servers: idempotent, whole scripts only, locked, refusing what the server
cannot do, and leaving the database as it found it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from helpers import MODEL, ROOT, haystack, model_from, run_cli, snapshot
from schemagen import apply as applying
from schemagen import diff as differ
from schemagen.errors import DatabaseError, Difference, UnsupportedFeatures, UsageError

# Which model database each server can hold: the full Haystack database needs community TimescaleDB.
CASES = {
    "ts-community": ("datakwip", False),
    "ts-apache": ("datakwip", True),
    "pg-plain": ("simulator_state", False),
}


def _history(db) -> dict[str, str]:
    with db.connect() as c:
        if not c.execute("SELECT to_regclass('schemagen.history')").fetchone()[0]:
            return {}
        return dict(c.execute("SELECT script, checksum FROM schemagen.history").fetchall())


def test_apply_again_rollback_restores(any_db):
    database, skip = CASES[any_db.server.name]
    model = haystack()
    before = snapshot(any_db)
    first = applying.apply(any_db.dsn, model, database=database, skip_unsupported=skip)
    assert first.count("applied") == len(first.scripts) > 0
    applied = snapshot(any_db)
    assert differ.check(any_db.dsn, model, database=database, skip_unsupported=skip) == []
    again = applying.apply(any_db.dsn, model, database=database, skip_unsupported=skip)
    assert again.count("unchanged") == len(again.scripts), "a second apply changes nothing"
    assert snapshot(any_db) == applied
    applying.rollback(any_db.dsn, model, database=database)
    assert snapshot(any_db) == before
    assert _history(any_db) == {}


def test_one_org_on_and_off(any_db):
    database, skip = CASES[any_db.server.name]
    if database != "datakwip":
        pytest.skip("the plain-PostgreSQL database of the model has no orgs")
    model = haystack()
    applying.apply(any_db.dsn, model, database=database, skip_unsupported=skip)
    applying.rollback(any_db.dsn, model, database=database, orgs=["acme"])
    tables = {r for r in snapshot(any_db) if r.startswith("rel core.values_")}
    assert not any("values_acme" in t for t in tables)
    assert any("values_demo " in t for t in tables) and any("values_globex " in t for t in tables)
    assert any_db.scalar("SELECT count(*) FROM core.org WHERE key = 'acme'") == 0
    assert any_db.scalar("SELECT count(*) FROM core.org") == 2
    result = applying.apply(any_db.dsn, model, database=database, orgs=["acme"], skip_unsupported=skip)
    assert [s.name for s in result.scripts] == ["900_org_acme.sql"]
    assert differ.check(any_db.dsn, model, database=database, skip_unsupported=skip) == []


def test_org_alone_needs_the_shared_objects(ts_apache_db):
    with pytest.raises(UsageError, match="apply the shared scripts first"):
        applying.apply(ts_apache_db.dsn, haystack(), database="datakwip", orgs=["acme"], skip_unsupported=True)


def test_apache_refuses_community_features_before_any_change(ts_apache_db):
    before = snapshot(ts_apache_db)
    code, _, err = run_cli("apply", "--dsn", ts_apache_db.dsn, "--database", "datakwip")
    assert code == 3
    assert "Apache edition" in err and "compression of core.values_acme" in err
    assert "continuous aggregate core.values_acme_hourly" in err and "--skip-unsupported" in err
    assert snapshot(ts_apache_db) == before, "nothing was created, not even the history schema"
    code, _, err = run_cli("apply", "--dsn", ts_apache_db.dsn, "--database", "datakwip", "--skip-unsupported")
    assert code == 0, err
    assert "left out 15 object(s)" in err


def test_plain_postgres_refuses_timescaledb(pg_plain_db):
    with pytest.raises(UnsupportedFeatures, match="has no TimescaleDB"):
        applying.apply(pg_plain_db.dsn, haystack(), database="datakwip")
    assert _history(pg_plain_db) == {}


def test_several_databases_need_database_option(pg_plain_db):
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(MODEL))
    assert code == 2 and "choose one with --database" in err and "datakwip" in err


FAILING = """
databases:
  app:
    schemas:
      s:
        tables:
          a:
            columns: {id: {type: int, primary_key: true}}
          b:
            columns:
              id: {type: int, primary_key: true}
              qty: {type: int, check: "qty > 0"}
            seed:
              rows: [{id: 1, qty: 5}, {id: 2, qty: -1}]
"""


def test_failing_statement_names_script_line_object_and_keeps_history(pg_plain_db):
    from schemagen import render

    model = model_from(FAILING)
    seed = next(s for s in render.render(model) if s.filename == "120_seed.sql")
    line = render.statement_lines(seed, model)[0]
    assert render.script_text(seed, model).splitlines()[line - 1].startswith("INSERT INTO s.b")
    with pytest.raises(DatabaseError) as caught:
        applying.apply(pg_plain_db.dsn, model)
    message = str(caught.value)
    assert f"app/120_seed.sql, line {line} (seed rows of s.b)" in message
    assert 'violates check constraint "b_qty_check"' in message and "SQLSTATE 23514" in message
    history = _history(pg_plain_db)
    assert "030_tables.sql" in history and "120_seed.sql" not in history
    assert pg_plain_db.scalar("SELECT count(*) FROM s.b") == 0, "the failed script left nothing"


def test_rollback_refuses_tables_with_rows(pg_plain_db):
    model = haystack()
    applying.apply(pg_plain_db.dsn, model, database="simulator_state")
    with pg_plain_db.connect() as c:
        c.execute("INSERT INTO simulator_activity_log (timestamp, event_type) VALUES (now(), 'started')")
    code, _, err = run_cli("rollback", "--dsn", pg_plain_db.dsn, "--database", "simulator_state")
    assert code == 1
    assert "public.simulator_activity_log: 1 row(s)" in err and "--yes" in err
    assert pg_plain_db.scalar("SELECT count(*) FROM simulator_activity_log") == 1
    code, _, err = run_cli("rollback", "--dsn", pg_plain_db.dsn, "--database", "simulator_state", "--yes")
    assert code == 0, err
    assert pg_plain_db.scalar("SELECT to_regclass('simulator_activity_log')") is None


def test_seed_rows_alone_do_not_block_rollback(ts_apache_db):
    model = haystack()
    applying.apply(ts_apache_db.dsn, model, database="datakwip", skip_unsupported=True)
    assert ts_apache_db.scalar("SELECT count(*) FROM core.tag_def") == 20
    applying.rollback(ts_apache_db.dsn, model, database="datakwip")  # no --yes needed: only the model's rows


def test_password_never_printed(pg_plain_db):
    for dsn in ("postgresql://postgres:s3cret-pw@127.0.0.1:1/none",
                "host=127.0.0.1 port=1 user=postgres password=s3cret-pw dbname=none"):
        code, out, err = run_cli("diff", "--dsn", dsn, "--database", "simulator_state")
        assert code == 3
        assert "s3cret-pw" not in out + err and "cannot connect" in err and "Traceback" not in err
    os.environ["DATABASE_URL"] = "postgresql://postgres:s3cret-pw@127.0.0.1:1/none"
    try:
        code, out, err = run_cli("apply", "--database", "simulator_state")
    finally:
        del os.environ["DATABASE_URL"]
    assert code == 3 and "s3cret-pw" not in out + err


def test_lock_timeout(pg_plain_db):
    from schemagen import history

    holder = pg_plain_db.connect()
    holder.execute("SELECT pg_advisory_lock(%s, %s)", (history.LOCK_CLASS, history.lock_key("simulator_state")))
    started = time.monotonic()
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "--database", "simulator_state", "--lock-timeout", "1")
    holder.close()
    assert code == 3
    assert "waiting for another schemagen apply" in err and "gave up after 1 s" in err
    assert 1 <= time.monotonic() - started < 10
    assert _history(pg_plain_db) == {}


def _apply_process(dsn: str, model_path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "schemagen.cli", "apply", "--dsn", dsn, "-m", str(model_path),
                             "--database", "datakwip", "--skip-unsupported", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _write_model(tmp_path, orgs: int):
    text = MODEL.read_text()
    head, rest = text.split("\norgs:\n", 1)
    lines = "\n".join(f"  - {{key: org{n:05d}, name: Org {n}}}" for n in range(orgs))
    path = tmp_path / "model.yaml"
    path.write_text(f"{head}\norgs:\n{lines}\n{rest[rest.index(chr(10) + 'databases:'):]}")
    return path


def _consistent(db, orgs: int) -> int:
    """Every org has all its objects or none, and the history names exactly the orgs present. Returns how many."""
    with db.connect() as c:
        present = {r[0] for r in c.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'core' AND c.relname LIKE 'values\\_org%%' AND c.relkind = 'r'").fetchall()}
        rows = {r[0] for r in c.execute("SELECT key FROM core.org").fetchall()} if \
            c.execute("SELECT to_regclass('core.org')").fetchone()[0] else set()
    history = {k.removeprefix("900_org_").removesuffix(".sql") for k in _history(db) if k.startswith("900_org_")}
    whole = 0
    for n in range(orgs):
        key = f"org{n:05d}"
        parts = [f"values_{key}" in present, f"values_{key}_current" in present, key in rows, key in history]
        assert all(parts) or not any(parts), f"{key} is half there: {parts}"
        whole += all(parts)
    return whole


def test_concurrent_applies_end_like_one(ts_apache_db, tmp_path):
    path = _write_model(tmp_path, 40)
    procs = [_apply_process(ts_apache_db.dsn, path) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert _consistent(ts_apache_db, 40) == 40
    waited = [err for _, err in outputs if "waiting for another schemagen apply" in err]
    applied = [err for _, err in outputs if "script(s) applied" in err]
    assert len(applied) == 2 and len(waited) >= 1
    code, out, err = run_cli("diff", "--dsn", ts_apache_db.dsn, "-m", str(path), "--database", "datakwip",
                             "--skip-unsupported")
    assert code == 0, out + err


def test_sigkill_mid_apply_leaves_whole_scripts(ts_apache_db, tmp_path):
    orgs = 300
    path = _write_model(tmp_path, orgs)
    proc = _apply_process(ts_apache_db.dsn, path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill it once some org scripts are in
        if len([k for k in _history(ts_apache_db) if k.startswith("900_")]) >= 20:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = _consistent(ts_apache_db, orgs)
    assert 0 < done < orgs, f"the kill should land mid-apply ({done} of {orgs} orgs)"
    rerun = _apply_process(ts_apache_db.dsn, path)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert _consistent(ts_apache_db, orgs) == orgs
    code, out, err = run_cli("diff", "--dsn", ts_apache_db.dsn, "-m", str(path), "--database", "datakwip",
                             "--skip-unsupported")
    assert code == 0, out + err


@pytest.mark.slow
def test_thousand_orgs_with_default_settings(ts_apache_db, tmp_path):
    """max_locks_per_transaction = 64: one transaction per org file keeps lock slots bounded."""
    assert ts_apache_db.scalar("SHOW max_locks_per_transaction") == "64"
    model = haystack(orgs=1000)
    started = time.monotonic()
    result = applying.apply(ts_apache_db.dsn, model, database="datakwip", skip_unsupported=True, check_drift=False)
    elapsed = time.monotonic() - started
    print(f"applied 1,000 orgs in {elapsed:.1f} s")
    assert result.count("applied") == len(result.scripts) == 1005
    assert ts_apache_db.scalar("SELECT count(*) FROM timescaledb_information.hypertables") == 1000
