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

from schemagen.plan.compression import CHANGED_WITH_CHUNKS
from schemagen.plan.ops import HAZARD_KINDS, Hazard, NotPlanned, Op, Step
from schemagen.plan.orgs import Offboard, Onboard
from schemagen.plan.output import format_json, format_sql, format_text
from schemagen.plan.planner import Plan, fingerprint, plan, plan_changes
from schemagen.plan.renamed import declared as declared_renames

__all__ = ["CHANGED_WITH_CHUNKS", "HAZARD_KINDS", "Hazard", "NotPlanned", "Offboard", "Onboard", "Op", "Plan", "Step",
           "fingerprint", "format_json", "format_sql", "format_text", "plan", "plan_changes", "declared_renames"]
