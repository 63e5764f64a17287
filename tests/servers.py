"""The three real test servers, as the tests see them: DSNs from the environment (or scripts/testdb.sh's
defaults), a fresh empty database per test, and the PGlite reset.

PGlite (ts-community) is one PostgreSQL session shared by every connection, one connection at a time (a second
connection waits until the first closes):
- tests that use it hold an inter-process file lock, so two pytest processes never share it at once;
- its "fresh database" is the same database emptied: leftover transaction rolled back, session state discarded,
  every user object, extra database and role dropped;
- TimescaleDB cannot be created again in a session that already loaded it ("extension has already been loaded
  with another version"), so the reset keeps the extension installed (an empty PGlite database is plpgsql +
  timescaledb), and restarts PGlite when a test dropped it;
- whatever the dbname of the DSN, the session's database is `template1` (TestDatabase.name says so).
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
from psycopg.conninfo import make_conninfo

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("SCHEMAGEN_CACHE", "/var/tmp/schemagen"))
PGLITE_LOCK = CACHE / "pglite.lock"
TESTDB = ROOT / "scripts" / "testdb.sh"


@dataclass(frozen=True)
class Server:
    name: str                 # ts-apache | ts-community | pg-plain (also the pytest id)
    env: str                  # the variable that points the suite at the user's own server
    default_dsn: str          # scripts/testdb.sh's server
    kind: str                 # "native" | "pglite"
    has_timescaledb: bool
    license: str | None       # the timescaledb.license the suite expects: "apache", "timescale" or None

    @property
    def dsn(self) -> str:
        """Resolved when asked, so a test (or conftest) may set the variable late."""
        return os.environ.get(self.env) or self.default_dsn

    @property
    def own(self) -> bool:
        """True when the user pointed the suite at their own server."""
        return bool(os.environ.get(self.env))

    @property
    def timescaledb(self) -> bool:  # older name
        return self.has_timescaledb


SERVERS = {
    s.name: s
    for s in (
        Server("ts-apache", "SCHEMAGEN_TEST_TS_APACHE_DSN", "postgresql://postgres@127.0.0.1:55417/postgres",
               "native", True, "apache"),
        Server("ts-community", "SCHEMAGEN_TEST_TS_COMMUNITY_DSN",
               "postgresql://postgres:postgres@127.0.0.1:55423/postgres", "pglite", True, "timescale"),
        Server("pg-plain", "SCHEMAGEN_TEST_PG_PLAIN_DSN", "postgresql://postgres@127.0.0.1:55415/postgres",
               "native", False, None),
    )
}


def connect(dsn: str, **kw) -> psycopg.Connection:
    """Autocommit; no server-side prepared statements (on PGlite they would outlive the connection)."""
    kw.setdefault("connect_timeout", 10)
    return psycopg.connect(dsn, autocommit=True, prepare_threshold=None, **kw)


def server_is_pglite(server: Server) -> bool:
    """A user's own server given for ts-community is a normal server: only our PGlite gets the PGlite treatment."""
    return server.kind == "pglite" and not server.own


def _probe(dsn: str) -> str | None:
    try:
        with connect(dsn) as c:
            c.execute("SELECT 1")
        return None
    except psycopg.Error as e:
        return (str(e).strip().splitlines() or [type(e).__name__])[0]


@cache
def reachable(name: str) -> str | None:
    """None when the server answers, else why not; cached for the session. Our PGlite gets more patience (another
    test process may be restarting it, or it may be busy with one client), and one restart when it stays down
    although it was installed."""
    server = SERVERS[name]
    if not server_is_pglite(server):
        return _probe(server.dsn)
    with pglite_lock():  # a probe between another process's statements would share (and upset) its session
        return _probe_pglite(server)


def _probe_pglite(server: Server) -> str | None:
    deadline = time.monotonic() + 20
    while (why := _probe(server.dsn)) is not None and time.monotonic() < deadline:
        time.sleep(0.5)
    if why is not None and can_restart_pglite():
        try:
            restart_pglite()
            why = _probe(server.dsn)
        except (OSError, subprocess.CalledProcessError) as e:
            why = f"{why}; restarting it failed: {e}"
    return why


@dataclass
class TestDatabase:
    __test__ = False  # not a pytest test class

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
    """CREATE DATABASE (name quoted as given: upper case and hyphens are kept)."""
    name = name or f"sg_test_{uuid.uuid4().hex[:12]}"
    with connect(server.dsn) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return TestDatabase(server, name, with_dbname(server.dsn, name))


def drop_database(db: TestDatabase) -> None:
    with connect(db.server.dsn) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name)))


# --- PGlite -------------------------------------------------------------------------------------------------

_PGLITE_HELD = [False]  # this process holds pglite_lock(): a second flock of ours would wait for the first


@contextmanager
def pglite_lock():
    """Held for the whole of a PGlite test: one test at a time on the one session, across processes (xdist).
    Re-entrant within a process."""
    if _PGLITE_HELD[0]:  # inside our own: the outer one releases it
        yield
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(PGLITE_LOCK, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        _PGLITE_HELD[0] = True
        try:
            yield
        finally:
            _PGLITE_HELD[0] = False
            fcntl.flock(f, fcntl.LOCK_UN)


def can_restart_pglite() -> bool:
    """Only ours, once installed by scripts/testdb.sh, and as root (as testdb.sh runs)."""
    server = SERVERS["ts-community"]
    return not server.own and (CACHE / "pglite" / "node_modules").is_dir() and os.geteuid() == 0


def restart_pglite() -> None:
    """Restart our PGlite process: a new, empty session. Returns when it answers."""
    subprocess.run([str(TESTDB), "restart-pglite"], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=180)
    _wait(SERVERS["ts-community"].dsn)


# Everything a test may leave in the session's database, outside what an extension owns. pg_catalog too: PGlite's
# reset value of search_path is pg_catalog, so a client that ran RESET ALL created its tables there.
_LEFTOVERS = r"""
SELECT 'schema', quote_ident(n.nspname), NULL FROM pg_namespace n
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'public')
   AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid
                   AND d.deptype = 'e')
UNION ALL
SELECT 'relation', format('%I.%I', n.nspname, c.relname), c.relkind::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE (n.nspname = 'public' OR (n.nspname = 'pg_catalog' AND c.oid >= 16384))
   AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                   AND d.deptype IN ('e', 'i', 'a'))
UNION ALL
SELECT 'routine', format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), p.prokind::text
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE (n.nspname = 'public' OR (n.nspname = 'pg_catalog' AND p.oid >= 16384))
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                   AND d.deptype = 'e')
UNION ALL
SELECT 'type', format('%I.%I', n.nspname, t.typname), t.typtype::text
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE (n.nspname = 'public' OR (n.nspname = 'pg_catalog' AND t.oid >= 16384))
   AND t.typtype IN ('e', 'd', 'c', 'r', 'm')
   AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid
                   AND d.deptype IN ('e', 'i'))
UNION ALL
SELECT 'extension', quote_ident(extname), NULL FROM pg_extension WHERE extname NOT IN ('plpgsql', 'timescaledb')
UNION ALL
SELECT 'event trigger', quote_ident(evtname), NULL FROM pg_event_trigger
 WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_event_trigger'::regclass
                   AND d.objid = pg_event_trigger.oid AND d.deptype = 'e')
UNION ALL
SELECT 'database', quote_ident(datname), NULL FROM pg_database
 WHERE datname NOT IN ('postgres', 'template0', 'template1') AND datname <> current_database()
UNION ALL
SELECT 'role', quote_ident(rolname), NULL FROM pg_roles WHERE rolname NOT LIKE 'pg\_%' AND rolname <> current_user
"""

_DROP = {
    ("relation", "r"): "DROP TABLE IF EXISTS {} CASCADE", ("relation", "p"): "DROP TABLE IF EXISTS {} CASCADE",
    ("relation", "v"): "DROP VIEW IF EXISTS {} CASCADE",
    ("relation", "m"): "DROP MATERIALIZED VIEW IF EXISTS {} CASCADE",
    ("relation", "S"): "DROP SEQUENCE IF EXISTS {} CASCADE",
    ("relation", "f"): "DROP FOREIGN TABLE IF EXISTS {} CASCADE",
    ("routine", "f"): "DROP FUNCTION IF EXISTS {} CASCADE", ("routine", "w"): "DROP FUNCTION IF EXISTS {} CASCADE",
    ("routine", "p"): "DROP PROCEDURE IF EXISTS {} CASCADE", ("routine", "a"): "DROP AGGREGATE IF EXISTS {} CASCADE",
    ("type", "d"): "DROP DOMAIN IF EXISTS {} CASCADE",
}


def _drop_statements(kind: str, name: str, sub: str | None, caggs: set[str]) -> list[str]:
    if kind == "relation" and name in caggs:
        return [f"DROP MATERIALIZED VIEW IF EXISTS {name} CASCADE"]  # a continuous aggregate (its view is 'v')
    if (kind, sub) in _DROP:
        return [_DROP[kind, sub].format(name)]
    if kind == "role":
        return [f"DROP OWNED BY {name} CASCADE", f"DROP ROLE IF EXISTS {name}"]
    return [{"schema": "DROP SCHEMA IF EXISTS {} CASCADE", "type": "DROP TYPE IF EXISTS {} CASCADE",
             "extension": "DROP EXTENSION IF EXISTS {} CASCADE", "event trigger": "DROP EVENT TRIGGER IF EXISTS {}",
             "database": "DROP DATABASE IF EXISTS {}"}[kind].format(name)]


# PGlite's own reset value of search_path is pg_catalog (it sets public once, at boot): after DISCARD ALL, set
# PostgreSQL's default again.
_SEARCH_PATH = 'SET search_path TO "$user", public'


class _NeedsRestart(Exception):
    pass


def _empty_pglite(dsn: str) -> str:
    """Empty the one session's database in place; returns its name. _NeedsRestart when that cannot be done."""
    with connect(dsn) as c:
        c.execute("ROLLBACK")  # a transaction left open (our server.mjs already ends it when a client goes away)
        c.execute("DISCARD ALL")
        c.execute(_SEARCH_PATH)
        loaded = c.execute("SELECT count(*) FROM pg_settings WHERE name = 'timescaledb.license'").fetchone()[0]
        schema = c.execute("SELECT extnamespace::regnamespace::text FROM pg_extension "
                           "WHERE extname = 'timescaledb'").fetchone()
        installed = schema is not None
        if loaded and not installed:
            raise _NeedsRestart("TimescaleDB was dropped in this session and cannot be created again")
        if installed and schema[0] != "public":
            raise _NeedsRestart(f"TimescaleDB was created in {schema[0]}, not public")
        dbname = c.execute("SELECT current_database()").fetchone()[0]
        c.execute("CREATE SCHEMA IF NOT EXISTS public")
        caggs: set[str] = set()
        if installed:
            c.execute("SELECT delete_job(id) FROM _timescaledb_config.bgw_job WHERE id >= 1000 "
                      "AND proc_schema NOT IN ('_timescaledb_functions', '_timescaledb_internal')")
            caggs = {r[0] for r in c.execute("SELECT format('%I.%I', user_view_schema, user_view_name) "
                                             "FROM _timescaledb_catalog.continuous_agg")}
        for _ in range(4):  # dependencies between what is left can need another pass
            objects = c.execute(_LEFTOVERS).fetchall()
            if not objects:
                break
            for kind, name, sub in objects:
                try:
                    for statement in _drop_statements(kind, name, sub, caggs):
                        c.execute(statement)
                except psycopg.Error:
                    pass  # gone with an earlier CASCADE, or needs the next pass
        else:
            raise _NeedsRestart(f"objects left after the reset: {objects}")
        c.execute(sql.SQL("ALTER DATABASE {} RESET ALL").format(sql.Identifier(dbname)))
        c.execute("ALTER ROLE CURRENT_USER RESET ALL")
        if not installed:  # every PGlite test starts the same way: TimescaleDB installed
            c.execute("CREATE EXTENSION IF NOT EXISTS timescaledb SCHEMA public")
        c.execute("DISCARD ALL")
        c.execute(_SEARCH_PATH)
        return dbname


def reset_pglite(server: Server) -> TestDatabase:
    """Empty our PGlite for the next test; restart it (once) when it cannot be emptied or does not answer."""
    for attempt in range(2):
        try:
            return TestDatabase(server, _empty_pglite(server.dsn), server.dsn)
        except (psycopg.Error, _NeedsRestart):
            if attempt or server.own:
                raise
            restart_pglite()
    raise AssertionError("unreachable")


def _wait(dsn: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with connect(dsn, connect_timeout=5) as c:
                c.execute("SELECT 1")
            return
        except psycopg.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)
