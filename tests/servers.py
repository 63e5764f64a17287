"""The three real test servers, as the tests see them: DSNs from the environment (or scripts/testdb.sh's
defaults), a fresh empty database per test, and the PGlite reset.

PGlite (ts-community) is one PostgreSQL session shared by every connection, one connection at a time:
- tests that use it hold an inter-process file lock, so two pytest processes never share it at once;
- its "fresh database" is the same database emptied: leftover transaction rolled back, session state discarded,
  every user object dropped;
- TimescaleDB cannot be created again in a session that already loaded it ("extension has already been loaded
  with another version"), so the reset keeps the extension installed, and restarts PGlite when a test dropped it.
"""
from __future__ import annotations

import fcntl
import os
import subprocess
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("SCHEMAGEN_CACHE", "/var/tmp/schemagen"))
PGLITE_LOCK = CACHE / "pglite.lock"


@dataclass(frozen=True)
class Server:
    name: str
    env: str
    default_dsn: str
    kind: str  # "native" | "pglite"
    timescaledb: bool

    @property
    def dsn(self) -> str:
        return os.environ.get(self.env) or self.default_dsn

    @property
    def own(self) -> bool:
        """True when the user pointed the suite at their own server."""
        return bool(os.environ.get(self.env))


SERVERS = {
    s.name: s
    for s in (
        Server("ts-apache", "SCHEMAGEN_TEST_TS_APACHE_DSN", "postgresql://postgres@127.0.0.1:55417/postgres",
               "native", True),
        Server("ts-community", "SCHEMAGEN_TEST_TS_COMMUNITY_DSN",
               "postgresql://postgres:postgres@127.0.0.1:55423/postgres?sslmode=disable", "pglite", True),
        Server("pg-plain", "SCHEMAGEN_TEST_PG_PLAIN_DSN", "postgresql://postgres@127.0.0.1:55415/postgres",
               "native", False),
    )
}


def connect(dsn: str, **kw) -> psycopg.Connection:
    return psycopg.connect(dsn, autocommit=True, connect_timeout=10, prepare_threshold=None, **kw)


@cache
def reachable(name: str) -> str | None:
    """None when the server answers, else why not (cached for the session). Retries for a while: PGlite may be
    restarting for another test process."""
    deadline = time.monotonic() + 20
    while True:
        try:
            with connect(SERVERS[name].dsn) as c:
                c.execute("SELECT 1")
            return None
        except psycopg.Error as e:
            if time.monotonic() > deadline:
                return str(e).strip().splitlines()[0]
            time.sleep(0.5)


def server_is_pglite(server: Server) -> bool:
    """A user's own server given for ts-community is a normal server: only our PGlite gets the PGlite treatment."""
    return server.kind == "pglite" and not server.own


@dataclass
class TestDatabase:
    server: Server
    name: str
    dsn: str

    def connect(self) -> psycopg.Connection:
        return connect(self.dsn)

    def scalar(self, query: str, *args):
        with self.connect() as c:
            row = c.execute(query, args or None).fetchone()
            return row[0] if row else None


def with_dbname(dsn: str, dbname: str) -> str:
    return make_conninfo(dsn, dbname=dbname)


# --- native servers: one database per test ---------------------------------------------------------------

def create_database(server: Server, name: str | None = None) -> TestDatabase:
    name = name or f"sg_test_{uuid.uuid4().hex[:12]}"
    with connect(server.dsn) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return TestDatabase(server, name, with_dbname(server.dsn, name))


def drop_database(db: TestDatabase) -> None:
    with connect(db.server.dsn) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name)))


# --- PGlite -------------------------------------------------------------------------------------------------

@contextmanager
def pglite_lock():
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(PGLITE_LOCK, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def restart_pglite() -> None:
    """Restart our PGlite process: a new, empty session."""
    subprocess.run([str(ROOT / "scripts" / "testdb.sh"), "restart-pglite"], check=True,
                   stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)


_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "public", "pg_toast")
_RESET_OBJECTS = """
SELECT 'schema', quote_ident(n.nspname) FROM pg_namespace n
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'public', 'pg_toast')
   AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
   AND n.nspname NOT LIKE '\\_timescaledb%' AND n.nspname NOT LIKE 'timescaledb\\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid
                   AND d.deptype = 'e')
UNION ALL
SELECT 'relation', format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                   AND d.deptype IN ('e', 'i', 'a'))
UNION ALL
SELECT 'function', p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                   AND d.deptype = 'e')
UNION ALL
SELECT 'extension', quote_ident(extname) FROM pg_extension WHERE extname NOT IN ('plpgsql', 'timescaledb')
UNION ALL
SELECT 'role', quote_ident(rolname) FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' AND rolname <> current_user
"""


def _empty_pglite(dsn: str) -> None:
    with connect(dsn) as c:
        c.execute("ROLLBACK")  # a transaction a dead client left open (WARNING when there is none)
        loaded = c.execute("SELECT count(*) FROM pg_settings WHERE name = 'timescaledb.license'").fetchone()[0]
        installed = c.execute("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'").fetchone()[0]
        if loaded and not installed:
            raise _NeedsRestart("TimescaleDB was dropped in this session and cannot be created again")
        c.execute("DISCARD ALL")
        for _ in range(3):  # dependencies between what is left can need a second pass
            objects = c.execute(_RESET_OBJECTS).fetchall()
            if not objects:
                break
            for kind, name in objects:
                drop = {"schema": "DROP SCHEMA IF EXISTS {} CASCADE", "relation": "DROP TABLE IF EXISTS {} CASCADE",
                        "function": "DROP FUNCTION IF EXISTS {} CASCADE",
                        "extension": "DROP EXTENSION IF EXISTS {} CASCADE", "role": "DROP ROLE IF EXISTS {}"}[kind]
                if kind == "relation":
                    relkind = c.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", (name,)).fetchone()
                    if relkind and relkind[0] == "v":
                        drop = "DROP VIEW IF EXISTS {} CASCADE"
                    elif relkind and relkind[0] == "m":
                        drop = "DROP MATERIALIZED VIEW IF EXISTS {} CASCADE"
                    elif relkind and relkind[0] == "S":
                        drop = "DROP SEQUENCE IF EXISTS {} CASCADE"
                    elif relkind and relkind[0] == "f":
                        drop = "DROP FOREIGN TABLE IF EXISTS {} CASCADE"
                try:
                    c.execute(drop.format(name))
                except psycopg.Error:
                    pass  # gone with an earlier CASCADE, or needs the next pass
        else:
            raise _NeedsRestart(f"objects left after reset: {objects}")
        if not installed:
            c.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")


class _NeedsRestart(Exception):
    pass


def reset_pglite(server: Server) -> TestDatabase:
    """Empty our PGlite for the next test (restarting it when it cannot be emptied)."""
    dbname = conninfo_to_dict(server.dsn).get("dbname", "postgres")
    db = TestDatabase(server, dbname, server.dsn)
    for attempt in range(2):
        try:
            _empty_pglite(server.dsn)
            return db
        except (psycopg.Error, _NeedsRestart):
            if attempt or server.own:
                raise
            restart_pglite()
            _wait(server.dsn)
    return db


def _wait(dsn: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with connect(dsn) as c:
                c.execute("SELECT 1")
            return
        except psycopg.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)
