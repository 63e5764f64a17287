"""Exceptions and exit codes.

The library raises; only the CLI turns an exception into an exit code (in one place, `cli.main`).
Every exception class declares its own exit code, so the mapping lives beside the meaning.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    DIFFERENCE = 1  # drift found, stale out/, rollback refused because tables hold rows
    INVALID = 2  # usage error or invalid model
    DATABASE = 3  # the server refused, went away, cannot do what the model needs, or the role lacks privileges


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
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ModelError(SchemagenError):
    """The model is invalid; carries every problem found, sorted by position."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DatabaseError(SchemagenError):
    """The server refused a statement, could not be reached, or a lock could not be had."""

    exit_code = ExitCode.DATABASE


class UnsupportedFeatures(DatabaseError):
    """The model needs features this server does not offer (e.g. compression on an Apache build)."""


class MissingPrivileges(DatabaseError):
    """The role lacks privileges the run needs (found before any change; every one of them named)."""


class Difference(SchemagenError):
    """Something differs from what was expected: drift, stale files, a refused rollback."""

    exit_code = ExitCode.DIFFERENCE
