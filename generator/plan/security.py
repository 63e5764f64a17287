"""Operations on grants and row-level security: a role's privileges on an object set, row-level security and FORCE
turned on or off, a policy created, altered or dropped.

Grants are the model's: a role the model names on an object gets exactly its privileges, as render gives them
(REVOKE ALL from the role, then GRANT what the model lists: render/security.py's own statements), so a changed
grant is one revoke and one grant, in one step; its reverse gives the role back what it held. A role the model
does not name on an object is not the model's to revoke (the live plan lists it as not planned; the offline plan
knows the old model granted it, and sets it back to PostgreSQL's default). A new table gets its grants and
row-level security from its own creation; a new view, function, schema or sequence gets them in a step after it;
a continuous aggregate created or recreated gets them in the step that creates it (plan/aggregates.py).

Row-level security: policies are created before RLS is enabled and dropped after it is disabled, so no step
leaves a table with RLS on and fewer policies than either side has. A changed policy is altered in place (ALTER
POLICY: roles, USING, WITH CHECK) where PostgreSQL can; a changed command or PERMISSIVE / RESTRICTIVE, or an
expression taken away, is a drop and a create in one step. Each reverses to the state before it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from schemagen import model as m
from schemagen.changes import Change
from schemagen.compare.keys import object_key
from schemagen.compare.security import NONE
from schemagen.plan.ops import PRIVILEGE_LOSS, ROWS_EXPOSED, ROWS_HIDDEN, Hazard, Op, lock_hazard
from schemagen.render import sql
from schemagen.render.security import grant_statements
from schemagen.sqltext import qualified, quote_ident

_RLS = ("row level security", "force row level security")
_GRANT_KIND = {"schema": "schema", "table": "table", "view": "table", "materialized view": "table",
               "continuous aggregate": "table", "function": "function", "sequence": "sequence"}


def _grantee(role: str) -> str:
    return "PUBLIC" if role == "PUBLIC" else quote_ident(role)


def _listed(privileges: tuple[str, ...]) -> str:
    return ", ".join(privileges) if privileges else NONE


def grants_of(kind: str, name: str, grants: m.Grants) -> tuple[str, ...]:
    """The statements that give an object its grants, as render gives them (REVOKE ALL, then GRANT, per role):
    kind is GRANT's word for it (schema, table for views too, function, sequence), name the object as GRANT names
    it. A view, function, schema or sequence the plan creates gets its grants in its own step this way."""
    out: list[str] = []
    grant_statements(kind, name, grants, name, None, lambda text, *args: out.append(text))
    return tuple(out)


@dataclass(frozen=True)
class SetPrivileges(Op):
    """A role's privileges on an object set to exactly `privileges` (from `previous`)."""

    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "set_privileges"
    rank: ClassVar[int] = 85  # after every object is created or changed (a view replaced keeps its grants)
    kind: str  # GRANT's word for the object, lower case: schema | table (views, aggregates) | function | sequence
    name: str  # the object as GRANT names it: s.t, s, s.f(integer)
    what: str  # the object in words: "view s.v"
    role: str
    privileges: tuple[str, ...]  # upper case, sorted ("ALL" for the model's `all`)
    previous: tuple[str, ...]

    def statements(self) -> tuple[str, ...]:
        return grants_of(self.kind, self.name, ((self.role, self.privileges),))

    def needs(self) -> frozenset[str]:
        return frozenset({m.FEATURE_CAGG}) if self.key.kind == "continuous aggregate" else frozenset()

    def hazards(self) -> tuple[Hazard, ...]:
        if "ALL" in self.privileges:
            return ()
        lost = ", ".join(p for p in self.previous if p not in self.privileges)
        if "ALL" in self.previous:
            lost = "every privilege" + (f" but {_listed(self.privileges)}" if self.privileges else "")
        if not lost:
            return ()
        return (Hazard(PRIVILEGE_LOSS, f"{_grantee(self.role)} loses {lost} on {self.what}: its queries (and "
                                       "every caller relying on them) that need it fail with permission denied"),)

    def reverse(self) -> tuple[Op, ...]:
        return (SetPrivileges(self.key, self.org, self.kind, self.name, self.what, self.role, self.previous,
                              self.privileges),)

    def describe(self) -> str:
        return (f"set the privileges of {_grantee(self.role)} on {self.what} to {_listed(self.privileges)} "
                f"(from {_listed(self.previous)})")


@dataclass(frozen=True)
class SetRowSecurity(Op):
    """ALTER TABLE ... ENABLE / DISABLE ROW LEVEL SECURITY, or FORCE / NO FORCE (forced)."""

    catalog_only: ClassVar[bool] = True
    table: m.Table
    forced: bool  # FORCE / NO FORCE rather than ENABLE / DISABLE
    on: bool
    policies: int  # the policies the table has once the plan has run (none: every row hidden)
    before: int  # the policies it had before it (for the reverse)

    @property  # type: ignore[override]
    def op(self) -> str:
        if self.forced:
            return "force_row_security" if self.on else "no_force_row_security"
        return "enable_row_security" if self.on else "disable_row_security"

    @property  # type: ignore[override]
    def rank(self) -> int:
        return 81 if self.on else 22  # on after the policies are created; off before they are dropped

    def statements(self) -> tuple[str, ...]:
        macro = {(False, True): "enable", (False, False): "disable", (True, True): "force",
                 (True, False): "no_force"}[(self.forced, self.on)]
        return (sql("security", macro, self.table),)

    def hazards(self) -> tuple[Hazard, ...]:
        t, held = self.table.qname, lock_hazard(self.table, what="reads and writes (briefly)")
        who = "its owner too" if self.forced else "every role but its owner (superusers and BYPASSRLS roles aside)"
        if self.on and not self.policies:
            return held, Hazard(ROWS_HIDDEN, f"{t} has no row-level security policy: once the step commits every "
                                             f"row is hidden from {who}, and their writes fail")
        if self.on:
            return held, Hazard(ROWS_HIDDEN, f"{who} sees and writes only the rows that the {self.policies} "
                                             f"policy(ies) of {t} allow")
        whose = "its owner" if self.forced else "every role with privileges on it"
        return held, Hazard(ROWS_EXPOSED, f"{whose} sees and writes every row of {t} again, whatever its policies "
                                          "say")

    def reverse(self) -> tuple[Op, ...]:
        return (SetRowSecurity(self.key, self.org, self.table, self.forced, not self.on, self.before,
                               self.policies),)

    def describe(self) -> str:
        words = ("FORCE" if self.on else "NO FORCE") if self.forced else ("ENABLE" if self.on else "DISABLE")
        return f"{words} ROW LEVEL SECURITY on {self.table.qname}"


def _alterable(p: m.Policy, was: m.Policy) -> bool:
    """ALTER POLICY can change roles, USING and WITH CHECK; not the command, not PERMISSIVE, and cannot take an
    expression away."""
    return (p.command == was.command and p.permissive == was.permissive
            and (p.using is not None or was.using is None) and (p.with_check is not None or was.with_check is None))


def _shown(p: m.Policy, adding: bool, t: str) -> Hazard:
    """A permissive policy added lets its roles see more rows, one removed fewer; a restrictive one the reverse."""
    roles, name = ", ".join(map(_grantee, p.roles)), quote_ident(p.name)
    on = f"while row-level security is on for {t}"
    if adding == p.permissive:
        what = "lets through" if p.permissive else "held back"
        return Hazard(ROWS_EXPOSED, f"{on}, the rows that policy {name} {what} become visible and writable to "
                                    f"{roles}")
    what = f"alone let {roles} see or write" if p.permissive else "holds back"
    return Hazard(ROWS_HIDDEN, f"{on}, the rows that policy {name} {what} are hidden from {roles}")


@dataclass(frozen=True)
class PutPolicy(Op):
    """CREATE POLICY (previous None), ALTER POLICY, or DROP and CREATE POLICY in one step."""

    catalog_only: ClassVar[bool] = True
    rank: ClassVar[int] = 80  # after the columns its expressions read, before RLS is enabled
    table: m.Table
    policy: m.Policy
    previous: m.Policy | None

    @property  # type: ignore[override]
    def op(self) -> str:
        return "create_rls_policy" if self.previous is None else "alter_rls_policy"

    def statements(self) -> tuple[str, ...]:
        t, p, was = self.table, self.policy, self.previous
        if was is not None and _alterable(p, was):
            return (sql("plan_security", "alter_policy", t, p),)
        drop = (sql("security", "drop_policy", t, was),) if was is not None else ()
        return (*drop, sql("security", "create_policy", t, p))

    def hazards(self) -> tuple[Hazard, ...]:
        t, p = self.table.qname, self.policy
        held = lock_hazard(self.table, what="reads and writes (briefly)")
        if self.previous is None:
            return held, _shown(p, True, t)
        return held, Hazard(ROWS_HIDDEN, f"policy {quote_ident(p.name)} of {t} changes: while row-level security "
                                         f"is on, rows that {', '.join(map(_grantee, p.roles))} saw or wrote may "
                                         "be hidden from them (and others shown)")

    def reverse(self) -> tuple[Op, ...]:
        if self.previous is None:
            return (DropPolicy(self.key, self.org, self.table, self.policy),)
        return (PutPolicy(self.key, self.org, self.table, self.previous, self.policy),)

    def describe(self) -> str:
        how = "create" if self.previous is None else "alter" if _alterable(self.policy, self.previous) else \
            "drop and create"
        return f"{how} policy {quote_ident(self.policy.name)} on {self.table.qname}"


@dataclass(frozen=True)
class DropPolicy(Op):
    catalog_only: ClassVar[bool] = True
    op: ClassVar[str] = "drop_rls_policy"
    rank: ClassVar[int] = 23  # after RLS is disabled, before the columns its expressions read change
    table: m.Table
    policy: m.Policy

    def statements(self) -> tuple[str, ...]:
        return (sql("security", "drop_policy", self.table, self.policy),)

    def hazards(self) -> tuple[Hazard, ...]:
        return lock_hazard(self.table, what="reads and writes (briefly)"), _shown(self.policy, False,
                                                                                   self.table.qname)

    def reverse(self) -> tuple[Op, ...]:
        return (PutPolicy(self.key, self.org, self.table, self.policy, None),)

    def describe(self) -> str:
        return f"drop policy {quote_ident(self.policy.name)} on {self.table.qname}"


# --- changes -> operations -----------------------------------------------------------------------------------

_INDEX: dict[int, tuple[m.Database, dict[m.ObjectKey, tuple[str, object]]]] = {}


def _objects(db: m.Database) -> dict[m.ObjectKey, tuple[str, object]]:
    """db's objects by key (kind, object), built once per database of a plan."""
    found = _INDEX.get(id(db))
    if found is None or found[0] is not db:
        found = (db, {object_key(kind, o): (kind, o) for kind, _, o in db.objects()})
        _INDEX.clear()  # the two databases of one plan at most
        _INDEX[id(db)] = found
    return found[1]


def _find(db: m.Database, key: m.ObjectKey):
    hit = _objects(db).get(key)
    return hit[1] if hit else None


def _privileges(text: object) -> tuple[str, ...] | None:
    """A Change's privilege list ("INSERT, SELECT", "(none)") as words; None with a grant option (not modelled)."""
    words = tuple(sorted(p.strip() for p in str(text or "").split(",") if p.strip() and p.strip() != NONE))
    return None if any(" " in p for p in words) else words


def _grant_name(key: m.ObjectKey) -> str:
    if key.kind == "schema":
        return quote_ident(key.name)
    return qualified(key.schema, key.name) + (key.signature if key.kind == "function" else "")


def _grant(c: Change, new: m.Database, old: m.Database) -> tuple[Op, ...] | str:
    role = c.part[1]
    want, have = _find(new, c.key), _find(old, c.key)
    named = any(r == role for o in (want, have) if o is not None for r, _ in getattr(o, "grants", ()))
    if not named:
        return (f"the model does not name {_grantee(role)} in the grants of {c.kind} {c.object}: schemagen "
                f"revokes only the privileges it manages (write `{role}: []` in its grants to revoke them)")
    privileges, previous = _privileges(c.expected), _privileges(c.actual)
    if privileges is None or previous is None:
        return "a grant option (WITH GRANT OPTION) is not modelled: change it by hand"
    if have is None:
        return ()  # a new object is created with its grants (its creating step)
    return (SetPrivileges(c.key, c.org, _GRANT_KIND[c.key.kind], _grant_name(c.key), f"{c.kind} {c.object}", role,
                          privileges, previous),)


def _policy(t: m.Table | None, name: str) -> m.Policy | None:
    rs = t.row_security if t is not None else None
    return next((p for p in rs.policies if p.name == name), None) if rs else None


def _row_security(c: Change, new: m.Database, old: m.Database) -> tuple[Op, ...] | str:
    want, have = _find(new, c.key), _find(old, c.key)
    if have is None or want is None:
        return ()  # a new table is created with its row-level security; a dropped one goes with its policies
    if c.part[0] in _RLS:
        count, before = (len(t.row_security.policies) if t.row_security else 0 for t in (want, have))
        return (SetRowSecurity(c.key, c.org, have, c.part[0] == _RLS[1], c.expected == "enabled", count, before),)
    name = c.part[1]
    policy, previous = _policy(want, name), _policy(have, name)
    if c.change != "missing" and previous is None:
        return f"the parts of live policy {quote_ident(name)} were not read: " + "drop it by hand"
    if c.change == "extra":
        return (DropPolicy(c.key, c.org, have, previous),)
    return (PutPolicy(c.key, c.org, have, policy, previous),)


def security_ops(c: Change, new: m.Database, old: m.Database) -> tuple[Op, ...] | str | None:
    """The operations serving a change of grants or row-level security (new: the model's side, old: the database
    as it is), or why none; None: not such a change."""
    part = c.part
    if len(part) == 2 and part[0] == "privileges of" and c.key.kind in _GRANT_KIND:
        return _grant(c, new, old)
    if c.key.kind == "table" and (part in ((_RLS[0],), (_RLS[1],)) or (len(part) == 2 and part[0] == "policy")):
        return _row_security(c, new, old)
    return None
