"""A plan written out: as text (steps with their hazards), as a reviewable SQL script (hazards as comments), or as
the JSON plan file (docs/plan.md: stable keys, sorted, no timestamps; the same plan gives the same bytes).

Names in text and in SQL comments are escaped (errors.printable): a comment line never ends early, and no control
character reaches a terminal. The SQL statements themselves are the rendered ones, untouched.
"""
from __future__ import annotations

import json

from schemagen import __version__
from schemagen import model as m
from schemagen.changes import Change
from schemagen.errors import printable
from schemagen.plan.ops import HAZARD_KINDS, Step
from schemagen.plan.planfile import FORMAT, FORMAT_VERSION
from schemagen.plan.planner import Plan
from schemagen.render import sql
from schemagen.scripts import search_path


def _key(key: m.ObjectKey) -> dict[str, str]:
    return {"kind": key.kind, "schema": key.schema, "name": key.name, "signature": key.signature}


def _change(c: Change) -> dict[str, object]:
    return {"change": c.change, "kind": c.kind, "object": c.object, "org": c.org, "part": c.attribute,
            "expected": c.expected_text, "actual": c.actual_text, "summary": c.summary()}


def _step(s: Step) -> dict[str, object]:
    return {"number": s.number, "op": s.op, "description": s.description, "object": _key(s.key), "org": s.org,
            "serves": [_change(c) for c in s.serves], "statements": list(s.statements),
            "transactional": s.transactional, "lock_timeout_ms": s.lock_timeout_ms,
            "statement_timeout_ms": s.statement_timeout_ms,
            "hazards": [{"kind": h.kind, "message": h.message} for h in s.hazards],
            "undoes": s.undoes, "irreversible": s.irreversible} | _moved(s)


def _moved(s: Step) -> dict[str, str]:
    """What a step's object is called afterwards, when it moves: a table renamed, a function's new signature."""
    return ({"renamed_to": s.renamed_to} if s.renamed_to else {}) | (
        {"new_signature": s.new_signature} if s.new_signature else {})


def format_json(plan: Plan) -> str:
    """The plan file."""
    doc = {"format": FORMAT, "version": FORMAT_VERSION, "generator": __version__, "database": plan.database,
           "from": plan.source, "to": plan.target, "fingerprint": plan.fingerprint,
           "steps": [_step(s) for s in plan.steps], "rollback": [_step(s) for s in plan.rollback],
           "not_planned": [_change(n.change) | {"reason": n.reason} for n in plan.not_planned]}
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def _how(s: Step) -> str:
    where = "in a transaction" if s.transactional else "outside a transaction (it cannot run in one)"
    wait = f", lock_timeout {s.lock_timeout_ms} ms" if s.lock_timeout_ms is not None else ", takes no lock"
    if s.statement_timeout_ms:
        wait += f", statement_timeout {s.statement_timeout_ms} ms"
    return where + wait


def _step_lines(s: Step, total: int, indent: str = "  ") -> list[str]:
    lines = [f"step {s.number} of {total}: {s.description}"]
    if s.undoes is not None:
        lines[0] += f" (undoes step {s.undoes})"
    if s.irreversible:
        return [*lines, f"{indent}irreversible: {s.irreversible}"]
    lines.append(f"{indent}{_how(s)}")
    lines += [f"{indent}serves: {c.summary()}" for c in s.serves]
    lines += [f"{indent}hazard {h.kind}: {h.message}" for h in s.hazards]
    for statement in s.statements:
        first, *rest = statement.splitlines() or [""]
        lines.append(f"{indent}sql: {first}")
        lines += [f"{indent}     {line}" for line in rest]
    return lines


def format_text(plan: Plan) -> str:
    """Steps with their hazards, the rollback, and what is not planned (yet)."""
    out = [f"plan for database {plan.database}: from {plan.source} to {plan.target}", plan.message]
    if plan.empty:
        out.append("nothing to do")
    for s in plan.steps:
        out += _step_lines(s, len(plan.steps))
    if plan.rollback:
        out.append(f"rollback ({len(plan.rollback)} step(s), run in this order):")
        for s in plan.rollback:
            out += ["  " + line for line in _step_lines(s, len(plan.rollback))]
    if plan.not_planned:
        out.append(f"not planned (yet): {len(plan.not_planned)}")
        out += [f"  {n.change.summary()}: {n.reason}" for n in plan.not_planned]
    kinds = sorted({h.kind for s in plan.steps for h in s.hazards})
    if kinds:
        out.append("hazards to accept: " + ", ".join(kinds))
    return printable("\n".join(out), keep="\n") + "\n"


def _comment(text: str) -> str:
    return "-- " + printable(text)


def _sql_step(s: Step, total: int, path: tuple[str, ...], label: str) -> list[str]:
    lines = ["", _comment(f"{label} {s.number} of {total}: {s.description}"
                          + (f" (undoes step {s.undoes})" if s.undoes is not None else ""))]
    if s.irreversible:
        return [*lines, _comment(f"irreversible: {s.irreversible}")]
    lines.append(_comment(_how(s)))
    lines += [_comment(f"serves: {c.summary()}") for c in s.serves]
    lines += [_comment(f"HAZARD {h.kind}: {h.message}") for h in s.hazards]
    settings = sql("plan_session", "settings", s.transactional, path, s.lock_timeout_ms, s.statement_timeout_ms)
    if s.transactional:
        return [*lines, "BEGIN;", settings, *s.statements, "COMMIT;"]
    return [*lines, settings, *s.statements]


def format_sql(plan: Plan, db: m.Database) -> str:
    """A script for review (and for psql -v ON_ERROR_STOP=1 -f): each step in its own transaction unless it cannot
    run in one, its hazards as comments; then the rollback, commented out."""
    path = search_path(db)
    out = [_comment(f"schemagen {__version__} plan for database {plan.database}: from {plan.source} to "
                    f"{plan.target}"), _comment(f"starts from {plan.fingerprint}"), _comment(plan.message)]
    kinds = sorted({h.kind for s in plan.steps for h in s.hazards})
    out += [_comment(f"hazard kind {k}: {HAZARD_KINDS[k]}") for k in kinds]
    out += [_comment(f"NOT PLANNED (yet): {n.change.summary()}: {n.reason}") for n in plan.not_planned]
    for s in plan.steps:
        out += _sql_step(s, len(plan.steps), path, "step")
    if plan.rollback:
        out += ["", _comment("rollback: the steps that undo this plan, in order (not run by this script)")]
        for s in plan.rollback:
            out += [line if not line or line.startswith("--") else "-- " + line
                    for chunk in _sql_step(s, len(plan.rollback), path, "rollback step")
                    for line in chunk.splitlines()]
    return "\n".join(out) + "\n"

