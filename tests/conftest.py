"""Fixtures: an empty database on a named real server for each test.

- `ts_apache_db`, `ts_community_db`, `pg_plain_db`: one empty database (native: created for the test and
  dropped after; PGlite: the single database, emptied, under an inter-process lock);
- `any_db`: the same, parametrised over the three servers;
- `db_factory(server_name, name=None)`: several empty databases on a native server (multi-database models).
A server that does not answer makes its tests fail when CI=true (never a silent skip), and skip otherwise.
"""
from __future__ import annotations

import os

import pytest

from servers import SERVERS, create_database, drop_database, pglite_lock, reachable, reset_pglite, server_is_pglite

CI = os.environ.get("CI", "").lower() == "true"


def require(name: str):
    why = reachable(name)
    if why is None:
        return SERVERS[name]
    message = (f"server {name} ({SERVERS[name].env}) does not answer: {why}. "
               "Start the test servers with `scripts/testdb.sh start` (or `make testdb`).")
    if CI:
        pytest.fail(message)
    pytest.skip(message)


def _database(name: str):
    server = require(name)
    if server_is_pglite(server):
        with pglite_lock():
            yield reset_pglite(server)
    else:
        db = create_database(server)
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
    made = []

    def make(server_name: str, name: str | None = None):
        server = require(server_name)
        if server_is_pglite(server):
            raise ValueError("PGlite has a single database: use ts_community_db and apply one database at a time")
        db = create_database(server, name and f"{name}_{os.getpid()}_{len(made)}")
        made.append(db)
        return db

    yield make
    for db in made:
        drop_database(db)
