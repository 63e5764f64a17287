"""`schemagen lint`: every rule's failing and passing model (tests/lint/<CODE>/{fail,pass}.yaml), the filters
(--select, --ignore, the model's `lint: {ignore: [...]}` at the top and per object), the formats and exit codes,
the plan's SQL linted by squawk (an offline plan, no server), and the examples linting clean.

In a failing model each line that must get a finding ends in `# <CODE>`: the rule's findings are exactly there,
and no other rule fires; a passing model has no findings at all.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import run_cli

from schemagen.commands import lint as linting
from schemagen.lint import RULES
from schemagen.lint.plans import statement_lines
from schemagen.load import load_model_text

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "lint"
PLANS = ROOT / "tests" / "plans"
MARK = re.compile(r"#\s*(SG\d+)\s*$")


def _json(*args: str) -> tuple[int, list[dict], str]:
    code, out, err = run_cli("lint", "--format", "json", *args)
    return code, json.loads(out) if out else [], err


def test_every_rule_has_a_failing_and_a_passing_case():
    assert sorted(RULES) == sorted(p.name for p in CASES.iterdir() if p.is_dir())
    for code in RULES:
        assert (CASES / code / "fail.yaml").is_file() and (CASES / code / "pass.yaml").is_file(), code


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_fails(code):
    path = CASES / code / "fail.yaml"
    marked = {n for n, line in enumerate(path.read_text().splitlines(), 1) if (m := MARK.search(line))
              and m[1] == code}
    assert marked, f"{path} marks no line with # {code}"
    exit_code, found, err = _json("-m", str(path))
    assert {f["code"] for f in found} == {code}, found
    assert {f["line"] for f in found} == marked
    assert all(f["file"] == str(path) and f["severity"] == RULES[code].severity and f["fix"] == RULES[code].fix
               for f in found)
    assert exit_code == (1 if RULES[code].severity == "error" else 0), err


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_passes(code):
    exit_code, found, err = _json("-m", str(CASES / code / "pass.yaml"))
    assert (exit_code, found) == (0, []), err
    assert "no findings" in err


def test_text_format_is_file_line_column_code_message():
    path = CASES / "SG103" / "fail.yaml"
    code, out, err = run_cli("lint", "-m", str(path))
    assert code == 1 and "2 error-level finding(s)" in err
    first = out.splitlines()[0]
    assert first.startswith(f"{path}:13:17: SG103 unique membership_org_id_user_id_key (org_id, user_id) of "
                            "s.membership: user_id may be NULL")
    assert first.endswith("(fix: make the nullable columns NOT NULL, or add `nulls_not_distinct: true` "
                          "(PostgreSQL 15+))")


def test_json_format_is_a_stable_list_of_objects():
    _, found, _ = _json("-m", str(CASES / "SG102" / "fail.yaml"))
    assert [list(f) for f in found] == [["code", "severity", "file", "line", "column", "object", "message",
                                         "fix"]] * 2
    assert found[0]["object"] == "s.device.device_site_id_fkey" and found[0]["column"] == 55


def test_select_and_ignore_take_codes_and_prefixes():
    path = str(CASES / "SG125" / "fail.yaml")
    assert len(_json("-m", path)[1]) == 3
    assert _json("-m", path, "--select", "SG12")[1] and not _json("-m", path, "--select", "SG10,SG13")[1]
    assert not _json("-m", path, "--ignore", "SG125")[1] and not _json("-m", path, "--ignore", "SG1")[1]
    code, found, err = _json("-m", str(CASES / "SG103" / "fail.yaml"), "--ignore", "SG103")
    assert (code, found) == (0, []) and "2 left out" in err  # no error remains: exit 0


def test_unknown_codes_are_usage_errors():
    code, _, err = run_cli("lint", "-m", str(CASES / "SG101" / "fail.yaml"), "--select", "SG999,XY1")
    assert code == 2 and "SG999, XY1 names no rule" in err and "--list" in err


def test_list_names_every_rule():
    code, out, _ = run_cli("lint", "--list")
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == sorted(RULES)


FAILING = """\
lint:
  ignore: [SG131]  # top level
databases:
  app:
    extensions:
      timescaledb:
    schemas:
      s:
        tables:
          reading:
            columns:
              at: {type: timestamp, not_null: true}
              status: {type: text, not_null: true}
            hypertable: {time_column: at}
          log:
            lint: {ignore: [SG12]}
            columns:
              id: {type: bigserial, primary_key: true}
              at: timestamp
          other:
            columns:
              id: {type: bigint, primary_key: true}
              at: {type: timestamp, lint: {ignore: [SG121]}}
              body: {type: json, lint: {ignore: [SG121]}}
"""


def _lint(text: str, **kw) -> list[tuple[str, int]]:
    model = load_model_text(text, "m.yaml")
    return [(f.code, f.line) for f in linting.lint_model(model, **kw).findings]


def test_the_model_ignores_at_the_top_level_and_per_object():
    assert _lint(FAILING) == [("SG121", 12), ("SG124", 13), ("SG122", 24)]
    unignored = FAILING.replace("lint: {ignore: [SG12]}", "comment: x").replace(
        "lint: {ignore: [SG121]}", "comment: y").replace("  ignore: [SG131]  # top level", "  ignore: []")
    assert sorted(_lint(unignored)) == sorted([("SG121", 12), ("SG124", 13), ("SG131", 14), ("SG123", 18),
                                               ("SG121", 19), ("SG121", 23), ("SG122", 24)])


def test_an_ignore_of_an_unknown_code_is_reported_and_a_bad_one_refused(tmp_path):
    text = FAILING.replace("ignore: [SG131]", "ignore: [SG131, SG199]")
    assert ("SG100", 2) in _lint(text)
    bad = tmp_path / "model.yaml"
    bad.write_text(FAILING.replace("ignore: [SG131]", "ignore: [131]"))
    code, out, err = run_cli("lint", "-m", str(bad))  # an invalid model: exit 2, its problems as validate says them
    assert (code, out) == (2, "") and f"{bad}:2:" in err and "lint.ignore" in err


def test_a_column_or_index_named_lint_is_no_setting():
    text = FAILING.replace("status: {type: text, not_null: true}", "lint: {type: text, not_null: true}")
    assert ("SG124", 13) not in _lint(text) and ("SG121", 12) in _lint(text)


def test_org_templates_are_linted_once_under_their_template_name():
    text = """\
orgs:
  - {key: acme, name: Acme}
  - {key: beta, name: Beta}
databases:
  app:
    schemas:
      s:
        tables:
          values_{org}:
            columns:
              at: {type: timestamp, not_null: true}
      t:
        tables:
          values_{org}:
            columns:
              at: {type: timestamp, not_null: true}
"""
    found = linting.lint_model(load_model_text(text, "m.yaml")).findings
    assert [(f.code, f.object) for f in found] == [("SG101", "s.values_{org}"), ("SG121", "s.values_{org}.at"),
                                                   ("SG101", "t.values_{org}"), ("SG121", "t.values_{org}.at")]


# --- examples ----------------------------------------------------------------------------------------------------

EXAMPLES = [ROOT / "model.yaml", *sorted(ROOT.glob("examples/*/model.yaml"))]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_the_examples_lint_clean(path):
    code, out, err = run_cli("lint", "-m", str(path))
    assert (code, out) == (0, ""), out
    assert "no findings" in err


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.parent.name)
def test_each_ignore_of_the_examples_says_why(path):
    lines = path.read_text().splitlines()
    for n, line in enumerate(lines):
        if re.search(r"\bSG\d{3}\b", line.split("#")[0]):  # an ignored code: its reason on its line or just above
            assert "#" in line or "#" in lines[n - 1] or "#" in lines[n - 2], f"{path}:{n + 1}: no reason given"


# --- plans: squawk on the generated SQL --------------------------------------------------------------------------

def _plan_case(name: str) -> tuple[str, str]:
    return str(PLANS / name / "before.yaml"), str(PLANS / name / "after.yaml")


def test_plan_advice_that_timescaledb_refuses_is_dropped():
    before, after = _plan_case("039_org_template_index_hypertable")  # CREATE INDEX on hypertables
    code, found, _ = _json("--plan-from", before, "-m", after)
    assert code == 0 and found
    assert not [f for f in found if f["code"] == "squawk:require-concurrent-index-creation"]
    before, after = _plan_case("028_drop_index_hypertable")
    _, found, _ = _json("--plan-from", before, "-m", after)
    assert not [f for f in found if "concurrent" in f["code"]]
    before, after = _plan_case("029_check_on_hypertable")
    _, found, _ = _json("--plan-from", before, "-m", after)
    assert not [f for f in found if f["code"] == "squawk:constraint-missing-not-valid"]


def test_plan_advice_on_plain_tables_is_kept_at_its_step(tmp_path):
    before, after = _plan_case("007_add_check_and_unique")
    plan = tmp_path / "plan.json"
    assert run_cli("plan", "--from", before, "-m", after, "--format", "json", "-o", str(plan))[0] == 1
    code, found, err = _json("--plan", str(plan), "-m", after)
    assert code == 0, err
    unique = [f for f in found if f["code"] == "squawk:disallowed-unique-constraint"]
    assert len(unique) == 1 and unique[0]["object"] == "step 2: add unique t_v_key to s.t"
    line = plan.read_text().splitlines()[unique[0]["line"] - 1]
    assert "ADD CONSTRAINT t_v_key UNIQUE" in line and line.index('"') + 1 == unique[0]["column"]
    assert any(f["code"] == "squawk:constraint-missing-not-valid" for f in found)  # a plain table: kept
    code, found, _ = _json("--plan", str(plan), "-m", after, "--ignore", "squawk")
    assert (code, found) == (0, [])


def test_plan_lint_needs_squawk(tmp_path, monkeypatch):
    before, after = _plan_case("007_add_check_and_unique")
    monkeypatch.setattr("schemagen.lint.plans.sys.executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run_cli("lint", "--plan-from", before, "-m", after)
    assert code == 2 and "pip install squawk-cli" in err


def test_plan_lint_refuses_a_file_that_is_no_plan(tmp_path):
    bad = tmp_path / "plan.json"
    bad.write_text("[]")
    code, _, err = run_cli("lint", "--plan", str(bad), "-m", str(CASES / "SG101" / "pass.yaml"))
    assert code == 2 and "not a plan file" in err


def test_statement_lines_follow_the_steps_not_the_rollback():
    text = json.dumps({"rollback": [{"number": 1, "statements": ["B;"]}],
                       "steps": [{"number": 1, "statements": []}, {"number": 2, "statements": ["A;", "C;"]}]},
                      indent=2, sort_keys=True)
    lines = text.splitlines()
    where = statement_lines(text)
    assert set(where) == {(2, 0), (2, 1)}
    assert lines[where[(2, 1)][0] - 1].strip() == '"C;"'


# --- the reference's mistakes that validate lets through, found by lint with the finding each README quotes ---------

def _model_file(system: str) -> Path:
    return ROOT / "model.yaml" if system == "haystack" else ROOT / "examples" / system / "model.yaml"


_DEVICE_CONNECTION = "attributes: jsonb\n              connection_id:\n                type: bigint"
LINT_MISTAKES = [
    ("haystack", "UNIQUE (entity_id, tag_id, disabled_ts) with NULLs distinct",
     [("- {columns: [entity_id, tag_id, disabled_ts], nulls_not_distinct: true}",
       "- [entity_id, tag_id, disabled_ts]")],
     "SG103 unique entity_tag_entity_id_tag_id_disabled_ts_key (entity_id, tag_id, disabled_ts) of core.entity_tag"),
    ("haystack", "an index on the primary key, two identical indexes",
     [("              ix_core_tag_def_type: {columns: [type]}\n",
       "              ix_core_tag_def_type: {columns: [type]}\n              idx_tag_def_type: {columns: [type]}\n"),
      ("              disabled_ts: {type: timestamp, comment: Soft delete}\n\n          tag_def:",
       "              disabled_ts: {type: timestamp, comment: Soft delete}\n            indexes:\n"
       "              ix_core_entity_id: {columns: [id]}\n\n          tag_def:")],
     "SG111 index idx_tag_def_type of core.tag_def duplicates index ix_core_tag_def_type"),
    ("home-assistant", "UNIQUE (entity_id, connection_id) with a nullable connection_id",
     [(_DEVICE_CONNECTION + "\n                not_null: true", _DEVICE_CONNECTION)],
     "SG103 unique home_assistant_devices_entity_id_connection_id_key (entity_id, connection_id) of "
     "public.home_assistant_devices: connection_id may be NULL"),
    ("trading", "a nullable status with a CHECK of its values",
     [("""              status: {type: varchar(20), not_null: true, default: "'PENDING'",""",
       "              status: {type: varchar(20),")],
     "SG125 column workspace.orders.status may be NULL, but a CHECK (orders_status_check) names its values"),
]


@pytest.mark.parametrize("system, what, edits, finding", LINT_MISTAKES,
                         ids=[f"{s}: {w}" for s, w, _, _ in LINT_MISTAKES])
def test_reference_mistake_is_found_by_lint(system, what, edits, finding):
    text = _model_file(system).read_text()
    for old, new in edits:
        assert text.count(old) == 1, f"the edit no longer matches {system}'s model: {old!r}"
        text = text.replace(old, new)
    found = [str(f) for f in linting.lint_model(load_model_text(text, "model.yaml")).findings]
    assert any(finding in f for f in found), found
    readme = (ROOT / "examples" / system / "README.md").read_text()
    assert finding in readme, f"examples/{system}/README.md should quote the finding: {finding}"


def test_database_picks_one_database_of_the_model():
    text = """\
databases:
  one:
    schemas: {s: {tables: {a: {columns: {id: {type: bigint, primary_key: true}, at: timestamp}}}}}
  two:
    schemas: {s: {tables: {b: {columns: {id: {type: bigint, primary_key: true}, body: json}}}}}
"""
    model = load_model_text(text, "m.yaml")
    assert [f.code for f in linting.lint_model(model).findings] == ["SG121", "SG122"]
    assert [f.code for f in linting.lint_model(model, database="two").findings] == ["SG122"]
    code, _, err = run_cli("lint", "-m", str(ROOT / "model.yaml"), "--database", "nope")
    assert code == 2 and "unknown database 'nope'" in err and "datakwip, simulator_state" in err
