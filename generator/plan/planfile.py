"""The plan file read back (`apply --plan`, `rollback --plan`): what a runner needs of each step, checked.

A plan file is what `plan --format json` wrote (docs/plan.md). Reading it checks its format, version and the shape
of each step, so a hand-edited or truncated file is refused with a sentence (PlanFileError), never half-run. Its
id (`sha256` of its steps and rollback) names its rows in schemagen.history: the same plan run again carries on
where it stopped.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from schemagen import model as m
from schemagen.plan.ops import HAZARD_KINDS

FORMAT = "schemagen-plan"  # the plan file's "format" and "version" (output.format_json writes them)
FORMAT_VERSION = 1


class PlanFileError(ValueError):
    """A plan file that cannot be run: not JSON, another format or version, a step of the wrong shape."""


@dataclass(frozen=True)
class RunStep:
    number: int
    description: str
    object: str
    statements: tuple[str, ...]
    transactional: bool
    lock_timeout_ms: int | None
    hazards: tuple[tuple[str, str], ...]  # (kind, sentence)
    irreversible: str | None = None
    undoes: int | None = None  # a rollback step: the step it undoes
    op: str = ""  # the operation's name (create_table, drop_index, ...)
    key: m.ObjectKey | None = None  # the object it acts on
    renamed_to: str | None = None  # rename_table: the table's new name (its ownership record follows it)
    statement_timeout_ms: int | None = None  # 0: no limit; None: a plan file from before the field (not set)
    new_signature: str | None = None  # recreate_function: its new argument types (its ownership record follows)


@dataclass(frozen=True)
class PlanFile:
    path: str
    database: str
    source: str  # "database app (live)" or "model old.yaml" (planned offline)
    fingerprint: str
    plan_id: str
    steps: tuple[RunStep, ...]
    rollback: tuple[RunStep, ...]

    @property
    def offline(self) -> bool:
        return self.source.startswith("model ")

    def hazards_not_allowed(self, steps: tuple[RunStep, ...], allowed: frozenset[str]) -> list[tuple[RunStep, str,
                                                                                                    str]]:
        """(step, kind, sentence) of every hazard of the steps that `allowed` does not accept ("all": every one)."""
        if "all" in allowed:
            return []
        return [(s, kind, text) for s in steps for kind, text in s.hazards if kind not in allowed]


def read_plan(path: str | Path) -> PlanFile:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise PlanFileError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise PlanFileError(f"{path}: not a plan file (not JSON: {e})") from None
    return parse_plan(text, path)


def parse_plan(text: str, path: str | Path) -> PlanFile:
    """A plan file's text, checked (`path` names it in messages)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise PlanFileError(f"{path}: not a plan file (not JSON: {e})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlanFileError(f"{path}: not a plan file (written by `schemagen plan --format json`)")
    if data.get("version") != FORMAT_VERSION:
        raise PlanFileError(f"{path}: plan file version {data.get('version')!r}; this schemagen reads version "
                            f"{FORMAT_VERSION}: plan again")
    for key in ("database", "fingerprint"):
        if not isinstance(data.get(key), str):
            raise PlanFileError(f"{path}: `{key}` is missing or not text")
    steps = _steps(path, data, "steps")
    rollback = _steps(path, data, "rollback")
    ident = hashlib.sha256(json.dumps([data["fingerprint"], data["steps"], data["rollback"]], sort_keys=True)
                           .encode()).hexdigest()[:16]
    return PlanFile(str(path), data["database"], str(data.get("from", "")), data["fingerprint"], ident, steps,
                    rollback)


def _steps(path, data: dict, key: str) -> tuple[RunStep, ...]:
    items = data.get(key)
    if not isinstance(items, list):
        raise PlanFileError(f"{path}: `{key}` is missing or not a list")
    return tuple(_step(path, key, n, item) for n, item in enumerate(items, 1))


def _statement_timeout(where: str, item: dict) -> int | None:
    value = item.get("statement_timeout_ms")
    if value is not None and not (isinstance(value, int) and not isinstance(value, bool)
                                  and 0 <= value <= 2_147_483_647):
        raise PlanFileError(f"{where}: `statement_timeout_ms` must be 0 (no limit) or milliseconds")
    return value


def _step(path, key: str, n: int, item) -> RunStep:
    where = f"{path}: {key}[{n - 1}]"
    if not isinstance(item, dict):
        raise PlanFileError(f"{where}: not a step")
    statements, hazards = item.get("statements"), item.get("hazards")
    if not (isinstance(statements, list) and all(isinstance(s, str) for s in statements)):
        raise PlanFileError(f"{where}: `statements` must be a list of text")
    if not (isinstance(hazards, list) and all(isinstance(h, dict) and h.get("kind") in HAZARD_KINDS
                                              for h in hazards)):
        raise PlanFileError(f"{where}: `hazards` must be a list of known hazard kinds")
    timeout = item.get("lock_timeout_ms")
    if item.get("number") != n or not isinstance(item.get("transactional"), bool) or not (
            timeout is None or (isinstance(timeout, int) and 0 <= timeout <= 2_147_483_647)):
        raise PlanFileError(f"{where}: `number`, `transactional` or `lock_timeout_ms` is wrong")
    obj = item.get("object") if isinstance(item.get("object"), dict) else {}
    parts = [obj.get(k) for k in ("kind", "schema", "name", "signature")]
    key = m.ObjectKey(*parts) if all(isinstance(p, str) for p in parts) else None
    name = ".".join(p for p in parts[1:3] if isinstance(p, str) and p)
    return RunStep(n, str(item.get("description", "")), name, tuple(statements), item["transactional"], timeout,
                   tuple((h["kind"], str(h.get("message", ""))) for h in hazards),
                   item.get("irreversible") if isinstance(item.get("irreversible"), str) else None,
                   item.get("undoes") if isinstance(item.get("undoes"), int) else None, str(item.get("op", "")), key,
                   item.get("renamed_to") if isinstance(item.get("renamed_to"), str) else None,
                   _statement_timeout(where, item),
                   item.get("new_signature") if isinstance(item.get("new_signature"), str) else None)
