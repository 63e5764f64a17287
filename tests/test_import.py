"""`schemagen import`: a live database written back as a model.

Offline: the YAML text reads back as the values written (yaml), org templates are recognised from mappings, the
shorthands. On the servers: every example model (examples/*/model.yaml and the root model.yaml) applied as model
A, imported as model B: B validates, `diff` of B against that database finds nothing, and for the examples B's
orgs (keys, names, overrides) and org templates are A's; on a native server B applied to a second, empty
database imports to the same text. The Apache edition with --skip-unsupported for what it refuses.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from helpers import MODEL, ROOT, run_cli

from schemagen import model as m
from schemagen.commands import apply as applying
from schemagen.commands import drift as differ
from schemagen.commands import importdb
from schemagen.importer import objects, orgs
from schemagen.importer.yamltext import Commented, dump, scalar
from schemagen.load import load_model

EXAMPLES = ROOT / "examples"


def _model_files() -> list[tuple[str, Path]]:
    return [("haystack", MODEL)] + [(p.parent.name, p) for p in sorted(EXAMPLES.glob("*/model.yaml"))]


def _databases() -> list[tuple[str, Path, str, bool]]:
    """(system, model file, database, uses TimescaleDB) of every example database."""
    out = []
    for system, path in _model_files():
        for name, spec in yaml.safe_load(path.read_text())["databases"].items():
            out.append((system, path, name, "timescaledb" in ((spec or {}).get("extensions") or {})))
    return out


# uuid-ossp is not in the PGlite build (test_examples runs agent-memory on the Apache build too)
NOT_ON_PGLITE = {("agent-memory", "agent_memory")}
CASES = []
for _system, _path, _name, _ts in _databases():
    if _ts:
        if (_system, _name) not in NOT_ON_PGLITE:
            CASES.append(pytest.param(_path, _name, "ts-community", id=f"{_system}-{_name}-ts-community"))
        CASES.append(pytest.param(_path, _name, "ts-apache", id=f"{_system}-{_name}-ts-apache"))
    else:
        CASES.append(pytest.param(_path, _name, "pg-plain", id=f"{_system}-{_name}-pg-plain"))


# --- offline ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["plain", "1 day", "7 days", "yes", "no", "null", "123", "1.5", "2024-01-01",
                                  "a: b", "x #y", "{org}", "values_{org}", "'quoted'", "- dash", "tab\there",
                                  "trailing ", "Tag id, e.g. site", "a;b", "line\nbreak", "%x", "@x", "`x",
                                  "☃ snow", "\u2028", "true", "~", "1e3", "0x10", "*alias", "&anchor", "!tag"])
def test_scalars_read_back_as_written(text):
    for flow in (False, True):
        doc = yaml.safe_load(f"k: {scalar(text, flow)}" if not flow else f"k: [{scalar(text, flow)}]")
        assert (doc["k"] if not flow else doc["k"][0]) == text


def test_document_reads_back_with_comments_and_literal_blocks():
    data = {"version": 1, "databases": {"d": {"schemas": {"s": {"functions": {
        "f": Commented({"returns": "integer", "body": "BEGIN\n  RETURN 1;\nEND"}, ("could not say X",)),
        "g": {"body": "SELECT 1  \n"}}}}}}}
    text = dump(data, ("header",))
    assert "# schemagen" not in text and "    # could not say X\n" in text.replace("        ", "    ")
    back = yaml.safe_load(text)
    fs = back["databases"]["d"]["schemas"]["s"]["functions"]
    assert fs["f"]["body"] == "BEGIN\n  RETURN 1;\nEND" and fs["g"]["body"] == "SELECT 1  \n"
    assert text.startswith("# header\n")


def test_short_types_and_orders():
    assert objects.short_type("timestamp with time zone") == "timestamptz"
    assert objects.short_type("timestamp(3) without time zone[]") == "timestamp(3)[]"
    assert objects.short_type("character varying(50)[]") == "varchar(50)[]"
    assert objects.short_type("double precision") == "double precision"
    assert objects.ordered("ts", True, True) == "ts DESC"
    assert objects.ordered("ts", False, True) == "ts ASC NULLS FIRST"
    assert objects.ordered("my time", True, False) == '"my time" DESC NULLS LAST'


def _table(name: str, chunk: str, comment: str = "x") -> dict:
    return {"comment": comment, "columns": {"ts": "timestamptz"},
            "indexes": {f"ix_{name}": {"columns": ["ts DESC"]}},
            "hypertable": {"time_column": "ts", "chunk_interval": chunk}}


def test_org_templates_and_overrides_are_recognised():
    rel = {("s", "tables", f"values_{k}"): _table(f"values_{k}", c) for k, c in
           (("acme", "7 days"), ("demo", "1 day"), ("globex", "7 days"))}
    rel[("s", "tables", "entity")] = {"columns": {"id": "serial"}}
    found = orgs.recognise(rel)
    assert found.keys == ["acme", "demo", "globex"]
    assert found.overrides == {"demo": {"chunk_interval": "1 day"}}
    assert found.templates[("s", "tables", "values_{org}")]["hypertable"]["chunk_interval"] == "7 days"
    assert found.templates[("s", "tables", "values_{org}")]["indexes"] == {"ix_values_{org}": {"columns": ["ts DESC"]}}


def test_tables_that_differ_are_not_a_template():
    rel = {("s", "tables", "values_acme"): _table("values_acme", "7 days", "one"),
           ("s", "tables", "values_demo"): _table("values_demo", "7 days", "another")}
    found = orgs.recognise(rel)
    assert found.keys == [] and found.left == ["s.values_{org}: values_acme, values_demo differ"]


def _current(name: str) -> dict:
    return {"columns": {"ts": "timestamptz", "v": "double precision"}, "comment": f"latest of {name}"}


def test_org_keys_with_underscores_and_their_twins_are_told_apart_by_shape():
    """values_acme_corp_current reads as values_{org} of acme_corp_current or values_{org}_current of acme_corp:
    the shapes say which (the values tables are alike, the current tables are alike, not the two together)."""
    rel = {}
    for key in ("acme_corp", "demo", "big_co_2"):
        rel[("s", "tables", f"values_{key}")] = _table(f"values_{key}", "7 days")
        rel[("s", "tables", f"values_{key}_current")] = _current(f"values_{key}")
        rel[("s", "views", f"{key} summary")] = {"query": f"SELECT ts FROM s.values_{key}"}
    rel[("s", "tables", "values_archive")] = {"columns": {"ts": "timestamptz"}}
    found = orgs.recognise(rel)
    assert found.keys == ["acme_corp", "big_co_2", "demo"]
    assert set(found.templates) == {("s", "tables", "values_{org}"), ("s", "tables", "values_{org}_current"),
                                    ("s", "views", "{org} summary")}
    assert found.members[("s", "tables", "values_{org}")] == {
        "acme_corp": "values_acme_corp", "big_co_2": "values_big_co_2", "demo": "values_demo"}
    assert found.templates[("s", "tables", "values_{org}_current")]["comment"] == "latest of values_{org}"
    assert found.templates[("s", "views", "{org} summary")] == {"query": "SELECT ts FROM s.values_{org}"}
    assert found.left == []
    tables = {k: v for k, v in rel.items() if k[1] == "tables"}  # without the views: as many groups either way
    again = orgs.recognise(tables)
    assert again.keys == ["acme_corp", "big_co_2", "demo"]
    assert set(again.templates) == {("s", "tables", "values_{org}"), ("s", "tables", "values_{org}_current")}


def test_comments_naming_the_org_are_alike_once_the_names_are_known():
    rel = {("s", "tables", f"values_{k}"): {"comment": f"readings of {n}", "columns": {"v": {
        "type": "integer", "comment": f"{n}'s value"}}} for k, n in (("acme", "Acme Corp"), ("demo", "Demo Inc"))}
    assert orgs.recognise(rel).keys == []
    found = orgs.recognise(rel, {"acme": "Acme Corp", "demo": "Demo Inc"})
    assert found.keys == ["acme", "demo"]
    assert found.templates[("s", "tables", "values_{org}")] == {
        "comment": "readings of {org_name}", "columns": {"v": {"type": "integer", "comment": "{org_name}'s value"}}}


@pytest.mark.parametrize(("text", "fields"), [
    ('(1,"a b",,"{x,y}")', ["1", "a b", None, "{x,y}"]), ("(,)", [None, None]), ("(1,)", ["1", None]),
    ('("")', [""]), ('("a ""q"" \\\\ z",2)', ['a "q" \\ z', "2"]), ('("{""a"",""b 1""}",t)', ['{"a","b 1"}', "t"])])
def test_record_text_is_read_back_as_its_fields(text, fields):
    from schemagen.importer import seeds

    assert seeds.record(text) == fields


def test_role_names_are_never_templated():
    def table(key: str, role: str) -> dict:
        return {"columns": {"v": "integer"}, "grants": {role: ["select"]},
                "row_level_security": {"policies": {f"p_{key}": {"roles": [role], "using": f"v > 0 -- {key}"}}}}

    same = orgs.recognise({("s", "tables", f"t_{k}"): table(k, "reader") for k in ("acme", "demo")})
    assert same.templates[("s", "tables", "t_{org}")] == table("{org}", "reader")
    per_org = orgs.recognise({("s", "tables", f"t_{k}"): table(k, f"{k}_reader") for k in ("acme", "demo")})
    assert per_org.keys == [] and per_org.templates == {}


def test_a_key_inside_a_word_is_not_replaced():
    assert orgs.templated({"values_a": "avg(a_value) FROM values_a", "a": "data"}, "a") == \
        {"values_{org}": "avg({org}_value) FROM values_{org}", "{org}": "data"}
    assert orgs.templated("value_acmex acme", "acme") == "value_acmex {org}"


# --- on the servers ---------------------------------------------------------------------------------------------

def _empty(request, server: str):
    if server == "ts-community":
        return request.getfixturevalue("ts_community_db")
    return request.getfixturevalue("db_factory")(server)


def _templates(model: m.Model, name: str) -> set[tuple[str, str]]:
    db = model.database(name)
    return {(type(o).__name__, f"{o.schema}.{o.template}") for o in (*db.tables, *db.views,
                                                                    *db.continuous_aggregates) if o.template}


@pytest.mark.parametrize(("path", "database", "server"), CASES)
def test_round_trip(request, tmp_path, path, database, server):
    a = load_model(path)
    db = _empty(request, server)
    skip = server == "ts-apache"
    applying.apply(db.dsn, a, database=database, skip_unsupported=skip, out=io.StringIO())
    out = tmp_path / "model.yaml"
    result = importdb.import_database(db.dsn, out, database=database)
    assert result.problems == []
    assert result.catalog_queries <= 14 + 4 + 2  # inspect's, the behaviour queries, default privileges, policies
    b = load_model(out)
    changes = differ.diff(db.dsn, b, database=database).changes
    assert [str(c) for c in changes] == []
    # seed rows: the lookup tables' (shared, referenced by a foreign key), each as many rows as A seeded
    seeded = {(t.schema, t.name): len(t.seed.rows) for t in b.database(database).tables if t.seed}
    assert seeded.items() <= {(t.schema, t.name): len(t.seed.rows) for t in a.database(database).tables
                              if t.seed}.items()
    if database in ("datakwip", "enms"):
        assert seeded and all(seeded.values()), seeded
    if not skip and _templates(a, database):  # Apache: no continuous aggregates, so fewer templates
        assert [(o.key, o.name, o.overrides) for o in b.orgs] == [(o.key, o.name, o.overrides) for o in a.orgs]
        assert _templates(b, database) == _templates(a, database)
    if server != "ts-community":  # B applied to a second database imports to the same model
        second = request.getfixturevalue("db_factory")(server)
        applying.apply(second.dsn, b, database=database, out=io.StringIO())
        again = importdb.import_database(second.dsn, None, database=database)
        assert again.text == result.text


def test_cli_refuses_to_overwrite_and_writes_stdout(request, tmp_path):
    db = request.getfixturevalue("db_factory")("pg-plain")
    with db.connect() as conn:
        conn.execute("CREATE TABLE public.t (id integer PRIMARY KEY, note text DEFAULT 'x')")
    target = tmp_path / "model.yaml"
    target.write_text("mine\n")
    code, _, err = run_cli("import", "--dsn", db.dsn, "-o", str(target))
    assert code == 2 and "--force" in err and target.read_text() == "mine\n"
    code, _, err = run_cli("import", "--dsn", db.dsn, "-o", str(target), "--force", "--database", "app")
    assert code == 0, err
    data = yaml.safe_load(target.read_text())
    assert data["databases"]["app"]["schemas"]["public"]["tables"]["t"]["columns"] == {
        "id": {"type": "integer", "primary_key": True}, "note": {"type": "text", "default": "'x'::text"}}
    code, out, _ = run_cli("import", "--dsn", db.dsn, "-o", "-", "--database", "app")
    assert code == 0 and out == target.read_text()
    code, _, err = run_cli("import", "--dsn", "postgresql://nobody@127.0.0.1:1/x", "-o", "-")
    assert code == 3 and "Traceback" not in err


def test_a_disabled_trigger_is_written_not_noted(request):
    db = request.getfixturevalue("db_factory")("pg-plain")
    with db.connect() as conn:
        conn.execute("CREATE TABLE public.t (id integer PRIMARY KEY)")
        conn.execute("CREATE FUNCTION public.g() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'")
        conn.execute("CREATE TRIGGER tg BEFORE INSERT ON public.t FOR EACH ROW EXECUTE FUNCTION public.g()")
        conn.execute("ALTER TABLE public.t DISABLE TRIGGER tg")
    result = importdb.import_database(db.dsn, None, database="app")
    t = yaml.safe_load(result.text)["databases"]["app"]["schemas"]["public"]["tables"]["t"]
    assert t["triggers"]["tg"]["enabled"] is False and result.notes == [] and result.problems == []


def test_a_serial_columns_sequence_with_grants_is_declared(request):
    db = request.getfixturevalue("db_factory")("pg-plain")
    with db.connect() as conn:
        conn.execute("CREATE TABLE public.t (id serial PRIMARY KEY, n bigserial)")
        conn.execute("GRANT USAGE, SELECT ON SEQUENCE public.t_id_seq TO sg_reader")
    result = importdb.import_database(db.dsn, None, database="app")
    assert result.problems == [] and result.notes == []
    public = yaml.safe_load(result.text)["databases"]["app"]["schemas"]["public"]
    assert public["sequences"] == {"t_id_seq": {"as": "integer", "owned_by": "t.id",
                                                "grants": {"sg_reader": ["usage", "select"]}}}
    assert public["tables"]["t"]["columns"] == {
        "id": {"type": "integer", "primary_key": True, "default": "nextval('public.t_id_seq'::regclass)"},
        "n": "bigserial"}
    model = props_load(result.text)
    assert [c.summary() for c in differ.diff(db.dsn, model).changes] == []
    second = request.getfixturevalue("db_factory")("pg-plain")
    applying.apply(second.dsn, model, out=io.StringIO())
    assert importdb.import_database(second.dsn, None, database="app").text == result.text


def test_org_keys_with_underscores_on_a_server(request):
    """values_acme_corp and values_acme_corp_current beside values_demo and values_demo_current, an org registry
    naming them, a comment naming each org: two templates of the orgs acme_corp and demo, no drift, and the model
    applied to a fresh database imports to the same text."""
    db = request.getfixturevalue("db_factory")("pg-plain")
    with db.connect() as conn:
        conn.execute("CREATE TABLE public.org (key text PRIMARY KEY, name text NOT NULL, data_table text)")
        for key, name in (("acme_corp", "Acme Corp"), ("demo", "Demo Inc")):
            conn.execute(f"INSERT INTO public.org VALUES ('{key}', '{name}', 'values_{key}')")
            conn.execute(f"CREATE TABLE public.values_{key} (ts timestamptz NOT NULL, v double precision)")
            conn.execute(f"COMMENT ON TABLE public.values_{key} IS 'readings of {name}'")
            conn.execute(f"CREATE INDEX ix_values_{key}_ts ON public.values_{key} (ts DESC)")
            conn.execute(f"CREATE TABLE public.values_{key}_current (id integer PRIMARY KEY, v double precision)")
    result = importdb.import_database(db.dsn, None, database="app")
    assert result.problems == []
    doc = yaml.safe_load(result.text)
    assert doc["orgs"] == [{"key": "acme_corp", "name": "Acme Corp"}, {"key": "demo", "name": "Demo Inc"}]
    tables = doc["databases"]["app"]["schemas"]["public"]["tables"]
    assert set(tables) == {"org", "values_{org}", "values_{org}_current"}
    assert tables["values_{org}"]["comment"] == "readings of {org_name}"
    assert doc["databases"]["app"]["org_registry"]["values"] == {
        "key": "{org}", "name": "{org_name}", "data_table": "values_{org}"}
    model = props_load(result.text)
    assert [c.summary() for c in differ.diff(db.dsn, model).changes] == []
    second = request.getfixturevalue("db_factory")("pg-plain")
    applying.apply(second.dsn, model, out=io.StringIO())
    assert importdb.import_database(second.dsn, None, database="app").text == result.text


def test_lookup_tables_rows_are_seed_rows(request):
    db = request.getfixturevalue("db_factory")("pg-plain")
    with db.connect() as conn:
        for statement in (
                "CREATE TABLE public.kind (id smallint PRIMARY KEY, name text NOT NULL, active boolean, since date)",
                "INSERT INTO public.kind VALUES (2, 'b', NULL, '2024-02-29'), (1, 'a', true, NULL)",
                "CREATE TABLE public.color (code text PRIMARY KEY)",
                "INSERT INTO public.color VALUES ('red'), ('green'), ('blue')",
                "CREATE TABLE public.item (id integer PRIMARY KEY, kind smallint REFERENCES public.kind, "
                "color text REFERENCES public.color)",
                "INSERT INTO public.item VALUES (1, 1, 'red')",
                "CREATE TABLE public.part (id integer PRIMARY KEY, item integer REFERENCES public.item)"):
            conn.execute(statement)
    code, out, err = run_cli("import", "--dsn", db.dsn, "-o", "-", "--database", "app", "--seed-rows", "2")
    assert code == 0, err
    tables = yaml.safe_load(out)["databases"]["app"]["schemas"]["public"]["tables"]
    assert tables["kind"]["seed"] == {"rows": [{"id": 1, "name": "a", "active": True},
                                               {"id": 2, "name": "b", "since": "2024-02-29"}]}
    # color has more rows than --seed-rows; item's rows (a lookup of part) need color's, which are not written
    assert "seed" not in tables["color"] and "seed" not in tables["item"] and "seed" not in tables["part"]
    assert "recognised seed rows: public.kind: 2" in err
    assert "seed rows: public.item: not written, as the table it references, public.color, has none" in err
    code, out, err = run_cli("import", "--dsn", db.dsn, "-o", "-", "--database", "app", "--seed-rows", "0")
    assert code == 0 and "seed:" not in out
    code, _, err = run_cli("import", "--dsn", db.dsn, "-o", "-", "--seed-rows", "-1")
    assert code == 2 and "--seed-rows" in err


def test_overloads_are_listed_and_commented(request, tmp_path):
    db = request.getfixturevalue("db_factory")("pg-plain")
    with db.connect() as conn:
        conn.execute("CREATE FUNCTION public.f(a integer) RETURNS integer LANGUAGE sql AS 'SELECT a'")
        conn.execute("CREATE FUNCTION public.f(a text) RETURNS text LANGUAGE sql AS 'SELECT a'")
    code, out, err = run_cli("import", "--dsn", db.dsn, "-o", "-", "--database", "app")
    assert "not expressed: public.f: overloaded: public.f(text) is left out" in err
    assert "# schemagen import: overloaded: public.f(text) is left out" in out
    assert code == 0, err


def test_grants_and_row_security_are_imported(request):
    """On PostgreSQL 17 (ts-apache): ALL on a table is 71 characters of privilege names, which the drift check's
    grants.sql once cut at 63 (a UNION with a `name` column); RLS, FORCE and policies; what the model cannot say
    (a grant option, column privileges) noted at the object, and the rest without drift."""
    db = request.getfixturevalue("db_factory")("ts-apache")
    with db.connect() as conn:
        for statement in (
                "CREATE SCHEMA app", "CREATE TABLE app.t (id integer PRIMARY KEY, owner text, note text)",
                "GRANT ALL ON app.t TO sg_writer", "GRANT SELECT ON app.t TO sg_reader WITH GRANT OPTION",
                "GRANT UPDATE (note) ON app.t TO PUBLIC", "GRANT USAGE ON SCHEMA app TO sg_reader",
                "ALTER TABLE app.t FORCE ROW LEVEL SECURITY",
                "CREATE POLICY own ON app.t FOR UPDATE TO sg_writer USING (owner = current_user) "
                "WITH CHECK (owner = current_user AND id > 0)",
                "CREATE POLICY \"no deletes\" ON app.t AS RESTRICTIVE FOR DELETE USING (false)",
                "CREATE FUNCTION app.f() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
                "REVOKE EXECUTE ON FUNCTION app.f() FROM PUBLIC", "GRANT EXECUTE ON FUNCTION app.f() TO sg_reader",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO sg_reader"):
            conn.execute(statement)
    result = importdb.import_database(db.dsn, None, database="app")
    assert result.problems == []
    schema = yaml.safe_load(result.text)["databases"]["app"]["schemas"]["app"]
    assert schema["grants"] == {"sg_reader": ["usage"]}
    t = schema["tables"]["t"]
    assert t["grants"] == {"sg_writer": ["all"]}
    assert t["row_level_security"] == {"enabled": False, "forced": True, "policies": {
        "no deletes": {"command": "delete", "using": "false", "permissive": False},
        "own": {"command": "update", "roles": ["sg_writer"], "using": "owner = CURRENT_USER",
                "with_check": "owner = CURRENT_USER AND id > 0"}}}
    assert schema["functions"]["f"]["grants"] == {"PUBLIC": [], "sg_reader": ["execute"]}
    said = "\n".join(result.notes)
    assert "app.t: privileges of sg_reader: SELECT WITH GRANT OPTION: not imported: with grant option" in said
    assert "app.t: privileges of PUBLIC: UPDATE: not imported: column note's privileges" in said
    assert "# schemagen import: privileges of sg_reader: SELECT WITH GRANT OPTION" in result.text
    assert "default privileges of role postgres in schema app on new tables: sg_reader=r/postgres: not imported" \
        in said and "# schemagen import: not expressed: default privileges of role postgres" in result.text
    changes = [c.summary() for c in differ.diff(db.dsn, props_load(result.text)).changes]
    assert sorted(changes) == [  # exactly what the model cannot say
        'table app.t: column note: privileges of PUBLIC: expected (none), found UPDATE',
        'table app.t: privileges of sg_reader: expected SELECT, found SELECT WITH GRANT OPTION']  # the defaults'


def props_load(text: str) -> m.Model:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.yaml"
        path.write_text(text)
        return load_model(path)


# --- the property-based generator's models (tests/test_properties.py) ----------------------------------------

def _property_round_trip(server_name: str, data) -> None:
    import test_properties as props
    from conftest import require
    from hypothesis import assume
    from servers import create_database, drop_database

    server = require(server_name)
    text = data.draw(props.models(props.capabilities(server_name)), label="model")
    a = props.load(text)
    assume(len(a.databases) == 1)
    db, second = create_database(server), None
    try:
        applying.apply(db.dsn, a, skip_unsupported=server_name == "ts-apache", out=io.StringIO())
        imported = importdb.import_database(db.dsn, None, database=a.databases[0].name)
        Path("/tmp/imp/property.yaml").write_text(imported.text) if Path("/tmp/imp").is_dir() else None
        assert imported.problems == []
        b = props.load(imported.text)
        assert [c.summary() for c in differ.diff(db.dsn, b).changes] == []
        # B rendered onto a fresh database: no drift there, and it imports to the same model
        second = create_database(server)
        applying.apply(second.dsn, b, out=io.StringIO())
        assert [c.summary() for c in differ.diff(second.dsn, b).changes] == []
        assert importdb.import_database(second.dsn, None, database=a.databases[0].name).text == imported.text
    finally:
        drop_database(db)
        if second is not None:
            drop_database(second)


def _property_test(server_name: str):
    import test_properties as props
    from hypothesis import given
    from hypothesis import strategies as st

    @props.COMMON
    @given(data=st.data())
    def run(data):
        _property_round_trip(server_name, data)

    return run


@pytest.mark.parametrize("server_name", ["pg-plain", "ts-apache"])
def test_property_models_round_trip(server_name):
    """apply A, import B: B validates, no drift; B applied to a fresh database: no drift, the same import."""
    _property_test(server_name)()


def _community_round_trip(data) -> None:
    """As _property_round_trip, on PGlite (community: compression, policies and aggregates too): one database,
    reset between A and B."""
    import test_properties as props
    from conftest import require
    from helpers import ensure_roles
    from hypothesis import assume
    from servers import pglite_lock, reset_pglite, server_is_pglite

    server = require("ts-community")
    if not server_is_pglite(server):
        pytest.skip("uses the PGlite reset between examples")
    with pglite_lock():
        text = data.draw(props.models(props.capabilities("ts-community")), label="model")
        a = props.load(text)
        assume(len(a.databases) == 1)
        db = reset_pglite(server)
        ensure_roles(db.dsn)
        applying.apply(db.dsn, a, out=io.StringIO())
        imported = importdb.import_database(db.dsn, None, database=a.databases[0].name)
        assert imported.problems == []
        b = props.load(imported.text)
        assert [c.summary() for c in differ.diff(db.dsn, b).changes] == []
        db = reset_pglite(server)
        ensure_roles(db.dsn)
        applying.apply(db.dsn, b, out=io.StringIO())
        assert [c.summary() for c in differ.diff(db.dsn, b).changes] == []
        assert importdb.import_database(db.dsn, None, database=a.databases[0].name).text == imported.text


def test_property_models_round_trip_on_community_timescaledb():
    """The same round trip on PGlite with the community edition: compression, policies and aggregates imported."""
    import test_properties as props
    from hypothesis import given
    from hypothesis import strategies as st

    props.COMMON(given(data=st.data())(_community_round_trip))()


# --- databases built from original DDL (tests/realschemas/*/original*.sql through psql) ------------------------

def _real_cases() -> list:
    from test_realschemas import CASES as REAL_CASES

    return [pytest.param(name, server, id=f"{name}@{server}") for name, server in REAL_CASES]


@pytest.mark.parametrize(("name", "server"), _real_cases())
def test_original_ddl_imports_without_drift(request, tmp_path, name, server):
    """Built as tests/test_realschemas.py builds them on each server (the folder's roles first, the DDL variant of
    the server), imported, and the drift check of the import (as the folder's diff_role) finds nothing."""
    from test_realschemas import _as_owner, _database, _ddl, _preinstalled, _psql, _roles

    db = _database(request, server)
    _preinstalled(db, name)
    with _roles(db, name):
        _psql(db.dsn, _ddl(name, server))
        dsn = _as_owner(db.dsn, name, server)
        out = tmp_path / "model.yaml"
        result = importdb.import_database(db.dsn, out, database="real")
        assert result.problems == []
        changes = differ.diff(dsn, load_model(out), skip_unsupported=server == "ts-apache").changes
        assert [str(c) for c in changes] == []
