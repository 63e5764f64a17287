"""Exceptions and exit codes.

The library raises; only the CLI turns an exception into an exit code (in one place, `cli.main`).
Every exception class declares its own exit code, so the mapping lives beside the meaning.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    DIFFERENCE = 1  # drift found, stale out/, rollback refused because tables hold rows
    INVALID = 2  # usage error or invalid model
    DATABASE = 3  # the server refused, went away, cannot do what the model needs, or the role lacks privileges
    INTERRUPTED = 130  # SIGINT (Ctrl-C), as shells report a process a SIGINT ended: 128 + 2


class SchemagenError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code: ExitCode = ExitCode.INVALID

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(SchemagenError):
    """The command line asks for something that cannot be (unknown org, missing --database, ...)."""


@dataclass(frozen=True, order=True)
class Problem:
    """One finding of validation, located in the model file."""

    file: str
    line: int
    column: int
    path: str  # dotted path inside the model, e.g. databases.datakwip.schemas.core.tables.entity
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return printable(text)  # one line per problem, whatever a name holds (a newline, a tab, U+2028)


# Control characters (C0, DEL, C1) and line separators, as Python writes them in a string: "a\nb", "\x1b".
CONTROL = (*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029)
_ESCAPES = {c: repr(chr(c))[1:-1] for c in CONTROL}
_SURROGATE = re.compile("[\ud800-\udfff]")  # a file name's undecodable bytes (surrogateescape)


def printable(text: str, keep: str = "") -> str:
    """text with every control character escaped, so that it shows as written and never acts: a terminal never
    sees ESC or BEL (colours, a changed title, a rewritten line), a `--` comment line never ends early, a message
    stays one line. `keep`: characters left as they are (a newline between the lines of a report). Undecodable
    bytes of a file name (lone surrogates) become `\\udcXX` too: they cannot be written as UTF-8."""
    table = _ESCAPES if not keep else {c: e for c, e in _ESCAPES.items() if chr(c) not in keep}
    out = text.translate(table)
    return _SURROGATE.sub(lambda s: f"\\u{ord(s[0]):04x}", out) if not out.isascii() else out


def control_character(text: str) -> str | None:
    """The first control character (C0, DEL, C1, NUL, U+2028/2029) of text, as `U+000A`, else None."""
    found = CONTROL_RE.search(text)
    return f"U+{ord(found[0]):04X}" if found else None


CONTROL_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in CONTROL) + "]")


class ModelError(SchemagenError):
    """The model is invalid; carries every problem found, sorted by position."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=_position)  # a key: the dataclass order compares in Python, 10x slower
        super().__init__("\n".join(str(p) for p in self.problems))


class DatabaseError(SchemagenError):
    """The server refused a statement, could not be reached, or a lock could not be had."""

    exit_code = ExitCode.DATABASE


class Interrupted(SchemagenError):
    """SIGINT (Ctrl-C): what ran in a transaction was rolled back, and a rerun carries on."""

    exit_code = ExitCode.INTERRUPTED


class UnsupportedFeatures(DatabaseError):
    """The model needs features this server does not offer (e.g. compression on an Apache build)."""


class MissingPrivileges(DatabaseError):
    """The role lacks privileges the run needs (found before any change; every one of them named)."""


class Difference(SchemagenError):
    """Something differs from what was expected: drift, stale files, a refused rollback."""

    exit_code = ExitCode.DIFFERENCE


# --- did-you-mean hints, bounded ---------------------------------------------------------------------------------

HINT_BUDGET = 100_000  # candidate comparisons per model (~0.3 s): a model with 60,000 typos still fails fast
_hint_work = [0]
_hint_cache: dict[tuple, str | None] = {}


def reset_hints() -> None:
    """Start counting the hint work of one model (load calls it first)."""
    _hint_work[0] = 0


def did_you_mean(word: str, candidates, cutoff: float = 0.6, work: list[int] | None = None) -> str | None:
    """The candidate closest to word (difflib), or None. Each costs time in proportion to the candidates, and a bad
    model can ask for tens of thousands: a short list's answers are remembered, and once a model's other hints
    have cost HINT_BUDGET comparisons there are no more. `work`: the caller's own count of comparisons (the
    rules keep one per model), else this module's (reset_hints)."""
    import difflib

    candidates = tuple(candidates)
    key = (word, candidates) if len(candidates) <= 64 else None
    if key in _hint_cache:
        return _hint_cache[key]
    work = _hint_work if work is None else work
    work[0] += len(candidates)
    if work[0] > HINT_BUDGET or len(word) > 200:
        return None
    found = [c for c in difflib.get_close_matches(word, candidates, n=3, cutoff=cutoff) if _really_close(word, c)]
    if key is not None and len(_hint_cache) < 10_000:
        _hint_cache[key] = found[0] if found else None
    return found[0] if found else None


def _really_close(word: str, candidate: str) -> bool:
    """A hint only for a slip of the fingers: at most a third of the word's letters (at least 2) edited, so
    `compress_chunk_time_interval` suggests no `schedule_interval` and `chat_role` no `char`, though difflib's
    ratio likes their shared parts."""
    a, b = word.lower(), candidate.lower()
    limit = max(2, len(a) // 3)
    if abs(len(a) - len(b)) > limit:
        return False
    row = list(range(len(b) + 1))  # Levenshtein distance, one row at a time
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1] <= limit


def _position(p: Problem) -> tuple:
    return (p.file, p.line, p.column, p.path, p.message)
