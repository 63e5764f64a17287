"""Grants and row-level security compared: the expected side carries the model's grants and policies.

What the model says of them replaces PostgreSQL's default on the expected side (compare/behaviour.py keeps the
default for every object and role the model says nothing of): `unclaimed` takes the rows of live/behaviour.py's
queries that this module answers for out of that comparison, `changes` compares them with the model. A role the
model grants to is compared through live/sql/model_grants.sql (its privileges, whatever the defaults), a table
with `row_level_security` through security.sql's rows (RLS, FORCE, each policy as the server prints it; the
model's expressions printed by the same server: live/security.py).
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from schemagen import model as m
from schemagen.compare.keys import object_key

_CLASS = {"schema": "schema", "table": "relation", "view": "relation", "materialized view": "relation",
          "function": "function", "sequence": "relation"}
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
