"""Rows that a constraint the plan adds would refuse, counted at plan time on the live database (plan --dsn).

One count per new CHECK, UNIQUE, PRIMARY KEY or foreign key of an existing table, read in the plan's snapshot and
rolled back with it: the hazard then says how many rows violate it ("3 rows of s.t violate check c") instead of "may".

A domain's new CHECK or NOT NULL: one count over every column of the domain (plan/domains.py finds them in the live
model). A domain CHECK names its value VALUE, which no text substitution may rewrite; nor can a cast to a temporary
domain count the values without failing on the first (pg_input_is_valid, which would not, is PostgreSQL 16+ and goes
through text). So the check becomes a SQL function in pg_temp whose parameter is named value (`RETURN (expr)`, a
body PostgreSQL 14+ parses as SQL, not a string), created in the count's transaction and rolled back with it; the
count is of the values where it is false (NULL passes), NULLs included, as PostgreSQL checks them. The same on
PostgreSQL 15, 17 and PGlite 17. A server where nothing may be created (a read-only role, a hot standby) gives None.
"""
from __future__ import annotations

import psycopg

from schemagen import model as m
from schemagen.live import sql as queries


def count(conn: psycopg.Connection, t: m.Table | None, kind: str, k) -> int | None:
    """The violating rows of constraint k (m.Check, m.Unique, m.PrimaryKey: NULLs and duplicates, or m.ForeignKey)
    of kind on table t (kind "not null":
    the rows a new NOT NULL column without a default refuses, every row, up to 1,000,000; "null": the rows whose
    column k is NULL, which SET NOT NULL refuses); None when they
    cannot be counted: the expression fails on these rows (the step would fail too), a column it names is added by
    the same plan, or the count takes longer than plan_violations_timeout allows. Kinds "domain check" and
    "domain not null" (t None): k is (domain, check or None, its columns), counted by _domain; "enum values" (t
    None): k is (the values of an enum made again, its columns), the rows holding another value."""
    if kind.startswith("domain "):
        return _domain(conn, *k)
    if kind == "enum values":
        return _enum(conn, *k)
    assert t is not None
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
    return _read(conn, text)


def _domain(conn: psycopg.Connection, d: m.Type, check: m.Check | None, columns) -> int | None:
    """The values in columns ((schema, table, column) of domain d) that violate its new check (None: NOT NULL)."""
    if not columns:
        return 0
    markers = ("check",) if check is not None else ("null",)
    each = "\n".join(queries.compose("plan_violations_domain_column", markers=(*markers, *(("more",) if n else ())),
                                     table=(s, t), column=c) for n, (s, t, c) in enumerate(columns))
    made = () if check is None else (
        queries.compose("plan_violations_domain_check", base=d.base, expression=check.expression),)
    return _read(conn, queries.compose("plan_violations_domain", counts=each), made)


def _enum(conn: psycopg.Connection, values: tuple[str, ...], columns) -> int | None:
    """The rows of columns ((schema, table, column, is an array)) holding a value not in values."""
    if not columns:
        return 0
    each = "\n".join(queries.compose("plan_violations_enum_column",
                                     markers=("array" if array else "scalar", *(("more",) if n else ())),
                                     table=(s, t), column=c, values=list(values))
                     for n, (s, t, c, array) in enumerate(columns))
    return _read(conn, queries.compose("plan_violations_domain", counts=each))


def _read(conn: psycopg.Connection, text: str, before: tuple[str, ...] = ()) -> int | None:
    """The count text reads, after the statements `before`, in a transaction rolled back; None when it fails."""
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(queries.query("plan_violations_timeout"))
            for statement in before:
                conn.execute(statement)
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
