"""The command line given bad arguments, and inputs that look odd but that PostgreSQL accepts.

Bad arguments end as usage errors: exit 2, one clear message, no traceback, nothing written, no connection tried.
Odd inputs PostgreSQL accepts (names with newlines, quotes, `*/`, `$$`, reserved words, multibyte characters up to
63 bytes, a byte order mark and CRLF line ends, U+2028 in comments) render, apply, diff clean and roll back.
Free-form SQL is judged as PostgreSQL judges it: the validator and the server agree on PL/pgSQL bodies and column
types.
"""
from __future__ import annotations

import errno
import json
import os
import textwrap

import psycopg
import pytest
from helpers import ROOT, run_cli, snapshot

from schemagen.errors import ModelError
from schemagen.load import load_model_text

MODEL = str(ROOT / "model.yaml")
UNREACHABLE = "postgresql://nobody@127.0.0.1:1/none"  # well-formed; nothing listens on port 1


# --- bad command lines ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["validate", "-m", ""],
    ["render", "-m", MODEL, "-o", ""],
    ["render", "-m", "", "--check"],
    ["diff", "-m", "", "--dsn", UNREACHABLE],
])
def test_an_empty_path_is_a_usage_error(args, tmp_path, monkeypatch):
    """Path("") is the current folder: `-o ""` wrote the scripts into it, `-m ""` said `.` is a directory."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(*args)
    assert code == 2 and "is empty: give a path" in err, err
    assert "Traceback" not in err and out == "" and list(tmp_path.iterdir()) == []


def test_a_model_path_that_is_a_directory(tmp_path):
    code, _, err = run_cli("validate", "-m", str(tmp_path))
    assert code == 2 and "is a directory" in err and "Traceback" not in err


def test_an_unreadable_model(tmp_path, monkeypatch):
    """(The tests run as root, who reads any file: the refusal is simulated.)"""
    path = tmp_path / "model.yaml"
    path.write_text("databases: {}\n")
    real_open = os.open

    def refuse(name, *args, **kwargs):  # the model is opened with os.open (not to block on a FIFO)
        if str(name) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(name))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    code, _, err = run_cli("validate", "-m", str(path))
    assert code == 2 and f"{path}:1:1: cannot read the model: Permission denied" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["render", "apply", "rollback", "diff"])
@pytest.mark.parametrize("option,value,says", [
    ("--database", "nope", "unknown database 'nope'; the model has: datakwip, simulator_state"),
    ("--database", "DATAKWIP", "unknown database 'DATAKWIP'"),  # names are exact: no case folding
    ("--org", "nope", "unknown org 'nope'; the model has: acme, demo, globex"),
    ("--org", "ACME", "unknown org 'ACME'"),
    ("--org", "", "unknown org ''"),
])
def test_unknown_database_or_org_on_every_command(command, option, value, says, tmp_path):
    """Refused before any connection: the DSN points where nothing listens, and the message is not about it."""
    args = [command, "-m", MODEL, option, value]
    if option == "--org":
        args += ["--database", "datakwip"]
    args += ["-o", str(tmp_path / "out")] if command == "render" else ["--dsn", UNREACHABLE]
    code, out, err = run_cli(*args)
    assert code == 2 and says in err, err
    assert "cannot connect" not in err and "Traceback" not in err and out == ""
    assert not (tmp_path / "out").exists()


def test_an_org_given_twice_renders_once(tmp_path):
    code, _, err = run_cli("render", "-m", MODEL, "--org", "acme", "--org", "acme", "-o", str(tmp_path))
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "datakwip").iterdir()) == ["900_org_acme.sql", "rollback"]
    assert [p.name for p in (tmp_path / "datakwip" / "rollback").iterdir()] == ["100_org_acme.sql"]


@pytest.mark.parametrize("dsn", [
    "postgresql://postgres:s3cret%zz@127.0.0.1:5432/x",  # libpq quotes the token it refuses: the password
    "postgresql://postgres:s3cret%zz@127.0.0.1/x?sslmode=bogus",
    "host=db.invalid port=abc user=postgres password=s3cret",  # psycopg would look `abc` up as a service
    "host=127.0.0.1 port=5432,x password=s3cret",
])
def test_a_malformed_dsn_is_a_usage_error_without_the_password(dsn, monkeypatch):
    for args in (["diff", "--dsn", dsn], ["apply", "--dry-run", "--dsn", dsn]):
        code, out, err = run_cli(*args[:1], "-m", MODEL, "--database", "datakwip", *args[1:])
        assert code == 2 and "malformed DSN" in err, err
        assert "s3cret" not in out + err and "Traceback" not in err
    monkeypatch.setenv("DATABASE_URL", dsn)
    code, out, err = run_cli("rollback", "-m", MODEL, "--database", "datakwip")
    assert code == 2 and "malformed DSN" in err and "s3cret" not in out + err


def test_an_unreachable_well_formed_dsn_stays_a_database_error():
    code, _, err = run_cli("diff", "-m", MODEL, "--database", "datakwip", "--dsn", UNREACHABLE)
    assert code == 3 and "cannot connect to the database" in err and "Traceback" not in err


# --- odd inputs that work -------------------------------------------------------------------------------------

def test_a_byte_order_mark_and_crlf_line_ends_render_the_same(tmp_path, monkeypatch):
    """The same model saved by a Windows editor (UTF-8 with BOM, CRLF): the same scripts, byte for byte."""
    text = (ROOT / "model.yaml").read_text("utf-8")
    (tmp_path / "lf").mkdir()
    (tmp_path / "crlf").mkdir()
    (tmp_path / "lf" / "model.yaml").write_text(text, "utf-8", newline="\n")
    (tmp_path / "crlf" / "model.yaml").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    for folder in ("lf", "crlf"):
        monkeypatch.chdir(tmp_path / folder)
        code, _, err = run_cli("render", "-m", "model.yaml", "-o", "out")
        assert code == 0, err
    lf = {p.relative_to(tmp_path / "lf"): p.read_bytes() for p in (tmp_path / "lf" / "out").rglob("*.sql")}
    crlf = {p.relative_to(tmp_path / "crlf"): p.read_bytes() for p in (tmp_path / "crlf" / "out").rglob("*.sql")}
    assert lf and lf == crlf


def test_crlf_line_numbers(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_bytes(b"databases:\r\n  app:\r\n    schemas:\r\n      s:\r\n        tables:\r\n          t:\r\n"
                     b"            columns:\r\n              id: integr\r\n")
    code, _, err = run_cli("validate", "-m", str(path))
    assert code == 2 and f"{path}:8:15:" in err and "unknown type 'integr'" in err


def test_line_separators_stay_inside_comments_and_strings():
    """YAML 1.1 (PyYAML, libyaml) ends a line at U+0085, U+2028 and U+2029: a comment would end there, a quoted
    string would have it folded into a space. The model keeps them as its editor shows them."""
    model = load_model_text(
        "# note:\u2028 not: yaml\x85 either\ndatabases:\n  app:\n    schemas:\n      s:\n"
        '        comment: "a\u2028b\x85c\u2029d"\n        tables:\n          t:\n'
        "            comment: |\n              one\u2028two\n            columns: {id: int}\n")
    db = model.databases[0]
    assert db.schemas[0].comment == "a\u2028b\x85c\u2029d"
    assert db.tables[0].comment == "one\u2028two\n"


def test_an_alias_of_a_name_is_a_key():
    model = load_model_text("databases:\n  app:\n    schemas:\n      s:\n        tables:\n          t:\n"
                            "            comment: &name created_by\n            columns:\n"
                            "              id: int\n              *name : text\n")
    assert [c.name for c in model.databases[0].tables[0].columns] == ["id", "created_by"]


def _odd_model() -> str:
    name63 = "é" * 27 + "x_{org}"  # 54 + 2 + 7 (the org key) = 63 bytes: the longest name PostgreSQL keeps
    return textwrap.dedent(f'''\
        # A comment with a U+2028 here:\u2028 and a U+0085 here:\x85 it stays a comment.
        orgs:
          - {{key: orgabcd, name: "O'Brien */ $$ Ltd"}}
        databases:
          app:
            org_registry: {{table: select.from, key_column: key, values: {{key: "{{org}}", label: "{{org_name}}"}}}}
            schemas:
              "select":
                comment: "*/ $$ ' -- \\\\ \u2028 end"
                tables:
                  "from":
                    columns:
                      key: {{type: text, primary_key: true}}
                      label: text
                  "Mixed Case; --":
                    comment: "a */ comment with $$, $body$ and 'quotes'"
                    columns:
                      "id\\u00a0next": {{type: int, primary_key: true}}
                      "user": {{type: text, default: "'--'", comment: "x\u2028y"}}
                      "naïve 😀": {{type: '"char"'}}
                      "*/": {{type: text, check: "\\"*/\\" <> '$$'"}}
                      note: {{type: text, default: "$$it's$$"}}
                      null: boolean      # YAML keys are names as written: "null", "true", "~", "1", "no"
                      true: int
                      ~: text
                      1: text
                      no: {{type: int, default: 0}}
                    seed:
                      rows:
                        - {{"id\\u00a0next": 1, "user": "'); DROP TABLE x; --", "*/": "a\\\\b", note: "$$ */ \u2028 😀"}}
                        - {{"id\\u00a0next": 2, "naïve 😀": "q", note: "tab\\there", null: no, true: 1, ~: "~", 1: "1"}}
                  "{name63}":
                    columns:
                      id: {{type: int, primary_key: true}}
                functions:
                  "odd fn":
                    arguments: [{{name: p, type: text}}]
                    returns: text
                    language: plpgsql
                    body: |
                      DECLARE r "select"."from"%ROWTYPE;
                      BEGIN
                        r.key := p || '$$' || $x$ */ $x$;  -- a comment with $$
                        RETURN r.key;
                      END
        ''')


def test_odd_names_and_text_apply_diff_clean_and_roll_back(ts_apache_db, tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text(_odd_model(), "utf-8")
    before = snapshot(ts_apache_db)
    code, _, err = run_cli("render", "-m", str(path), "-o", str(tmp_path / "out"))
    assert code == 0, err
    code, _, err = run_cli("apply", "-m", str(path), "--dsn", ts_apache_db.dsn)
    assert code == 0, err
    with ts_apache_db.connect() as c:
        assert c.execute('SELECT "select"."odd fn"(%s)', ["a"]).fetchone()[0] == "a$$ */ "
        rows = c.execute('SELECT "user", "*/", note FROM "select"."Mixed Case; --" ORDER BY 3').fetchall()
        assert rows[0] == ("'); DROP TABLE x; --", "a\\b", "$$ */ \u2028 😀") and rows[1][0] == "--"
        assert c.execute("SELECT label FROM \"select\".\"from\"").fetchone()[0] == "O'Brien */ $$ Ltd"
        assert c.execute('SELECT "null", "true", "~", "1", "no" FROM "select"."Mixed Case; --" WHERE "true" = 1'
                         ).fetchone() == (False, 1, "~", "1", 0)
        assert c.execute("SELECT count(*) FROM pg_class WHERE relname = %s", ["é" * 27 + "x_orgabcd"]).fetchone()[0]
    code, out, err = run_cli("diff", "-m", str(path), "--dsn", ts_apache_db.dsn)
    assert code == 0 and "no drift" in out + err, out + err
    code, _, err = run_cli("rollback", "-m", str(path), "--dsn", ts_apache_db.dsn)
    assert code == 0, err
    assert snapshot(ts_apache_db) == before


# --- the validator and the server agree -----------------------------------------------------------------------

_BODIES = [  # (arguments as (mode, name, type), returns, body, what PostgreSQL says: None when it accepts)
    ((), "trigger", "BEGIN NEW.x := now(); IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END", None),
    ((("in", "p_id", "int"),), "int", "DECLARE r s.t%ROWTYPE; BEGIN SELECT * INTO r FROM s.t WHERE id = p_id; "
                                      "r.id := 2; RETURN r.id; END", None),
    ((("in", "a", "int"), ("out", "b", "int")), "int", "BEGIN b := a; END", None),
    ((), "TABLE(x int, y text)", "BEGIN RETURN QUERY SELECT 1, 'a'; x := 2; y := 'b'; RETURN NEXT; END", None),
    ((("in", None, "int"),), "int", "DECLARE a ALIAS FOR $1; BEGIN RETURN a + $1; END", None),
    ((("in", "arr", "int[]"),), "int", "DECLARE x int; s int := 0; BEGIN FOREACH x IN ARRAY arr LOOP s := s + x; "
                                       "END LOOP; RETURN s; END", None),
    ((), "void", "DECLARE n bigint; BEGIN UPDATE s.t SET id = id; GET DIAGNOSTICS n = ROW_COUNT; "
                 "RAISE NOTICE 'n=%', n; EXCEPTION WHEN others THEN RAISE; END", None),
    ((("in", "tbl", "text"),), "bigint", "DECLARE n bigint; BEGIN EXECUTE format('SELECT count(*) FROM %I', tbl) "
                                         "INTO n; RETURN n; END", None),
    ((), "SETOF s.t", "DECLARE r record; BEGIN FOR r IN SELECT * FROM s.t LOOP RETURN NEXT r; END LOOP; END", None),
    ((), "int", "<<outer>> DECLARE x int := 1; BEGIN <<inner>> DECLARE x int := 2; BEGIN RETURN outer.x; END; "
                "END", None),
    ((("variadic", "xs", "int[]"),), "int", "BEGIN RETURN array_length(xs, 1); END;", None),
    ((), "int", "#variable_conflict use_column\nBEGIN RETURN 1; END; -- trailing", None),
    ((), "int", "BEGIN RETURN $x$ 1; END", "unterminated dollar-quoted string"),
    ((), "int", "BEGIN RETURN 1; END $$; DROP TABLE s.t; --", "unterminated dollar-quoted string"),
    ((), "int", "BEGIN RETURN 1 END", "syntax error"),
    ((), "int", "BEGIN RETURN 1; END; END", "syntax error"),
    ((), "int", "BEGIN RETURN 'x''; END", "unterminated quoted string"),
    ((), "int", "BEGIN RETURN 1; /* x END", "unterminated /* comment"),
    ((), "int", "BEGIN RETURN (1; END", "mismatched parentheses"),
    ((), "int", "<<a>> BEGIN RETURN 1; END b", "differs from block's label"),
    ((), "int", "BEGIN EXIT nolabel; RETURN 1; END", "there is no label"),
    ((), "int", "RETURN 1;", "syntax error"),
]


def _function_model(arguments: tuple, returns: str, body: str) -> str:
    listed = [{"type": t, **({"name": n} if n else {}), **({"mode": m} if m != "in" else {})}
              for m, n, t in arguments]
    return ("databases:\n  app:\n    schemas:\n      s:\n        tables:\n"
            "          t: {columns: {id: int, x: timestamptz}}\n        functions:\n          f:\n"
            f"            arguments: {json.dumps(listed)}\n            returns: {json.dumps(returns)}\n"
            f"            language: plpgsql\n            body: {json.dumps(body)}\n")


@pytest.mark.parametrize("arguments,returns,body,refused", _BODIES, ids=[f"body{i}" for i in range(len(_BODIES))])
def test_plpgsql_bodies_as_postgresql_judges_them(arguments, returns, body, refused, ts_apache_db):
    """What PostgreSQL refuses with check_function_bodies on is refused at validate time; what it accepts passes
    (libpg_query compiles without a catalog: `%ROWTYPE` of another schema must not be taken for an error)."""
    sql_args = ", ".join(" ".join(filter(None, (m.upper() if m != "in" else "", n, t))) for m, n, t in arguments)
    with ts_apache_db.connect() as c, c.transaction(force_rollback=True):
        c.execute("CREATE SCHEMA s; CREATE TABLE s.t (id int, x timestamptz)")
        try:
            with c.transaction():
                c.execute(f"CREATE FUNCTION s.f({sql_args}) RETURNS {returns} LANGUAGE plpgsql AS "
                          f"$body$\n{body}\n$body$")
            server = None
        except psycopg.Error as e:
            server = e.diag.message_primary
    assert (server is None) == (refused is None), server
    if refused:
        assert refused in server
    text = _function_model(arguments, returns, body)
    if refused is None:
        load_model_text(text)
    else:
        with pytest.raises(ModelError) as caught:
            load_model_text(text)
        assert any("is not valid PL/pgSQL" in p.message and refused in p.message for p in caught.value.problems), \
            [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("type_", ["record", "anyelement", "anyarray", "trigger", "void", '"char"', '"char"[]',
                                   "int4range", "tstzmultirange", "bit varying(5)", "interval year to month",
                                   "time(3) with time zone", "double precision[][]", "pg_lsn", "regclass",
                                   "character varying(10485760)", "public.nosuchtype", "s.t"])
def test_column_types_as_postgresql_judges_them(type_, ts_apache_db):
    with ts_apache_db.connect() as c, c.transaction(force_rollback=True):
        c.execute("CREATE SCHEMA s; CREATE TABLE s.t (id int)")
        try:
            with c.transaction():
                c.execute(f"CREATE TABLE s.u (c {type_})")
            server_accepts = True
        except psycopg.Error:
            server_accepts = False
    text = (f"databases:\n  app:\n    schemas:\n      s:\n        tables:\n          t: {{columns: {{id: int}}}}\n"
            f"          u: {{columns: {{c: {{type: '{type_}'}}}}}}\n")
    try:
        load_model_text(text)
        model_accepts = True
    except ModelError as e:
        model_accepts = False
        why = str(e)
    if type_ == "s.t":  # a table's row type: PostgreSQL takes it; the model refuses it, saying so
        assert server_accepts and not model_accepts and "row type of s.t" in why
    else:
        assert model_accepts == server_accepts, why if not model_accepts else type_
