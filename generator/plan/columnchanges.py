"""Columns added, dropped or changed in place on an existing table: the operations that serve each, or why none can
(TimescaleDB's refusals on a hypertable with compression, a primary key that cannot be dropped). A column that
becomes or stops being an identity or serial column is identity.py's; a key column's NOT NULL that comes or goes
with its key is the key's (keys.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from schemagen import model as m
from schemagen.changes import Change
from schemagen.plan.columns import AlterType, SetComment, SetDefault, SetNotNull
from schemagen.plan.compression import RetypeColumnstore
from schemagen.plan.enums import enum_step
from schemagen.plan.identity import NUMBERING, ChangeNumbering, numbering_changes
from schemagen.plan.keys import add_primary_key, drop_refused, key_not_null
from schemagen.plan.ops import NOT_YET, Op, columnstore
from schemagen.plan.recipes import AddColumnNullFirst, compressed_by, dropped_compressed, filled_column, null_first
from schemagen.plan.retype import with_readers
from schemagen.plan.tables import AddColumn, DropColumn, constant_default
from schemagen.sqltext import quote_ident

if TYPE_CHECKING:
    from schemagen.plan.planner import _Context


def _changed_column(c: Change, new: m.Table, old: m.Table, org: str, ctx: _Context) -> tuple[Op, ...] | str:
    """A column changed in place: its default, NOT NULL, type or comment (on the table as it is)."""
    name, attr = c.part[1], c.part[2]
    want, have = new.column(name), old.column(name)
    if attr in NUMBERING | {"type"} and numbering_changes(want, have):  # with its NOT NULL and default: one step
        if columnstore(old):
            return "an identity or serial column changed in place on a hypertable with compression is " + NOT_YET
        if want.type != have.type:
            return (f"column {quote_ident(name)} becomes or stops being an identity or serial column and changes "
                    f"type ({have.type} to {want.type}) at once: " + NOT_YET)
        keyed = bool(new.primary_key and name in new.primary_key.columns)
        return (ChangeNumbering(c.key, org, old, want, have, keyed),)
    if attr == "default":
        recreated = enum_step(want.type, ctx.old, ctx.new) if want.type == have.type else None
        return (recreated or SetDefault(c.key, org, old, want, have),)  # the enum's step sets it, and back
    if attr == "comment":
        return (SetComment(c.key, org, old, want, have),)
    keyed = key_not_null(c, new, old, org, ctx.new, ctx.old) if attr == "not null" else None
    if keyed is not None:
        return keyed
    if attr == "not null" and not (want.identity or have.identity):
        return (SetNotNull(c.key, org, old, want, have),)
    if attr == "type" and not (want.serial or have.serial or want.identity or have.identity):
        if columnstore(old) and name in compressed_by(old):
            return "a segment-by or order-by column's type change on a hypertable with compression is " + NOT_YET
        retype = RetypeColumnstore(c.key, org, old, want, have, ctx.ts) if columnstore(old) else (
            AlterType(c.key, org, old, want, have))  # on a hypertable with compression: the recipe
        step = with_readers(retype, old, name, ctx.old, ctx.new, ctx.ts_name)
        return step if isinstance(step, str) else (step,)
    return f"a changed column ({attr}) is " + NOT_YET


def columns(c: Change, new: m.Table, old: m.Table, org: str, ctx: _Context) -> tuple[Op, ...] | str:
    name = c.part[1]
    if len(c.part) > 2:
        return _changed_column(c, new, old, org, ctx)
    if c.change == "missing":
        col = new.column(name)
        if col.serial or col.identity:
            return filled_column(c.key, org, new, col, ctx.ts)
        if columnstore(old) and null_first(col):  # TimescaleDB refuses it in one statement
            return (AddColumnNullFirst(c.key, org, new, col),)
        if columnstore(old) and not constant_default(col.default):
            return "TimescaleDB refuses a non-constant default on a hypertable with compression: " + NOT_YET
        return (AddColumn(c.key, org, new, col),)
    col = old.column(name)
    if old.primary_key and name in old.primary_key.columns and (why := drop_refused(old, ctx.old, ctx.new)):
        return f"the column is in primary key {quote_ident(old.primary_key.name)}, which cannot be dropped: {why}"
    if old.primary_key and name in old.primary_key.columns and new.primary_key and isinstance(
            why := add_primary_key(c.key, org, new, old), str):  # the drop would take the key, none would replace it
        return f"the column is in primary key {quote_ident(old.primary_key.name)}, whose new form is not planned: {why}"
    recipe = dropped_compressed(c.key, new, old, org, ctx.ts) if name in compressed_by(old) else None
    if recipe:  # TimescaleDB refuses it in one statement (compression turned off instead: DropColumn after it)
        return (recipe,)
    if old.hypertable and name in (old.hypertable.time_column, *(d.column for d in old.hypertable.dimensions)):
        return "TimescaleDB refuses to drop a hypertable's time or space dimension column (rebuild the table)"
    return (DropColumn(c.key, org, old, col),)
