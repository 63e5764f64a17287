"""schemagen's own bookkeeping in each database: the history table and the advisory lock.

The history lives in its own schema, `schemagen`, in the database it describes. A script's row is written in the
same transaction as the script, so a killed apply leaves only whole scripts recorded. Rows are keyed by the
model's database name and the script's file name (`900_org_acme.sql`): two model databases applied to one
PostgreSQL database keep separate histories. The schema is created by the first apply (never by a dry run) and
dropped by the rollback that empties it.
"""
from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from typing import Callable

import psycopg

from . import __version__
from .errors import DatabaseError

SCHEMA = "schemagen"

CREATE = [
    "CREATE SCHEMA IF NOT EXISTS schemagen",
    """CREATE TABLE IF NOT EXISTS schemagen.history (
        database text NOT NULL,
        script text NOT NULL,
        checksum text NOT NULL,
        statements integer NOT NULL,
        duration_ms integer NOT NULL,
        skipped_features text[] NOT NULL DEFAULT '{}',
        tool_version text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (database, script)
    )""",
    "COMMENT ON TABLE schemagen.history IS 'Scripts applied by schemagen: one row per script, written in the "
    "script''s own transaction'",
    # Extensions that were there before schemagen's first apply (e.g. timescaledb in the timescale/timescaledb
    # image, or created by hand): rollback leaves them in place.
    "CREATE TABLE IF NOT EXISTS schemagen.preexisting_extensions (name text PRIMARY KEY)",
]


@dataclass(frozen=True)
class Entry:
    script: str
    checksum: str
    skipped_features: tuple[str, ...]


def exists(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT to_regclass('schemagen.history') IS NOT NULL").fetchone()[0]


def read(conn: psycopg.Connection, database: str) -> dict[str, Entry]:
    """Every recorded script of the model database, in one query (per-script lookups would cost 5,000 round
    trips on a large tenant count)."""
    if not exists(conn):
        return {}
    rows = conn.execute("SELECT script, checksum, skipped_features FROM schemagen.history WHERE database = %s",
                        (database,)).fetchall()
    return {r[0]: Entry(r[0], r[1], tuple(r[2])) for r in rows}


def preexisting_extensions(conn: psycopg.Connection) -> set[str] | None:
    """The extensions installed before schemagen's first apply; None when there is no history (then nothing
    says which extensions schemagen created, and rollback keeps them all)."""
    if not exists(conn):
        return None
    return {r[0] for r in conn.execute("SELECT name FROM schemagen.preexisting_extensions")}


def ensure(conn: psycopg.Connection) -> bool:
    """Create the history (first apply), remembering which extensions were already installed. True if created."""
    if exists(conn):
        return False
    with conn.transaction():
        for statement in CREATE:
            conn.execute(statement)
        conn.execute("INSERT INTO schemagen.preexisting_extensions SELECT extname FROM pg_extension "
                     "ON CONFLICT DO NOTHING")
    return True


def record(conn: psycopg.Connection, database: str, script: str, checksum: str, statements: int, duration_ms: int,
           skipped: tuple[str, ...]) -> None:
    """Insert or update a script's row; call it inside the script's transaction."""
    conn.execute(
        """INSERT INTO schemagen.history
               (database, script, checksum, statements, duration_ms, skipped_features, tool_version)
           VALUES (%s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (database, script) DO UPDATE SET checksum = EXCLUDED.checksum,
               statements = EXCLUDED.statements, duration_ms = EXCLUDED.duration_ms,
               skipped_features = EXCLUDED.skipped_features, tool_version = EXCLUDED.tool_version,
               applied_at = now()""",
        (database, script, checksum, statements, duration_ms, list(skipped), __version__),
    )


def forget(conn: psycopg.Connection, database: str, script: str) -> None:
    """Remove a script's row; call it inside the rollback script's transaction."""
    if exists(conn):
        conn.execute("DELETE FROM schemagen.history WHERE database = %s AND script = %s", (database, script))


def drop_if_empty(conn: psycopg.Connection) -> bool:
    """Remove the history schema once no script of any model database is recorded (a full rollback)."""
    if not exists(conn) or conn.execute("SELECT EXISTS (SELECT FROM schemagen.history)").fetchone()[0]:
        return False
    with conn.transaction():
        conn.execute("DROP TABLE schemagen.history, schemagen.preexisting_extensions")
        conn.execute("DROP SCHEMA schemagen")
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
        if conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, key)).fetchone()[0]:
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
        conn.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, lock_key(database)))
    except psycopg.Error:
        pass
