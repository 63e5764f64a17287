"""A plan's SQL linted by squawk (PyPI `squawk-cli`, the PostgreSQL migration linter), its advice mapped back to
the plan's steps, less the advice TimescaleDB refuses.

Each step goes to squawk as the runner runs it: in `BEGIN` ... `COMMIT` with its `SET LOCAL lock_timeout` when it
is transactional, alone with a session `SET lock_timeout` when it is not, so squawk sees the lock timeout apply
sets and the transaction each statement runs in. Findings name the step and sit at the line of their statement in
the plan file (its JSON as `plan --format json` writes it: one statement a line).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from schemagen.errors import SchemagenError, UsageError
from schemagen.lint.findings import Finding

PG_VERSION = "15.0"  # the oldest PostgreSQL schemagen supports: squawk's advice for it holds on 16 and 17 too
SQUAWK_TIMEOUT_S = 120

# squawk's advice that TimescaleDB refuses on a hypertable, and why (docs/lint.md says the same).
REFUSED_ON_HYPERTABLES = {
    "require-concurrent-index-creation": "TimescaleDB refuses CREATE INDEX CONCURRENTLY on a hypertable",
    "require-concurrent-index-deletion": "TimescaleDB refuses DROP INDEX CONCURRENTLY on a hypertable (2.22+)",
    "constraint-missing-not-valid": "TimescaleDB ignores NOT VALID on a hypertable (and refuses VALIDATE "
                                    "CONSTRAINT on one with compression)",
    "adding-foreign-key-constraint": "TimescaleDB ignores NOT VALID on a hypertable (and refuses VALIDATE "
                                     "CONSTRAINT on one with compression)",
}
_LEVELS = {"error": "error", "warning": "warning"}


def squawk_binary() -> str:
    """squawk beside this Python (a venv's bin/), else on PATH; a usage error saying how to install it."""
    here = Path(sys.executable).parent / "squawk"
    if here.is_file():
        return str(here)
    found = shutil.which("squawk")
    if found:
        return found
    raise UsageError("squawk is not installed: `pip install squawk-cli` (it is in schemagen's test extras) lints "
                     "a plan's SQL; `schemagen lint` without --plan needs no squawk")


def lint_steps(steps: Iterable, plan_text: str, file: str, hypertables: set[tuple[str, str]]) -> list[Finding]:
    """squawk's findings on the steps (plan file steps: number, description, statements, transactional,
    lock_timeout_ms, key), those TimescaleDB refuses on a hypertable left out."""
    steps = list(steps)
    sql, where = _script(steps)
    lines = statement_lines(plan_text)
    out = []
    for item in _run_squawk(sql):
        rule = str(item.get("rule_name", ""))
        step, index = where.get(int(item.get("line", 0)), (None, None))
        if step is None:
            continue
        if rule in REFUSED_ON_HYPERTABLES and _table_of(step) in hypertables:
            continue
        line, column = lines.get((step.number, index), (1, 1))
        message = str(item.get("message", "")).strip()
        out.append(Finding(f"squawk:{rule}", _LEVELS.get(str(item.get("level", "")).lower(), "info"), file, line,
                           column, f"steps[{step.number - 1}]", f"step {step.number}: {step.description}",
                           f"step {step.number} ({step.description}): {message}",
                           str(item.get("help") or "see squawk's documentation of " + rule).strip()))
    return list(dict.fromkeys(out))


def _table_of(step) -> tuple[str, str] | None:
    key = getattr(step, "key", None)
    return (key.schema, key.name) if key is not None and key.kind == "table" else None


def _script(steps: list) -> tuple[str, dict[int, tuple[object, int | None]]]:
    """The SQL squawk reads, and for each of its lines (0-based, as squawk counts) the step and statement index."""
    out: list[str] = []
    where: dict[int, tuple[object, int | None]] = {}

    def add(text: str, step, index: int | None) -> None:
        for piece in text.split("\n"):
            where[len(out)] = (step, index)
            out.append(piece)

    for step in steps:
        if step.transactional:
            add("BEGIN;", step, None)
        if step.lock_timeout_ms is not None:  # an int, checked by read_plan: never text from the file
            add(f"SET {'LOCAL ' if step.transactional else ''}lock_timeout = '{int(step.lock_timeout_ms)}ms';",
                step, None)
        for i, statement in enumerate(step.statements):
            add(statement, step, i)
        if step.transactional:
            add("COMMIT;", step, None)
    return "\n".join(out) + "\n", where


def _run_squawk(sql: str) -> list[dict]:
    binary = squawk_binary()
    with tempfile.TemporaryDirectory(prefix="schemagen-lint-") as tmp:
        path = Path(tmp) / "plan.sql"
        path.write_text(sql, encoding="utf-8")
        try:
            done = subprocess.run([binary, "--reporter", "json", f"--pg-version={PG_VERSION}", str(path)], cwd=tmp,
                                  capture_output=True, text=True, timeout=SQUAWK_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise SchemagenError(f"squawk could not run: {e}") from None
    if done.returncode not in (0, 1):
        raise SchemagenError(f"squawk failed (exit {done.returncode}): {done.stderr.strip()[:500]}")
    try:
        found = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        raise SchemagenError(f"squawk wrote no JSON: {done.stdout.strip()[:300]}") from None
    return [f for f in found if isinstance(f, dict)] if isinstance(found, list) else []


_NUMBER = re.compile(r'^\s*"number":\s*(\d+)')
_STRING = re.compile(r'^(\s*)"')


def statement_lines(text: str) -> dict[tuple[int, int], tuple[int, int]]:
    """(step number, statement index) -> (line, column) of the statement in the plan file's `steps` (1-based), for
    a file laid out as `plan --format json` writes it; a statement not found sits at 1:1."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    in_steps = in_statements = False
    number, index = 0, 0
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not in_steps:
            in_steps = stripped.startswith('"steps":')
            continue
        found = _NUMBER.match(line)
        if found:
            number = int(found[1])
        elif stripped.startswith('"statements":'):
            in_statements, index = not stripped.endswith("[]"), 0
        elif in_statements and stripped.startswith("]"):
            in_statements = False
        elif in_statements and (string := _STRING.match(line)):
            out[(number, index)] = (n, len(string[1]) + 1)
            index += 1
    return out
