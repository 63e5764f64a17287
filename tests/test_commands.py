"""The commands (schemagen.commands): each reports through `say` and returns a result, printing nothing; the
CLI's diff path through commands/drift; what live/ may import; the text and lines render gives each script."""
from __future__ import annotations

import ast
import io
from contextlib import redirect_stderr, redirect_stdout

import pytest
from helpers import ROOT, model_from, run_cli

from schemagen import render
from schemagen.changes import Change
from schemagen.commands import drift
from schemagen.commands import render as rendering
from schemagen.commands import validate as validating
from schemagen.compare import report as differ
from schemagen.errors import Difference
from schemagen.model import ObjectKey

SMALL = """
databases:
  app:
    schemas:
      s:
        tables:
          a: {columns: {id: int, name: text}, indexes: {ix_a_name: {columns: [name]}}}
"""


def test_render_says_and_returns_without_printing(tmp_path):
    model, said = model_from(SMALL), []
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        done = rendering.render(model, tmp_path / "out", say=said.append)
        checked = rendering.render(model, tmp_path / "out", check=True, say=said.append)
    assert out.getvalue() == err.getvalue() == ""
    assert said == [f"{tmp_path / 'out'}: {len(done.written)} file(s) written", f"{tmp_path / 'out'}: up to date"]
    assert len(done.written) == len(done.scripts) > 0 and checked.written == []
    (tmp_path / "out" / "app" / "030_tables.sql").write_text("-- changed\n")
    with pytest.raises(Difference, match="stale: "):
        rendering.render(model, tmp_path / "out", check=True)


def test_validate_says_and_returns():
    said = []
    result = validating.validate(model_from(SMALL), "m\n.yaml", say=said.append)
    assert (result.databases, result.orgs) == (1, 0)
    assert said == ["m\\n.yaml: valid (1 database(s), 0 org(s))"], "the path escaped, as the CLI printed it"


def test_script_text_and_lines():
    model = model_from(SMALL)
    for s in render.render(model):
        assert s.text == render.script_text(s, model)
        assert len(s.lines) == len(s.statements)
        lines = s.text.splitlines()
        for statement, line in zip(s.statements, s.lines):
            assert lines[line - 1] == statement.sql.splitlines()[0]
        assert s.checksum == render.finish(s).checksum


def test_the_diff_command_through_commands_drift(tmp_path, monkeypatch):
    """The diff command prints commands/drift.diff's report on stdout; on drift, exit 1 with one line on stderr."""
    changes = [Change("app", "", ObjectKey("table", "s", "a"), "changed", ("column", "name", "type"),
                      "text", "integer")]
    calls = []

    def fake(dsn, model, *, database=None, orgs=None, skip_unsupported=False, say=None):
        calls.append((dsn, database, orgs, skip_unsupported))
        say("--skip-unsupported: a note")
        return drift.DiffResult("app", changes)

    path = tmp_path / "model.yaml"
    path.write_text(SMALL)
    monkeypatch.setattr(drift, "diff", fake)
    for fmt, report in (("text", differ.format_text("app", changes)),
                        ("json", differ.format_json([("app", changes)]))):
        code, out, err = run_cli("diff", "--dsn", "host=nowhere", "-m", str(path), "--format", fmt)
        assert (code, out) == (1, report + "\n")
        assert err == "--skip-unsupported: a note\nerror: database app: 1 difference(s) from the model\n"
    assert calls[0] == ("host=nowhere", None, None, False)
    monkeypatch.setattr(drift, "diff", lambda *a, **k: drift.DiffResult("app", []))
    code, out, _ = run_cli("diff", "--dsn", "host=nowhere", "-m", str(path))
    assert (code, out) == (0, differ.format_text("app", []) + "\n")


FORBIDDEN_IN_LIVE = ("schemagen.render", "schemagen.compare", "schemagen.rules", "schemagen.modelfile",
                     "schemagen.commands", "schemagen.load", "schemagen.cli", "jinja2", "click")


@pytest.mark.parametrize("path", sorted((ROOT / "generator" / "live").glob("*.py")), ids=lambda p: p.name)
def test_live_imports_no_offline_stage(path):
    """schemagen.live runs scripts it is given: it never imports the renderer, the differ, the rules, the model
    file's reader, the commands or the CLI (import-linter's contract, checked here from the source too)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    bad = [n for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN_IN_LIVE)]
    assert bad == [], f"{path.name} imports {bad}"
