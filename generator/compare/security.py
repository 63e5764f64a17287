"""Grants and row-level security compared: the expected side carries the model's grants and policies.

What the model says of them replaces PostgreSQL's default on the expected side (compare/behaviour.py keeps the
default for every object and role the model says nothing of): `unclaimed` takes the rows of live/behaviour.py's
queries that this module answers for out of that comparison, `changes` compares them with the model. A role the
model grants to is compared through live/sql/model_grants.sql (its privileges, whatever the defaults), a table
with `row_level_security` through security.sql's rows (RLS, FORCE, each policy as the server prints it; the
model's expressions printed by the same server: live/security.py).
"""
from __future__ import annotations

import collections
import re
from collections.abc import Iterator

from schemagen import model as m
from schemagen.changes import Change
from schemagen.compare.keys import object_key

# model_grants.sql's class of each kind of object (a continuous aggregate's privileges are its view's)
_CLASS = {"schema": "schema", "table": "relation", "view": "relation", "materialized view": "relation",
          "continuous aggregate": "relation", "function": "function", "sequence": "relation"}
_COMMAND = {"all": "ALL", "select": "SELECT", "insert": "INSERT", "update": "UPDATE", "delete": "DELETE"}
_RLS_FACTS = ("row level security", "force row level security", "policy")
NONE = "(none)"

# what a row says about an object: (key, org, change, part, expected, actual), as compare/behaviour.py's
Found = tuple[m.ObjectKey, str, str, tuple, "str | None", "str | None"]
Printed = dict[tuple[str, str, str], tuple["str | None", "str | None"]]


def _granted(expected: m.Database) -> Iterator[tuple[str, str, str, object, str]]:
    """(class, schema, name, object, kind) of every object with grants."""
    for kind, _, obj in expected.objects():
        if kind in _CLASS and getattr(obj, "grants", ()):
            schema = obj.name if kind == "schema" else obj.schema
            yield _CLASS[kind], schema, obj.name, obj, kind


def roles(expected: m.Database) -> list[str]:
    """The roles the model grants to (PUBLIC included): what live/sql/model_grants.sql reads."""
    return list(dict.fromkeys(role for *_, obj, _ in _granted(expected) for role, _ in obj.grants))


def unclaimed(expected: m.Database, security: list[dict], grants: list[dict]) -> tuple[list[dict], list[dict]]:
    """The rows of security.sql and grants.sql that compare/behaviour.py compares with the defaults: not the RLS
    and policy rows of a table with row_level_security, nor the privileges of a role on an object whose grants
    name it."""
    rls = {(t.schema, t.name) for t in expected.tables if t.row_security is not None}
    named = {(cls, schema, name, role) for cls, schema, name, obj, _ in _granted(expected) for role, _ in obj.grants}
    security = [r for r in security if not (r["fact"] in _RLS_FACTS and (r["schema"], r["name"]) in rls)]
    grants = [r for r in grants if r["fact"] == "owner" or r["class"] == "column"
              or (r["class"], r["schema"], r["name"], r["grantee"]) not in named]
    return security, grants


def _privileges(text: str | None) -> frozenset[str]:
    return frozenset(p.strip() for p in (text or "").split(",") if p.strip())


def _shown(privileges: frozenset[str]) -> str:
    return ", ".join(sorted(privileges)) if privileges else NONE


def grant_changes(expected: m.Database, rows: list[dict]) -> Iterator[Found]:
    """Each role the model grants to: its privileges on the object, exactly."""
    found = {(r["class"], r["schema"], r["name"], r["grantee"]): r for r in rows}
    for cls, schema, name, obj, kind in _granted(expected):
        key, org = object_key(kind, obj), getattr(obj, "org", None) or ""
        for role, privileges in obj.grants:
            row = found.get((cls, schema, name, role))
            actual = _privileges(row["actual"] if row else None)
            if "all" in privileges:
                want = _privileges(row["all_privileges"]) if row else frozenset({"ALL"})
            else:
                want = frozenset(p.upper() for p in privileges)
            if want != actual:
                yield key, org, "changed", ("privileges of", role), _shown(want), _shown(actual)


def policy_text(p: m.Policy, printed: tuple[str | None, str | None] | None) -> str:
    """A policy as security.sql prints a live one: PERMISSIVE FOR SELECT TO a, b USING (...) WITH CHECK (...)."""
    using, check = printed if printed else (p.using, p.with_check)
    roles = sorted(p.roles, key=lambda r: (r != "PUBLIC", r))
    text = (f"{'PERMISSIVE' if p.permissive else 'RESTRICTIVE'} FOR {_COMMAND[p.command]} TO {', '.join(roles)}"
            + (f" USING ({using})" if using is not None else "")
            + (f" WITH CHECK ({check})" if check is not None else ""))
    return _flat(text)


def _flat(text: str) -> str:
    return re.sub(r"\n\s*", " ", text)


def rls_changes(expected: m.Database, rows: list[dict], printed: Printed) -> Iterator[Found]:
    """Each table with row_level_security: enabled, FORCE, and its policies (missing, changed, extra)."""
    live: dict[tuple[str, str], dict] = {}
    for r in rows:
        if r["fact"] in _RLS_FACTS:
            live.setdefault((r["schema"], r["name"]), {})[(r["fact"], r["part"])] = r["actual"]
    for t in expected.tables:
        rs = t.row_security
        if rs is None:
            continue
        key, org, facts = object_key("table", t), t.org or "", live.get((t.schema, t.name), {})
        for fact, want in (("row level security", rs.enabled), ("force row level security", rs.forced)):
            actual = facts.get((fact, None)) == "enabled"
            if actual != want:
                yield (key, org, "changed", (fact,), "enabled" if want else "disabled",
                       "enabled" if actual else "disabled")
        names = set()
        for p in rs.policies:
            names.add(p.name)
            want, actual = policy_text(p, printed.get((t.schema, t.name, p.name))), facts.get(("policy", p.name))
            if actual is None:
                yield key, org, "missing", ("policy", p.name), want, None
            elif _flat(actual) != want:
                yield key, org, "changed", ("policy", p.name), want, _flat(actual)
        for (fact, part), actual in sorted(facts.items(), key=lambda kv: str(kv[0])):
            if fact == "policy" and part not in names:
                yield key, org, "extra", ("policy", part), None, _flat(actual)


# --- offline: the old model's grants and row-level security against the new model's (plan --from) ----------

def default_privileges(kind: str, obj, role: str) -> frozenset[str]:
    """What a role holds on an object the model grants nothing of to it: PostgreSQL's hard-wired default
    (acldefault) for a role other than the owner: EXECUTE for PUBLIC on a function, USAGE for PUBLIC on schema
    public (initdb's), nothing else."""
    if role != "PUBLIC":
        return frozenset()
    if kind == "function":
        return frozenset({"EXECUTE"})
    return frozenset({"USAGE"}) if kind == "schema" and obj.name == "public" else frozenset()


def _model_privileges(obj, kind: str, role: str) -> frozenset[str]:
    listed = dict(getattr(obj, "grants", ()) if obj is not None else ())
    if role not in listed:
        return default_privileges(kind, obj, role)
    return frozenset(p.upper() for p in listed[role])


def _offline_grants(new: m.Database, old: m.Database) -> Iterator[Found]:
    """Each role either model grants to, on each object of the new model: the old model's privileges (or the
    default, for a role it names not) against the new model's."""
    before = {(kind, object_key(kind, obj)): obj for kind, _, obj in old.objects() if kind in _CLASS}
    for kind, _, obj in new.objects():
        if kind not in _CLASS:
            continue
        key = object_key(kind, obj)
        was = before.get((kind, key))
        if was is None:
            continue  # a new object is created with its grants
        roles = dict.fromkeys(r for o in (obj, was) for r, _ in getattr(o, "grants", ()))
        for role in roles:
            want = _model_privileges(obj, kind, role)
            have = _model_privileges(was, kind, role)
            if want != have:
                yield key, getattr(obj, "org", None) or "", "changed", ("privileges of", role), _shown(want), \
                    _shown(have)


def _state(rs: m.RowSecurity | None) -> tuple[bool, bool, dict[str, str]]:
    if rs is None:
        return False, False, {}
    return rs.enabled, rs.forced, {p.name: policy_text(p, None) for p in rs.policies}


def _offline_rls(new: m.Database, old: m.Database) -> Iterator[Found]:
    """Each table of both models with row_level_security in either: enabled, FORCE, its policies."""
    before = {(t.schema, t.name): t for t in old.tables}
    for t in new.tables:
        was = before.get((t.schema, t.name))
        if was is None or (t.row_security is None and was.row_security is None):
            continue
        key, org = object_key("table", t), t.org or ""
        (on, forced, policies), (was_on, was_forced, had) = _state(t.row_security), _state(was.row_security)
        for fact, want, actual in (("row level security", on, was_on), ("force row level security", forced,
                                                                       was_forced)):
            if want != actual:
                yield key, org, "changed", (fact,), "enabled" if want else "disabled", \
                    "enabled" if actual else "disabled"
        for name in dict.fromkeys([*policies, *had]):
            change = "missing" if name not in had else "extra" if name not in policies else "changed"
            if policies.get(name) != had.get(name):
                yield key, org, change, ("policy", name), policies.get(name), had.get(name)


def model_changes(new: m.Database, old: m.Database) -> list[Change]:
    """The grants and row-level security of two models' databases compared (the drift check reads the old side
    from the catalogs, plan --from from the old model): Changes as the drift check reports them."""
    return [Change(new.name, org, key, change, part, value, actual)
            for key, org, change, part, value, actual in (*_offline_grants(new, old), *_offline_rls(new, old))]


def with_live_grants(actual: m.Database, rows: list[dict], model_roles: list[str]) -> m.Database:
    """The live objects (as inspected: they carry no grants) with the privileges the model's roles hold on them,
    from live/sql/model_grants.sql's rows: every role of model_roles named on every object, with () where it holds
    nothing (its REVOKE ALL undoes a default privilege). What a plan's rollback creates a dropped object again with.
    A grant option is kept as the plain privilege (not modelled); a function whose name is overloaded keeps none
    (the rows name functions without their arguments)."""
    if not model_roles:
        return actual
    held: dict[tuple[str, str, str], dict[str, tuple[str, ...]]] = {}
    for r in rows:
        words = (p.strip().removesuffix(" WITH GRANT OPTION").lower() for p in (r["actual"] or "").split(","))
        held.setdefault((r["class"], r["schema"], r["name"]), {})[r["grantee"]] = tuple(sorted(w for w in words if w))
    overloaded = {n for n, k in collections.Counter(f.qname for f in actual.functions).items() if k > 1}

    def granted(kind: str, obj):
        if kind == "function" and obj.qname in overloaded:
            return obj
        schema = obj.name if kind == "schema" else obj.schema
        found = held.get((_CLASS[kind], schema, obj.name), {})
        return m.replace(obj, grants=tuple((role, found.get(role, ())) for role in model_roles))

    views = tuple(granted("materialized view" if v.materialized else "view", v) for v in actual.views)
    return m.replace(
        actual, schemas=tuple(granted("schema", s) for s in actual.schemas),
        tables=tuple(granted("table", t) for t in actual.tables), views=views,
        continuous_aggregates=tuple(granted("continuous aggregate", c) for c in actual.continuous_aggregates),
        functions=tuple(granted("function", f) for f in actual.functions),
        sequences=tuple(granted("sequence", q) for q in actual.sequences))
