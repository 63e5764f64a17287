"""Rules on triggers: a trigger function the model declares (or pg_catalog's usable one) that returns trigger,
events and timing a table's trigger can have, columns of update_of, and a WHEN that reads only what the trigger
has (NEW and OLD of row triggers, columns of the table).
"""
from __future__ import annotations

import re

from schemagen import model as m
from schemagen.rules.context import Context
from schemagen.rules.expressions import expression
from schemagen.sqlparse import row_refs, unescape

# PostgreSQL's own trigger functions: the one usable as it is, and those that need arguments the model cannot give.
TRIGGER_BUILTINS = {"suppress_redundant_updates_trigger": None,
                    "tsvector_update_trigger": "takes arguments (tsvector column, configuration, columns)",
                    "tsvector_update_trigger_column": "takes arguments (tsvector column, configuration column, "
                                                      "columns)"}
_S = r'"((?:[^"\\]|\\.)*)"'
_ROW_COLUMN = re.compile(r'"ColumnRef":\{"fields":\[\{"String":\{"sval":"(new|old)"\}\},\{"String":\{"sval":'
                         + _S + r'\}\}\]')


def triggers(ck: Context, t: m.Table) -> None:
    cols = {c.name: c for c in t.columns}
    for tr in t.triggers:
        _trigger(ck, t, tr, cols)


def _trigger(ck: Context, t: m.Table, tr: m.Trigger, cols: dict) -> None:
    org = t.org
    _function(ck, tr, org)
    if tr.timing == "instead of":
        ck.add(tr.source, f"trigger {tr.name}: tables cannot have INSTEAD OF triggers (views only)", org)
    if "truncate" in tr.events and tr.for_each == "row":
        ck.add(tr.source, f"trigger {tr.name}: TRUNCATE triggers must be `for_each: statement`", org)
    if tr.update_of:
        ck.need_columns(t, cols, tr.update_of, f"trigger {tr.name}", tr.source)
        if "update" not in tr.events:
            ck.add(tr.source, f"trigger {tr.name}: update_of needs the event update", org)
    tree = expression(ck, tr.source, f"the WHEN of trigger {tr.name}", tr.when, org, where="when")
    if tree is None:
        return
    rows = row_refs(tree)
    if tr.for_each == "statement" and rows & {"new", "old"}:
        ck.add(tr.source, f"trigger {tr.name}: a statement trigger's WHEN cannot read NEW or OLD", org)
    elif "old" in rows and "insert" in tr.events or "new" in rows and "delete" in tr.events:
        ck.add(tr.source, f"trigger {tr.name}: WHEN reads {'OLD' if 'old' in rows else 'NEW'}, which "
                          f"{'INSERT' if 'old' in rows else 'DELETE'} triggers do not have", org)
    names = {c.name for c in t.columns}
    for row, column in sorted(set(_ROW_COLUMN.findall(tree.json))):
        if unescape(column) not in names:
            ck.add(tr.source, f"trigger {tr.name}: WHEN reads {row.upper()}.{unescape(column)}, but {t.qname} has "
                              f"no column {unescape(column)!r}", org)


def _function(ck: Context, tr: m.Trigger, org: str | None) -> None:
    """The trigger's function: declared, or pg_catalog's one that takes no arguments; and it returns trigger."""
    fschema, _, fname = tr.function.rpartition(".")
    f = ck.funcs.get((fschema, fname))
    if fschema == "pg_catalog" and f is None:
        if fname not in TRIGGER_BUILTINS:
            ck.add(tr.source, f"trigger {tr.name}: pg_catalog has no trigger function {fname!r} (its own usable one "
                              "is suppress_redundant_updates_trigger); declare yours under `functions:`", org)
        elif TRIGGER_BUILTINS[fname]:
            ck.add(tr.source, f"trigger {tr.name}: pg_catalog.{fname} {TRIGGER_BUILTINS[fname]}, which a trigger "
                              "in the model cannot pass; it would fail at every row", org)
    elif f is None:
        close = ck.hint(tr.function, [f"{s}.{n}" for s, n in ck.funcs])
        ck.add(tr.source, f"trigger {tr.name}: unknown function {tr.function}"
               + (f"; did you mean {close}?" if close else " (declare it under `functions:`)"), org)
    elif f.returns != "trigger":
        ck.add(tr.source, f"trigger {tr.name}: {tr.function} must return trigger, not {f.returns}", org)
