"""Operations on the objects a plan can replace in place: functions, views and triggers.

A function is created, replaced (`CREATE OR REPLACE FUNCTION`, when its arguments and result type stay: callers
see the new body at once, grants stay) or dropped; a view is created, replaced (`CREATE OR REPLACE VIEW`: grants
stay; PostgreSQL refuses it when a column is removed, renamed or retyped, and the step then fails changing nothing)
or dropped; a trigger is created or replaced (`CREATE OR REPLACE TRIGGER`), dropped, or its state set (enabled,
disabled, replica, always). Each reverses to the object as it was. Statements are render's own templates.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from schemagen import model as m
from schemagen.order import views_in_order
from schemagen.plan.ops import LOCK, SIGNATURE_CHANGE, Hazard, Op, bare_query, lock_hazard, mentions, texts
from schemagen.plan.security import grants_of
from schemagen.render import sql
from schemagen.sqltext import quote_ident


@dataclass(frozen=True)
class PutFunction(Op):
    """A function created (previous None) or replaced."""

    catalog_only: ClassVar[bool] = True
    @property  # type: ignore[override]
    def op(self) -> str:
        return "create_function" if self.previous is None else "replace_function"

    rank: ClassVar[int] = 55  # before the tables whose defaults and checks call it
    function: m.Function
    previous: m.Function | None

    def statements(self) -> tuple[str, ...]:
        f = self.function
        out = [sql("function", "no_body_checks"), sql("function", "create", f)]
        if f.comment is not None or (self.previous is not None and self.previous.comment is not None):
            out.append(sql("function", "comment", f))
        if self.previous is None:  # created: with its grants (replaced: they stay)
            out += grants_of("function", f.qname + f.signature, f.grants)
        return tuple(out)

    def reverse(self) -> tuple[Op, ...]:
        if self.previous is None:
            return (DropFunction(self.key, self.org, self.function),)
        return (PutFunction(self.key, self.org, self.previous, self.function),)

    def describe(self) -> str:
        how = "create" if self.previous is None else "replace"
        return f"{how} function {self.function.qname}{self.function.signature}"


def views_dropped(views: Sequence[m.View]) -> list[str]:
    """Views (readers after what they read) dropped, the readers first."""
    return [sql("view", "drop", v) for v in reversed(views)]


def views_created(views: Sequence[m.View]) -> list[str]:
    """Plain views (readers after what they read) created as the model has them, with their comments and grants."""
    out: list[str] = []
    for v in views:
        out.append(sql("view", "create", bare_query(v)))
        if v.comment is not None:
            out.append(sql("view", "comment", v))
        out += grants_of("table", v.qname, v.grants)
    return out


@dataclass(frozen=True)
class RecreateFunction(Op):
    """A function whose arguments or result type change (CREATE OR REPLACE can change neither): dropped and created
    again in one transaction, with its comment and grants; the plain views that call it (and the views that read
    those) dropped before it and created again after it, as the model has them, in the same transaction (PostgreSQL
    refuses the drop while a view calls it). key: the function as it is (its old signature)."""

    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "recreate_function"
    rank: ClassVar[int] = 55
    function: m.Function
    previous: m.Function
    views: tuple[tuple[m.View, m.View], ...] = ()  # (as it is, as it will be), readers after what they read
    callers: tuple[str, ...] = ()  # the functions whose bodies call it by name (not tracked by PostgreSQL)

    @property
    def new_signature(self) -> str:
        return self.function.signature

    def statements(self) -> tuple[str, ...]:
        f = self.function
        out = views_dropped([old for old, _ in self.views])
        out += [sql("function", "drop", self.previous), sql("function", "no_body_checks"), sql("function", "create", f)]
        if f.comment is not None:
            out.append(sql("function", "comment", f))
        out += grants_of("function", f.qname + f.signature, f.grants)
        return (*out, *views_created([v for _, v in self.views]))

    def hazards(self) -> tuple[Hazard, ...]:
        old, new = self.previous, self.function
        calls = (f" (the body of function(s) {', '.join(self.callers)} calls it by name: PostgreSQL does not track it, "
                 "and each call resolves when it runs)") if self.callers else ""
        out = [Hazard(SIGNATURE_CHANGE, f"{old.qname}{old.signature} returning {old.returns} becomes "
                                        f"{new.qname}{new.signature} returning {new.returns}: calls of the old form "
                                        f"fail{calls}; its grants are the model's")]
        if self.views:
            names = ", ".join(v.qname for _, v in self.views)
            out.append(Hazard(LOCK, f"ACCESS EXCLUSIVE lock on view(s) {names}, dropped and created again with the "
                                    "model's definition and grants in the same transaction: the queries that read "
                                    "them wait until the step commits (briefly)"))
        return tuple(out)

    def reverse(self) -> tuple[Op, ...]:
        return (RecreateFunction(replace(self.key, signature=self.function.signature), self.org, self.previous,
                                 self.function, tuple((v, old) for old, v in self.views), self.callers),)

    def describe(self) -> str:
        old, new = self.previous, self.function
        views = f", with view(s) {', '.join(v.qname for _, v in self.views)}" if self.views else ""
        return f"recreate function {old.qname}{old.signature} as {new.signature} returning {new.returns}{views}"


@dataclass(frozen=True)
class DropFunction(Op):
    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "drop_function"
    rank: ClassVar[int] = 76  # after the triggers (replaced at 72) and tables that use it
    function: m.Function

    def statements(self) -> tuple[str, ...]:
        return (sql("function", "drop", self.function),)

    def reverse(self) -> tuple[Op, ...]:
        return (PutFunction(self.key, self.org, self.function, None),)

    def describe(self) -> str:
        return f"drop function {self.function.qname}{self.function.signature}"


@dataclass(frozen=True)
class PutView(Op):
    """A view created (previous None) or replaced in place."""

    catalog_only: ClassVar[bool] = True
    @property  # type: ignore[override]
    def op(self) -> str:
        return "create_view" if self.previous is None else "replace_view"

    rank: ClassVar[int] = 70  # after the tables and columns it reads
    view: m.View
    previous: m.View | None
    position: int = 0  # in dependency order: views after the views they read

    def statements(self) -> tuple[str, ...]:
        v = self.view
        if self.previous is None:  # created: with its comment and grants
            return tuple(views_created([v]))
        out = [sql("view", "create", bare_query(v))]  # replaced: its grants stay
        if v.comment is not None or self.previous.comment is not None:
            out.append(sql("view", "comment", v))
        return tuple(out)

    def hazards(self) -> tuple[Hazard, ...]:
        if self.previous is None:
            return ()
        return (Hazard(LOCK, f"ACCESS EXCLUSIVE lock on view {self.view.qname}, blocking the queries that read "
                               "it until the step commits (briefly); PostgreSQL refuses the step if a column is "
                               "removed, renamed or retyped"),)

    def reverse(self) -> tuple[Op, ...]:
        if self.previous is None:
            return (DropView(self.key, self.org, self.view, -self.position),)
        return (PutView(self.key, self.org, self.previous, self.view, self.position),)

    def describe(self) -> str:
        return f"{'create' if self.previous is None else 'replace'} view {self.view.qname}"

    def order(self) -> tuple:
        return (self.position, self.object, self.describe())


@dataclass(frozen=True)
class DropView(Op):
    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "drop_view"
    rank: ClassVar[int] = 25  # before the tables it reads are dropped
    view: m.View
    position: int = 0  # negative dependency order: views that read it first

    def statements(self) -> tuple[str, ...]:
        return (sql("view", "drop", self.view),)

    def reverse(self) -> tuple[Op, ...]:
        return (PutView(self.key, self.org, self.view, None, -self.position),)

    def describe(self) -> str:
        return f"drop view {self.view.qname}"

    def order(self) -> tuple:
        return (self.position, self.object, self.describe())


@dataclass(frozen=True)
class PutTrigger(Op):
    """A trigger created or replaced (previous None: created), and its state when it is not plain enabled."""

    catalog_only: ClassVar[bool] = True
    @property  # type: ignore[override]
    def op(self) -> str:
        return "create_trigger" if self.previous is None else "replace_trigger"

    rank: ClassVar[int] = 72  # after its function and its table
    table: m.Table
    trigger: m.Trigger
    previous: m.Trigger | None

    def statements(self) -> tuple[str, ...]:
        out = [sql("trigger", "create", self.table, self.trigger)]
        if self.trigger.enabled != "enabled" or (self.previous and self.previous.enabled != "enabled"):
            out.append(sql("plan_table", "trigger_state", self.table, self.trigger))
        return tuple(out)

    def hazards(self) -> tuple[Hazard, ...]:
        held = lock_hazard(self.table, "SHARE ROW EXCLUSIVE", "writes")
        return (Hazard(held.kind, held.message + " (briefly)"),)

    def reverse(self) -> tuple[Op, ...]:
        if self.previous is None:
            return (DropTrigger(self.key, self.org, self.table, self.trigger),)
        return (PutTrigger(self.key, self.org, self.table, self.previous, self.trigger),)

    def describe(self) -> str:
        how = "create" if self.previous is None else "replace"
        return f"{how} trigger {quote_ident(self.trigger.name)} on {self.table.qname}"


@dataclass(frozen=True)
class DropTrigger(Op):
    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "drop_trigger"
    rank: ClassVar[int] = 24
    table: m.Table
    trigger: m.Trigger

    def statements(self) -> tuple[str, ...]:
        return (sql("trigger", "drop", self.table, self.trigger),)

    def hazards(self) -> tuple[Hazard, ...]:
        return (lock_hazard(self.table, what="reads and writes (briefly)"),)

    def reverse(self) -> tuple[Op, ...]:
        return (PutTrigger(self.key, self.org, self.table, self.trigger, None),)

    def describe(self) -> str:
        return f"drop trigger {quote_ident(self.trigger.name)} on {self.table.qname}"


def function_ops(c, want: m.Function | None, have: m.Function | None, live: m.Database,
                 new: m.Database | None = None) -> tuple[Op, ...] | str:
    """A function missing (created), extra (dropped) or changed (replaced, when its signature and result stay;
    else recreated with the plain views that call it, unless another live object uses it: PostgreSQL would refuse
    the drop). new: the model's database (the views as they will be)."""
    if have is None:
        return (PutFunction(c.key, "", want, None),)
    if want is None:
        return (DropFunction(c.key, "", have),)
    if want.signature != have.signature or want.returns != have.returns:
        users = users_of(have, live)
        kept = {(v.schema, v.name): v for v in (new.views if new else ())}  # the others are dropped before (25)
        views = [v for v in views_over([o for k, _, o in users if k == "view"], live)
                 if (v.schema, v.name) in kept and not v.materialized]
        blocking = [f"{k} {q}" for k, q, _ in users if k not in ("function", "view")]
        blocking += [f"{'materialized view' if getattr(r, 'materialized', False) else 'continuous aggregate'} "
                     f"{r.qname} (reading view {v.qname})" for v in views
                     for r in (*live.views, *live.continuous_aggregates)
                     if getattr(r, "materialized", True) and mentions(v.name).search(r.query)]
        if blocking:
            return (f"its arguments or result type change, so it is dropped and created again, which PostgreSQL "
                    f"refuses while {', '.join(sorted(set(blocking)))} uses it: not planned yet (change them "
                    "together by hand)")
        return (RecreateFunction(m.ObjectKey("function", have.schema, have.name, have.signature), "", want, have,
                                 tuple((v, kept[v.schema, v.name]) for v in views),
                                 tuple(q for k, q, _ in users if k == "function")),)
    return (PutFunction(c.key, "", want, have),)


def views_over(views: list[m.View], live: m.Database) -> list[m.View]:
    """The views and every live view that reads one of them (by name), readers after what they read."""
    found = {v.qname: v for v in views}
    while True:
        more = {v.qname: v for v in live.views if v.qname not in found and not v.materialized
                and any(mentions(r.name).search(v.query) for r in found.values())}
        if not more:
            return views_in_order([v for v in live.views if v.qname in found])  # what a view reads first
        found |= more


def users_of(fn: m.Function, live: m.Database) -> list[tuple[str, str, object]]:
    """The live objects whose SQL calls the function by name (a default, check, index, policy, view, aggregate,
    domain, or another function's body), and the triggers that run it, as (kind, qualified name, object): what
    DROP FUNCTION would refuse, but for a function's body (PostgreSQL does not track it). By name, so a same-named
    call of another function counts too (the change is then left to do by hand)."""
    quoted = re.escape('"' + fn.name.replace('"', '""') + '"')
    call = re.compile(rf'(?<![\w$"]){re.escape(fn.name)}\s*\(|{quoted}\s*\(', re.IGNORECASE if fn.name.islower() else 0)
    out = []
    for kind, qname, obj in live.objects():
        if obj is fn or (kind == "function" and obj.qname == fn.qname):
            continue
        triggers = any(t.function == fn.qname for t in getattr(obj, "triggers", ()))
        if triggers or any(call.search(text) for text in texts(obj)):
            out.append((kind, qname, obj))
    return sorted(out, key=lambda u: (u[0], u[1]))


def view_ops(c, want: m.View | None, have: m.View | None, order: dict[str, int]) -> tuple[Op, ...] | str:
    """A plain view missing, extra or changed; materialized views (data) are not planned yet. order: each view's
    place in dependency order (the model's views, then the live ones)."""
    if (want or have).materialized or (want and have and want.materialized != have.materialized):
        return "a materialized view holds data: recreating it is not planned yet"
    at = order.get((want or have).qname, 0)
    if have is None:
        return (PutView(c.key, want.org or "", want, None, at),)
    if want is None:
        return (DropView(c.key, have.org or "", have, -at),)
    return (PutView(c.key, want.org or "", want, have, at),)


def trigger_ops(c, org: str, new: m.Table, old: m.Table) -> tuple[Op, ...]:
    name = c.part[1]
    want = next((t for t in new.triggers if t.name == name), None)
    have = next((t for t in old.triggers if t.name == name), None)
    if want is None:
        return (DropTrigger(c.key, org, old, have),)
    return (PutTrigger(c.key, org, old, want, have),)
