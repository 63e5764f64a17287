"""`schemagen verify`: every stage in a throwaway database on a real server, and the database always dropped.

- the root model and each example pass on the servers that can run them: TimescaleDB databases on ts-apache with
  --skip-unsupported (verify cannot run on PGlite, one database in one session: ts-community is refused, exit 3),
  plain ones on pg-plain; without --skip-unsupported the pre-flight's refusal is exit 3;
- real models caught with exit 1: a BEFORE INSERT trigger that changes a seed row (drift right after apply), a
  trigger that writes rows to a table the model does not seed (rollback refuses), a trigger function that creates
  a schema and a table outside the model (left after rollback: the catalog stage);
- the catalog snapshot and its comparison on a real database: an extra object named, a GRANT undone by a REVOKE
  reads as before;
- an unreachable server: exit 3, no password; SIGINT and SIGTERM mid-run: exit 130, the database dropped.
"""
from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import uuid

import pytest
from helpers import MODEL, ROOT, run_cli
from psycopg import sql
from psycopg.conninfo import make_conninfo
from servers import connect
from test_examples import DATABASES, EXAMPLES, _model_file
from test_hostile_names import ROLE_PASSWORD, asking_server  # noqa: F401 (a fixture)

from schemagen.live import verify as throwaway

STAGES = ["verify", "apply", "diff", "apply again", "plan", "rollback", "catalog", "dropped"]
CREATED = re.compile(r"^verify: created database (schemagen_verify_\w+) ", re.M)


def _server(name: str):
    from conftest import require

    return require(name)


def _exists(server, name: str) -> bool:
    with connect(server.dsn) as c:
        return c.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,)).fetchone()[0] == 1


def _verify(server, *args: str, dsn: str | None = None) -> tuple[int, str, list[str]]:
    """Run verify (on the server's DSN, or dsn); (exit code, stderr, the throwaway databases it created), each
    checked gone."""
    code, out, err = run_cli("verify", "--dsn", dsn or server.dsn, *args)
    assert out == "" and "Traceback" not in err, err
    created = CREATED.findall(err)
    for name in created:
        assert not _exists(server, name), f"{name} was left on {server.name}:\n{err}"
    return code, err, created


def _stages(err: str) -> list[str]:
    """The stage of each line, in order, for one database's run."""
    return [line.split(":", 1)[0] for line in err.splitlines() if ":" in line and not line.startswith(" ")]


# --- the root model and the examples pass ------------------------------------------------------------------------

VERIFIED = sorted({(s, "ts-apache" if srv == "ts-community" else srv) for s, _, srv in DATABASES})


@pytest.mark.parametrize(("system", "server_name"), VERIFIED, ids=[f"{s}-{v}" for s, v in VERIFIED])
def test_examples_pass(system, server_name):
    """Each example's databases of that server (TimescaleDB ones on the Apache build, leaving out what needs the
    community license), each in its own throwaway database: every stage in order, exit 0."""
    server = _server(server_name)
    names = [d for s, d, srv in DATABASES if s == system and ("ts-apache" if srv == "ts-community" else srv)
             == server_name]
    for database in names:
        code, err, created = _verify(server, "-m", str(_model_file(system)), "--database", database,
                                     "--skip-unsupported")
        assert code == 0, err
        assert len(created) == 1 and created[0].startswith("schemagen_verify_")
        assert _stages(err) == [*STAGES, "verify"], err
        assert "diff: no drift" in err and "apply again: nothing to do" in err and "plan: nothing to do" in err
        assert "catalog: as before" in err and f"verify: database {database} passed" in err


def test_every_example_is_verified():
    assert {s for s, _ in VERIFIED} == set(EXAMPLES)


def test_the_root_model_verifies_every_database_in_turn():
    """Without --database: one throwaway database each, in the model's order."""
    server = _server("pg-plain")
    code, err, created = _verify(server, "-m", str(MODEL), "--skip-unsupported")
    assert code == 0, err
    assert [n.rsplit("_", 1)[0] for n in created] == ["schemagen_verify_datakwip", "schemagen_verify_simulator_state"]
    assert _stages(err) == [*STAGES, "verify"] * 2


def test_the_preflight_refusal_is_exit_3_and_the_database_is_dropped():
    """The root model's compression, policies and aggregates on the Apache build, without --skip-unsupported."""
    server = _server("ts-apache")
    code, err, created = _verify(server, "-m", str(MODEL), "--database", "datakwip")
    assert code == 3, err
    assert "apply: failed" in err and "license" in err and "--skip-unsupported" in err
    assert len(created) == 1 and f"dropped: database {created[0]}" in err


def test_pglite_is_refused_with_exit_3(ts_community_db):
    """PGlite reaches its one database whatever the DSN's dbname: verify says so and creates nothing."""
    db = ts_community_db
    before = db.scalar("SELECT count(*) FROM pg_database")
    code, out, err = run_cli("verify", "--dsn", db.dsn, "-m", str(MODEL), "--database", "datakwip")
    assert code == 3 and "PGlite" in err and "verify needs a PostgreSQL server" in err, err
    assert "created database" not in err
    assert db.scalar("SELECT count(*) FROM pg_database") == before


@pytest.mark.parametrize("createdb", [True, False], ids=["CREATEDB", "NOCREATEDB"])
def test_a_role_with_createdb_is_enough(createdb):
    """No superuser needed: the throwaway database is the role's own. Without CREATEDB: exit 3, nothing created."""
    server = _server("pg-plain")
    role = f"sg_role_{uuid.uuid4().hex[:10]}"
    with connect(server.dsn) as c:
        c.execute(sql.SQL("CREATE ROLE {} LOGIN" + (" CREATEDB" if createdb else "")).format(sql.Identifier(role)))
    try:
        code, err, created = _verify(server, "-m", str(_model_file("trading")), "--database", "documentation-api",
                                     dsn=make_conninfo(server.dsn, user=role))
    finally:
        with connect(server.dsn) as c:
            c.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
    if createdb:
        assert code == 0 and len(created) == 1, err
    else:
        assert code == 3 and not created, err
        assert "cannot create the throwaway database schemagen_verify_documentation_api_" in err
        assert "permission denied to create database" in err


def test_unknown_database_is_a_usage_error():
    code, _, err = run_cli("verify", "--dsn", _server("pg-plain").dsn, "-m", str(MODEL), "--database", "nope")
    assert code == 2 and "unknown database 'nope'" in err


def test_an_invalid_model_is_exit_2_and_creates_nothing(tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text("databases:\n  app:\n    schemas:\n      s:\n        tables:\n          t:\n"
                    "            columns: {id: integer}\n            primary_key: [nope]\n")
    code, err, created = _verify(_server("pg-plain"), "-m", str(path))
    assert code == 2 and "model.yaml:" in err and not created, err


def test_no_dsn_is_a_usage_error(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    code, _, err = run_cli("verify", "-m", str(MODEL))
    assert code == 2 and "--dsn" in err


# --- real models that verify catches -----------------------------------------------------------------------------

TRIGGERED = """\
databases:
  app:
    schemas:
      app:
        functions:
          on_tag:
            returns: trigger
            language: plpgsql
            body: |
              BEGIN
              {action}
                RETURN NEW;
              END
        tables:
          tag:
            columns:
              id: {{type: integer}}
              name: {{type: text, not_null: true}}
            primary_key: [id]
            triggers:
              trg_on_tag: {{function: app.on_tag, timing: {timing}, events: [insert], for_each: row}}
            seed:
              rows:
                - {{id: 1, name: site}}
"""


def _triggered(tmp_path, timing: str, *action: str):
    """The model, the trigger function's body holding the action's lines."""
    path = tmp_path / "model.yaml"
    path.write_text(TRIGGERED.format(timing=timing, action=("\n" + " " * 14).join(action)))
    return path


def test_a_trigger_that_changes_a_seed_row_is_drift_after_apply(tmp_path):
    """The seed script inserts `site`, a BEFORE INSERT trigger (created in 110, before 120_seed) stores `SITE`."""
    path = _triggered(tmp_path, "before", "  NEW.name := upper(NEW.name);")
    code, err, created = _verify(_server("pg-plain"), "-m", str(path))
    assert code == 1, err
    assert "diff: differs" in err and "1 difference(s) from the model right after apply" in err
    assert "seed row app.tag: id=1" in err and '"SITE"' in err
    assert len(created) == 1 and f"dropped: database {created[0]}" in err
    assert "rollback:" not in err  # verify stops at the first stage that fails


def test_an_object_created_outside_the_model_is_left_after_rollback(tmp_path):
    """A trigger function that keeps a log in a schema of its own: the drift check compares the model's schemas
    only, rollback drops only what schemagen created, and the catalog stage names what stays."""
    path = _triggered(tmp_path, "after", "  CREATE SCHEMA IF NOT EXISTS scratch;",
                      "  CREATE TABLE IF NOT EXISTS scratch.tag_log (name text);",
                      "  INSERT INTO scratch.tag_log VALUES (NEW.name);")
    code, err, _ = _verify(_server("ts-apache"), "-m", str(path))
    assert code == 1, err
    assert "diff: no drift" in err and "rollback: 5 script(s)" in err and "catalog: differs" in err
    assert "2 object(s) left or changed, 0 gone" in err
    assert "left: schema scratch (owner" in err and "left: table scratch.tag_log (owner" in err


def test_rows_a_trigger_writes_beyond_the_seed_stop_the_rollback(tmp_path):
    """Each seed row of app.tag writes a row to app.tag_audit, which the model does not seed: rollback, without
    --yes, refuses to drop a table holding rows that are not the model's."""
    text = TRIGGERED.replace("        tables:\n", "        tables:\n          tag_audit:\n            columns:\n"
                             "              tag_id: {{type: integer, not_null: true}}\n", 1)
    path = tmp_path / "model.yaml"
    path.write_text(text.format(timing="after", action="  INSERT INTO app.tag_audit (tag_id) VALUES (NEW.id);"))
    code, err, created = _verify(_server("pg-plain"), "-m", str(path))
    assert code == 1, err
    assert "plan: nothing to do" in err and "rollback: differs" in err and "catalog:" not in err
    assert "the rollback after apply refused" in err and "app.tag_audit: 1 row(s)" in err
    assert "--yes" not in err and len(created) == 1


ORG_VIEWS_ONLY = """\
orgs:
  - {key: acme, name: Acme}
databases:
  app:
    schemas:
      app:
        tables:
          site:
            columns: {id: integer, org: {type: text, not_null: true}}
            primary_key: [id]
        views:
          site_{org}: {query: "SELECT id FROM app.site WHERE org = '{org}'"}
"""


def test_an_org_of_views_only_plans_nothing_after_apply(tmp_path):
    """Found by verify: plan took an org with no org table (its templates are views) for one not onboarded, and
    planned to onboard it right after apply (commands/plan.py now looks at views and aggregates too)."""
    path = tmp_path / "model.yaml"
    path.write_text(ORG_VIEWS_ONLY)
    code, err, _ = _verify(_server("pg-plain"), "-m", str(path))
    assert code == 0 and "plan: nothing to do" in err, err


# --- the catalog snapshot on a real database -----------------------------------------------------------------------

def test_catalog_names_an_extra_object_and_reads_an_undone_grant_as_before(pg_plain_db):
    db = pg_plain_db
    before = throwaway.catalog(db.dsn)
    assert [e.kind for e in before if e.kind in ("schema", "extension")] == ["extension", "schema"]
    with db.connect() as c:
        c.execute("CREATE SCHEMA s")
        c.execute("CREATE TABLE s.t (id int)")
        c.execute("GRANT CREATE ON SCHEMA public TO sg_reader")
    left, gone = throwaway.compare(before, throwaway.catalog(db.dsn))
    assert [(e.kind, e.name) for e in left] == [("schema", "public"), ("schema", "s"), ("table", "s.t")]
    assert [(e.kind, e.name) for e in gone] == [("schema", "public")]  # its privileges changed
    with db.connect() as c:
        c.execute("DROP SCHEMA s CASCADE")
        c.execute("REVOKE CREATE ON SCHEMA public FROM sg_reader")  # an ACL written out, equal to the default
    assert db.scalar("SELECT nspacl IS NOT NULL FROM pg_namespace WHERE nspname = 'public'")
    assert throwaway.compare(before, throwaway.catalog(db.dsn)) == ([], [])


def test_an_extension_there_from_the_start_is_as_before_after_rollback(ts_apache_db):
    """What verify meets on the timescale/timescaledb image, whose template1 has TimescaleDB: the stages run on a
    database that had it before apply; rollback keeps it, and the catalog reads as before (its own objects aside)."""
    from schemagen.commands import apply as applying
    from schemagen.load import load_model

    db, model = ts_apache_db, load_model(MODEL)
    with db.connect() as c:
        c.execute("CREATE EXTENSION timescaledb")
    before = throwaway.catalog(db.dsn)
    assert [e.name for e in before if e.kind == "extension"] == ["plpgsql", "timescaledb"]
    applying.apply(db.dsn, model, database="datakwip", skip_unsupported=True)
    during = throwaway.catalog(db.dsn)
    assert any(e.kind == "table" and e.name == "core.values_acme" for e in during)
    assert any(e.kind == "schema" and e.name == "schemagen" for e in during)
    applying.rollback(db.dsn, model, database="datakwip")
    assert throwaway.compare(before, throwaway.catalog(db.dsn)) == ([], [])


def test_the_catalog_after_a_community_model_and_its_rollback_is_as_before(ts_community_db):
    """verify cannot run on PGlite, but its catalog snapshot can: the root model with compression, policies and
    continuous aggregates (jobs), applied and rolled back on the community edition, leaves the catalog as before."""
    from schemagen.commands import apply as applying
    from schemagen.load import load_model

    db, model = ts_community_db, load_model(MODEL)
    before = throwaway.catalog(db.dsn)
    applying.apply(db.dsn, model, database="datakwip")
    during = throwaway.catalog(db.dsn)
    jobs = [e.name for e in during if e.kind == "job"]
    assert "_timescaledb_functions.policy_refresh_continuous_aggregate on core.values_acme_hourly" in jobs
    assert any(name.startswith("_timescaledb_functions.policy_compression on core.values_") for name in jobs), jobs
    assert any(e.kind == "view" and e.name == "core.values_acme_hourly" for e in during)
    applying.rollback(db.dsn, model, database="datakwip")
    assert throwaway.compare(before, throwaway.catalog(db.dsn)) == ([], [])


def test_throwaway_names_fit_and_differ():
    long = "APPS-" + "x" * 100
    names = {throwaway.throwaway_name(long) for _ in range(20)}
    assert len(names) == 20
    assert all(len(n.encode()) <= 63 and re.fullmatch(r"schemagen_verify_apps_x+_[0-9a-f]{8}", n) for n in names)
    assert re.fullmatch(r"schemagen_verify_db_[0-9a-f]{8}", throwaway.throwaway_name("ä-ö"))


# --- failures: no password, and interruptions ----------------------------------------------------------------------

def test_unreachable_server_is_exit_3_without_the_password():
    secret = "Verify-S3cret-pw"
    code, out, err = run_cli("verify", "--dsn", f"postgresql://postgres:{secret}@127.0.0.1:9/postgres",
                             "-m", str(MODEL), "--database", "datakwip")
    assert code == 3 and "cannot connect" in err, err
    assert secret not in err + out and "created database" not in err


def test_a_server_that_asks_for_a_password_gets_it_for_the_throwaway_database_too(asking_server):
    """The throwaway database's DSN is the given one with dbname replaced: the password goes with it (scram-sha-256
    on a real server), and is never shown."""
    local = f"host={asking_server.dir} port={asking_server.port} user=postgres dbname=postgres"  # trust
    with connect(local) as c:
        c.execute("ALTER ROLE hostile CREATEDB")
    dsn = f"postgresql://hostile:{ROLE_PASSWORD}@127.0.0.1:{asking_server.port}/postgres"
    code, out, err = run_cli("verify", "--dsn", dsn, "-m", str(_model_file("trading")), "--database",
                             "documentation-api")
    assert code == 0, err
    assert ROLE_PASSWORD not in out + err and "catalog: as before" in err
    code, out, err = run_cli("verify", "--dsn", dsn.replace(ROLE_PASSWORD, "Wr0ng-S3cretPW"), "-m", str(MODEL),
                             "--database", "datakwip")
    assert code == 3 and "password authentication failed" in err and "Wr0ng-S3cretPW" not in err


def _orgs_model(tmp_path, orgs: int):
    """The root model with that many orgs: an apply of some seconds, to interrupt."""
    text = MODEL.read_text()
    head, rest = text.split("\norgs:\n", 1)
    body = rest[rest.index("\ndatabases:"):]
    lines = "\n".join(f"  - {{key: org{n:05d}, name: Org {n}}}" for n in range(orgs))
    path = tmp_path / "model.yaml"
    path.write_text(f"{head}\norgs:\n{lines}\n{body}")
    return path


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_an_interrupt_mid_run_drops_the_database_and_exits_130(tmp_path, signum):
    server = _server("ts-apache")
    path = _orgs_model(tmp_path, 300)
    proc = subprocess.Popen([sys.executable, "-m", "schemagen.cli", "verify", "--dsn", server.dsn, "-m", str(path),
                             "--database", "datakwip", "--skip-unsupported"], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stderr.readline()
    found = CREATED.search(first)
    assert found, first + proc.communicate(timeout=120)[1]
    name = found[1]
    assert _exists(server, name)
    time.sleep(0.3)  # into the apply of 305 scripts (some seconds)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, first + err
    assert "interrupted in stage apply" in err and f"dropped: database {name}" in err and "Traceback" not in err
    assert not _exists(server, name)
