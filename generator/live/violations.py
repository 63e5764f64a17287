"""Rows that a constraint the plan adds would refuse, counted at plan time on the live database (plan --dsn).

One count per new CHECK, UNIQUE, PRIMARY KEY or foreign key of an existing table, read in the plan's snapshot and
rolled back with it: the hazard then says how many rows violate it ("3 rows of s.t violate check c") instead of "may".
"""
from __future__ import annotations

import psycopg

from schemagen import model as m
from schemagen.live import sql as queries


def count(conn: psycopg.Connection, t: m.Table, kind: str, k) -> int | None:
    """The violating rows of constraint k (m.Check, m.Unique, m.PrimaryKey: NULLs and duplicates, or m.ForeignKey)
    of kind on table t (kind "not null":
    the rows a new NOT NULL column without a default refuses, every row, up to 1,000,000; "null": the rows whose
    column k is NULL, which SET NOT NULL refuses); None when they
    cannot be counted: the expression fails on these rows (the step would fail too), a column it names is added by
    the same plan, or the count takes longer than plan_violations_timeout allows."""
    table = (t.schema, t.name)
    if kind == "not null":
        text = queries.compose("plan_violations_not_null", table=table)
    elif kind == "null":
        text = queries.compose("plan_violations_null", table=table, column=k.name)
    elif kind == "check":
        text = queries.compose("plan_violations_check", table=table, expression=k.expression)
    elif kind in ("unique", "primary key"):
        text = queries.compose("plan_violations_" + kind.replace(" ", "_"), table=table, key_columns=list(k.columns))
    else:
        text = queries.compose("plan_violations_foreign_key", table=table, child_columns=list(k.columns),
                               parent_columns=list(k.ref_columns), referenced=(k.ref_schema, k.ref_table))
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(queries.query("plan_violations_timeout"))
            return int(conn.execute(text).fetchone()[0])
    except psycopg.Error:
        return None


def chunks(conn: psycopg.Connection) -> dict[str, tuple[int, int]]:
    """Each hypertable's chunks and compressed chunks, by its qualified name (quoted where needed); {} when they
    cannot be read."""
    try:
        with conn.transaction(force_rollback=True):
            return {name: (int(n), int(k)) for name, n, k in conn.execute(queries.query("plan_chunks")).fetchall()}
    except psycopg.Error:
        return {}
