"""The corpus of bad models: each gives its clear message at its line, exit 2, no traceback, quickly."""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import ROOT, run_cli
from schemagen.errors import ModelError
from schemagen.load import load_model
from schemagen.yamlsrc import MAX_BYTES

CORPUS = sorted((Path(__file__).parent / "invalid").glob("*.yaml"))


def _expectation(path: Path) -> tuple[str, int]:
    lines = path.read_text("utf-8").split("\n")  # not splitlines(): U+2028 and U+0085 do not end a line
    fragment = lines[0].removeprefix("# expect: ")
    marked = [n for n, line in enumerate(lines, 1) if line.rstrip().endswith("# <-")]
    return fragment, (marked[0] if marked else 1)


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 60


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_bad_model(path: Path):
    fragment, line = _expectation(path)
    started = time.monotonic()
    with pytest.raises(ModelError) as caught:
        load_model(path)
    assert time.monotonic() - started < 5
    problems = caught.value.problems
    hits = [p for p in problems if fragment in p.message]
    assert hits, f"no problem says {fragment!r}: {[str(p) for p in problems]}"
    assert any(p.line == line for p in hits), f"expected line {line}: {[str(p) for p in hits]}"
    code, out, err = run_cli("validate", "-m", str(path))
    assert code == 2
    assert f"{path}:{line}:" in err and fragment in err
    assert "Traceback" not in err and out == ""


def _cli_subprocess(path: Path) -> subprocess.CompletedProcess:
    """The real console entry point in a fresh process, with a 200 MB address-space cap and a 5 s limit."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (200 * 1024 * 1024 * 4, 200 * 1024 * 1024 * 4))

    return subprocess.run([sys.executable, "-m", "schemagen.cli", "validate", "-m", str(path)],
                          capture_output=True, text=True, timeout=5, preexec_fn=limit)


def _peak_rss_mb(path: Path) -> float:
    code = ("import resource, sys\nfrom schemagen.cli import main\nmain(['validate', '-m', sys.argv[1]])\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=5)
    return float(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name,content,fragment", [
    ("binary.yaml", b"\x00\x01\x02databases", "binary"),
    ("latin1.yaml", "databases:\n  caf\xe9: {}\n".encode("latin-1"), "not UTF-8"),
    ("huge.yaml", b"#" * (MAX_BYTES + 10), "at most"),
    ("utf16.yaml", "databases:\n  app: {}\n".encode("utf-16"), "the file is UTF-16"),
    ("surrogates.yaml", b'databases:\n  "\\ud83d\\ude00": {}\n', "write the character itself"),
])
def test_bytes_that_are_not_a_model(tmp_path: Path, name: str, content: bytes, fragment: str):
    path = tmp_path / name
    path.write_bytes(content)
    done = _cli_subprocess(path)
    assert done.returncode == 2
    assert fragment in done.stderr and f"{path}:" in done.stderr
    assert "Traceback" not in done.stderr


def test_every_bad_model_within_5_s_and_200_mb():
    """One fresh process validates the whole corpus, one file after another, through the CLI's entry point, and
    reports its peak RSS and the time after each file: the process's peak is at least each case's own, so a peak
    under 200 MB after the last file bounds every case."""
    code = ("import json, resource, sys, time\nfrom schemagen.cli import main\n"
            "for path in sys.argv[1:]:\n"
            "    t = time.monotonic(); rc = main(['validate', '-m', path])\n"
            "    print(json.dumps([path, rc, time.monotonic() - t, "
            "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]))\n")
    done = subprocess.run([sys.executable, "-c", code, *map(str, CORPUS)], capture_output=True, text=True,
                          timeout=300)
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("[")]
    assert [r[0] for r in rows] == list(map(str, CORPUS)), done.stderr[-2000:]
    assert all(r[1] == 2 for r in rows), [r for r in rows if r[1] != 2]
    assert max(r[2] for r in rows) < 5, max(rows, key=lambda r: r[2])
    assert rows[-1][3] < 200, f"peak RSS {rows[-1][3]:.0f} MB; the first case past 200 MB: " + \
        str(next((r for r in rows if r[3] >= 200), None))
    assert "Traceback" not in done.stderr


def test_alias_bomb_is_cheap():
    bomb = next(p for p in CORPUS if "alias_bomb" in p.name)
    started = time.monotonic()
    done = _cli_subprocess(bomb)
    assert done.returncode == 2 and "alias bomb" in done.stderr
    assert time.monotonic() - started < 5
    assert _peak_rss_mb(bomb) < 200


def test_missing_file():
    code, _, err = run_cli("validate", "-m", "/nonexistent/model.yaml")
    assert code == 2 and "cannot read the model" in err and "Traceback" not in err


def test_every_error_at_once(tmp_path: Path):
    """Schema errors and semantic errors of one file come in one run."""
    path = tmp_path / "m.yaml"
    path.write_text("databases:\n  app:\n    schemas:\n      s:\n        tables:\n          t:\n            colour: red\n"
                    "            columns:\n              a: {type: int, references: s.nope(id)}\n"
                    "              b: integr\n")
    with pytest.raises(ModelError) as caught:
        load_model(path)
    messages = [p.message for p in caught.value.problems]
    assert any("unknown key 'colour'" in m for m in messages)
    assert any("unknown table s.nope" in m for m in messages)
    assert any("unknown type 'integr'" in m for m in messages)


@pytest.mark.parametrize("args,fragment", [
    (["render", "-o", "/dev/null"], "cannot write the scripts to /dev/null"),
    (["render", "--org", "nope"], "unknown org 'nope'"),
    (["render", "--database", "nope", "--check"], "unknown database 'nope'"),
    (["apply", "--dsn", "postgresql://nobody@127.0.0.1:1/x", "--lock-timeout", "nan"], "finite number of seconds"),
    (["rollback", "--dsn", "postgresql://nobody@127.0.0.1:1/x", "--lock-timeout", "-1"], "finite number of seconds"),
    (["diff", "--dsn", "postgresql://nobody@127.0.0.1:1/x", "--database", "nope"], "unknown database 'nope'"),
])
def test_bad_command_lines(tmp_path: Path, args: list[str], fragment: str):
    """Usage errors: exit 2 with the reason, no traceback, before any connection is tried."""
    code, out, err = run_cli(*args[:1], "-m", str(ROOT / "model.yaml"), *args[1:])
    assert code == 2, err
    assert fragment in err and "Traceback" not in err and out == ""


def test_output_folder_stays_inside_out(tmp_path: Path):
    """A database name becomes a folder of out/: a path in it is refused before anything is written."""
    model = tmp_path / "m.yaml"
    model.write_text("databases:\n  ../escaped:\n    schemas:\n      s: {tables: {t: {columns: {id: int}}}}\n")
    code, _, err = run_cli("render", "-m", str(model), "-o", str(tmp_path / "out"))
    assert code == 2 and "becomes the folder out/<database>/" in err
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["tables", "schemas", "columns"])
def test_a_huge_model_fails_fast_and_small(tmp_path: Path, kind: str):
    """Tens of thousands of objects and one mistake at the end: the mistake at its line, within 5 s and 200 MB."""
    head = "databases:\n  app:\n    schemas:\n"
    if kind == "tables":
        body = "      s:\n        tables:\n" + "".join(f"          t{i}: {{columns: {{id: int}}}}\n" for i in range(25_000))
        body += "          bad: {columns: {id: integr}}\n"
    elif kind == "schemas":
        body = "".join(f"      s{i}: {{}}\n" for i in range(80_000)) + "      pg_bad: {}\n"
    else:
        body = "      s:\n        tables:\n          t:\n            columns:\n"
        body += "".join(f"              c{i}: int\n" for i in range(80_000)) + "              bad: integr\n"
    path = tmp_path / f"{kind}.yaml"
    path.write_text(head + body)
    lines = (head + body).count("\n")
    started = time.monotonic()
    done = _cli_subprocess(path)
    assert time.monotonic() - started < 5
    assert done.returncode == 2 and f"{path}:{lines}:" in done.stderr and "Traceback" not in done.stderr
    assert _peak_rss_mb(path) < 200
