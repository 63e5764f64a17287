"""The validated-model cache: a second load of the same bytes skips validation; a changed file is never served
stale; a broken entry or an unsafe folder falls back to validating afresh; SCHEMAGEN_NO_CACHE=1 turns it off. And
the entry point's --version and cached --help, which must say what click says."""
from __future__ import annotations

import io
import os
import pickle
from contextlib import redirect_stdout

import pytest
from helpers import MODEL, run_cli

from schemagen import entry, modelcache, render
from schemagen.errors import ModelError
from schemagen.load import load_model

SMALL = """\
databases:
  app:
    schemas:
      s:
        tables:
          a:
            columns: {id: {type: int, primary_key: true}, name: text}
"""


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    monkeypatch.delenv("SCHEMAGEN_NO_CACHE", raising=False)
    return folder / "schemagen"


def _entries(cache):
    return sorted(cache.glob("model-*.pickle"))


def test_second_validate_is_served_from_the_cache(cache, tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(SMALL)
    assert run_cli("validate", "-m", str(path)) == (0, "", f"{path}: valid (1 database(s), 0 org(s))\n")
    [entry_file] = _entries(cache)
    assert modelcache.counts(path, cache) == (1, 0)
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    # the entry is what is served: a planted count shows (nothing else reads the file)
    data = entry_file.read_bytes()
    entry_file.write_bytes(data.replace(b" 1 0\n", b" 7 0\n", 1))
    assert run_cli("validate", "-m", str(path))[2] == f"{path}: valid (7 database(s), 0 org(s))\n"


def test_a_changed_file_is_never_served_stale(cache, tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(SMALL)
    assert run_cli("validate", "-m", str(path))[0] == 0
    stat = path.stat()
    broken = SMALL.replace("type: int", "type: itn")  # same size
    assert len(broken) == len(SMALL)
    path.write_text(broken)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime: only the bytes differ
    code, _, err = run_cli("validate", "-m", str(path))
    assert code == 2 and "itn" in err
    path.write_text(SMALL.replace("name: text", "name: text, note: text"))
    assert run_cli("validate", "-m", str(path))[0] == 0
    model = modelcache.load(path, cache)
    assert [c.name for c in model.databases[0].tables[0].columns] == ["id", "name", "note"]
    assert len(_entries(cache)) == 1, "a path keeps one entry: the older ones are removed"


def test_cached_model_renders_exactly_as_a_fresh_one(cache):
    modelcache.load(MODEL, cache)
    cached = modelcache.load(MODEL, cache)
    fresh = load_model(MODEL)
    assert cached == fresh and cached is not fresh
    assert [(s.filename, render.script_text(s, cached)) for s in render.render(cached, database="datakwip")] == \
        [(s.filename, render.script_text(s, fresh)) for s in render.render(fresh, database="datakwip")]


def test_a_broken_entry_falls_back_to_validating(cache, tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(SMALL)
    modelcache.load(path, cache)
    [entry_file] = _entries(cache)
    entry_file.write_bytes(entry_file.read_bytes()[:40])  # truncated
    assert modelcache.load(path, cache).databases[0].name == "app"
    entry_file.write_bytes(b"schemagen-model-cache-1 1 0\n" + pickle.dumps({"not": "a model"}))
    assert modelcache.load(path, cache).databases[0].name == "app"


def test_an_invalid_model_is_not_cached(cache, tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(SMALL.replace("type: int", "type: itn"))
    with pytest.raises(ModelError):
        modelcache.load(path, cache)
    assert _entries(cache) == [] and modelcache.counts(path, cache) is None


def test_no_cache_and_unsafe_folders(cache, tmp_path, monkeypatch):
    path = tmp_path / "model.yaml"
    path.write_text(SMALL)
    monkeypatch.setenv("SCHEMAGEN_NO_CACHE", "1")
    assert run_cli("validate", "-m", str(path))[0] == 0
    assert not cache.exists()
    monkeypatch.delenv("SCHEMAGEN_NO_CACHE")
    cache.mkdir(parents=True)
    cache.chmod(0o777)  # others could plant a pickle: not used
    assert run_cli("validate", "-m", str(path))[0] == 0
    assert _entries(cache) == []


def _entry(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = entry.main(list(args))
    return code, out.getvalue()


def test_version_and_help_say_what_click_says(cache, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    assert _entry("--version") == (0, "schemagen, version " + entry.__version__ + "\n")
    assert run_cli("--version")[1] == _entry("--version")[1]
    code, first = _entry("--help")  # a miss: click writes it, and it is kept
    assert code == 0 and "Commands:" in first and "diff" in first
    assert list(cache.glob("help-*.txt"))
    assert _entry("--help") == (0, first) == _entry("-h")
    assert run_cli("--help")[1] == first, "the cached help is click's"
    for f in cache.glob("help-*.txt"):
        f.write_text("planted\n")
    assert _entry("--help")[1] == "planted\n", "served from the cache"
    monkeypatch.setenv("COLUMNS", "60")  # another width: another entry
    assert _entry("--help")[1] == run_cli("--help")[1] != first
