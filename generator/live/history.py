"""schemagen's own bookkeeping in each database: the history table and the advisory lock.

The history lives in its own schema, `schemagen`, in the database it describes. A script's row is written in the
same transaction as the script, so a killed apply leaves only whole scripts recorded. Rows are keyed by the
model's database name and the script's file name (`900_org_acme.sql`): two model databases applied to one
PostgreSQL database keep separate histories. The schema is created by the first apply (never by a dry run) and
dropped by the rollback that empties it. Its statements are sql/history_*.sql, the schema's name (SCHEMA) put in
by the loader; the catalog queries leave that schema out (sql/managed.sql, given SCHEMA as a parameter).
"""
from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import psycopg

from schemagen import __version__
from schemagen import model as m
from schemagen.errors import DatabaseError
from schemagen.live import sql
from schemagen.sqltext import qualified

SCHEMA = "schemagen"


@cache
def _sql(name: str) -> str:
    """sql/history_<name>.sql, the history schema's name in place (sql/__init__.py)."""
    return sql.compose(f"history_{name}", schema=SCHEMA)


CREATE = sql.statements("history_create", schema=SCHEMA)  # one at a time: tests stop an apply after each
CREATE_OBJECTS = _sql("create_objects")
DROP = sql.statements("history_drop", schema=SCHEMA)


@dataclass(frozen=True)
class Entry:
    script: str
    checksum: str
    skipped_features: tuple[str, ...]


class PlantedHistory(DatabaseError):
    """The history schema or a table in it is another role's, or runs code when schemagen writes to it."""


def verify(conn: psycopg.Connection) -> None:
    """Before the history is read or written: refuse (exit 3, nothing changed) a history schema or table that
    another role owns or that carries triggers, rules, row-level security, or is not schemagen's (other columns).
    A trigger there would run as the applying role, a superuser as like as not."""
    problems = conn.execute(sql.query("history_check"), {"schema": SCHEMA}).fetchall()
    if problems:
        lines = "\n".join(f"  {obj} (owner {owner}) {problem}" for obj, owner, problem in problems)
        raise PlantedHistory(
            f"refusing to use schemagen's history: what is there is not schemagen's own, or would run code as "
            f"this role when schemagen writes to it; nothing was changed:\n{lines}\nDrop or rename what is listed "
            "(or, if it is your own table of that name, move it out of schema schemagen), then run again.")


def exists(conn: psycopg.Connection) -> bool:
    return _table_exists(conn, "history")


def _table_exists(conn: psycopg.Connection, table: str) -> bool:
    return conn.execute(sql.query("history_exists"), (qualified(SCHEMA, table),)).fetchone()[0]


def read(conn: psycopg.Connection, database: str) -> dict[str, Entry]:
    """Every recorded script of the model database, in one query (per-script lookups would cost 5,000 round
    trips on a large tenant count). Verifies the history first (verify)."""
    verify(conn)
    if not exists(conn):
        return {}
    rows = conn.execute(_sql("read"), (database,)).fetchall()
    return {r[0]: Entry(r[0], r[1], tuple(r[2])) for r in rows}


def preexisting_extensions(conn: psycopg.Connection) -> set[str] | None:
    """The extensions installed before schemagen's first apply; None when there is no history (then nothing
    says which extensions schemagen created, and rollback keeps them all)."""
    if not exists(conn):
        return None
    return {r[0] for r in conn.execute(_sql("preexisting"))}


def ensure(conn: psycopg.Connection) -> bool:
    """Create the history (first apply), remembering which extensions were already installed. True if created."""
    verify(conn)
    if exists(conn):
        if not _has_objects(conn):  # a history of an older schemagen: it recorded no objects yet
            conn.execute(CREATE_OBJECTS)
        return False
    with conn.transaction():
        for statement in CREATE:
            conn.execute(statement)
        conn.execute(CREATE_OBJECTS)
        conn.execute(_sql("remember_extensions"))
    return True


def _has_objects(conn: psycopg.Connection) -> bool:
    return _table_exists(conn, "objects")


def owned(conn: psycopg.Connection, database: str) -> dict[m.ObjectKey, str]:
    """The objects schemagen created in this model database -> the script that created them; empty without a
    history (then schemagen created nothing here)."""
    if not exists(conn) or not _has_objects(conn):
        return {}
    rows = conn.execute(_sql("owned"), (database,)).fetchall()
    return {m.ObjectKey(*r[:4]): r[4] for r in rows}


def claim(conn: psycopg.Connection, database: str, script: str, keys: list[m.ObjectKey]) -> None:
    """Record the objects as schemagen's, created (or adopted) by the script; in the script's transaction."""
    if keys:
        conn.execute(_sql("claim"), (database, script, *_columns(keys)))


def _columns(keys: list[m.ObjectKey]) -> tuple[list[str], ...]:
    """The keys' kinds, schemas, names and signatures, each a list (text[] parameters, by position)."""
    return ([k.kind for k in keys], [k.schema for k in keys], [k.name for k in keys], [k.signature for k in keys])


def disown(conn: psycopg.Connection, database: str, keys: list[m.ObjectKey], *, checked: bool = False) -> None:
    """Forget the objects a rollback script dropped; in its transaction. checked: schemagen.objects is known to
    exist (ensure ran), so no query asks (a plan step sends its transaction in one round trip)."""
    if keys and (checked or _has_objects(conn)):
        conn.execute(_sql("disown"), (*_columns(keys), database))


def record(conn: psycopg.Connection, database: str, script: str, checksum: str, statements: int,
           duration_ms: int | None, skipped: tuple[str, ...]) -> None:
    """Insert or update a script's row; call it inside the script's transaction. duration_ms None: the time since
    the transaction began, as the server measures it (the row sent with the statements, before they ran)."""
    conn.execute(_sql("record"),
                 (database, script, checksum, statements, duration_ms, list(skipped), __version__))


def forget(conn: psycopg.Connection, database: str, script: str) -> None:
    """Remove a script's row; call it inside the rollback script's transaction."""
    if exists(conn):
        conn.execute(_sql("forget"), (database, script))


def drop_if_empty(conn: psycopg.Connection) -> bool:
    """Remove the history schema once no script of any model database is recorded (a full rollback)."""
    if not exists(conn) or conn.execute(_sql("recorded")).fetchone()[0]:
        return False
    with conn.transaction():
        for statement in DROP:
            conn.execute(statement)
    return True


# --- the advisory lock ---------------------------------------------------------------------------------------
# A session-level lock (it outlives the per-script transactions), two int4 keys: a fixed class for schemagen and
# a stable hash of the model database's name. Both apply and rollback take it, so they never interleave on one
# database. On PGlite every client shares one session, but its server serves one client at a time and releases
# a departing client's advisory locks: there the queue for the connection does the waiting.

LOCK_CLASS = 0x5347  # "SG"
POLL_SECONDS = 0.2


def lock_key(database: str) -> int:
    """The second key: crc32 of "schemagen:<database>", signed as int4 wants."""
    value = zlib.crc32(f"schemagen:{database}".encode())
    return value - (1 << 32) if value >= (1 << 31) else value


def acquire(conn: psycopg.Connection, database: str, timeout: float, say: Callable[[str], None]) -> None:
    """Take the lock, waiting up to `timeout` seconds for another apply or rollback; DatabaseError after that.
    Polls pg_try_advisory_lock rather than blocking in pg_advisory_lock, so the wait can be reported and bounded
    without touching the session's statement_timeout."""
    key = lock_key(database)
    deadline = time.monotonic() + timeout
    waited = False
    while True:
        if conn.execute(sql.query("history_lock"), (LOCK_CLASS, key)).fetchone()[0]:
            if waited:
                say("lock acquired")
            return
        if not waited:
            say(f"waiting for another schemagen apply/rollback on {database} (up to {timeout:g} s) ...")
            waited = True
        if time.monotonic() >= deadline:
            raise DatabaseError(f"gave up after {timeout:g} s: another schemagen apply or rollback holds the lock "
                                f"on {database} (advisory lock {LOCK_CLASS}, {key}); nothing was changed")
        time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))


def release(conn: psycopg.Connection, database: str) -> None:
    """Release the lock; a broken connection has lost it already."""
    if conn.closed:
        return
    try:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
        conn.execute(sql.query("history_unlock"), (LOCK_CLASS, lock_key(database)))
    except psycopg.Error:
        pass
