"""The model's domains as the server prints them: a domain's default and CHECKs are SQL text that the server
rewrites (`VALUE > 0` is stored as `CHECK ((VALUE > 0))`), so each is created as a shadow domain in pg_temp, in a
savepoint rolled back at once, and read back the way sql/types.sql reads the live ones. What the server refuses
(a base type that is gone) keeps the model's text, which then differs: drift anyway. Enums and composites hold no
SQL text: their values and attribute types are compared as the model writes them (types canonical).
"""
from __future__ import annotations

import psycopg

from schemagen import model as m
from schemagen.live import sql
from schemagen.live.normalize import NOT_THE_MODELS
from schemagen.model import replace

_PREFIX = "sg_shadow_d"


def _shadow(name: str, t: m.Type) -> list[str]:
    domain = ("pg_temp", name)
    out = [sql.compose("normalize_domain", markers={"default"} if t.default is not None else (), domain=domain,
                       base=t.base, default=t.default or "")]
    return out + [sql.compose("normalize_domain_check", domain=domain, name=k.name, expression=k.expression)
                  for k in t.checks]


def domains(conn: psycopg.Connection, db: m.Database) -> tuple[m.Database, int]:
    """db with its domains' defaults and checks as the server prints them, and the statements that took. Must run
    inside a transaction that the caller rolls back."""
    statements, out = 0, []
    for n, t in enumerate(db.types):
        if t.kind != "domain":
            out.append(t)
            continue
        name = f"{_PREFIX}{n}"
        with conn.transaction(force_rollback=True):
            try:
                with conn.transaction():
                    for statement in _shadow(name, t):
                        statements += 1
                        conn.execute(statement)
            except NOT_THE_MODELS:
                raise
            except psycopg.Error:
                out.append(t)
                continue
            statements += 1
            row = conn.execute(sql.query("normalize_read_domains"), ([name],)).fetchone()
        printed = dict(zip(row[2], row[3]))
        out.append(replace(t, default=row[1] if t.default is not None else None, checks=tuple(
            replace(k, expression=printed.get(k.name, k.expression).removeprefix("CHECK ")) for k in t.checks)))
    return replace(db, types=tuple(out)), statements
