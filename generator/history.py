"""schemagen's own bookkeeping in each database: the history table and the advisory lock.

The history row of a script is written in the same transaction as the script, so a killed apply leaves only
whole scripts recorded. The history schema is created on the first apply and dropped by a full rollback.
"""
from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from typing import Callable

import psycopg
from psycopg import sql

from . import __version__
from .errors import DatabaseError

SCHEMA = "schemagen"

CREATE = [
    "CREATE SCHEMA IF NOT EXISTS schemagen",
    """CREATE TABLE IF NOT EXISTS schemagen.history (
        script text PRIMARY KEY,
        checksum text NOT NULL,
        statements integer NOT NULL,
        duration_ms integer NOT NULL,
        skipped_features text[] NOT NULL DEFAULT '{}',
        tool_version text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
    )""",
    # Extensions that were there before schemagen's first apply (e.g. timescaledb in the timescale/timescaledb
    # image): rollback leaves them in place.
    """CREATE TABLE IF NOT EXISTS schemagen.preexisting_extensions (name text PRIMARY KEY)""",
]


@dataclass(frozen=True)
class Entry:
    script: str
    checksum: str
    skipped_features: tuple[str, ...]


def exists(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT to_regclass('schemagen.history') IS NOT NULL").fetchone()[0]


def read(conn: psycopg.Connection) -> dict[str, Entry]:
    if not exists(conn):
        return {}
    rows = conn.execute("SELECT script, checksum, skipped_features FROM schemagen.history").fetchall()
    return {r[0]: Entry(r[0], r[1], tuple(r[2])) for r in rows}


def preexisting_extensions(conn: psycopg.Connection) -> set[str]:
    if not exists(conn):
        return set()
    return {r[0] for r in conn.execute("SELECT name FROM schemagen.preexisting_extensions")}


def ensure(conn: psycopg.Connection) -> None:
    """Create the history (first apply), remembering which extensions were already installed."""
    if exists(conn):
        return
    with conn.transaction():
        for statement in CREATE:
            conn.execute(statement)
        conn.execute("INSERT INTO schemagen.preexisting_extensions SELECT extname FROM pg_extension "
                     "ON CONFLICT DO NOTHING")


def record(conn: psycopg.Connection, script: str, checksum: str, statements: int, duration_ms: int,
           skipped: tuple[str, ...]) -> None:
    conn.execute(
        """INSERT INTO schemagen.history (script, checksum, statements, duration_ms, skipped_features, tool_version)
           VALUES (%s, %s, %s, %s, %s, %s)
           ON CONFLICT (script) DO UPDATE SET checksum = EXCLUDED.checksum, statements = EXCLUDED.statements,
               duration_ms = EXCLUDED.duration_ms, skipped_features = EXCLUDED.skipped_features,
               tool_version = EXCLUDED.tool_version, applied_at = now()""",
        (script, checksum, statements, duration_ms, list(skipped), __version__),
    )


def forget(conn: psycopg.Connection, script: str) -> None:
    if exists(conn):
        conn.execute("DELETE FROM schemagen.history WHERE script = %s", (script,))


def drop_if_empty(conn: psycopg.Connection) -> bool:
    """Remove the history schema once no script is recorded (a full rollback)."""
    if not exists(conn) or conn.execute("SELECT count(*) FROM schemagen.history").fetchone()[0]:
        return False
    with conn.transaction():
        conn.execute(sql.SQL("DROP TABLE schemagen.history, schemagen.preexisting_extensions"))
        conn.execute("DROP SCHEMA schemagen")
    return True


# --- the advisory lock ---------------------------------------------------------------------------------------

LOCK_CLASS = 0x5347  # "SG": the first key of schemagen's advisory locks


def lock_key(database: str) -> int:
    """The second key: a stable 32-bit hash of the model database's name (signed, as int4 wants)."""
    value = zlib.crc32(database.encode())
    return value - (1 << 32) if value >= (1 << 31) else value


def acquire(conn: psycopg.Connection, database: str, timeout: float, say: Callable[[str], None]) -> None:
    """Take the session advisory lock, waiting up to `timeout` seconds for another apply or rollback."""
    key = lock_key(database)
    deadline = time.monotonic() + timeout
    waited = False
    while True:
        if conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, key)).fetchone()[0]:
            if waited:
                say("lock acquired")
            return
        if not waited:
            say(f"waiting for another schemagen apply or rollback on {database} (up to {timeout:g} s) ...")
            waited = True
        if time.monotonic() >= deadline:
            raise DatabaseError(f"gave up after {timeout:g} s: another schemagen apply or rollback holds the lock "
                                f"on {database} (advisory lock {LOCK_CLASS}, {key})")
        time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))


def release(conn: psycopg.Connection, database: str) -> None:
    try:
        conn.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, lock_key(database)))
    except psycopg.Error:
        pass  # the connection is gone, and the lock with it
