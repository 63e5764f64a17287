"""Stage plan (offline, pure): Changes between two databases -> ordered operations -> a Plan with its rollback.

Between compare and commands: compare says what differs (changes.Change: object key, part path, typed values);
plan decides what to run about each difference. One operation class per kind of change (ops.py: the base and the
hazards; tables, columns, indexes, compression, timescale, aggregates, objects, orgs, renames: the operations;
renamed.py: the declared renames a live database needs; server.py: what a live plan reads from the server into its
steps), each knowing its object, its statements (rendered through templates/plan_*.sql.j2 and render's own
templates: never SQL built from names in Python), whether it runs in a transaction, its lock_timeout, its typed
hazards and its reverse (alembic's `reverse()`: the rollback is the reverses of the steps in reverse order).
planner.py maps changes to operations and orders them; output.py writes a plan as text, as a reviewable SQL
script, or as the JSON plan file (docs/plan.md).

A difference this stage cannot plan yet is never dropped: it is listed as "not planned (yet)" with its change.
"""
from __future__ import annotations

import importlib

# name -> the module of this package that defines it, loaded on first use (PEP 562): `apply --plan` needs the plan
# file and the fingerprint, not every operation and its templates
_WHERE = {"CHANGED_WITH_CHUNKS": "compression", "CONCURRENTLY": "server", "KEY_WITH_CHUNKS": "tables",
          "HAZARD_KINDS": "ops", "Hazard": "ops", "NotPlanned": "ops", "Op": "ops", "Step": "ops", "Offboard": "orgs",
          "Onboard": "orgs", "format_json": "output", "format_sql": "output", "format_text": "output",
          "Plan": "planner", "plan": "planner", "plan_changes": "planner", "fingerprint": "state",
          "declared_renames": "renamed"}
_NAMES = {"declared_renames": "declared"}  # exported under another name

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), _NAMES.get(name, name))
    globals()[name] = value
    return value
