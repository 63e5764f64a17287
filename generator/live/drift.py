"""What the drift check reads from the server besides the catalogs: its snapshot, and the model's rows.

Everything runs in one REPEATABLE READ transaction that is rolled back: one snapshot, nothing left behind. Seed
rows and org rows are data: one query per DATA_BATCH tables (sql/drift_rows.sql, most models have one query in
all) says for each row of the model whether the table has it and which values differ; compare/rows.py makes the
changes of that.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg

from schemagen import model as m
from schemagen.errors import DatabaseError
from schemagen.live import sql as queries
from schemagen.live.connect import server_message
from schemagen.sqltext import base_type, quote_ident, quote_literal

DATA_BATCH = 25  # tables per data query: each is read under a share lock held until its savepoint rolls back

# Types without an equality operator (point, polygon, path, xml) or with one that is not equality (box and circle
# compare areas): compared as text, which each prints exactly. json is compared as jsonb (its text keeps blanks).
_COMPARED_AS = {"json": "::jsonb",
                **dict.fromkeys(("point", "line", "lseg", "box", "path", "polygon", "circle", "xml"), "::text")}


@contextmanager
def server_errors(dsn: str | None) -> Iterator[None]:
    """psycopg errors as DatabaseError (exit 3) with the server's message, password-free."""
    try:
        yield
    except psycopg.errors.ReadOnlySqlTransaction as e:
        raise DatabaseError(f"{server_message(e, dsn)}: the drift check prints the model's SQL through shadow objects "
                            "in pg_temp, rolled back, so it needs a transaction that may write temporary objects (not "
                            "a hot standby, not default_transaction_read_only = on); a role with only SELECT and "
                            "TEMPORARY privileges changes nothing either") from None
    except psycopg.Error as e:
        raise DatabaseError(server_message(e, dsn)) from None


@contextmanager
def snapshot(conn: psycopg.Connection, prelude: Sequence[str]) -> Iterator[None]:
    """A transaction (a savepoint if conn is in one already: then the caller's snapshot it is) rolled back at the
    end, REPEATABLE READ, under the scripts' settings (prelude: render.prelude) and the drift check's own."""
    idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with conn.transaction(force_rollback=True):
        if idle:
            conn.execute(queries.query("drift_snapshot"))
        conn.execute(" ".join([*prelude, queries.query("drift_session")]))
        yield


def _select(n: int, table: m.Table, seed: m.SeedRows) -> str:
    """One table's SELECT of sql/drift_rows.sql: names quoted, values literals cast to the column types."""
    types = {c.name: c.type for c in table.columns}
    cols = [quote_ident(c) for c in seed.columns]
    casts = [_COMPARED_AS.get(base_type(types[c]), "") for c in seed.columns]
    rows = (f"({k}, " + ", ".join(f"CAST({quote_literal(None if v is m.SEED_DEFAULT else v)} AS {types[c]})"
                                  for c, v in zip(seed.columns, row)) + ")"
            for k, row in enumerate(seed.rows))
    def pairs(alias: str) -> str:
        return ", ".join(f"{quote_literal(c)}, {alias}.{q}" for c, q in zip(seed.columns, cols))

    return queries.compose(
        "drift_rows", part=str(n),
        same=", ".join(f"t.{c}{cast} IS NOT DISTINCT FROM v.{c}{cast}" for c, cast in zip(cols, casts)),
        expected=pairs("v"), actual=pairs("t"), tuples=", ".join(rows), columns=list(seed.columns),
        table=(table.schema, table.name),
        key=" AND ".join(f"t.{quote_ident(k)} = v.{quote_ident(k)}" for k in seed.key))


def read_rows(conn: psycopg.Connection, parts: Sequence[tuple[m.Table, m.SeedRows]]) -> tuple[list[tuple], int]:
    """For each model row of each (table, rows): (part index, row index, present, [column equal ...], expected
    JSON, actual JSON), and the number of queries. One query per DATA_BATCH tables, each in a savepoint rolled
    back at once so that share locks on many org tables do not pile up in one transaction."""
    found, queries = [], 0
    for start in range(0, len(parts), DATA_BATCH):
        text = "\nUNION ALL\n".join(_select(start + n, table, seed)
                                    for n, (table, seed) in enumerate(parts[start:start + DATA_BATCH]))
        with conn.transaction(force_rollback=True):
            found += conn.execute(text).fetchall()
        queries += 1
    return found, queries
