"""Adopting real public schemas (tests/realschemas/, where each came from is in its SOURCE.md), as a team would:

1. the project's original DDL through psql on an empty database, then `schemagen diff` of the model written for it:
   no drift (the model says what the project's DDL made);
2. the model applied by schemagen to another empty database: no drift, applying again changes nothing, and
   rollback returns the database to its state before (tests/helpers.py snapshot).

A folder takes part once it has a model.yaml. On the Apache server the DDL is original.apache.sql (without what the
license refuses) and the drift check runs with --skip-unsupported; PGlite takes original.pglite.sql where a folder
has one (no contrib extensions there), and then the model too where the folder has a model.pglite.yaml (a model
cannot declare an extension the server lacks).

Roles are the cluster's (schemagen never creates them): a folder whose DDL creates roles has a `roles.sql` that
makes them (only where missing), run before each test; the roles it names that did not exist before are dropped
after it (REASSIGN OWNED and DROP OWNED first, in the test's database). A folder whose DDL makes a role own the
schema its extension is in (so on the search_path) names that role in `diff_role`: the drift check of the DDL's
database connects as it, as the project's migrations did; as a superuser, schemagen refuses (rightly) a
search_path where another role can plant functions. PGlite cannot take another role on a connection (it ignores
startup options, and every connection is a fresh reset of its one session), so that check is skipped there.
"""
from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from helpers import ROOT, run_cli, snapshot
from psycopg import sql
from psycopg.conninfo import make_conninfo

from schemagen.load import load_model

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


def _model(name: str, server: str) -> str:
    variant = HERE / name / "model.pglite.yaml"
    return str(variant if server == "ts-community" and variant.exists() else HERE / name / "model.yaml")


def _psql(dsn: str, path: Path) -> None:
    done = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", str(path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{path.relative_to(ROOT)} failed:\n{done.stderr}"


_CREATE_ROLE = re.compile(r'\bCREATE\s+(?:ROLE|USER)\s+("(?:[^"]|"")+"|\w+)', re.IGNORECASE)


@contextlib.contextmanager
def _roles(db, name: str):
    """The folder's roles.sql (if any) run first; the roles it creates that the cluster did not have are dropped
    after (other tests may run at the same time: a role they still use is left)."""
    script = HERE / name / "roles.sql"
    if not script.exists():
        yield
        return
    named = [r[1:-1].replace('""', '"') if r.startswith('"') else r.lower()
             for r in _CREATE_ROLE.findall(script.read_text())]
    with db.connect() as c:
        had = {r for (r,) in c.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (named,))}
    _psql(db.dsn, script)
    try:
        yield
    finally:
        with db.connect() as c:
            c.autocommit = True
            for role in (r for r in named if r not in had):
                ident = sql.Identifier(role)
                with contextlib.suppress(psycopg.errors.DependentObjectsStillExist):
                    c.execute(sql.SQL("REASSIGN OWNED BY {} TO CURRENT_USER").format(ident))
                    c.execute(sql.SQL("DROP OWNED BY {}").format(ident))
                    c.execute(sql.SQL("DROP ROLE {}").format(ident))


def _preinstalled(db, name: str) -> None:
    """Skip where the server already has an extension, and cannot drop or move it, in another schema than the model
    puts it in (PGlite's timescaledb is in public: emptying it keeps the extension)."""
    with db.connect() as c:
        where = dict(c.execute("SELECT e.extname, n.nspname FROM pg_extension e "
                               "JOIN pg_namespace n ON n.oid = e.extnamespace").fetchall())
    for e in load_model(HERE / name / "model.yaml").databases[0].extensions:
        if e.schema and where.get(e.name, e.schema) != e.schema:
            pytest.skip(f"{name}: the server has {e.name} in schema {where[e.name]} (and keeps it), the project "
                        f"installs it in {e.schema}")


def _as_owner(dsn: str, name: str, server: str) -> str:
    """The DSN the drift check of the DDL's database connects with: as the folder's `diff_role` if it has one."""
    role_file = HERE / name / "diff_role"
    if not role_file.exists():
        return dsn
    if server == "ts-community":
        pytest.skip(f"{name}: the drift check must connect as {role_file.read_text().strip()}, and PGlite cannot "
                    "take another role on a connection")
    return make_conninfo(dsn, options=f"-c role={role_file.read_text().strip()}")


def _skip(server: str) -> list[str]:
    return ["--skip-unsupported"] if server == "ts-apache" else []


@pytest.mark.skipif(not shutil.which("psql"), reason="psql is needed to run the projects' own DDL")
@pytest.mark.parametrize("name, server", CASES, ids=[f"{n}@{s}" for n, s in CASES])
def test_original_ddl_has_no_drift_against_the_model(request, name, server):
    db = _database(request, server)
    _preinstalled(db, name)
    with _roles(db, name):
        _psql(db.dsn, _ddl(name, server))
        dsn = _as_owner(db.dsn, name, server)
        code, out, err = run_cli("diff", "--dsn", dsn, "-m", _model(name, server), *_skip(server))
    assert code == 0, f"{name}: the model differs from the project's DDL:\n{out}\n{err}"


@pytest.mark.parametrize("name, server", CASES, ids=[f"{n}@{s}" for n, s in CASES])
def test_the_model_applies_without_drift_and_rolls_back(request, name, server):
    db = _database(request, server)
    model = _model(name, server)
    _preinstalled(db, name)
    with _roles(db, name):
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
