"""The live half of the drift check for grants and row-level security.

- `policies`: the model's policy expressions as the server prints them, through shadow tables in pg_temp (one per
  table with policies, its columns and the policies; normalize.py's savepoint batches, rolled back), so that they
  compare with pg_get_expr of the live policies that live/sql/security.sql reads.
- `grants`: the privileges of the roles the model's grants name, on every relation, function and schema of the
  managed schemas (live/sql/model_grants.sql: one query, read only when the model has grants).
"""
from __future__ import annotations

from collections.abc import Sequence

import psycopg

from schemagen import model as m
from schemagen.live import sql
from schemagen.live.inspect import Catalog
from schemagen.live.normalize import Normalizer, shadow_table

GRANTS_QUERIES = ("model_grants",)  # the catalog query this module adds to the drift check's, when the model grants

# (schema, table, policy) -> (using, with_check) as the server prints them
Printed = dict[tuple[str, str, str], tuple[str | None, str | None]]


def _shadow(name: str, t: m.Table) -> list[str]:
    table = ("pg_temp", name)
    out = shadow_table(table, [(c.name, c.type) for c in t.columns])
    for k, p in enumerate(t.row_security.policies):
        markers = [mk for mk, v in (("using", p.using), ("check", p.with_check)) if v is not None]
        out.append(sql.compose("normalize_policy", markers=markers, name=f"p{k}", table=table,
                               using=p.using or "", check=p.with_check or ""))
    return out


def policies(conn: psycopg.Connection, tables: Sequence[m.Table]) -> tuple[Printed, int]:
    """The model's policies' expressions as the server prints them, and the statements that took. A policy the
    server refuses (a function it calls is gone) is left out: its model text is compared then, and differs."""
    with_policies = [t for t in tables if t.row_security and t.row_security.policies]
    if not with_policies:
        return {}, 0
    n = Normalizer(conn)
    names = [f"sg_shadow_rls{k}" for k in range(len(with_policies))]

    def read(made: list[str]) -> dict:
        out: dict[str, dict[int, tuple]] = {}
        for rel, pol, using, check in n._read("normalize_read_policies", made):
            out.setdefault(rel, {})[int(pol[1:])] = (using, check)
        return out

    read_back = n._batches([(name, _shadow(name, t)) for name, t in zip(names, with_policies)], read)
    printed: Printed = {}
    for name, t in zip(names, with_policies):
        for k, p in enumerate(t.row_security.policies):
            if k in read_back.get(name, {}):
                printed[(t.schema, t.name, p.name)] = read_back[name][k]
    return printed, n.statements


def grants(cat: Catalog, schemas: list[str] | None, roles: Sequence[str]) -> list[dict]:
    """The rows of sql/model_grants.sql for these roles (none read when the model names none)."""
    if not roles:
        return []
    return cat.rows(GRANTS_QUERIES[0], schemas=None if schemas is None else sorted(schemas), roles=list(roles))


def policies_in_parts(cat: Catalog, schemas: list[str] | None) -> dict[tuple[str, str], tuple[m.Policy, ...]]:
    """The live policies of the managed schemas' tables, each in the parts CREATE POLICY takes
    (sql/import_policies.sql: security.sql prints each as one line, which cannot be cut back into its parts), by
    (schema, table): what a plan's rollback creates again when the plan drops or changes one."""
    out: dict[tuple[str, str], list[m.Policy]] = {}
    for r in cat.rows("import_policies", schemas=None if schemas is None else sorted(schemas)):
        out.setdefault((r["schema"], r["name"]), []).append(
            m.Policy(r["policy"], r["command"], tuple(r["roles"]), r["using"], r["with_check"], r["permissive"]))
    return {k: tuple(v) for k, v in out.items()}
