"""Rendering: golden directories, determinism, numbering, out/ maintenance, every statement parses.

Golden cases live in tests/golden/<case>/ (the whole directory is compared: a missing or extra file fails);
`UPDATE_GOLDEN=1 pytest tests/test_render.py` rewrites them after an intended change: review the diff.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pglast
import pglast.parser
import pytest
from helpers import MODEL, ROOT, haystack, model_from, run_cli

from schemagen import model as m
from schemagen import order as phases
from schemagen import render
from schemagen import scripts as sc
from schemagen.errors import Difference, UsageError
from schemagen.load import load_model
from schemagen.scripts import PHASES
from schemagen.sqltext import Interval, dollar_quote, quote_literal

GOLDEN = ROOT / "tests" / "golden"
RICH = GOLDEN / "rich.yaml"  # every feature render knows, with awkward names
OUT = ROOT / "out"  # the committed out/ of the root model: what `make sql` writes


def handbuilt() -> m.Model:
    """A model built without the loader, its objects deliberately out of dependency order: render must put
    foreign key targets and aggregate sources first itself. Covers what YAML cannot reach (integer intervals
    everywhere, a statement that cannot run in a transaction is tested separately)."""
    cols = (m.Column("id", "integer", not_null=True), m.Column("t", "bigint", not_null=True))
    child = m.Table("app", "child", (m.Column("parent_id", "integer"), *cols),
                    primary_key=m.PrimaryKey("child_pkey", ("id", "t")),
                    foreign_keys=(m.ForeignKey("child_parent_fk", ("parent_id",), "app", "parent", ("id",)),),
                    hypertable=m.Hypertable("t", 1000, (m.Dimension("id", partitions=4),)),
                    compression=m.Compression(("id",), (m.OrderBy("t", True, False),)),
                    indexes=(m.Index("ix_child", (m.IndexElement("t", descending=False, nulls_first=True),
                                                  m.IndexElement(expression="id % 10")),),))
    parent = m.Table("app", "parent", cols[:1], primary_key=m.PrimaryKey("parent_pkey", ("id",)),
                     foreign_keys=(m.ForeignKey("parent_root_fk", ("id",), "app", "root", ("id",), "cascade"),))
    root = m.Table("app", "root", cols[:1], primary_key=m.PrimaryKey("root_pkey", ("id",)),
                   seed=m.SeedRows(("id",), ("id",), ((1,), (2,))))
    daily = m.ContinuousAggregate("app", "child_daily", "SELECT time_bucket(10, bucket) AS day FROM app.child_hourly "
                                  "GROUP BY 1", source_relation="app.child_hourly",
                                  refresh=m.RefreshPolicy(100, 10, Interval.parse("1 hour")))
    hourly = m.ContinuousAggregate("app", "child_hourly", "SELECT time_bucket(5, t) AS bucket FROM app.child "
                                   "GROUP BY 1", source_relation="app.child", materialized_only=False)
    views = (m.View("app", "v_top", "SELECT id FROM v_base WHERE id > 1"),  # reads the view defined after it
             m.View("app", "v_base", "SELECT id FROM app.root", materialized=True, with_data=False,
                    indexes=(m.Index("ix_v_base", (m.IndexElement("id"),), unique=True),)))
    db = m.Database("hand", (m.Extension("timescaledb"),), (m.Schema("app", "hand built"),),
                    (child, parent, root), views=views, continuous_aggregates=(daily, hourly))
    return m.Model((db,), file="hand.yaml")


CASES = {
    "haystack": lambda: load_model(MODEL),
    "rich": lambda: load_model(RICH),
    "handbuilt": handbuilt,
}


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case, tmp_path):
    model = CASES[case]()
    expected_dir = OUT if case == "haystack" else GOLDEN / case  # the root model's golden files: its out/
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        render.write_out(render.render(model), expected_dir, model)
    render.write_out(render.render(model), tmp_path, model)
    got, expected = _files(tmp_path), _files(expected_dir)
    assert sorted(got) == sorted(expected), "missing or extra files (UPDATE_GOLDEN=1 rewrites the golden files)"
    for name in expected:
        assert got[name].decode() == expected[name].decode(), f"{case}/{name} differs from the golden file"


def test_out_is_current():
    """The committed out/ is exactly what the model renders (the PR check, `render --check` exits 0)."""
    code, _, err = run_cli("render", "-m", str(MODEL), "-o", str(OUT), "--check")
    assert code == 0, err
    assert "up to date" in err


def test_check_reports_stale_missing_and_extra(tmp_path):
    out = tmp_path / "out"
    shutil.copytree(OUT, out)
    (out / "datakwip" / "030_tables.sql").write_text("-- edited by hand\n")
    (out / "datakwip" / "900_org_acme.sql").unlink()
    # what an org removed from the model leaves behind: a file schemagen wrote
    shutil.copy(out / "datakwip" / "900_org_demo.sql", out / "datakwip" / "900_org_gone.sql")
    code, _, err = run_cli("render", "-m", str(MODEL), "-o", str(out), "--check")
    assert code == 1
    assert "stale: " in err and "030_tables.sql" in err
    assert "missing: " in err and "900_org_acme.sql" in err
    assert "extra: " in err and "900_org_gone.sql" in err
    assert "900_org_demo.sql" not in err
    code, _, _ = run_cli("render", "-m", str(MODEL), "-o", str(out))
    assert code == 0
    assert not (out / "datakwip" / "900_org_gone.sql").exists()
    assert run_cli("render", "-m", str(MODEL), "-o", str(out), "--check")[0] == 0


def test_out_that_is_a_file_is_a_usage_error(tmp_path):
    target = tmp_path / "out"
    target.write_text("not a folder\n")
    for extra in (("--check",), ()):
        code, out, err = run_cli("render", "-m", str(MODEL), "-o", str(target), *extra)
        assert code == 2 and str(target) in err and "Traceback" not in err, err
    assert target.read_text() == "not a folder\n"


def test_check_with_org_ignores_other_files(tmp_path):
    render.write_out(render.render(haystack(), orgs=["acme"]), tmp_path, haystack(), complete=False)
    assert run_cli("render", "-m", str(MODEL), "-o", str(tmp_path), "--org", "acme", "--check")[0] == 0
    code, _, err = run_cli("render", "-m", str(MODEL), "-o", str(tmp_path), "--check")
    assert code == 1 and "missing: " in err and "030_tables.sql" in err


def test_write_out_never_touches_foreign_files(tmp_path):
    model = haystack()
    mine = {"datakwip/999_custom.sql": "SELECT 1;\n", "datakwip/README.md": "notes\n",
            "datakwip/055_extra.sql": f"{render.HEADER_MARK}0.0 but not a phase of ours\n",
            "datakwip/rollback/030_tables.sql": f"{render.HEADER_MARK}init number in rollback/\n",
            "other_db/030_tables.sql": f"{render.HEADER_MARK}a database not in the model\n"}
    for rel, text in mine.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    render.write_out(render.render(model), tmp_path, model)
    for rel, text in mine.items():
        assert (tmp_path / rel).read_text() == text, rel
    render.check_out(render.render(model), tmp_path, model)  # foreign files are not "extra"


def test_a_removed_database_folder_goes_with_a_full_render(tmp_path):
    """A database renamed or removed from the model: its old folder is reported by --check and deleted by a full
    render (not by --database or --org renders, which see only part of the model); foreign files stay."""
    out = tmp_path / "out"
    assert run_cli("render", "-m", str(MODEL), "-o", str(out))[0] == 0
    renamed = tmp_path / "model.yaml"
    renamed.write_text(MODEL.read_text().replace("\n  simulator_state:\n", "\n  simulator:\n", 1))
    assert run_cli("render", "-m", str(renamed), "-o", str(out), "--database", "simulator")[0] == 0
    assert (out / "simulator_state").is_dir(), "a --database render leaves the other folders alone"
    code, _, err = run_cli("render", "-m", str(renamed), "-o", str(out), "--check")
    assert code == 1 and "extra: " in err and "simulator_state" in err
    assert run_cli("render", "-m", str(renamed), "-o", str(out))[0] == 0
    assert sorted(p.name for p in out.iterdir()) == ["datakwip", "simulator"]
    assert run_cli("render", "-m", str(renamed), "-o", str(out), "--check")[0] == 0
    assert run_cli("render", "-m", str(MODEL), "-o", str(out), "--database", "simulator_state")[0] == 0
    (out / "simulator_state" / "NOTES.md").write_text("kept\n")
    assert run_cli("render", "-m", str(renamed), "-o", str(out))[0] == 0
    assert [p.name for p in (out / "simulator_state").iterdir()] == ["NOTES.md"]


def test_layout_and_rollback_order():
    scripts = render.render(haystack(), database="datakwip")
    init = [s.filename for s in scripts if not s.rollback]
    undo = sorted(s.filename for s in scripts if s.rollback)
    assert init == sorted(init), "render returns apply order, which is ls order"
    assert init[0] == "010_extensions.sql" and init[-1].startswith("900_org_")
    assert undo[0].startswith("100_org_") and undo[-1] == "990_extensions.sql"
    # every init file has its rollback file, numbered 1000 - n
    assert sorted((1000 - s.number, s.phase) for s in scripts if not s.rollback) == \
        sorted((s.number, s.phase) for s in scripts if s.rollback)


@pytest.mark.parametrize("skip", [m.COMMUNITY_FEATURES, frozenset({m.FEATURE_TIMESCALEDB}) | m.COMMUNITY_FEATURES,
                                  frozenset({m.FEATURE_POLICY})])
def test_leaving_features_out_of_rendered_scripts_equals_rendering_without_them(skip):
    """apply renders once and leaves out what the server refuses: the same scripts a render with skip gives."""
    for model in (haystack(), load_model(RICH)):
        full = render.render(model, only="init")
        assert render.leave_out(full, skip) == render.render(model, skip_features=skip, only="init")
        for only in ("init", "rollback"):
            assert [s for s in render.render(model, skip_features=skip) if s.rollback == (only == "rollback")] == \
                render.render(model, skip_features=skip, only=only)


def test_phase_numbers_are_fixed_and_ordered():
    numbers = [p.number for p in PHASES]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert {p.name: p.number for p in PHASES} == {
        "extensions": 10, "schemas": 20, "types": 25, "sequences": 27, "early_functions": 28, "tables": 30,
        "hypertables": 40, "indexes": 50, "compression": 60, "policies": 70, "functions": 80,
        "continuous_aggregates": 90, "views": 100, "row_security": 105, "triggers": 110, "grants": 115, "seed": 120}
    assert all(p.why for p in PHASES)


def test_rich_model_has_every_phase_and_every_rollback():
    scripts = render.render(load_model(RICH), database="Mixed-DB")
    names = {s.relpath for s in scripts}
    for p in PHASES:
        assert f"Mixed-DB/{p.number:03d}_{p.name}.sql" in names
        assert f"Mixed-DB/rollback/{1000 - p.number:03d}_{p.name}.sql" in names


def test_adding_an_org_only_adds_files(tmp_path):
    before, after = tmp_path / "a", tmp_path / "b"
    model = haystack()
    render.write_out(render.render(model), before, model)
    text = MODEL.read_text().replace("orgs:\n", "orgs:\n  - key: initech\n    name: Initech\n", 1)
    bigger = model_from(text)
    render.write_out(render.render(bigger), after, bigger)
    old, new = _files(before), _files(after)
    assert set(new) - set(old) == {"datakwip/900_org_initech.sql", "datakwip/rollback/100_org_initech.sql"}
    assert set(old) <= set(new)
    assert all(new[k] == v for k, v in old.items()), "no existing file changes when an org is added"


def test_removing_an_org_deletes_its_two_files(tmp_path):
    model = haystack()
    render.write_out(render.render(model), tmp_path, model)
    text = MODEL.read_text()
    start = text.index("  - key: demo\n")
    smaller = model_from(text[:start] + text[text.index("  - key: globex\n"):])
    assert [o.key for o in smaller.orgs] == ["acme", "globex"]
    before = _files(tmp_path)
    written = render.write_out(render.render(smaller), tmp_path, smaller)
    after = _files(tmp_path)
    assert written == []
    assert set(before) - set(after) == {"datakwip/900_org_demo.sql", "datakwip/rollback/100_org_demo.sql"}
    assert all(after[k] == before[k] for k in after)
    # with --org (an incomplete render) nothing is deleted
    render.write_out(render.render(model, orgs=["demo"]), tmp_path, model, complete=False)
    render.write_out(render.render(smaller, orgs=["acme"]), tmp_path, smaller, complete=False)
    assert (tmp_path / "datakwip" / "900_org_demo.sql").exists()


def test_org_option_renders_only_that_org(tmp_path):
    code, _, err = run_cli("render", "-m", str(MODEL), "-o", str(tmp_path), "--org", "acme")
    assert code == 0, err
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.sql"))
    assert files == ["datakwip/900_org_acme.sql", "datakwip/rollback/100_org_acme.sql"]
    assert (tmp_path / files[0]).read_bytes() == (OUT / files[0]).read_bytes()


def test_unknown_org_and_database_are_usage_errors():
    with pytest.raises(UsageError, match="unknown org 'nope'.*acme, demo, globex"):
        render.render(haystack(), orgs=["nope"])
    with pytest.raises(UsageError, match="unknown database 'nope'.*datakwip, simulator_state"):
        render.render(haystack(), database="nope")
    code, _, err = run_cli("render", "-m", str(MODEL), "--database", "nope", "--check")
    assert code == 2 and "unknown database 'nope'" in err and "Traceback" not in err


def test_database_option_renders_one_database():
    scripts = render.render(haystack(), database="simulator_state")
    assert {s.database for s in scripts} == {"simulator_state"}
    assert [s.relpath for s in scripts if not s.rollback] == ["simulator_state/030_tables.sql",
                                                              "simulator_state/050_indexes.sql"]


def test_deterministic_across_hash_seeds(tmp_path):
    digests = set()
    for seed in ("0", "1", "12345"):
        for case, path in (("root", MODEL), ("rich", RICH)):
            out = tmp_path / seed / case
            env = dict(os.environ, PYTHONHASHSEED=seed)
            subprocess.run([sys.executable, "-m", "schemagen.cli", "render", "-m", str(path), "-o", str(out)],
                           check=True, env=env, capture_output=True)
        digests.add(tuple(_files(tmp_path / seed).items()))
    assert len(digests) == 1


def _statements_parse(scripts, model) -> int:
    count = 0
    for s in scripts:
        for st in s.statements:
            parsed = pglast.parse_sql(st.sql)
            assert len(parsed) == 1, f"{s.relpath}: not exactly one statement: {st.sql}"
            count += 1
        text = render.script_text(s, model)
        pins = len(render.prelude(model.database(s.database)))  # SET LOCAL search_path, standard_conforming_strings
        assert len(pglast.parse_sql(text)) == len(s.statements) + 2 + pins, \
            f"{s.relpath}: BEGIN, session pins, statements, COMMIT"
    return count


def test_every_statement_of_out_parses():
    model = haystack()
    assert _statements_parse(render.render(model), model) > 50
    for path in sorted(OUT.rglob("*.sql")):  # and the files as committed
        pglast.parse_sql(path.read_text())


def test_rich_model_statements_parse_and_quote():
    model = load_model(RICH)
    scripts = render.render(model)
    assert _statements_parse(scripts, model) > 100
    text = "".join(render.script_text(s, model) for s in scripts)
    assert 'CREATE SCHEMA IF NOT EXISTS "Odd Schema";' in text
    assert '"select" text DEFAULT \'x;y\'' in text
    assert "$body1$BEGIN NEW.\"select\" := coalesce(NEW.\"select\", '$body$ ; x'); RETURN NEW; END$body1$" in text
    assert "COMMENT ON SCHEMA \"Odd Schema\" IS 'it''s odd';" in text
    assert 'USING gin (body ext.gin_trgm_ops)' in text
    assert "CASCADE;" not in text.replace("ON DELETE CASCADE", "")
    # names PostgreSQL takes quoted, and a body that ends in the dollar-quote tag (applied on pg-plain by
    # test_render_psql and test_drift, where they work and show no drift)
    assert 'CREATE TABLE IF NOT EXISTS public."we""ird; --name" (' in text
    assert 'CONSTRAINT "we""ird; --name_😀 émoji_check" CHECK ("😀 émoji" >= 0)' in text
    assert "AS $body1$BEGIN RETURN \"Arg One\" || ' -- ends in'; END; -- $body$body1$;" in text


@pytest.mark.parametrize("body", ["x$body", "$body$", "$body", "a $body1$ b $body", "$", "$body$$body1$$body",
                                  "$body1", "'; DROP TABLE t; --"])
def test_a_dollar_quoted_body_never_closes_early(body):
    quoted = dollar_quote(body)
    tag = quoted[:quoted.index("$", 1) + 1]
    tree = json.loads(pglast.parser.parse_sql_json(f"SELECT {quoted}"))
    assert len(tree["stmts"]) == 1
    value = tree["stmts"][0]["stmt"]["SelectStmt"]["targetList"][0]["ResTarget"]["val"]["A_Const"]["sval"]["sval"]
    assert value == body and quoted == f"{tag}{body}{tag}"


def test_non_finite_numbers_are_quoted_literals():
    """YAML's .inf and .nan have no SQL spelling as numbers: bare `inf` would be read as a column name."""
    assert [quote_literal(v) for v in (float("inf"), float("-inf"), float("nan"), 1.5, 2)] == \
        ["'Infinity'", "'-Infinity'", "'NaN'", "1.5", "2"]


def test_handbuilt_model_is_put_in_dependency_order():
    model = handbuilt()
    scripts = {s.relpath: s for s in render.render(model)}
    tables = [st.object for st in scripts["hand/030_tables.sql"].statements if st.sql.startswith("CREATE TABLE")]
    assert tables == ["table app.root", "table app.parent", "table app.child"]
    dropped = [st.object for st in scripts["hand/rollback/970_tables.sql"].statements]
    assert dropped == ["table app.child", "table app.parent", "table app.root"]
    caggs = [st.object for st in scripts["hand/090_continuous_aggregates.sql"].statements
             if st.sql.startswith("CREATE MATERIALIZED VIEW")]
    assert caggs == ["continuous aggregate app.child_hourly", "continuous aggregate app.child_daily"]
    views = [st.object for st in scripts["hand/100_views.sql"].statements if st.sql.startswith("CREATE")]
    assert views == ["materialized view app.v_base", "index app.ix_v_base", "view app.v_top"]
    assert [st.object for st in scripts["hand/rollback/900_views.sql"].statements] == \
        ["view app.v_top", "materialized view app.v_base"]
    assert _statements_parse(scripts.values(), model) > 10


def test_dependency_order_is_stable_and_survives_cycles():
    items = ["a", "b", "c", "d"]
    needs = {"a": ["c"], "b": [], "c": ["d"], "d": ["c"]}  # c and d need each other
    assert phases.dependency_order(items, str, needs.__getitem__) == ["d", "c", "a", "b"]
    chain = [str(n) for n in range(5000)]  # a long chain must not hit the recursion limit
    assert phases.dependency_order(chain, str, lambda k: [str(int(k) + 1)]) == chain[::-1]
    assert phases.dependency_order(["x", "x"], str, lambda k: []) == ["x", "x"]  # duplicates are kept


def test_skip_features_drops_community_statements():
    model = haystack()
    full = render.render(model, database="datakwip")
    apache = render.render(model, database="datakwip", skip_features=m.COMMUNITY_FEATURES)
    text = "".join(render.script_text(s, model) for s in apache)
    assert "add_compression_policy" not in text and "timescaledb.continuous" not in text
    assert "timescaledb.compress" not in text and "remove_retention_policy" not in text
    assert "create_hypertable" in text
    assert sum(len(s.statements) for s in apache) < sum(len(s.statements) for s in full)
    features = {st.feature for s in full for st in s.statements}
    assert features == {None, m.FEATURE_TIMESCALEDB, m.FEATURE_COMPRESSION, m.FEATURE_POLICY, m.FEATURE_CAGG}


def test_headers_have_no_timestamp_and_the_body_hash():
    import hashlib

    model = haystack()
    for s in render.render(model, database="datakwip"):
        text = render.script_text(s, model)
        header, body = text.split("\n\n", 1)
        lines = header.splitlines()
        assert lines[0] == f"-- Generated by schemagen {render.__version__} from model.yaml — do not edit."
        assert lines[1] == "-- database: datakwip"
        digest = hashlib.sha256(("\n" + body).encode()).hexdigest()  # the body starts at the blank line
        assert lines[3] == f"-- sha256: {digest}"
        assert "BEGIN;" in body and body.endswith("COMMIT;\n")


def test_statement_lines_point_at_statements():
    model = load_model(RICH)
    for s in render.render(model):
        lines = render.script_text(s, model).splitlines()
        starts = render.statement_lines(s, model)
        assert len(starts) == len(s.statements)
        for st, n in zip(s.statements, starts):
            assert "\n".join(lines[n - 1:n - 1 + st.sql.count("\n") + 1]) == st.sql


def test_non_transactional_statements_go_after_commit():
    model = handbuilt()
    script = sc.Script("hand", 50, "indexes", (
        sc.Statement("CREATE INDEX IF NOT EXISTS a ON app.root (id);", "index a"),
        sc.Statement("CREATE INDEX CONCURRENTLY IF NOT EXISTS b ON app.root (id);", "index b", transactional=False),
        sc.Statement("CREATE INDEX IF NOT EXISTS c ON app.root (id);", "index c")))
    lines = render.script_text(script, model).splitlines()
    starts = render.statement_lines(script, model)
    assert [lines[n - 1].split(" ON ")[0][-1] for n in starts] == ["a", "c", "b"]
    assert lines.index("COMMIT;") < starts[2] - 1


def test_empty_rollback_files_say_why():
    model = load_model(RICH)
    scripts = {s.relpath: s for s in render.render(model)}
    text = render.script_text(scripts["Mixed-DB/rollback/960_hypertables.sql"], model)
    assert "-- Nothing to do here: dropping the tables" in text
    assert len(pglast.parse_sql(text)) == 4  # BEGIN; the two SET LOCAL pins; COMMIT;


def test_write_out_only_rewrites_changed_files(tmp_path):
    model = haystack()
    scripts = render.render(model)
    assert len(render.write_out(scripts, tmp_path, model)) == len(scripts)
    stamp = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.sql")}
    assert render.write_out(scripts, tmp_path, model) == []
    assert stamp == {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.sql")}
    (tmp_path / "datakwip" / "020_schemas.sql").write_text("stale\n")
    assert render.write_out(scripts, tmp_path, model) == [tmp_path / "datakwip" / "020_schemas.sql"]


def test_check_out_raises_difference(tmp_path):
    model = haystack()
    with pytest.raises(Difference, match="missing"):
        render.check_out(render.render(model), tmp_path, model)
    render.write_out(render.render(model), tmp_path, model)
    assert render.check_out(render.render(model), tmp_path, model) is None


def test_templates_ship_in_the_package():
    from importlib import resources

    names = {p.name for p in resources.files("schemagen.templates").iterdir()}
    kinds = {"extension", "schema", "table", "hypertable", "index", "compression", "policy", "continuous_aggregate",
             "function", "view", "trigger", "seed", "org_row"}
    assert {f"{k}.sql.j2" for k in kinds} <= names
    # one create and one drop per kind; hypertables and compression settings go with their table's DROP
    expected = {k: {"create", "drop"} for k in kinds} | {"hypertable": {"create"}, "compression": {"create"},
                                                          "policy": {"compression", "retention", "refresh", "drop"}}
    for kind in kinds:
        macros = render.macros(kind)
        assert all(hasattr(macros, name) for name in expected[kind]), kind


def test_strict_undefined():
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        render.environment().from_string("{{ nothing }}").render()
