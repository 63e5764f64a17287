"""psql alone runs the rendered files: `out/<database>/` works as a docker-entrypoint-initdb.d folder.

On each real server: the init files in `ls` order with ON_ERROR_STOP on an empty database, then again (harmless,
also with data and compressed chunks), then the rollback files in `ls` order bring the database back to what it
was, and a second rollback is harmless too. ts-community is the real proof for compression, policies and
continuous aggregates; ts-apache runs the subset without them (what `--skip-unsupported` applies).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import MODEL, ROOT, snapshot

from schemagen import model as m
from schemagen import render
from schemagen.load import load_model

OUT = ROOT / "out"
RICH = ROOT / "tests" / "golden" / "rich.yaml"
PSQL = shutil.which("psql") or "/usr/bin/psql"


def psql(dsn: str, files: list[Path]) -> str:
    """Run each file as `psql -v ON_ERROR_STOP=1 -f FILE` does in docker-entrypoint-initdb.d; return stderr."""
    assert files, "nothing to run"
    env = dict(os.environ, PGOPTIONS="-c client_min_messages=warning", PGCONNECT_TIMEOUT="10")
    messages = []
    for f in files:
        r = subprocess.run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", str(f)],
                           capture_output=True, text=True, env=env, timeout=300, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, f"psql failed on {f}:\n{r.stderr}"
        assert "ERROR:" not in r.stderr, f"{f}:\n{r.stderr}"
        messages.append(r.stderr)
    return "".join(messages)


def init_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.sql"))  # ls order: what docker-entrypoint-initdb.d does


def rollback_files(folder: Path) -> list[Path]:
    return sorted((folder / "rollback").glob("*.sql"))


# What a database holds that is not TimescaleDB's own (rollback/990 drops the extension, which the PGlite reset
# keeps installed, so its catalog tables, triggers and jobs are left out of before/after comparisons).
USER_OBJECTS = """
SELECT 'rel ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^(pg_toast|_timescaledb|timescaledb_)'
UNION ALL
SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname !~ '^(pg_|_timescaledb|timescaledb_|information_schema$)'
UNION ALL
SELECT 'ext ' || extname FROM pg_extension WHERE extname <> 'timescaledb'
UNION ALL
SELECT 'proc ' || p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^(_timescaledb|timescaledb_)'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                   AND d.deptype = 'e')
UNION ALL
SELECT 'trigger ' || t.tgname || ' on ' || n.nspname || '.' || c.relname FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT t.tgisinternal AND n.nspname !~ '^(_timescaledb|timescaledb_)'
ORDER BY 1
"""


def user_objects(db) -> list[str]:
    with db.connect() as c:
        return [r[0] for r in c.execute(USER_OBJECTS).fetchall()]


def _round_trip(db, folder: Path, load_data=None) -> list[str]:
    """Init, init again, (data, init again), rollback, rollback again; return the snapshot after init."""
    before = user_objects(db)
    psql(db.dsn, init_files(folder))
    created = snapshot(db)
    assert len(user_objects(db)) > len(before)
    psql(db.dsn, init_files(folder))
    assert snapshot(db) == created, "running the init files twice changed the database"
    if load_data:
        load_data(db)  # chunks appear, compressed ones too
        loaded = snapshot(db)
        psql(db.dsn, init_files(folder))
        assert snapshot(db) == loaded, "running the init files on a database with data changed its schema"
    psql(db.dsn, rollback_files(folder))
    assert user_objects(db) == before, "rollback did not bring the database back"
    psql(db.dsn, rollback_files(folder))
    assert user_objects(db) == before
    return created


def _render(tmp_path: Path, path: Path, database: str, skip=frozenset()) -> Path:
    model = load_model(path)
    render.write_out(render.render(model, database=database, skip_features=skip), tmp_path, model)
    return tmp_path / database


def _haystack_data(db) -> None:
    """History older than the compression horizon, compressed; the hourly aggregate refreshed."""
    with db.connect() as c:
        c.execute("INSERT INTO core.entity DEFAULT VALUES")
        c.execute("INSERT INTO core.values_acme SELECT 1, now() - i * INTERVAL '1 hour', i, 1 "
                  "FROM generate_series(1, 1500) i")
        compressed = c.execute("SELECT count(compress_chunk(ch)) FROM show_chunks('core.values_acme', "
                               "older_than => INTERVAL '30 days') ch").fetchone()[0]
        assert compressed > 0
        c.execute("CALL refresh_continuous_aggregate('core.values_acme_hourly', NULL, now() - INTERVAL '1 hour')")
        assert c.execute("SELECT count(*) FROM core.values_acme_hourly").fetchone()[0] > 1000


def _rich_data(db) -> None:
    with db.connect() as c:
        c.execute('INSERT INTO "Odd Schema".child_a1 (at, parent_id, n) SELECT now() - i * INTERVAL \'1 hour\', '
                  "1 + i % 2, i % 900 + 1 FROM generate_series(1, 400) i")
        assert c.execute('SELECT count(compress_chunk(ch)) FROM show_chunks(\'"Odd Schema".child_a1\', '
                         "older_than => INTERVAL '7 days') ch").fetchone()[0] > 0
        c.execute('CALL refresh_continuous_aggregate(\'"Odd Schema".child_a1_hourly\', NULL, now())')
        c.execute('CALL refresh_continuous_aggregate(\'"Odd Schema".child_a1_daily\', NULL, now())')
        assert c.execute('SELECT count(*) FROM "Odd Schema".child_a1_daily').fetchone()[0] > 10
        c.execute('INSERT INTO "Odd Schema".ticks VALUES (1, now(), 1.5)')
        assert c.execute('SELECT count(compress_chunk(ch)) FROM show_chunks(\'"Odd Schema".ticks\') ch').fetchone()[0]
        c.execute('INSERT INTO "Odd Schema".events VALUES (now(), \'boot\', 1)')
        # the trigger functions run: bodies were created unchecked, they must still work
        c.execute('INSERT INTO "Odd Schema".parent (id, code) VALUES (3, \'three\')')
        c.execute('UPDATE "Odd Schema".parent SET code = \'renamed\' WHERE id = 3')


@pytest.mark.server("ts-community")
def test_datakwip_out_on_ts_community(ts_community_db):
    created = _round_trip(ts_community_db, OUT / "datakwip", _haystack_data)
    jobs = [r for r in created if r.startswith("job ")]
    assert len(jobs) == 9, jobs  # compression, retention and refresh policies of three orgs
    assert "rel core.values_acme_hourly v" in created


@pytest.mark.server("ts-community")
def test_rich_model_on_ts_community(ts_community_db, tmp_path):
    folder = _render(tmp_path, RICH, "Mixed-DB")
    created = _round_trip(ts_community_db, folder, _rich_data)
    jobs = [r for r in created if r.startswith("job ")]
    # shared: events' retention, ticks' compression (paused) and retention (integer_now), events_hourly's two
    # refresh windows; per org: six
    assert len(jobs) == 5 + 2 * 6, jobs
    assert 'rel Odd Schema.child_b2_daily v' in created


@pytest.mark.server("pg-plain")
def test_simulator_state_out_on_pg_plain(pg_plain_db):
    created = _round_trip(pg_plain_db, OUT / "simulator_state")
    assert "rel public.simulator_activity_log r" in created


@pytest.mark.server("pg-plain")
def test_rich_plain_database_on_pg_plain(pg_plain_db, tmp_path):
    created = _round_trip(pg_plain_db, _render(tmp_path, RICH, "plain"))
    assert "ext pg_trgm" in created and "schema ext" in created


@pytest.mark.server("ts-apache")
@pytest.mark.parametrize("path, database", [(MODEL, "datakwip"), (RICH, "Mixed-DB")], ids=["datakwip", "rich"])
def test_community_free_subset_on_ts_apache(ts_apache_db, tmp_path, path, database):
    """The Apache edition runs everything but compression, policies and continuous aggregates."""
    folder = _render(tmp_path, path, database, skip=m.COMMUNITY_FEATURES)
    text = "".join(p.read_text() for p in init_files(folder))
    assert "create_hypertable" in text and "timescaledb.compress" not in text and "_policy" not in text
    created = _round_trip(ts_apache_db, folder)
    assert not [r for r in created if r.startswith("job ")]
    assert any(r.startswith("rel ") and r.endswith(" r") for r in created)
