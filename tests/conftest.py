"""Fixtures: an empty database on a named real server for each test (servers: tests/servers.py).

- `ts_apache_db`, `ts_community_db`, `pg_plain_db`: one empty database, a TestDatabase with `.dsn`, `.server`,
  `.name`, `.connect()` (autocommit) and `.scalar(sql)`. Native servers: `CREATE DATABASE sg_test_<random>` for
  the test, dropped after (WITH (FORCE)). PGlite: its single database, emptied, under an inter-process lock;
- `any_db`: the same, parametrised over the three servers (ids ts-apache, ts-community, pg-plain);
- `db_factory(server_name, name=None, exact=False)`: several empty databases on a native server for one test
  (multi-database models). Names are quoted as given ("APPS-WORKSPACE"); a suffix keeps them unique unless
  `exact=True`. All dropped after the test.
A server that does not answer makes its tests fail when CI=true (never a silent skip), and skip otherwise.
"""
from __future__ import annotations

import os

import psycopg
import pytest
from helpers import ensure_roles
from servers import (
    SERVERS,
    TestDatabase,
    create_database,
    drop_database,
    pglite_lock,
    reachable,
    reset_pglite,
    server_is_pglite,
)

CI = os.environ.get("CI", "").lower() == "true"

# The validated-model cache (and --help's) of this run in a folder of its own, never the user's ~/.cache: every
# command the suite runs goes through it, so a stale entry would fail tests (tests/test_modelcache.py tries it).
if "SCHEMAGEN_TEST_KEEP_CACHE_HOME" not in os.environ:
    import tempfile

    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="schemagen-test-cache-")


# Files whose tests create and drop the same cluster-wide roles (the real systems' scripts name them): one process
# runs them all, one after another, when the suite runs in several (`make test`, pytest-xdist's --dist loadgroup).
SHARED_ROLES = {"test_realschemas.py", "test_realschemas_fixes_julep.py", "test_sequences.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in SHARED_ROLES:
            item.add_marker(pytest.mark.xdist_group("cluster-roles"))


def pytest_report_header(config):
    return ["test servers: " + ", ".join(f"{s.name}={'own ' if s.own else ''}{s.env}" for s in SERVERS.values())]


def require(name: str):
    """The Server when it answers; else fail (CI=true) or skip, saying how to start it."""
    why = reachable(name)
    if why is None:
        return SERVERS[name]
    server = SERVERS[name]
    hint = (f"check the server {server.env} points at" if server.own
            else "start the test servers with `scripts/testdb.sh start` (or `make testdb`), as root")
    message = f"test server {name} does not answer ({why}): {hint}"
    if CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


_ROLES_MADE: set[str] = set()


def _roles(name: str, dsn: str) -> None:
    """The roles the tests' grants name (helpers.TEST_ROLES): the cluster's, as schemagen expects them."""
    if name not in _ROLES_MADE:
        ensure_roles(dsn)
        _ROLES_MADE.add(name)


def _database(name: str):
    server = require(name)
    if server_is_pglite(server):
        with pglite_lock():
            db = reset_pglite(server)
            ensure_roles(db.dsn)  # every time: a restarted PGlite has lost them
            yield db
    else:
        db = create_database(server)
        _roles(name, db.dsn)
        try:
            yield db
        finally:
            drop_database(db)


@pytest.fixture
def ts_apache_db():
    yield from _database("ts-apache")


@pytest.fixture
def ts_community_db():
    yield from _database("ts-community")


@pytest.fixture
def pg_plain_db():
    yield from _database("pg-plain")


@pytest.fixture(params=["ts-apache", "ts-community", "pg-plain"])
def any_db(request):
    yield from _database(request.param)


@pytest.fixture
def db_factory():
    """Create empty databases on a native server: db_factory("ts-apache", "APPS-WORKSPACE")."""
    made: list[TestDatabase] = []

    def make(server_name: str, name: str | None = None, exact: bool = False) -> TestDatabase:
        server = require(server_name)
        if server_is_pglite(server):
            raise ValueError("PGlite has a single database: use ts_community_db and apply one database at a time")
        if name and not exact:
            name = f"{name}_{os.getpid()}_{len(made)}"
        if name and exact:
            drop_database(TestDatabase(server, name, server.dsn))  # left over by an interrupted run
        db = create_database(server, name)
        made.append(db)
        return db

    yield make
    for db in reversed(made):
        try:
            drop_database(db)
        except psycopg.Error as e:  # keep dropping the others
            print(f"could not drop test database {db.name!r} on {db.server.name}: {e}")
