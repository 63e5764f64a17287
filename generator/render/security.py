"""render's grants and row-level security: phase 105 `row_security` (ENABLE / FORCE ROW LEVEL SECURITY, CREATE
POLICY) and phase 115 `grants` (every kind of object's grants, after every object), and their rollbacks (895, 885).

An object with `grants:` gets exactly those privileges for the roles named: REVOKE ALL from the role, then GRANT
what the model lists (nothing for []). The rollback revokes what the model granted (the objects themselves are
dropped after it, except the public schema). `grant_statements` is the one piece every kind shares (a standalone
sequence's grants are one call of it).
"""
from __future__ import annotations

from collections.abc import Callable

from schemagen import model as m
from schemagen.render.jinja import signature, sql
from schemagen.sqltext import quote_ident

Emit = Callable[..., None]
K = m.ObjectKey


# GRANT's word for each kind of object, and the to_reg* lookup a rollback checks it still exists with
_ON = {"schema": ("SCHEMA", "regnamespace"), "table": ("TABLE", "regclass"),
       "function": ("FUNCTION", "regprocedure"), "sequence": ("SEQUENCE", "regclass")}


def grant_statements(kind: str, name: str, grants: m.Grants, what: str, key: m.ObjectKey | None, emit: Emit,
                     rollback: bool = False, feature: str | None = None) -> None:
    """`kind`: schema, table (views and continuous aggregates too), function or sequence; `name` the object quoted
    as GRANT names it (`s.t`, `s.f(integer)`); init: REVOKE ALL, then GRANT, per role; rollback: REVOKE what was
    granted, in reverse, where the object still exists. `feature`: what the object needs from the server (an
    aggregate's, or a view's that reads one), so --skip-unsupported leaves its grants out with it."""
    word, exists = _ON[kind]
    for role, privileges in (reversed(grants) if rollback else grants):
        if rollback:
            if privileges:
                emit(sql("security", "revoke", word, name, role, privileges, exists), f"grants of {what}", feature,
                     key)
            continue
        emit(sql("security", "revoke_all", word, name, role), f"grants of {what}", feature, key)
        if privileges:
            emit(sql("security", "grant", word, name, role, privileges), f"grants of {what}", feature, key)


def _granted(db: m.Database | None, objs) -> list[tuple[str, str, m.Grants, str, m.ObjectKey | None, str | None]]:
    """(kind, name, grants, what, key, feature) of every object with grants, in creation order: schemas,
    sequences, tables, functions, continuous aggregates, views (shared: db given), or one org's tables, aggregates
    and views (db None)."""
    out = []
    for s in db.schemas if db else ():
        key = None if s.name in ("public", "pg_catalog") else K("schema", "", s.name)
        out.append(("schema", quote_ident(s.name), s.grants, f"schema {quote_ident(s.name)}", key, None))
    for q in db.sequences if db else ():
        out.append(("sequence", q.qname, q.grants, f"sequence {q.qname}", K("sequence", q.schema, q.name), None))
    for t in objs.tables:
        out.append(("table", t.qname, t.grants, f"table {t.qname}", K("table", t.schema, t.name), None))
    for f in db.functions if db else ():
        out.append(("function", signature(f), f.grants, f"function {signature(f)}",
                    K("function", f.schema, f.name, f.signature), None))
    for c in objs.caggs:  # GRANT ... ON TABLE names the aggregate's view
        out.append(("table", c.qname, c.grants, f"continuous aggregate {c.qname}",
                    K("continuous aggregate", c.schema, c.name), m.FEATURE_CAGG))
    for v in objs.views:
        kind = "materialized view" if v.materialized else "view"
        out.append(("table", v.qname, v.grants, f"{kind} {v.qname}", K(kind, v.schema, v.name),
                    objs.view_feature(v)))
    return [g for g in out if g[2]]


def create_grants(db: m.Database | None, objs, emit: Emit) -> None:
    for kind, name, grants, what, key, feature in _granted(db, objs):
        grant_statements(kind, name, grants, what, key, emit, feature=feature)


def drop_grants(db: m.Database | None, objs, emit: Emit) -> None:
    for kind, name, grants, what, key, feature in reversed(_granted(db, objs)):
        grant_statements(kind, name, grants, what, key, emit, rollback=True, feature=feature)


def create_row_security(db: m.Database | None, objs, emit: Emit) -> None:
    for t in objs.tables:
        rs = t.row_security
        if rs is None:
            continue
        key, what = K("table", t.schema, t.name), f"row level security of {t.qname}"
        if rs.enabled:
            emit(sql("security", "enable", t), what, None, key)
        if rs.forced:
            emit(sql("security", "force", t), what, None, key)
        for p in rs.policies:
            policy = f"policy {quote_ident(p.name)} on {t.qname}"
            emit(sql("security", "drop_policy", t, p), policy, None, key)  # CREATE POLICY has no IF NOT EXISTS
            emit(sql("security", "create_policy", t, p), policy, None, key)


def drop_row_security(db: m.Database | None, objs, emit: Emit) -> None:
    for t in reversed(objs.tables):
        rs = t.row_security
        if rs is None:
            continue
        key = K("table", t.schema, t.name)
        for p in reversed(rs.policies):
            emit(sql("security", "drop_policy", t, p), f"policy {quote_ident(p.name)} on {t.qname}", None, key)
        if rs.forced:
            emit(sql("security", "no_force", t), f"row level security of {t.qname}", None, key)
        if rs.enabled:
            emit(sql("security", "disable", t), f"row level security of {t.qname}", None, key)


__all__ = ["grant_statements", "create_grants", "drop_grants", "create_row_security", "drop_row_security"]
