"""Issue 13, the drift check sees what changes behaviour: after `schemagen apply`, each out-of-band change that
alters what the database does (a rule, row-level security and its policies, grants, owners, triggers that no
longer fire, UNLOGGED, a replica identity, a view's security_invoker, a serial column reading another sequence)
or plants objects of kinds the model has none of (sequences, enum / composite / range types, domains,
procedures, aggregates, operators) is done for real on a live server, by the superuser or by a low-privilege role
made for the test, and `schemagen diff` must exit 1 naming the object and what changed, and nothing else. Clean
applies (also with ALTER DEFAULT PRIVILEGES set beforehand, and the public schema in the model) show no drift."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from helpers import run_cli
from psycopg import sql
from psycopg.conninfo import make_conninfo
from servers import connect

MODEL = """
databases:
  app:
    schemas:
      shop:
        tables:
          t:
            columns:
              id: {type: serial, primary_key: true}
              v: integer
              at: {type: timestamptz, default: now()}
            triggers:
              t_touch: {function: shop.touch, timing: before, events: [update]}
          u:
            columns:
              id: {type: bigint, identity: always, primary_key: true}
              t_id: {type: integer, references: {table: shop.t, column: id}}
        views:
          v:
            query: SELECT id, v FROM shop.t
        functions:
          touch:
            returns: trigger
            language: plpgsql
            body: |
              BEGIN
                NEW.at := now();
                RETURN NEW;
              END
          f:
            returns: integer
            language: sql
            body: SELECT 1
"""


@dataclass(frozen=True)
class Attack:
    id: str
    do: tuple[str, ...]  # as the superuser; {role} is the low-privilege role
    expect: frozenset[tuple[str, str, str, str]]  # (kind, object, change, attribute)
    values: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # attribute: (expected, actual)
    as_role: tuple[str, ...] = ()  # then these, connected as that role
    role: bool = False  # needs the role (roles: native servers only)


def _x(*rows: tuple[str, str, str, str]) -> frozenset[tuple[str, str, str, str]]:
    return frozenset(rows)


T, U, V = ("table", "shop.t"), ("table", "shop.u"), ("view", "shop.v")
ATTACKS = [
    Attack("rule", ("CREATE RULE r AS ON DELETE TO shop.t DO INSTEAD NOTHING",), _x((*T, "extra", "rule r")),
           {"rule r": (None, "CREATE RULE r AS ON DELETE TO shop.t DO INSTEAD NOTHING;")}),
    Attack("rls-policy", ("ALTER TABLE shop.t ENABLE ROW LEVEL SECURITY", "CREATE POLICY p ON shop.t USING (true)"),
           _x((*T, "changed", "row level security"), (*T, "extra", "policy p")),
           {"row level security": ("disabled", "enabled"),
            "policy p": (None, "PERMISSIVE FOR ALL TO PUBLIC USING (true)")}),
    Attack("force-rls", ("ALTER TABLE shop.t FORCE ROW LEVEL SECURITY",),
           _x((*T, "changed", "force row level security"))),
    Attack("grant-all-public", ("GRANT ALL ON shop.t TO PUBLIC",), _x((*T, "changed", "privileges of PUBLIC"))),
    Attack("grants-everywhere", (
        "GRANT SELECT, INSERT ON shop.v TO PUBLIC", "REVOKE EXECUTE ON FUNCTION shop.f() FROM PUBLIC",
        "GRANT USAGE ON SEQUENCE shop.t_id_seq TO PUBLIC", "GRANT CREATE ON SCHEMA shop TO PUBLIC",
        "GRANT UPDATE (v) ON shop.t TO PUBLIC"),
        _x((*V, "changed", "privileges of PUBLIC"), ("function", "shop.f", "changed", "privileges of PUBLIC"),
           (*T, "changed", "sequence t_id_seq: privileges of PUBLIC"),
           ("schema", "shop", "changed", "privileges of PUBLIC"),
           (*T, "changed", "column v: privileges of PUBLIC")),
        {"sequence t_id_seq: privileges of PUBLIC": (None, "USAGE")}),
    Attack("grant-then-revoke", ("GRANT ALL ON shop.t TO PUBLIC", "REVOKE ALL ON shop.t FROM PUBLIC",
                                 "CREATE TABLE shop.stray (x int)"), _x(("table", "shop.stray", "extra", ""))),
    Attack("owners", ("ALTER TABLE shop.u OWNER TO {role}", "ALTER FUNCTION shop.f() OWNER TO {role}",
                      "ALTER VIEW shop.v OWNER TO {role}", "ALTER SCHEMA shop OWNER TO {role}"),
           _x((*U, "changed", "owner"), ("function", "shop.f", "changed", "owner"), (*V, "changed", "owner"),
              ("schema", "shop", "changed", "owner")), role=True),
    # a role that has the applying role's privileges (another role applying some orgs) may own model objects
    Attack("owner-member-of-applier", ("GRANT postgres TO {role}", "ALTER TABLE shop.u OWNER TO {role}",
                                       "CREATE TABLE shop.stray (x int)"),
           _x(("table", "shop.stray", "extra", "")), role=True),
    # a compromised owner: made owner out of band, it then plants a rule, RLS, a policy and a grant itself
    Attack("owner-plants", ("ALTER TABLE shop.t OWNER TO {role}", "GRANT USAGE ON SCHEMA shop TO {role}"),
           _x((*T, "changed", "owner"), ("schema", "shop", "changed", "privileges of {role}"),
              (*T, "extra", "rule keep"), (*T, "changed", "row level security"),
              (*T, "extra", "policy open"), (*T, "changed", "privileges of PUBLIC")),
           as_role=("CREATE RULE keep AS ON DELETE TO shop.t DO INSTEAD NOTHING",
                    "ALTER TABLE shop.t ENABLE ROW LEVEL SECURITY", "CREATE POLICY open ON shop.t USING (true)",
                    "GRANT SELECT ON shop.t TO PUBLIC"), role=True),
    # a role with CREATE on the schema plants objects of every kind the model does not describe
    Attack("planted-objects", ("GRANT USAGE, CREATE ON SCHEMA shop TO {role}",),
           _x(("schema", "shop", "changed", "privileges of {role}"), ("sequence", "shop.s", "extra", ""),
              ("type", "shop.mood", "extra", ""), ("type", "shop.pair", "extra", ""),
              ("type", "shop.pos", "extra", ""), ("range type", "shop.fr", "extra", ""),
              ("procedure", "shop.p(IN a integer)", "extra", ""), ("aggregate", "shop.total(integer)", "extra", ""),
              ("operator", "shop.=== (integer, integer)", "extra", "")),
           as_role=("CREATE SEQUENCE shop.s", "CREATE TYPE shop.mood AS ENUM ('sad')",
                    "CREATE TYPE shop.pair AS (a int, b int)", "CREATE DOMAIN shop.pos AS int CHECK (VALUE > 0)",
                    "CREATE TYPE shop.fr AS RANGE (subtype = float8)",
                    "CREATE PROCEDURE shop.p(a int) LANGUAGE sql AS 'SELECT 1'",
                    "CREATE AGGREGATE shop.total(int) (sfunc = int4pl, stype = int)",
                    "CREATE OPERATOR shop.=== (leftarg = int, rightarg = int, function = int4eq)"), role=True),
    Attack("serial-seq1", ("ALTER SEQUENCE shop.t_id_seq RENAME TO t_id_seq1", "CREATE SEQUENCE shop.t_id_seq"),
           _x((*T, "changed", "column id: sequence"), ("sequence", "shop.t_id_seq", "extra", "")),
           {"column id: sequence": ("shop.t_id_seq", "shop.t_id_seq1")}),
    Attack("identity-seq1", ("ALTER SEQUENCE shop.u_id_seq RENAME TO u_id_seq1",),
           _x((*U, "changed", "column id: sequence"),), {"column id: sequence": ("shop.u_id_seq", "shop.u_id_seq1")}),
    Attack("serial-default", ("CREATE SEQUENCE shop.other START 1000",
                              "ALTER TABLE shop.t ALTER COLUMN id SET DEFAULT nextval('shop.other')"),
           _x((*T, "changed", "column id: default sequence"), ("sequence", "shop.other", "extra", "")),
           {"column id: default sequence": ("shop.t_id_seq", "shop.other")}),
    Attack("trigger-disabled", ("ALTER TABLE shop.t DISABLE TRIGGER t_touch",),
           _x((*T, "changed", "trigger t_touch: enabled")), {"trigger t_touch: enabled": ("enabled", "disabled")}),
    Attack("trigger-replica", ("ALTER TABLE shop.t ENABLE REPLICA TRIGGER t_touch",),
           _x((*T, "changed", "trigger t_touch: enabled")), {"trigger t_touch: enabled": ("enabled", "replica")}),
    Attack("foreign-key-unenforced", ("ALTER TABLE shop.u DISABLE TRIGGER ALL",),
           _x((*U, "changed", "constraint u_t_id_fkey: enabled"))),
    Attack("unlogged", ("ALTER TABLE shop.u SET UNLOGGED",), _x((*U, "changed", "persistence")),
           {"persistence": ("logged", "unlogged")}),
    Attack("replica-identity",
           ("ALTER TABLE shop.t REPLICA IDENTITY FULL", "ALTER TABLE shop.u REPLICA IDENTITY NOTHING"),
           _x((*T, "changed", "replica identity"), (*U, "changed", "replica identity")),
           {"replica identity": ("default", None)}),
    Attack("view-invoker", ("ALTER VIEW shop.v SET (security_invoker = true, security_barrier = true)",),
           _x((*V, "changed", "option security_invoker"), (*V, "changed", "option security_barrier"))),
]
# what PGlite (one session, no roles of its own) runs too
ON_PGLITE = ("rule", "rls-policy", "grant-all-public", "serial-seq1", "trigger-disabled", "unlogged")


@contextmanager
def _role(db, wanted: bool) -> Iterator[str | None]:
    """A low-privilege LOGIN role unique to the test (roles are cluster-wide), dropped after with what it owns,
    while its database still exists."""
    if not wanted:
        yield None
        return
    name = f"sg_mallory_{uuid.uuid4().hex[:8]}"
    with connect(db.server.dsn) as c:
        c.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with db.connect() as c:
            c.execute(sql.SQL("DROP OWNED BY {} CASCADE").format(sql.Identifier(name)))
        with connect(db.server.dsn) as c:
            c.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def _apply(db, tmp_path, text: str = MODEL) -> str:
    path = tmp_path / "model.yaml"
    path.write_text(text)
    code, out, err = run_cli("apply", "--dsn", db.dsn, "-m", str(path))
    assert code == 0, out + err
    return str(path)


def _diff(db, path: str) -> tuple[int, list[dict], str]:
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", path, "--format", "json")
    assert "Traceback" not in err, err
    changes = json.loads(out)["databases"][0]["changes"] if out.strip() else []
    return code, changes, err


def _attack(db, tmp_path, attack: Attack, name: str | None) -> None:
    path = _apply(db, tmp_path)
    fill = (lambda s: s.replace("{role}", sql.Identifier(name).as_string(None))) if name else (lambda s: s)
    with db.connect() as c:
        for statement in attack.do:
            c.execute(fill(statement))
    if attack.as_role:
        with connect(make_conninfo(db.dsn, user=name)) as c:
            for statement in attack.as_role:
                c.execute(statement)
    code, changes, err = _diff(db, path)
    assert code == 1, (changes, err)
    got = {(c["kind"], c["object"], c["change"], c["attribute"] or "") for c in changes}
    want = {(k, o, ch, a.replace("{role}", name or "")) for k, o, ch, a in attack.expect}
    assert got == want
    for c in changes:
        if c["attribute"] in attack.values:
            expected, actual = attack.values[c["attribute"]]
            assert c["expected"] == expected and (actual is None or c["actual"] == actual), c
        if c["attribute"] and "privileges of" in c["attribute"]:
            assert c["expected"] != c["actual"] and (c["expected"] or c["actual"]), c
    code, text, _ = run_cli("diff", "--dsn", db.dsn, "-m", path)
    assert code == 1 and all(f"    {k} {o}" in text for k, o, _, _ in want), text


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.id for a in ATTACKS])
@pytest.mark.parametrize("server", ["ts-apache", "pg-plain"])
def test_each_change_of_behaviour_is_drift(request, server, attack, tmp_path):
    db = request.getfixturevalue({"ts-apache": "ts_apache_db", "pg-plain": "pg_plain_db"}[server])
    with _role(db, attack.role) as name:
        _attack(db, tmp_path, attack, name)


@pytest.mark.parametrize("attack", [a for a in ATTACKS if a.id in ON_PGLITE], ids=lambda a: a.id)
def test_on_pglite(ts_community_db, attack, tmp_path):
    _attack(ts_community_db, tmp_path, attack, None)


CLEAN = MODEL + """
      public:
        tables:
          note:
            columns:
              id: {type: serial, primary_key: true}
              body: text
"""
DEFAULT_PRIVILEGES = (  # what a DBA sets for the objects a role will create: not drift on those objects
    "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT INSERT ON TABLES TO PUBLIC",
    "ALTER DEFAULT PRIVILEGES GRANT USAGE ON SEQUENCES TO PUBLIC",
    "ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC",
    "ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO PUBLIC",
)


@pytest.mark.parametrize("server", ["ts-apache", "pg-plain"])
def test_default_privileges_and_the_public_schema_are_no_drift(request, server, tmp_path):
    """ALTER DEFAULT PRIVILEGES before the first apply, and initdb's own privileges on schema public, are what a
    new object gets: no drift. A grant beyond them still is, and only it."""
    db = request.getfixturevalue({"ts-apache": "ts_apache_db", "pg-plain": "pg_plain_db"}[server])
    with db.connect() as c:
        for statement in DEFAULT_PRIVILEGES:
            c.execute(statement)
    path = _apply(db, tmp_path, CLEAN)
    with db.connect() as c:
        acl = c.execute("SELECT relacl::text FROM pg_class WHERE oid = 'public.note'::regclass").fetchone()[0]
    assert "=ar/" in acl, "the default privileges were in force (PUBLIC: INSERT and SELECT)"
    code, changes, err = _diff(db, path)
    assert (code, changes) == (0, []), err
    with db.connect() as c:
        c.execute("GRANT DELETE ON public.note TO PUBLIC")
    code, changes, _ = _diff(db, path)
    assert code == 1 and [(c["object"], c["attribute"], c["expected"], c["actual"]) for c in changes] == [
        ("public.note", "privileges of PUBLIC", "INSERT, SELECT", "DELETE, INSERT, SELECT")]


HYPER = """
databases:
  app:
    extensions: {timescaledb: }
    schemas:
      shop:
        tables:
          m:
            columns:
              at: {type: timestamptz, not_null: true}
              id: {type: serial}
              v: integer
            hypertable: {time_column: at, chunk_interval: 1 day}
"""


def test_hypertables_report_their_own_grants_not_their_chunks(ts_apache_db, tmp_path):
    """A grant on a hypertable reaches its chunks (TimescaleDB's internals): reported once, on the table.
    (TimescaleDB refuses DISABLE TRIGGER on a hypertable, so its insert blocker cannot be switched off.)"""
    db = ts_apache_db
    path = _apply(db, tmp_path, HYPER)
    with db.connect() as c:
        c.execute("INSERT INTO shop.m (at, v) SELECT now() - n * INTERVAL '1 day', n FROM generate_series(1, 5) n")
    assert _diff(db, path)[:2] == (0, [])
    with _role(db, True) as name, db.connect() as c:
        c.execute(sql.SQL("GRANT SELECT, UPDATE ON shop.m TO {}").format(sql.Identifier(name)))
        chunks = c.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                           "WHERE n.nspname = '_timescaledb_internal' AND c.relacl::text LIKE %s",
                           (f"%{name}=%",)).fetchone()[0]
        assert chunks >= 5, "TimescaleDB passed the grant on to the chunks"
        code, changes, _ = _diff(db, path)
        assert code == 1 and [(c["object"], c["attribute"], c["expected"], c["actual"]) for c in changes] == [
            ("shop.m", f"privileges of {name}", None, "SELECT, UPDATE")]
        c.execute(sql.SQL("REVOKE ALL ON shop.m FROM {}").format(sql.Identifier(name)))
