"""Grants and row-level security read back into the model's `grants:` and `row_level_security:` mappings.

The rows are the drift check's (live/sql/grants.sql and security.sql: only what differs from PostgreSQL's
defaults, so the owner's own privileges and PUBLIC's default EXECUTE on functions or USAGE on schema public are
never written) and one import query for the parts of each policy (live/sql/import_policies.sql). What the model
cannot say is a note of its object instead, never dropped: a grant option, column privileges, owners, PostgreSQL
17's MAINTAIN without the rest of a table's privileges, grants on an identity column's sequence, PUBLIC's
privileges on schema public (initdb's), the grants of an overloaded function's name. A continuous aggregate's
grants are its view's.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Every privilege of a kind (PostgreSQL 17 adds MAINTAIN to relations): a role holding them all is `[all]`.
_RELATION = ("select", "insert", "update", "delete", "truncate", "references", "trigger")
_ALL = {"table": _RELATION, "view": _RELATION, "materialized view": _RELATION, "continuous aggregate": _RELATION,
        "sequence": ("usage", "select", "update"), "schema": ("usage", "create"), "function": ("execute",)}
_WORD = {"tables": "table", "views": "view", "materialized_views": "materialized view", "sequences": "sequence",
         "functions": "function", "continuous_aggregates": "continuous aggregate"}
RLS_FACTS = ("row level security", "force row level security", "policy")

Where = tuple[str, str, str]  # (schema, kind as the model's key, name); kind "schema" for a schema's own grants


@dataclass
class Found:
    grants: dict[Where, dict[str, list[str]]] = field(default_factory=dict)
    row_security: dict[tuple[str, str], dict] = field(default_factory=dict)  # (schema, table) -> mapping
    notes: dict[Where, list[str]] = field(default_factory=dict)
    left: list[dict] = field(default_factory=list)  # grants rows about no object of the model (the caller notes them)


def privileges(kind: str, actual: str | None) -> tuple[list[str] | None, str | None]:
    """A role's privileges as grants.sql lists them (`INSERT, SELECT WITH GRANT OPTION`) -> the model's list
    (`[all]` when they are every privilege of the kind), or None and why the model cannot say them."""
    listed = [p.strip() for p in (actual or "").split(",") if p.strip()]
    if any(p.endswith(" WITH GRANT OPTION") for p in listed):
        return None, f"with grant option ({actual})"
    words = {p.lower() for p in listed}
    full = set(_ALL[kind])
    if _ALL[kind] is _RELATION and "maintain" in words:
        if words - {"maintain"} != full:
            return None, f"MAINTAIN without all the other privileges ({actual})"
        return ["all"], None
    if words == full and len(full) > 1:
        return ["all"], None
    unknown = words - full
    if unknown:
        return None, f"{', '.join(sorted(unknown))} is not a privilege the model grants on a {kind}"
    return [p for p in _ALL[kind] if p in words], None


def _place(row: dict, kinds: dict[tuple[str, str], str]) -> Where | None:
    """The model object a grants.sql row is said of (a serial's sequence: its table), None when the model has none."""
    cls, schema, name = row["class"], row["schema"], row["name"]
    if cls == "schema":
        return schema, "schema", name
    if cls == "function":
        return (schema, "functions", name) if row["kind"] == "f" else None
    if row["kind"] == "S" and (schema, name) not in kinds and row["part"]:
        name = row["part"]
    kind = kinds.get((schema, name))
    return (schema, kind, name) if kind else None


def _refused(row: dict, where: Where, overloaded: set[tuple[str, str]]) -> str | None:
    """Why the model cannot hold this row's privileges, or None."""
    if row["class"] == "schema" and row["name"] == "public" and row["grantee"] == "PUBLIC":
        return "PUBLIC's privileges on schema public (initdb's: the model leaves them to the server)"
    if row["class"] == "function" and (row["schema"], row["name"]) in overloaded:
        return "grants of an overloaded function's name (the model has one function of a name)"
    if row["class"] == "column":
        return f"column {row['part']}'s privileges"
    if where[2] != row["name"]:
        return f"sequence {row['name']} (an identity column's): the model grants on declared sequences only"
    return None


def read(grants: list[dict], security: list[dict], policies: list[dict], kinds: dict[tuple[str, str], str],
         overloaded: set[tuple[str, str]]) -> Found:
    """grants.sql's and security.sql's rows -> grants and row_level_security by object, and the notes.
    kinds: (schema, name) -> the model's kind key of each relation imported (tables, views, sequences, ...)."""
    out = Found()
    for r in grants:
        where = _place(r, kinds)
        if where is None:
            out.left.append(r)
            continue
        if r["fact"] == "owner":
            out.notes.setdefault(where, []).append(
                f"owner {r['actual']}: not imported (the model has no owners: the role that applies owns them)")
            continue
        why = _refused(r, where, overloaded)
        listed = None
        if why is None:
            listed, why = privileges("schema" if where[1] == "schema" else _WORD[where[1]], r["actual"])
        if listed is None:
            out.notes.setdefault(where, []).append(f"privileges of {r['grantee']}: {r['actual'] or '(none)'}: "
                                                   f"not imported: {why}")
        else:
            out.grants.setdefault(where, {})[r["grantee"]] = listed
    _row_security(out, security, policies)
    return out


def _row_security(out: Found, security: list[dict], policies: list[dict]) -> None:
    for r in security:
        if r["fact"] in RLS_FACTS[:2]:
            spec = out.row_security.setdefault((r["schema"], r["name"]), {"enabled": False})
            spec["enabled" if r["fact"] == RLS_FACTS[0] else "forced"] = True
    for p in policies:
        spec = out.row_security.setdefault((p["schema"], p["name"]), {"enabled": False})
        spec.setdefault("policies", {})[p["policy"]] = policy(p)
    for key, spec in out.row_security.items():
        ordered = {"enabled": False} if not spec["enabled"] else {}
        out.row_security[key] = ordered | {k: spec[k] for k in ("forced", "policies") if k in spec}


def policy(p: dict) -> dict:
    """One row of import_policies.sql as the model writes a policy (defaults left out)."""
    spec: dict = {}
    if p["command"] != "all":
        spec["command"] = p["command"]
    if list(p["roles"]) != ["PUBLIC"]:
        spec["roles"] = list(p["roles"])
    for key in ("using", "with_check"):
        if p[key] is not None:
            spec[key] = p[key]
    if not p["permissive"]:
        spec["permissive"] = False
    return spec


_DEFAULT_KINDS = {"r": "tables", "S": "sequences", "f": "functions", "T": "types", "n": "schemas"}


def default_privileges(row: dict) -> str:
    """A note of one ALTER DEFAULT PRIVILEGES setting (import_default_privileges.sql's row)."""
    where = f" in schema {row['schema']}" if row["schema"] else ""
    return (f"default privileges of role {row['role']}{where} on new {_DEFAULT_KINDS.get(row['kind'], row['kind'])}: "
            f"{row['privileges'] or '(none)'}: not imported (the model has no ALTER DEFAULT PRIVILEGES: objects "
            "that role creates get them here, a database rendered from the model does not)")
