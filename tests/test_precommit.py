"""The pre-commit hooks of .pre-commit-hooks.yaml, run by pre-commit itself (PyPI) in a repository of its own: a
clean run passes, a stale out/ fails render-check, an invalid model fails validate.

The hooks come from a snapshot of this checkout (its tracked and new files, committed in a repository of its own,
as `pre-commit try-repo` does), so uncommitted work is what is tested; pre-commit installs it into its own
virtualenv (PRE_COMMIT_HOME in the test's folder) once for the whole test."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, run_cli

MODEL = """\
# yaml-language-server: $schema=./schema/model.schema.json
databases:
  app:
    schemas:
      s:
        tables:
          a:
            columns: {id: {type: int, primary_key: true}, name: text}
"""

GIT = ["git", "-c", "user.name=schemagen tests", "-c", "user.email=tests@schemagen.invalid", "-c",
       "commit.gpgsign=false", "-c", "init.defaultBranch=main"]


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def _snapshot(into: Path) -> str:
    """This checkout's tracked and untracked (not ignored) files, committed in a repository at `into`."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    _git(into, "init", "-q")
    _git(into, "add", "-A")
    _git(into, "commit", "-q", "-m", "snapshot")
    return _git(into, "rev-parse", "HEAD").strip()


def _pre_commit() -> list[str]:
    found = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
    if found is None:
        pytest.fail("pre-commit is not installed: pip install -e '.[test]'", pytrace=False)
    return [found]


def test_hooks_through_pre_commit(tmp_path):
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    ids = [h["id"] for h in hooks]
    assert ids == ["schemagen-validate", "schemagen-render-check", "schemagen-lint", "schemagen-docs-check"]
    assert all(h["language"] == "python" and h["pass_filenames"] is False for h in hooks)
    wanted = ids

    repo = tmp_path / "hooks"
    repo.mkdir()
    rev = _snapshot(repo)
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    (project / "model.yaml").write_text(MODEL)
    assert run_cli("render", "-m", str(project / "model.yaml"), "-o", str(project / "out"))[0] == 0
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(
        {"repos": [{"repo": str(repo), "rev": rev, "hooks": [{"id": i} for i in wanted]}]}))
    # the pages docs-check checks, written by the command it checks for
    assert run_cli("docs", "-m", str(project / "model.yaml"), "-o", str(project / "docs" / "schema"))[0] == 0
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "a model")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), PRE_COMMIT_COLOR="never")

    def run() -> subprocess.CompletedProcess:
        return subprocess.run([*_pre_commit(), "run", "--all-files"], cwd=project, env=env, capture_output=True,
                              text=True, timeout=900)

    clean = run()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    for name in ("schemagen validate", "schemagen render --check", "schemagen lint", "schemagen docs --check"):
        assert f"{name}." in clean.stdout, clean.stdout
    assert "Failed" not in clean.stdout

    (project / "model.yaml").write_text(MODEL.replace("name: text}", "name: text, note: text}"))  # out/ now stale
    stale = run()
    assert stale.returncode == 1, stale.stdout + stale.stderr
    lines = {line.split(".", 1)[0].strip(): line for line in stale.stdout.splitlines() if "..." in line}
    assert lines["schemagen validate"].endswith("Passed"), stale.stdout
    assert lines["schemagen render --check"].endswith("Failed"), stale.stdout
    assert lines["schemagen docs --check"].endswith("Failed"), stale.stdout
    assert lines["schemagen lint"].endswith("Passed"), stale.stdout
    assert "030_tables.sql" in stale.stdout, "names the stale file"

    (project / "model.yaml").write_text(MODEL.replace("type: int", "type: itn"))
    invalid = run()
    assert invalid.returncode != 0
    assert "model.yaml:8:" in invalid.stdout and "itn" in invalid.stdout, invalid.stdout
