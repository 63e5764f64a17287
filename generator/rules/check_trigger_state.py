"""A trigger's `enabled:` state (false, replica, always): PostgreSQL's ALTER TABLE ... DISABLE / ENABLE REPLICA /
ENABLE ALWAYS TRIGGER after creating it. TimescaleDB refuses it on a hypertable ("hypertables do not support
enabling or disabling triggers", 2.19; "operation not supported on hypertables that have columnstore enabled",
2.23), so the model refuses it there."""
from __future__ import annotations

from schemagen import model as m
from schemagen.rules.context import Context


def trigger_states(ck: Context, t: m.Table) -> None:
    if t.hypertable is None:
        return
    for tr in t.triggers:
        if tr.enabled != "enabled":
            ck.add(tr.source, f"trigger {tr.name} on hypertable {t.qname}: `enabled: {_written(tr.enabled)}` cannot "
                              "be set, TimescaleDB refuses to enable or disable triggers on a hypertable", t.org)


def _written(state: str) -> str:
    return {"disabled": "false"}.get(state, state)
