"""A role without the privileges a run needs (issue 7, faults): apply and rollback stop before any change, exit 3,
and name every missing privilege with the objects that need it; once granted, the same role applies. Roles are
cluster-wide: each test makes its own, uniquely named, and drops it (with what it owns and was granted)."""
from __future__ import annotations

import uuid

import pytest
from helpers import ROOT, run_cli, snapshot
from psycopg import sql
from psycopg.conninfo import make_conninfo
from servers import connect
from test_apply import has_history_schema, history_rows
from test_apply_faults import _write_model


@pytest.fixture
def make_role():
    """make_role(db, *grants): a LOGIN role (the test servers trust local logins), with GRANT statements run in
    db as the superuser ({role} and {db} are filled in); returns its name."""
    made = []

    def make(db, *grants: str) -> str:
        name = f"sg_role_{uuid.uuid4().hex[:10]}"
        with connect(db.server.dsn) as c:
            c.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
        made.append((name, db))
        grant(db, name, *grants)
        return name

    yield make
    for name, db in reversed(made):
        with db.connect() as c:  # what it owns there, and what it was granted (on the database too)
            c.execute(sql.SQL("DROP OWNED BY {} CASCADE").format(sql.Identifier(name)))
        with connect(db.server.dsn) as c:
            c.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def grant(db, role: str, *statements: str) -> None:
    with db.connect() as c:
        for statement in statements:
            c.execute(sql.SQL(statement).format(role=sql.Identifier(role), db=sql.Identifier(db.name)))


def as_role(db, role: str) -> str:
    return make_conninfo(db.dsn, user=role)


def _refused(err: str, role: str, what: str, count: int | None = None) -> str:
    """The error: every line after `error: ...` (the pre-flight's report comes before it)."""
    assert "Traceback" not in err and "error: " in err, err
    message = err[err.index("error: "):]
    assert message.startswith(f"error: role {role} lacks "), err
    assert f"privilege(s) this {what} needs; nothing was changed." in message, err
    if count is not None:
        assert f"lacks {count} privilege(s)" in message, err
    return message


def test_role_without_create_privileges(pg_plain_db, make_role):
    """PostgreSQL 15: no CREATE on the database (the history's schema) nor on schema public (the model's tables)."""
    role = make_role(pg_plain_db)
    dsn = as_role(pg_plain_db, role)
    before = snapshot(pg_plain_db)
    code, _, err = run_cli("apply", "--dsn", dsn, "--database", "simulator_state")
    assert code == 3, err
    _refused(err, role, "apply", 2)
    assert f"CREATE on database {pg_plain_db.name} (to create the schema of schemagen's history):\n" \
           "  schema schemagen" in err, err
    assert "CREATE on the schema (to create objects in it):\n  schema public" in err, err
    assert snapshot(pg_plain_db) == before and not has_history_schema(pg_plain_db)

    grant(pg_plain_db, role, "GRANT CREATE ON DATABASE {db} TO {role}", "GRANT CREATE ON SCHEMA public TO {role}")
    code, _, err = run_cli("apply", "--dsn", dsn, "--database", "simulator_state")
    assert code == 0, err
    code, _, err = run_cli("rollback", "--dsn", dsn, "--database", "simulator_state")
    assert code == 0, err
    assert snapshot(pg_plain_db) == before


def test_role_and_extensions(ts_apache_db, make_role):
    """Extensions: TimescaleDB and uuid-ossp are trusted (CREATE on the database is enough), pgvector is not (only a
    superuser creates it). Created beforehand by one, the same role applies, diffs and rolls back (keeping it)."""
    args = ("-m", str(ROOT / "examples" / "agent-memory" / "model.yaml"))
    role = make_role(ts_apache_db)
    dsn = as_role(ts_apache_db, role)
    before = snapshot(ts_apache_db)
    code, _, err = run_cli("apply", "--dsn", dsn, *args)
    assert code == 3, err
    message = _refused(err, role, "apply", 6)
    on_db = f"CREATE on database {ts_apache_db.name}"
    assert f"{on_db} (to create the schema):\n  schema agent\n  schema solark\n" in message, err
    assert f"{on_db} (to create the extension):\n  extension timescaledb\n  extension \"uuid-ossp\"\n" in message
    assert "superuser (not a trusted extension: only a superuser can create it; or create it beforehand as one):\n" \
           "  extension vector\n" in message, err
    assert f"{on_db} (to create the schema of schemagen's history):\n  schema schemagen" in message, err
    assert snapshot(ts_apache_db) == before and not has_history_schema(ts_apache_db)

    grant(ts_apache_db, role, "GRANT CREATE ON DATABASE {db} TO {role}")
    code, _, err = run_cli("apply", "--dsn", dsn, *args)
    assert code == 3, err
    message = _refused(err, role, "apply", 1)
    assert "  extension vector\n" in message and "timescaledb" not in message, err
    assert snapshot(ts_apache_db) == before and not has_history_schema(ts_apache_db)

    with ts_apache_db.connect() as c:
        c.execute("CREATE EXTENSION vector")
    with_vector = snapshot(ts_apache_db)
    code, _, err = run_cli("apply", "--dsn", dsn, *args)
    assert code == 0, err
    assert ts_apache_db.scalar("SELECT extowner::regrole::text FROM pg_extension WHERE extname = 'timescaledb'") \
        == role, "a trusted extension belongs to the role that created it"
    code, out, err = run_cli("diff", "--dsn", dsn, *args)
    assert code == 0, out + err
    code, _, err = run_cli("rollback", "--dsn", dsn, *args)
    assert code == 0 and "keeping extension(s) schemagen did not create: vector" in err, err
    assert snapshot(ts_apache_db) == with_vector


def test_role_facing_objects_of_another_owner(ts_apache_db, make_role, tmp_path):
    """The superuser applied three orgs; a role that may create in the database but owns nothing tries to add a
    fourth, then to roll back: refused before any change, naming each privilege and object."""
    three, four = tmp_path / "three", tmp_path / "four"
    three.mkdir(), four.mkdir()
    three, four = _write_model(three, 3), _write_model(four, 4)
    assert run_cli("apply", "--dsn", ts_apache_db.dsn, "-m", str(three), "--database", "datakwip",
                   "--skip-unsupported")[0] == 0
    applied, recorded = snapshot(ts_apache_db), history_rows(ts_apache_db)
    role = make_role(ts_apache_db, "GRANT CREATE ON DATABASE {db} TO {role}")
    dsn = as_role(ts_apache_db, role)

    # It cannot read the history: every script is to run, and every existing object is someone else's.
    code, _, err = run_cli("apply", "--dsn", dsn, "-m", str(four), "--database", "datakwip", "--skip-unsupported")
    assert code == 3, err
    _refused(err, role, "apply")
    assert "USAGE on the schema (schemagen's history):\n  schema schemagen" in err, err
    assert "ownership (owned by postgres):\n  schema core\n  table core.entity\n" in err, err
    assert snapshot(ts_apache_db) == applied and history_rows(ts_apache_db) == recorded

    # It can read the history: only the new org's file is to run.
    grant(ts_apache_db, role, "GRANT USAGE ON SCHEMA schemagen TO {role}",
          "GRANT SELECT ON ALL TABLES IN SCHEMA schemagen TO {role}")
    code, _, err = run_cli("apply", "--dsn", dsn, "-m", str(four), "--database", "datakwip", "--skip-unsupported")
    assert code == 3, err
    _refused(err, role, "apply", 6)
    for needed in ("INSERT (schemagen's record of the objects it created):\n  table schemagen.objects",
                   "USAGE on the schema (to reach the objects in it):\n  schema core",
                   "CREATE on the schema (to create objects in it):\n  schema core",
                   "REFERENCES (a new table's foreign key points at it):\n  table core.entity",
                   "INSERT (seed and org rows):\n  table core.org",
                   "INSERT, UPDATE (schemagen's history):\n  table schemagen.history"):
        assert needed in err, err
    assert snapshot(ts_apache_db) == applied and history_rows(ts_apache_db) == recorded

    # Rolling back drops what the superuser owns.
    for args, count in ((["--org", "org00001"], 6), ([], None)):
        code, _, err = run_cli("rollback", "--dsn", dsn, "-m", str(three), "--database", "datakwip", "--yes", *args)
        assert code == 3, err
        _refused(err, role, "rollback", count)
        assert ("  table core.values_org00001\n" if args else "  table core.entity\n") in err, err
        assert "DELETE (schemagen's history):\n  table schemagen.history" in err, err
        assert "USAGE on the schema (to reach the objects in it):\n  schema core" in err, err
        if args:
            assert "DELETE (seed and org rows):\n  table core.org" in err, err
        else:
            assert "ownership (owned by postgres):\n  extension timescaledb\n  schema core\n" in err, err
            assert "ownership (owned by postgres; the rollback that empties it drops it):\n  schema schemagen\n" \
                in err, err
        assert snapshot(ts_apache_db) == applied and history_rows(ts_apache_db) == recorded

    # Granted all that, by making it a member of the owner: the same role carries on.
    grant(ts_apache_db, role, "GRANT postgres TO {role}")
    code, _, err = run_cli("apply", "--dsn", dsn, "-m", str(four), "--database", "datakwip", "--skip-unsupported")
    assert code == 0, err
    assert "1 script(s) applied" in err, err


def test_role_facing_a_changed_script(ts_apache_db, make_role, tmp_path):
    """A changed function body makes 080_functions.sql run again: CREATE OR REPLACE of another owner's function
    needs its ownership. The other scripts are recorded unchanged and need nothing."""
    source = ROOT / "examples" / "agent-memory" / "model.yaml"
    assert run_cli("apply", "--dsn", ts_apache_db.dsn, "-m", str(source))[0] == 0
    applied, recorded = snapshot(ts_apache_db), history_rows(ts_apache_db)
    changed = tmp_path / "model.yaml"
    changed.write_text(source.read_text().replace("RETURN NULL;", "RETURN NULL;  -- unreachable"))
    role = make_role(ts_apache_db, "GRANT USAGE, CREATE ON SCHEMA agent TO {role}",
                     "GRANT USAGE ON SCHEMA schemagen TO {role}", "GRANT SELECT ON schemagen.history TO {role}")
    code, _, err = run_cli("apply", "--dsn", as_role(ts_apache_db, role), "-m", str(changed))
    assert code == 3, err
    message = _refused(err, role, "apply", 3)
    assert "ownership (owned by postgres):\n  function agent.update_conversation_message_count\n" in message, err
    assert "INSERT, SELECT (schemagen's record of the objects it created):\n  table schemagen.objects" in message, err
    assert "INSERT, UPDATE (schemagen's history):\n  table schemagen.history" in message, err
    assert snapshot(ts_apache_db) == applied and history_rows(ts_apache_db) == recorded


def test_the_license_probe_runs_once_per_server_and_never_keeps_a_refusal(ts_apache_db, db_factory, make_role,
                                                                         monkeypatch):
    """The license is unknown until TimescaleDB is loaded in the database: the pre-flight creates it in a throwaway
    session and rolls back. A process asks once per server (apply and plan ask twice, the suite for every
    database); a role that may not create it learns nothing, and that is not kept for the next role."""
    from schemagen.live import connect as live

    monkeypatch.setattr(live, "_PROBED", {})
    probes = []
    monkeypatch.setattr(live, "_probe_license", lambda dsn, probe=live._probe_license: probes.append(dsn) or
                        probe(dsn))
    low = make_role(ts_apache_db)  # no CREATE on the database: TimescaleDB (trusted) cannot be created by it
    with live.connection(as_role(ts_apache_db, low)) as conn:
        assert live.server_info(conn, as_role(ts_apache_db, low)).license is None
    for db in (ts_apache_db, db_factory("ts-apache")):
        with live.connection(db.dsn) as conn:
            assert live.server_info(conn, db.dsn).license == "apache"
            assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'").fetchone()[0] == 0
    assert len(probes) == 2  # the role's (refused), then the superuser's first database only
