"""A cache of validated models: a command run again on the same model file skips reading, checking and building it.

The key is the sha256 of the model file's bytes, together with the path as given (the model records its file's
name), the tool's version, Python's version and a stamp of the tool's own files (name, size and modification time
of every module and schema of the package: an edited rule or a reinstall is a new key, so nothing built by other
code is ever served). The bytes hashed are the bytes validated: a file that changes between the two is a miss, never
a stale hit. The entry is a pickle of the frozen model, written atomically (a temporary file renamed into place), in
a folder only its owner can write (anything else is not used: a pickle is code to whoever can plant one). Any
failure to read or write an entry falls back to validating afresh; an invalid model is never cached.

Where it lives and whether it is used is the CLI's choice ($XDG_CACHE_HOME/schemagen, SCHEMAGEN_NO_CACHE=1).
"""
from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from schemagen import __version__

if TYPE_CHECKING:  # the model's classes load only when a model does (32 dataclasses: 30 ms)
    from schemagen import model as m

_PACKAGE = Path(__file__).resolve().parent
_SOURCES = (".py", ".json", ".j2", ".sql")


def load(path: str | Path, cache_dir: Path | None) -> m.Model:
    """The validated model of the file at path: from the cache when an entry of exactly these bytes (and this
    tool) is there, else read, checked and built (ModelError as always), and cached when cache_dir is given."""
    from schemagen import model as m

    name = str(path)
    found = _entry(name, cache_dir)
    if found is None:
        return _fresh(name, None)
    raw, entry = found
    if entry is not None:
        import pickle

        with contextlib.suppress(Exception):  # missing, truncated, from another tool: validate afresh
            with open(entry, "rb") as f:
                f.readline()  # the counts
                model = pickle.load(f)
            if isinstance(model, m.Model):
                return model
    model = _fresh(name, raw)
    if entry is not None:
        _store(entry, model)
    return model


def counts(path: str | Path, cache_dir: Path | None) -> tuple[int, int] | None:
    """(databases, orgs) of the model at path when the cache knows exactly these bytes are valid (what
    `schemagen validate` says), without loading the model; else None."""
    found = _entry(str(path), cache_dir)
    if found is None or found[1] is None:
        return None
    try:
        with open(found[1], "rb") as f:
            magic, databases, orgs = f.readline().split()
        if magic == _MAGIC:
            return int(databases), int(orgs)
    except (OSError, ValueError):
        pass
    return None


_MAGIC = b"schemagen-model-cache-1"


def _entry(name: str, cache_dir: Path | None) -> tuple[bytes, Path | None] | None:
    """The file's bytes and the cache entry for them (None: no usable cache folder); None when the file cannot be
    read (load says why, naming it) or the cache is off."""
    from schemagen.modelfile.regularfile import MAX_BYTES, read_regular

    if cache_dir is None:
        return None
    try:
        raw = read_regular(name, MAX_BYTES)
    except OSError:
        return None
    except Exception:  # not a regular file: load refuses it the same way, with its message
        return None
    folder = _usable(cache_dir)
    if folder is None:
        return raw, None
    return raw, folder / f"model-{_digest(name.encode('utf-8', 'surrogateescape'))[:16]}-{_key(name, raw)}.pickle"


def _fresh(name: str, raw: bytes | None) -> m.Model:
    from schemagen import load as loading
    from schemagen.modelfile.yamlsrc import parse_bytes

    if raw is None:
        return loading.load_model(name)
    return loading.build(parse_bytes(raw, name))


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _key(name: str, raw: bytes) -> str:
    import hashlib

    h = hashlib.sha256()
    for part in (__version__, sys.version, _code_stamp(), name):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    h.update(raw)
    return h.hexdigest()


def _code_stamp() -> str:
    """Name, size and mtime of each of the tool's own files: a changed module means a new key."""
    parts = []
    for folder, _dirs, files in os.walk(_PACKAGE):
        for f in files:
            if f.endswith(_SOURCES):
                st = os.stat(os.path.join(folder, f))
                parts.append(f"{folder}/{f}:{st.st_size}:{st.st_mtime_ns}")
    parts.sort()
    return _digest("\n".join(parts).encode("utf-8", "surrogateescape"))


def _usable(folder: Path) -> Path | None:
    """The cache folder, made if need be (mode 0700); None unless it is a directory of this user that no one else
    can write to."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.stat()
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return None
    return folder


def _store(entry: Path, model: m.Model) -> None:
    """Write the entry atomically (its counts line, then the pickle) and remove this path's older entries; failures
    leave the cache as it was."""
    import pickle
    import tempfile

    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".model-", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(b"%s %d %d\n" % (_MAGIC, len(model.databases), len(model.orgs)))
            pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)
        tmp = None
        prefix = entry.name.rsplit("-", 1)[0] + "-"
        for old in entry.parent.glob(prefix + "*.pickle"):
            if old != entry:
                old.unlink(missing_ok=True)
    except Exception:  # a full disk, a read-only home, a model that will not pickle: no cache this time
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
