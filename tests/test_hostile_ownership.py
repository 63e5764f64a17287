"""Issue 13, "A planted history" and "Nothing dropped, replaced or deleted that schemagen did not create", as real
attacks on the real servers: a low-privilege role plants schemagen's history with a trigger that would make it a
superuser; a user's function, view or table of a model name stands where apply would replace it; rollback meets a
database schemagen never touched, cascades into rows it never created, and seed rows the user edited; a table is
dropped out of band. The planted objects and the model are in tests/hostile/ownership/."""
from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_cli, snapshot
from psycopg import sql
from test_faults_privileges import as_role, make_role  # noqa: F401 (a fixture)

HERE = Path(__file__).resolve().parent / "hostile" / "ownership"
MODEL = str(HERE / "model.yaml")
NATIVE = ["pg_plain_db", "ts_apache_db"]


@pytest.fixture(params=NATIVE, ids=["pg-plain", "ts-apache"])
def native_db(request):
    """A database on each native server (set up before, and dropped after, the roles a test makes)."""
    return request.getfixturevalue(request.param)


def cli(command: str, db, *args: str, dsn: str | None = None) -> tuple[int, str]:
    code, out, err = run_cli(command, "--dsn", dsn or db.dsn, "-m", MODEL, *args)
    assert "Traceback" not in err, err
    return code, out + err


def has_schemagen(db) -> bool:
    return bool(db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'schemagen'"))


def is_superuser(db, role: str) -> bool:
    return bool(db.scalar(f"SELECT rolsuper FROM pg_roles WHERE rolname = '{role}'"))


# --- a planted history ------------------------------------------------------------------------------------------

def test_planted_history_with_a_trigger_is_refused(native_db, make_role):
    """A role with only CREATE on the database plants schemagen.history with a BEFORE INSERT trigger that runs
    ALTER ROLE ... SUPERUSER: apply, its dry run and rollback refuse (exit 3) naming the objects and their owner;
    the role stays unprivileged and nothing changes."""
    db = native_db
    role = make_role(db, "GRANT CREATE ON DATABASE {db} TO {role}")
    with db.connect() as c:
        c.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        c.execute((HERE / "planted_history.sql").read_text().replace("{role}", role))
    before = snapshot(db)
    for command, args in (("apply", ["--skip-unsupported"]), ("apply", ["--dry-run", "--skip-unsupported"]),
                          ("rollback", ["--yes"])):
        code, err = cli(command, db, *args)
        assert code == 3, err
        assert f"schema schemagen (owner {role}) is owned by another role" in err, err
        assert f"table schemagen.history (owner {role}) is owned by another role" in err, err
        assert f"table schemagen.history (owner {role}) has trigger escalate" in err, err
        assert "nothing was changed" in err, err
        assert not is_superuser(db, role), "the planted trigger ran as the superuser"
        assert snapshot(db) == before
        assert db.scalar("SELECT count(*) FROM schemagen.history") == 0


PLANTS = {  # planted by the superuser itself (a DBA's leftover): owned right, and still running code on insert
    "rule": ("CREATE RULE r AS ON INSERT TO schemagen.history DO ALSO NOTIFY x", "has rule r"),
    "policy": ("CREATE POLICY p ON schemagen.history USING (true)", "has row-level security policy p"),
    "rls": ("ALTER TABLE schemagen.history ENABLE ROW LEVEL SECURITY", "has row-level security enabled"),
    "view": ("DROP TABLE schemagen.history; CREATE VIEW schemagen.history AS SELECT 1 AS x",
             "is not a table (relkind v)"),
}


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_history_that_runs_code_is_refused(pg_plain_db, plant):
    db = pg_plain_db
    assert cli("apply", db)[0] == 0
    statement, problem = PLANTS[plant]
    with db.connect() as c:
        c.execute(statement)
    before = snapshot(db)
    for command in ("apply", "rollback"):
        code, err = cli(command, db, "--yes") if command == "rollback" else cli(command, db)
        assert code == 3, err
        assert f"schemagen.history (owner postgres) {problem}" in err, err
        assert snapshot(db) == before


def test_history_owned_by_another_role(ts_apache_db, make_role):
    """The schema is the superuser's, the table another role's (it could add a trigger at any time)."""
    db = ts_apache_db
    assert cli("apply", db, "--skip-unsupported")[0] == 0
    role = make_role(db)
    with db.connect() as c:
        c.execute(sql.SQL("ALTER TABLE schemagen.history OWNER TO {}").format(sql.Identifier(role)))
    code, err = cli("apply", db, "--skip-unsupported")
    assert code == 3 and f"table schemagen.history (owner {role}) is owned by another role" in err, err
    assert "schema schemagen (owner" not in err, err


def test_history_schema_owned_by_another_role(pg_plain_db, make_role):
    db = pg_plain_db
    role = make_role(db)
    with db.connect() as c:
        c.execute(sql.SQL("CREATE SCHEMA schemagen AUTHORIZATION {}").format(sql.Identifier(role)))
    code, err = cli("apply", db)
    assert code == 3 and f"schema schemagen (owner {role}) is owned by another role" in err, err
    assert not db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 's'"), "nothing was created"


def test_foreign_history_table_with_other_columns(pg_plain_db):
    """Someone's own schemagen.history: a message naming the table, not `column "script" does not exist`."""
    db = pg_plain_db
    with db.connect() as c:
        c.execute("CREATE SCHEMA schemagen; CREATE TABLE schemagen.history (id int, payload text)")
    for command in ("apply", "rollback"):
        code, err = cli(command, db)
        assert code == 3, err
        assert "table schemagen.history (owner postgres) is not schemagen's history: it has no column database, " \
               "script, checksum" in err, err
        assert 'column "script" does not exist' not in err, err


# --- objects of model names that schemagen did not create --------------------------------------------------------

FOREIGN = {
    "function": ("CREATE FUNCTION s.f() RETURNS int LANGUAGE sql AS 'SELECT 42'", "function s.f() (owner postgres)",
                 "SELECT s.f()", 42),
    "view": ("CREATE VIEW s.v AS SELECT 42 AS id, 'mine'::text AS label", "view s.v (owner postgres)",
             "SELECT id FROM s.v", 42),
    "table": ("CREATE TABLE s.kind (id int PRIMARY KEY, label text); COMMENT ON TABLE s.kind IS 'mine'",
              "table s.kind (owner postgres)", "SELECT obj_description('s.kind'::regclass)", "mine"),
}


@pytest.mark.parametrize("kind", sorted(FOREIGN))
def test_apply_refuses_foreign_objects_of_model_names(any_db, kind):
    """A user's s.f() returning 42, view s.v or commented table s.kind: apply refuses (exit 3), listing each with
    its kind and owner, and changes nothing (no history either); --adopt records them and leaves them as they
    are, and diff then shows how they differ from the model."""
    db = any_db
    statement, listed, probe, value = FOREIGN[kind]
    with db.connect() as c:
        c.execute("CREATE SCHEMA s")
        c.execute(statement)
    before = snapshot(db)
    code, err = cli("apply", db, "--skip-unsupported")
    assert code == 3, err
    assert listed in err and "schema s (owner postgres)" in err and "--adopt" in err, err
    assert snapshot(db) == before and not has_schemagen(db)
    assert db.scalar(probe) == value

    code, err = cli("apply", db, "--skip-unsupported", "--adopt")
    assert "adopted 2 existing object(s)" in err and listed in err, err
    assert code == 1 and "statements to reconcile" not in err and "schemagen diff" in err, err
    assert db.scalar(probe) == value, "an adopted object is not replaced silently"
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", MODEL, "--skip-unsupported")
    assert code == 1, out + err
    name = {"function": "f", "view": "v", "table": "kind"}[kind]
    with db.connect() as c:
        assert c.execute("SELECT script FROM schemagen.objects WHERE kind = %s AND schema = 's' AND name = %s",
                         (kind, name)).fetchall() != [], "the adopted object is recorded as schemagen's"
    assert cli("rollback", db, "--yes")[0] == 0, "adopted objects are schemagen's: rollback drops them"
    assert not db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname IN ('s', 'schemagen')")


def test_rollback_without_history_drops_nothing(pg_plain_db):
    """A user's empty table of a model name in a schema of a model name: rollback (no history) leaves both."""
    db = pg_plain_db
    with db.connect() as c:
        c.execute("CREATE SCHEMA s; CREATE TABLE s.kind (id int PRIMARY KEY, label text)")
    before = snapshot(db)
    code, err = cli("rollback", db)
    assert code == 0, err
    assert "leaving 2 object(s) schemagen did not create" in err and "table s.kind (owner postgres)" in err, err
    assert snapshot(db) == before


def test_rollback_yes_on_an_untouched_database(native_db):
    """rollback --yes where schemagen never applied: the user's same-named table keeps its rows, and its schema."""
    db = native_db
    with db.connect() as c:
        c.execute("CREATE SCHEMA s; CREATE TABLE s.kind (id int PRIMARY KEY, label text);"
                  "INSERT INTO s.kind VALUES (1, 'one'), (7, 'mine'); CREATE FUNCTION s.f() RETURNS int "
                  "LANGUAGE sql AS 'SELECT 42'")
    before = snapshot(db)
    code, err = cli("rollback", db, "--yes")
    assert code == 0, err
    assert snapshot(db) == before and db.scalar("SELECT count(*) FROM s.kind") == 2 and db.scalar("SELECT s.f()") == 42


def test_rollback_leaves_a_users_table_in_a_schema_schemagen_made(pg_plain_db):
    db = pg_plain_db
    assert cli("apply", db)[0] == 0
    with db.connect() as c:
        c.execute("CREATE TABLE s.mine (x int); INSERT INTO s.mine VALUES (1)")
    code, err = cli("rollback", db, "--yes")
    assert code == 0, err
    assert "leaving schema(s) s: still holding objects schemagen did not create" in err, err
    assert db.scalar("SELECT count(*) FROM s.mine") == 1
    assert not db.scalar("SELECT count(*) FROM pg_class WHERE relname IN ('kind', 'org', 'member', 'v')")


# --- cascades and edited seed rows --------------------------------------------------------------------------------

def test_cascade_into_a_non_model_table(native_db):
    """A user's table references a seeded table ON DELETE CASCADE: rollback refuses (exit 1) naming it and its
    rows, and nothing changes (before, the seed DELETE emptied it and then the DROP failed)."""
    db = native_db
    assert cli("apply", db, "--skip-unsupported")[0] == 0
    with db.connect() as c:
        c.execute("CREATE TABLE public.child (id int PRIMARY KEY, kind_id int REFERENCES s.kind ON DELETE CASCADE);"
                  "CREATE TABLE public.grandchild (child_id int REFERENCES public.child ON DELETE SET NULL);"
                  "INSERT INTO public.child VALUES (1, 1), (2, 2), (3, 2); INSERT INTO public.grandchild VALUES (3)")
    before = snapshot(db)
    code, err = cli("rollback", db)
    assert code == 1, err
    assert "public.child: 3 row(s) (ON DELETE CASCADE from s.kind)" in err, err
    assert "public.grandchild: 1 row(s) (ON DELETE SET NULL from public.child)" in err, err
    assert snapshot(db) == before and db.scalar("SELECT count(*) FROM public.child") == 3


def test_cascade_into_a_model_table_on_org_rollback(ts_apache_db):
    """rollback --org acme deletes acme's registry row; the shared s.member references the registry ON DELETE
    CASCADE: 2 of its 3 rows would go. Refused without --yes; with it, the other org's row stays."""
    db = ts_apache_db
    assert cli("apply", db, "--skip-unsupported")[0] == 0
    with db.connect() as c:
        c.execute("INSERT INTO s.member VALUES (1, 'acme'), (2, 'acme'), (3, 'beta')")
    code, err = cli("rollback", db, "--org", "acme")
    assert code == 1 and "s.member: 2 row(s) (ON DELETE CASCADE from s.org)" in err, err
    assert db.scalar("SELECT count(*) FROM s.member") == 3 and db.scalar("SELECT to_regclass('s.item_acme')::text")
    assert cli("rollback", db, "--org", "acme", "--yes")[0] == 0
    assert db.scalar("SELECT count(*) FROM s.member") == 1 and db.scalar("SELECT to_regclass('s.item_beta')::text")


def test_edited_seed_row_is_user_data(any_db):
    db = any_db
    assert cli("apply", db, "--skip-unsupported")[0] == 0
    with db.connect() as c:
        c.execute("UPDATE s.kind SET label = 'my own' WHERE id = 1")
    code, err = cli("rollback", db)
    assert code == 1 and "s.kind: 1 row(s)" in err, err
    assert db.scalar("SELECT label FROM s.kind WHERE id = 1") == "my own"
    assert cli("rollback", db, "--yes")[0] == 0
    assert not has_schemagen(db)


# --- objects dropped out of band -----------------------------------------------------------------------------------

def test_dropped_table_is_restored_by_apply(any_db):
    """DROP TABLE of an org table and DROP VIEW of the shared view, out of band: apply runs the scripts that
    created them again (not "init scripts cannot change"), and the database matches the model."""
    db = any_db
    assert cli("apply", db, "--skip-unsupported")[0] == 0
    with db.connect() as c:
        c.execute("DROP TABLE s.item_acme; DROP VIEW s.v")
    code, err = cli("apply", db, "--skip-unsupported")
    assert code == 0, err
    assert "running 900_org_acme.sql again" in err and "table s.item_acme" in err, err
    assert "running 100_views.sql again" in err and "cannot change" not in err, err
    assert db.scalar("SELECT to_regclass('s.item_acme')::text") == "s.item_acme"
    assert run_cli("diff", "--dsn", db.dsn, "-m", MODEL, "--skip-unsupported")[0] == 0
    code, err = cli("apply", db, "--skip-unsupported")
    assert code == 0 and "again" not in err, err


def test_objects_are_recorded_and_forgotten(pg_plain_db):
    db = pg_plain_db
    before = snapshot(db)
    assert cli("apply", db)[0] == 0
    kinds = dict(db.connect().execute("SELECT kind, count(*) FROM schemagen.objects GROUP BY kind").fetchall())
    assert kinds == {"schema": 1, "table": 5, "view": 1, "function": 1}, kinds
    assert cli("rollback", db, "--yes")[0] == 0
    assert snapshot(db) == before


@pytest.mark.parametrize("how", ["no objects table", "objects table empty"])
def test_a_history_from_before_object_records_is_upgraded(native_db, how):
    """A database an older schemagen applied has history rows but no object records (and, its scripts rendered
    before the search_path pins, other checksums): apply takes what the recorded scripts define as schemagen's,
    runs the changed scripts without calling them foreign, records the objects; rollback then undoes everything."""
    db = native_db
    before = snapshot(db)
    assert cli("apply", db, "--skip-unsupported")[0] == 0
    with db.connect() as c:
        c.execute("DROP TABLE schemagen.objects" if how == "no objects table" else "DELETE FROM schemagen.objects")
        c.execute("UPDATE schemagen.history SET checksum = 'from-an-older-schemagen'")
    code, err = cli("apply", db, "--skip-unsupported")
    assert code == 0, err
    assert "--adopt" not in err, err
    assert db.scalar("SELECT count(*) FROM schemagen.objects") > 0
    assert db.scalar("SELECT count(*) FROM schemagen.history WHERE checksum = 'from-an-older-schemagen'") == 0
    assert cli("rollback", db, "--yes")[0] == 0
    assert snapshot(db) == before


def test_an_older_history_does_not_make_a_users_object_schemagen_s(pg_plain_db):
    """Inference from an older history covers only what the recorded scripts define: a user's function of a model
    name in a script that was never recorded stays foreign."""
    db = pg_plain_db
    assert cli("apply", db)[0] == 0
    with db.connect() as c:
        c.execute("DROP TABLE schemagen.objects")
        c.execute("DELETE FROM schemagen.history WHERE script LIKE '%functions%'")
        c.execute("DROP FUNCTION s.f")
        c.execute("CREATE FUNCTION s.f() RETURNS integer LANGUAGE sql AS 'SELECT 42'")
    code, err = cli("apply", db)
    assert code == 3, err
    assert "function s.f()" in err and "--adopt" in err, err
    assert db.scalar("SELECT s.f()") == 42


def test_an_index_on_a_continuous_aggregate_is_not_taken_for_a_missing_object(ts_community_db):
    """Found by the property-based round trip: the aggregate's index lives in _timescaledb_internal, so keyed by the
    aggregate's schema it looked dropped and every apply ran 090_continuous_aggregates.sql again."""
    db, model = ts_community_db, str(HERE / "cagg_index.yaml")
    assert run_cli("apply", "--dsn", db.dsn, "-m", model)[0] == 0
    code, _, err = run_cli("apply", "--dsn", db.dsn, "-m", model)
    assert code == 0 and "again" not in err and "applied  090" not in err, err
    assert run_cli("rollback", "--dsn", db.dsn, "-m", model, "--yes")[0] == 0
    assert db.scalar("SELECT count(*) FROM timescaledb_information.continuous_aggregates") == 0
