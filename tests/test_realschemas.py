"""Adopting real public schemas (tests/realschemas/, where each came from is in its SOURCE.md), as a team would:

1. the project's original DDL through psql on an empty database, then `schemagen diff` of the model written for it:
   no drift (the model says what the project's DDL made);
2. the model applied by schemagen to another empty database: no drift, applying again changes nothing, and
   rollback returns the database to its state before (tests/helpers.py snapshot).

A folder takes part once it has a model.yaml. On the Apache server the DDL is original.apache.sql (without what the
license refuses) and the drift check runs with --skip-unsupported; PGlite takes original.pglite.sql where a folder
has one (no contrib extensions there).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import ROOT, run_cli, snapshot

HERE = ROOT / "tests" / "realschemas"
SCHEMAS = sorted(p.parent.name for p in HERE.glob("*/model.yaml"))
TIMESCALEDB = {"knocker", "julep", "hedera_timescale"}


def _servers(name: str) -> list[str]:
    return ["ts-apache", "ts-community"] if name in TIMESCALEDB else ["pg-plain", "ts-apache"]


CASES = [(name, server) for name in SCHEMAS for server in _servers(name)]


def _ddl(name: str, server: str) -> Path:
    folder = HERE / name
    variant = {"ts-apache": "original.apache.sql", "ts-community": "original.pglite.sql"}.get(server)
    return folder / variant if variant and (folder / variant).exists() else folder / "original.sql"


def _database(request, server: str):
    fixture = {"ts-apache": "ts_apache_db", "ts-community": "ts_community_db", "pg-plain": "pg_plain_db"}[server]
    return request.getfixturevalue(fixture)


def _psql(dsn: str, path: Path) -> None:
    done = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", str(path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{path.relative_to(ROOT)} failed:\n{done.stderr}"


def _skip(server: str) -> list[str]:
    return ["--skip-unsupported"] if server == "ts-apache" else []


@pytest.mark.skipif(not shutil.which("psql"), reason="psql is needed to run the projects' own DDL")
@pytest.mark.parametrize("name, server", CASES, ids=[f"{n}@{s}" for n, s in CASES])
def test_original_ddl_has_no_drift_against_the_model(request, name, server):
    db = _database(request, server)
    _psql(db.dsn, _ddl(name, server))
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", str(HERE / name / "model.yaml"), *_skip(server))
    assert code == 0, f"{name}: the model differs from the project's DDL:\n{out}\n{err}"


@pytest.mark.parametrize("name, server", CASES, ids=[f"{n}@{s}" for n, s in CASES])
def test_the_model_applies_without_drift_and_rolls_back(request, name, server):
    db = _database(request, server)
    model = str(HERE / name / "model.yaml")
    before = snapshot(db)
    code, _, err = run_cli("apply", "--dsn", db.dsn, "-m", model, *_skip(server))
    assert code == 0, err
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", model, *_skip(server))
    assert code == 0, f"{out}\n{err}"
    after = snapshot(db)
    code, _, err = run_cli("apply", "--dsn", db.dsn, "-m", model, *_skip(server))
    assert code == 0, err
    assert snapshot(db) == after, "applying again changes nothing"
    code, _, err = run_cli("rollback", "--dsn", db.dsn, "-m", model, "--yes")
    assert code == 0, err
    assert snapshot(db) == before


def test_every_schema_says_where_it_came_from():
    for folder in sorted(p for p in HERE.iterdir() if p.is_dir()):
        source = (folder / "SOURCE.md").read_text()
        assert "github.com" in source and "license" in source.lower(), folder.name
        assert (folder / "original.sql").is_file(), folder.name
