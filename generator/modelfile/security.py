"""Grants (`grants: {role: [privileges]}` on schemas, tables, views, functions and, later, sequences) and a
table's `row_level_security` (ENABLE / FORCE and its policies).

`grants` is one small piece every object kind shares: the builder reads it here, rules/check_security.py
validates it for the object's kind, render/security.py writes GRANT and REVOKE, compare/security.py compares it.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.document import PathT
from schemagen.modelfile.context import Context
from schemagen.modelfile.stamp import ORG

# The privileges GRANT takes on each kind of object (`all`: every one of them; PostgreSQL 17's MAINTAIN is left
# out: PostgreSQL 15 and 16 refuse it).
_RELATION = ("select", "insert", "update", "delete", "truncate", "references", "trigger")
PRIVILEGES = {"table": _RELATION, "view": _RELATION, "materialized view": _RELATION,
              "continuous aggregate": _RELATION, "schema": ("usage", "create"),
              "function": ("execute",), "sequence": ("usage", "select", "update")}
PUBLIC = "PUBLIC"


def grants(ctx: Context, spec: dict | None, kind: str, path: PathT) -> m.Grants:
    """(role, sorted privileges) in the model's order, each privilege one GRANT takes on `kind` (see PRIVILEGES);
    [] stays () (the role gets nothing). A role is the cluster's: never `{org}` (a role per org is not created by
    schemagen), never `public` in lower case (write PUBLIC, the pseudo-role)."""
    out = []
    allowed = PRIVILEGES[kind]
    for role, privs in ((spec or {}).get("grants") or {}).items():
        role, where = str(role), path + ("grants", role)
        if ORG in role:
            ctx.fail(where, f"role {role!r}: {ORG} is not allowed in a role name (roles are the cluster's, shared "
                            "by every org: schemagen never creates them)")
        elif role != PUBLIC and role.lower() == "public":
            ctx.fail(where, f"role {role!r}: write PUBLIC for every role (the pseudo-role); no role can be named "
                            "public")
        for p in privs or ():
            if p != "all" and p not in allowed:
                ctx.fail(where, f"{p!r} is not a privilege of a {kind} (it takes {', '.join(allowed)} or all)")
        written = {str(p) for p in privs or ()}
        out.append((role, ("all",) if "all" in written else tuple(sorted(written))))  # all holds the others
    return tuple(out)


def row_security(ctx: Context, spec: dict | None, path: PathT) -> m.RowSecurity | None:
    rls = (spec or {}).get("row_level_security")
    if rls is None:
        return None
    policies = []
    for name, p in (rls.get("policies") or {}).items():
        p = p or {}
        using, check = p.get("using"), p.get("with_check")
        for role in p.get("roles") or ():
            if ORG in str(role):
                ctx.fail(path + ("row_level_security", "policies", name, "roles"),
                         f"role {role!r}: {ORG} is not allowed in a role name (roles are the cluster's)")
        policies.append(m.Policy(
            str(name), p.get("command", "all"), tuple(p.get("roles") or ("PUBLIC",)),
            None if using is None else ctx.sql(using), None if check is None else ctx.sql(check),
            p.get("permissive", True), ctx.src(path + ("row_level_security", "policies", name))))
    return m.RowSecurity(rls.get("enabled", True), rls.get("forced", False), tuple(policies),
                         ctx.src(path + ("row_level_security",)))
