"""Issue 13, "nothing runs as another role": a role with only CREATE on `public` (and on a model schema) plants
overloads of every function the rendered scripts call, and of the built-ins schemagen's own queries call, then a
superuser runs apply, diff, rollback and `psql -f`: none of them may ever call a planted function (the canary, a
sequence whose nextval survives diff's rolled-back transactions, stays untouched and the attacker never becomes a
superuser). Also: literals stay literals with standard_conforming_strings = off, and a DSN's client_encoding does
not break names. The planted objects are SQL files in tests/hostile/planted/; the overloads of each rendered call
are generated from the server's own signatures of that function (parameter names kept, so named arguments match).
"""
from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from helpers import ROOT, run_cli, snapshot
from pglast import ast, parse_plpgsql, parse_sql
from pglast.visitors import Visitor
from psycopg import sql
from psycopg.conninfo import make_conninfo
from servers import connect

from schemagen import model as m
from schemagen import render
from schemagen.load import load_model

PLANTED = ROOT / "tests" / "hostile" / "planted"
MODELS = [ROOT / "model.yaml", *sorted(ROOT.glob("examples/*/model.yaml"))]


# --- every function call of the rendered files ------------------------------------------------------------

class _Calls(Visitor):
    def __init__(self, found: set):
        super().__init__()
        self.found = found

    def visit_FuncCall(self, ancestors, node):
        names = [s.sval for s in node.funcname]
        self.found.add((names[-1], len(node.args or ())))


def _plpgsql_queries(tree) -> list[str]:
    """The SQL expressions of a parsed PL/pgSQL function (IF conditions, PERFORM, DELETE ...)."""
    if isinstance(tree, dict):
        out = []
        if "PLpgSQL_expr" in tree:
            query, mode = tree["PLpgSQL_expr"]["query"], tree["PLpgSQL_expr"].get("parseMode", 0)
            if mode >= 3:  # an assignment, `target := expression`
                query = query.split(":=", 1)[1] if ":=" in query else query.split("=", 1)[1]
            if mode != 1:  # 1: a type name
                out.append(query if mode == 0 else f"SELECT {query}")
        for v in tree.values():
            out += _plpgsql_queries(v)
        return out
    if isinstance(tree, list):
        return [q for v in tree for q in _plpgsql_queries(v)]
    return []


def calls_in(text: str, found: set) -> None:
    """Every FuncCall of a script: its statements, DO blocks and PL/pgSQL bodies included."""
    for raw in parse_sql(text):
        _Calls(found)(raw)
        stmt, function = raw.stmt, None
        if isinstance(stmt, ast.DoStmt):
            body = next(a.arg.sval for a in stmt.args if a.defname == "as")
            function = f"CREATE FUNCTION sg_x() RETURNS void LANGUAGE plpgsql AS {render.dollar_quote(body)}"
        elif isinstance(stmt, ast.CreateFunctionStmt):
            options = {o.defname: o.arg for o in stmt.options or ()}
            if getattr(options.get("language"), "sval", None) == "plpgsql":
                function = text[raw.stmt_location:raw.stmt_location + raw.stmt_len]  # offsets in characters
        if function is not None:
            for query in _plpgsql_queries(parse_plpgsql(function)):
                calls_in(query, found)


def rendered_calls(model) -> set[tuple[str, int]]:
    found: set = set()
    for script in render.render(model):
        calls_in(render.script_text(script, model), found)
    return found


# --- the attacker -------------------------------------------------------------------------------------------

def _as_attacker(conn: psycopg.Connection, role: str, text: str) -> None:
    conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    try:
        conn.execute(text.replace(":'attacker'", sql.Literal(role).as_string(conn)))
    finally:
        conn.execute("RESET ROLE")


_SIGNATURES = """
SELECT p.proname, p.pronargs, p.pronargdefaults, p.proallargtypes IS NULL AND p.proargnames IS NOT NULL,
       p.proargnames[1:p.pronargs], n.nspname = 'pg_catalog'
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.proname = ANY(%s) AND p.prokind IN ('f', 'a', 'w')
"""


def overloads(conn: psycopg.Connection, calls: set[tuple[str, int]]) -> list[tuple[str, list[str]]]:
    """(name, [argument declarations]) for each planted variant: for each of the server's own functions of a
    called name, all arguments text (TimescaleDB's parameter names kept, so that calls with named arguments
    match), the same with every argument defaulted, and the first argument anyelement; for a call of a name the
    server has no function of (a model function), as many text arguments as the call passes."""
    names = sorted({n for n, _ in calls})
    variants: list[tuple[str, list[str]]] = []
    seen = set()
    for name, nargs, ndefaults, named, argnames, builtin in conn.execute(_SIGNATURES, (names,)).fetchall():
        seen.add(name)
        argnames = argnames if named else [None] * nargs
        # The same arity through defaults only for built-ins: pg_catalog, first on the path, wins that tie. Next
        # to an extension's function in its own schema (uuid_generate_v4() in public) the tie makes the model's
        # unqualified call ambiguous: refused ("is not unique"), never run, but a denial of service that only
        # qualifying the model's own SQL avoids.
        if nargs == 0:
            if builtin:
                variants.append((name, ["text DEFAULT NULL"]))
            continue
        decl = [f"{sql.Identifier(a).as_string(conn) + ' ' if a else ''}" for a in argnames]
        text = [f"{d}text" + (" DEFAULT NULL" if k >= nargs - ndefaults else "") for k, d in enumerate(decl)]
        variants.append((name, text))
        if builtin:
            variants.append((name, [f"{d}text DEFAULT NULL" for d in decl]))
        variants.append((name, [f"{decl[0]}anyelement", *text[1:]]))
    for name, nargs in calls:
        if name not in seen:
            variants.append((name, ["text"] * nargs))
    return variants


def plant(db, role: str, calls: set[tuple[str, int]], schemas: list[str]) -> int:
    """Plant the corpus and the generated overloads as `role`; returns how many functions were planted."""
    planted = 0
    with db.connect() as c:
        timescaledb = c.execute("SELECT pg_catalog.to_regtype('_timescaledb_internal.dimension_info') IS NOT NULL"
                                ).fetchone()[0]
        for f in sorted(PLANTED.glob("*.sql")):
            if timescaledb or "_timescaledb_" not in f.name:
                _as_attacker(c, role, f.read_text())
        planted = c.execute("SELECT count(*) FROM pg_proc WHERE proowner = (SELECT oid FROM pg_roles "
                            "WHERE rolname = %s)", (role,)).fetchone()[0]
        for schema in schemas:
            for name, args in overloads(c, calls):
                called = sql.Literal(f"{schema}.{name}").as_string(c)
                body = render.dollar_quote(f"BEGIN PERFORM public.sg_attack({called} || '({', '.join(args)})'); "
                                           "RETURN NULL; END")
                statement = (f"CREATE FUNCTION {sql.Identifier(schema, name).as_string(c)}({', '.join(args)}) "
                             f"RETURNS text IMMUTABLE LANGUAGE plpgsql AS {body}")
                try:
                    with c.transaction():
                        _as_attacker(c, role, statement)
                    planted += 1
                except psycopg.Error:
                    pass  # the same signature exists there already (TimescaleDB's own): cannot be planted
    return planted


def assert_untouched(db, role: str) -> None:
    with db.connect() as c:
        called = c.execute("SELECT is_called FROM public.sg_canary_seq").fetchone()[0]
        rows = c.execute("SELECT called, by_role FROM public.sg_canary").fetchall()
        superuser = c.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (role,)).fetchone()[0]
    assert not called and not rows, f"a planted function ran: {rows or 'called in a rolled-back transaction'}"
    assert not superuser, f"{role} became a superuser"


@pytest.fixture
def attacker(request):
    """attacker(db): a new role with CREATE on public in db (and nothing else). Dropped by a finalizer added
    when it is made, after the database fixture's setup: so it runs first, while the database (and PGlite's
    lock) is still there."""

    def make(db) -> str:
        role = f"sg_attacker_{uuid.uuid4().hex[:8]}"
        with db.connect() as c:
            c.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
            c.execute(sql.SQL("GRANT CREATE ON SCHEMA public TO {}").format(sql.Identifier(role)))
        request.addfinalizer(lambda: _drop_role(db, role))
        return role

    return make


def _drop_role(db, role: str) -> None:
    try:
        with db.connect() as c:
            c.execute(sql.SQL("DROP OWNED BY {} CASCADE").format(sql.Identifier(role)))
    except psycopg.Error:
        pass  # the database is gone already
    with connect(db.server.dsn) as c:
        c.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def _prepare(db, role: str, model, database: str, model_schema: bool = True) -> int:
    """Extensions first (as a hosting image preloads them: their own install scripts are not schemagen's), then a
    model schema the attacker may create in, then the planted functions."""
    mdb = model.database(database)
    schemas = ["public"]
    with db.connect() as c:
        for e in mdb.extensions:
            c.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {} SCHEMA {}").format(
                sql.Identifier(e.name), sql.Identifier(render.extension_schema(mdb, e.name))))
        writable = next((s.name for s in mdb.schemas if s.name != "public"), None) if model_schema else None
        if writable:
            c.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(writable)))
            c.execute(sql.SQL("GRANT CREATE, USAGE ON SCHEMA {} TO {}").format(sql.Identifier(writable),
                                                                            sql.Identifier(role)))
            schemas.append(writable)
    return plant(db, role, rendered_calls(model), schemas)


CASES = [(path, d.name) for path in MODELS for d in load_model(path).databases]


def _community(model, database: str) -> bool:
    """Whether the database needs the community edition (aggregates, compression, policies): PGlite then."""
    return any(st.feature in m.COMMUNITY_FEATURES for s in render.render(model, database=database, only="init")
               for st in s.statements)


@pytest.mark.parametrize("path, database", CASES, ids=[f"{p.parent.name}-{d}" for p, d in CASES])
def test_planted_overloads_never_run_on_apply_diff_rollback(path, database, request, attacker):
    model = load_model(path)
    db = request.getfixturevalue("ts_community_db") if _community(model, database) else \
        request.getfixturevalue("db_factory")("ts-apache")
    role = attacker(db)
    assert _prepare(db, role, model, database) > 20
    args = ("--dsn", db.dsn, "-m", str(path), "--database", database)
    # public is on the scripts' search_path and the attacker can create there and owns the planted overloads:
    # apply, diff and rollback refuse before running anything (--adopt: the model schema the DBA made beforehand
    # so the attacker could be granted CREATE in it is not what stops them). psql -f of the same files, which
    # has no such check, is the test of the typed, qualified calls themselves (below).
    # A model whose path is only pg_catalog, pg_temp runs: then only the qualified, typed calls stand between the
    # attacker's overloads in public (and in the model schema) and the superuser.
    reached = "public" in render.search_path(model.database(database))
    for command, extra, ok in (("apply", ("--skip-unsupported", "--adopt"), (0, 1)),
                               ("diff", ("--skip-unsupported",), (0, 1)), ("rollback", ("--yes",), (0, 1, 3))):
        code, _, err = run_cli(command, *args, *extra)
        assert "Traceback" not in err, err
        if reached:
            assert code == 3, err
            assert f"schema public: role {role} may create in it" in err and "nothing was changed" in err, err
        else:  # 1: the planted functions are drift; 3: rollback keeps the schema the attacker's functions are in
            assert code in ok, err
        assert_untouched(db, role)
    if reached:
        assert not db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'schemagen'")


def _unplant_timescaledb_types(db) -> None:
    """The issue's overloads take TimescaleDB's own type: the extension cannot be dropped while they exist, which
    rollback/990_extensions.sql then rightly refuses (it never uses CASCADE)."""
    with db.connect() as c:
        c.execute("DROP FUNCTION IF EXISTS public.create_hypertable(text, _timescaledb_internal.dimension_info, "
                  "boolean, boolean, boolean), public.by_range(text, anyelement, regproc)")


def _psql(dsn: str, files: list[Path]) -> None:
    for f in files:
        done = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", str(f)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{f}: {done.stderr}"


def test_planted_overloads_never_run_on_pglite(ts_community_db, attacker, tmp_path):
    """The community edition runs every TimescaleDB call (compression, policies, aggregates): apply, diff and
    rollback, then the rendered files through psql, init and rollback."""
    db, model = ts_community_db, load_model(ROOT / "model.yaml")
    role = attacker(db)
    assert _prepare(db, role, model, "datakwip", model_schema=False) > 20  # psql's rollback drops the schemas
    args = ("--dsn", db.dsn, "-m", str(ROOT / "model.yaml"), "--database", "datakwip")
    for command in (("apply",), ("diff",), ("rollback", "--yes")):
        code, _, err = run_cli(*command, *args)
        assert code in (0, 1, 3) and "Traceback" not in err, err
        assert_untouched(db, role)
    folder = ROOT / "out" / "datakwip"
    _psql(db.dsn, sorted(folder.glob("*.sql")))
    assert_untouched(db, role)
    with db.connect() as c:
        assert c.execute("SELECT count(*) FROM timescaledb_information.jobs WHERE job_id >= 1000").fetchone()[0] > 0
    _unplant_timescaledb_types(db)
    _psql(db.dsn, sorted((folder / "rollback").glob("*.sql")))
    assert_untouched(db, role)


def test_planted_overloads_never_run_through_psql_on_ts_apache(db_factory, attacker):
    """psql -f of the files that need no community feature, on the native server."""
    model = load_model(ROOT / "examples" / "agent-memory" / "model.yaml")
    db = db_factory("ts-apache")
    role = attacker(db)
    assert _prepare(db, role, model, "agent_memory", model_schema=False) > 20
    folder = ROOT / "examples" / "agent-memory" / "out" / "agent_memory"
    _psql(db.dsn, sorted(folder.glob("*.sql")))
    assert_untouched(db, role)
    _unplant_timescaledb_types(db)
    _psql(db.dsn, sorted((folder / "rollback").glob("*.sql")))
    assert_untouched(db, role)


def test_every_rendered_call_is_found():
    """The extraction the attacks rely on sees TimescaleDB's calls, DO blocks included."""
    found = rendered_calls(load_model(ROOT / "model.yaml"))
    names = {n for n, _ in found}
    assert {"create_hypertable", "by_range", "add_retention_policy", "to_regclass",
            "remove_retention_policy", "time_bucket"} <= names, names


# --- standard_conforming_strings = off, client_encoding ----------------------------------------------------

HOSTILE_COMMENT = "\\'; CREATE TABLE pwned (x int); --"
SCS_MODEL = f"""
version: 1
databases:
  app:
    schemas:
      s:
        comment: {json.dumps(HOSTILE_COMMENT)}
        tables:
          t:
            comment: {json.dumps(HOSTILE_COMMENT)}
            columns:
              id: {{type: integer, primary_key: true}}
              name: {{type: text, comment: {json.dumps(HOSTILE_COMMENT)}}}
"""


def test_backslash_comment_stays_a_literal_with_standard_conforming_strings_off(pg_plain_db, tmp_path):
    db = pg_plain_db
    with connect(db.server.dsn) as c:
        c.execute(sql.SQL("ALTER DATABASE {} SET standard_conforming_strings = off").format(sql.Identifier(db.name)))
    path = tmp_path / "model.yaml"
    path.write_text(SCS_MODEL)
    args = ("--dsn", db.dsn, "-m", str(path))
    code, _, err = run_cli("apply", *args)
    assert code == 0, err
    code, out, err = run_cli("diff", *args)
    assert code == 0, out + err  # the comment round-trips exactly
    with db.connect() as c:
        assert c.execute("SHOW standard_conforming_strings").fetchone()[0] == "off"  # the attack's setting
        assert c.execute("SELECT to_regclass('pwned') IS NULL AND to_regclass('public.pwned') IS NULL").fetchone()[0]
        assert c.execute("SELECT obj_description('s.t'::regclass, 'pg_class')").fetchone()[0] == HOSTILE_COMMENT
    assert run_cli("rollback", *args, "--yes")[0] == 0
    code, _, err = run_cli("render", "-m", str(path), "-o", str(tmp_path / "out"))
    assert code == 0, err
    _psql(db.dsn, sorted((tmp_path / "out" / "app").glob("*.sql")))
    with db.connect() as c:
        assert c.execute("SELECT to_regclass('pwned') IS NULL").fetchone()[0]
        assert c.execute("SELECT col_description('s.t'::regclass, 2)").fetchone()[0] == HOSTILE_COMMENT


@pytest.mark.parametrize("encoding", ["LATIN1", "SQL_ASCII"])
def test_client_encoding_in_the_dsn_is_overridden(pg_plain_db, tmp_path, encoding):
    """Non-ASCII names (not in LATIN1 either) apply, diff and roll back whatever client_encoding the DSN asks."""
    path = tmp_path / "model.yaml"
    path.write_text("""
version: 1
databases:
  app:
    schemas:
      daten:
        comment: "Zähler — ελληνικά, 日本"
        tables:
          zählerstände_ω:
            columns:
              id: {type: integer, primary_key: true}
              wert_€: {type: text, comment: "Ω≈ç√"}
""")
    dsn = make_conninfo(pg_plain_db.dsn, client_encoding=encoding)
    args = ("--dsn", dsn, "-m", str(path))
    code, _, err = run_cli("apply", *args)
    assert code == 0 and "Traceback" not in err, err
    code, out, err = run_cli("diff", *args)
    assert code == 0 and "Traceback" not in err, out + err
    with pg_plain_db.connect() as c:
        assert c.execute("SELECT obj_description('daten'::regnamespace, 'pg_namespace')").fetchone()[0] == \
            "Zähler — ελληνικά, 日本"
    code, _, err = run_cli("rollback", *args, "--yes")
    assert code == 0 and "Traceback" not in err, err


PLANTED_EQ = """
CREATE FUNCTION public.evil_eq(a varchar, b varchar) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN PERFORM pg_catalog.nextval('public.sg_canary'); RETURN a::text = b::text; END $f$;
CREATE OPERATOR public.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.evil_eq);
"""


@pytest.mark.parametrize("command", ["apply", "diff", "rollback"])
def test_an_operator_planted_on_the_search_path_is_refused(command, request, attacker):
    """Found by review: pg_catalog first on the path is not enough. pg_catalog has no =(varchar, varchar), so a
    planted public.= of that exact signature beat texteq in rollback's `DELETE ... WHERE key = 'acme'`, in a model's
    partial index predicate and in apply's own comparisons, and ran as the superuser. A schema on the scripts'
    search_path where another role can create, or owns a function, operator or type, is refused (exit 3) by apply,
    diff and rollback before they change or run anything; revoking the role's CREATE is not enough while its
    objects stay there."""
    db = request.getfixturevalue("db_factory")("ts-apache")
    model = ROOT / "model.yaml"
    args = ("--dsn", db.dsn, "-m", str(model), "--database", "datakwip", "--skip-unsupported")
    if command != "apply":
        assert run_cli("apply", *args)[0] == 0
    role = attacker(db)
    with db.connect() as c:
        c.execute("CREATE SEQUENCE IF NOT EXISTS public.sg_canary")
        c.execute(sql.SQL("GRANT USAGE, UPDATE ON SEQUENCE public.sg_canary TO {}").format(sql.Identifier(role)))
        c.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        c.execute(PLANTED_EQ)
        c.execute("RESET ROLE")
        c.execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(sql.Identifier(role)))
    before = snapshot(db)
    extra = ("--yes",) if command == "rollback" else ()
    code, out, err = run_cli(command, *args[:-1] if command == "rollback" else args, *extra)
    assert code == 3 and "Traceback" not in err, err
    assert f"schema public: role {role} owns operator public.=(character varying,character varying)" in err, err
    assert "nothing was changed" in err
    assert db.scalar("SELECT last_value FROM public.sg_canary") == 1 and \
        not db.scalar("SELECT is_called FROM public.sg_canary"), "the planted operator ran"
    assert snapshot(db) == before
