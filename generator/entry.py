"""The `schemagen` command's entry point: `--version` and `--help` answered without loading click or anything else.

A command line of only `--version` prints what click's version option prints. A bare `--help` / `-h` prints the
group's help as click writes it, kept in the cache folder (cli.base.cache_dir) under a key of the tool's version, a
stamp of its files and the help width, so that an edited cli/ module is never served stale; click writes it on a miss.
Everything else goes to cli.main.
"""
from __future__ import annotations

import os
import sys

from schemagen import __version__


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args == ["--version"]:
        sys.stdout.write(f"schemagen, version {__version__}\n")
        return 0
    if args in (["--help"], ["-h"]):
        text = _cached_help()
        if text is not None:
            sys.stdout.write(text)
            return 0
    from schemagen.cli import main as full

    return full(args)


def _width() -> int:
    """click's help width: the terminal's columns (COLUMNS first), at most 80, less 2, at least 50."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 80
    return max(min(columns, 80) - 2, 50)


def _help_file():
    if os.environ.get("SCHEMAGEN_NO_CACHE", "") not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    here = os.path.dirname(os.path.abspath(__file__))
    folder = os.path.join(here, "cli")  # the group's help is written by every module of the cli package
    stats = [os.stat(os.path.join(folder, name)) for name in sorted(os.listdir(folder)) if name.endswith(".py")]
    stamp = f"{sum(s.st_size for s in stats)}-{max(s.st_mtime_ns for s in stats)}"
    return os.path.join(base, "schemagen", f"help-{__version__}-{stamp}-{_width()}.txt")


def _cached_help() -> str | None:
    """The help text from the cache; on a miss, click's, written there for the next time."""
    try:
        path = _help_file()
    except OSError:
        return None
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        pass
    import io
    from contextlib import redirect_stdout

    from schemagen.cli import main as full

    shown = io.StringIO()
    with redirect_stdout(shown):
        code = full(["--help"])
    text = shown.getvalue()
    if code == 0 and text:
        _write(path, text)
    return text if code == 0 else None


def _write(path: str, text: str) -> None:
    import tempfile

    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".help-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError:
        pass
