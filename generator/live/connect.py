"""Connecting to a live server, and what the pre-flight learns about it.

Shared by apply and diff. Every psycopg error leaves here as errors.DatabaseError with the server's message and
without the DSN's password.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg.conninfo import conninfo_to_dict

from schemagen import model as m
from schemagen.errors import DatabaseError, UsageError
from schemagen.live import redaction, sql


def redact(text: str, dsn: str | None) -> str:
    """The text without the DSN's password (found by parsing the DSN: redaction.py) nor any DSN-shaped password."""
    return redaction.redact(text, dsn)


def server_message(error: BaseException, dsn: str | None = None) -> str:
    """The server's message for an error, with its SQLSTATE and detail, password-free."""
    if isinstance(error, psycopg.Error) and error.diag and error.diag.message_primary:
        d = error.diag
        text = d.message_primary
        if d.message_detail:
            text += f" ({d.message_detail})"
        if d.sqlstate:
            text += f" [SQLSTATE {d.sqlstate}]"
    else:
        text = str(error).strip() or type(error).__name__
    # libpq's own messages span lines ("server closed the connection unexpectedly\n\tThis probably means ..."):
    # one line, so that an error is one line naming the script and what happened
    return redact(re.sub(r"\s*\n\s*", " ", text), dsn)


# libpq's messages for an option value it refuses before connecting: invalid sslmode value, invalid port number,
# invalid integer value "x" for connection option "port", invalid target_session_attrs value.
# A service name (service=, PGSERVICE) that no pg_service.conf defines, or a service file that is not there, is a
# typo in the DSN too, not an unreachable server.
BAD_OPTION = re.compile(r"^(?:connection is bad: )?(?:invalid (?:[\w ]+ value|port number)|definition of service "
                        r"\".*\" not found|service file \".*\" not found)", re.I)


SESSION_PINS = sql.query("connect_session")  # search_path, standard_conforming_strings, client_encoding


@contextmanager
def connection(dsn: str, *, purpose: str = "schemagen", connect_timeout: float = 15,
               statement_timeout: float | None = None, source: str = "--dsn or DATABASE_URL",
               ) -> Iterator[psycopg.Connection]:
    """An autocommit connection; connection failures become DatabaseError (exit 3), a DSN that cannot be parsed
    or holds an invalid option value a UsageError (exit 2). statement_timeout (seconds): set for the session and
    reset before it closes. `source`: where the DSN came from, for messages."""
    try:
        params = conninfo_to_dict(dsn)
    except (psycopg.Error, ValueError) as e:  # a typo, not a database problem
        raise UsageError(f"malformed DSN ({source}): {redact(str(e).strip(), dsn)}") from None
    ports = str(params.get("port") or "").split(",")
    if any(p.strip() and not p.strip().isdigit() for p in ports):  # psycopg would look it up as a service name
        raise UsageError(redact(f"malformed DSN ({source}): invalid port {params['port']!r}", dsn))
    try:
        # prepare_threshold=None: no server-side prepared statements. On PGlite every connection shares one
        # session, and a second connection would find the first one's "_pg3_0" already prepared.
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=max(1, round(connect_timeout)),
                               application_name=purpose, prepare_threshold=None)
    except psycopg.Error as e:
        if BAD_OPTION.search(str(e)):  # libpq refused an option's value before trying to connect
            raise UsageError(f"malformed DSN ({source}): {server_message(e, dsn)}") from None
        raise DatabaseError(f"cannot connect to the database: {server_message(e, dsn)}") from None
    except Exception as e:  # a malformed DSN raises ProgrammingError or ValueError
        raise DatabaseError(f"cannot connect to the database: {redact(str(e), dsn)}") from None
    try:
        try:
            conn.execute(SESSION_PINS)
            if statement_timeout is not None:
                conn.execute(sql.query("connect_statement_timeout"), (str(max(1, round(statement_timeout * 1000))),))
        except psycopg.Error as e:
            raise DatabaseError(f"cannot set up the session: {server_message(e, dsn)}") from None
        yield conn
    finally:
        try:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE and not conn.closed:
                conn.rollback()  # never leave a transaction open (PGlite would keep it for the next client)
            if statement_timeout is not None and not conn.closed:
                conn.execute(sql.query("connect_reset_statement_timeout"))
        except psycopg.Error:
            pass
        conn.close()


@dataclass(frozen=True)
class ServerInfo:
    version: str  # server_version
    version_num: int
    timescaledb_available: bool
    timescaledb_version: str | None  # installed version, None when not installed
    license: str | None  # timescaledb.license: "apache", "timescale", or None when unknown

    def unsupported(self) -> dict[str, str]:
        """Features this server refuses -> why, for messages."""
        if not self.timescaledb_available:
            why = f"this server (PostgreSQL {self.version}) has no TimescaleDB"
            return dict.fromkeys((m.FEATURE_TIMESCALEDB, *m.COMMUNITY_FEATURES), why)
        if self.license == "apache":
            why = ("TimescaleDB here is the Apache edition (timescaledb.license = apache); it needs the community "
                   "license")
            return dict.fromkeys(m.COMMUNITY_FEATURES, why)
        if _older(self.timescaledb_version, (2, 21)):
            return {m.FEATURE_REFRESH_WINDOWS: f"TimescaleDB {self.timescaledb_version} allows one refresh policy per "
                                               "continuous aggregate; several non-overlapping ones need 2.21 or later"}
        return {}

    def older_than(self, major: int, minor: int) -> bool:
        """True when the installed TimescaleDB is older than major.minor (False when none is installed)."""
        return _older(self.timescaledb_version, (major, minor))

    def describe(self) -> str:
        ts = "no TimescaleDB"
        if self.timescaledb_available:
            ts = f"TimescaleDB {self.timescaledb_version or 'available, not installed'}"
            ts += f", license {self.license or 'unknown until installed'}"
        return f"PostgreSQL {self.version}, {ts}"


def _older(version: str | None, than: tuple[int, int]) -> bool:
    """True when an installed TimescaleDB version ("2.19.3", "2.23.0-dev") is older than `than`."""
    if not version:
        return False  # not installed yet: CREATE EXTENSION installs the server's default, checked after
    parts = [int(p) for p in re.findall(r"\d+", version)[:2]]
    return tuple(parts) < than


PREFLIGHT = sql.query("connect_server_info")


# Licenses probed in this process, by server (host, port) and the TimescaleDB version CREATE EXTENSION loads. A
# license unset in the server's configuration, the database's and the role's (else the query above reads it) is the
# build's default: the same for every database there. apply and plan ask twice; the tests ask for every database.
_PROBED: dict[tuple, str] = {}


def server_info(conn: psycopg.Connection, dsn: str | None = None) -> ServerInfo:
    row = conn.execute(PREFLIGHT).fetchone()
    info = ServerInfo(row[0], row[1], row[2], row[3], row[4] or None)
    if info.timescaledb_available and info.license is None and dsn and not is_pglite(conn):
        key = (conn.info.host, conn.info.port, row[5])
        if key not in _PROBED and (probed := _probe_license(dsn)):
            _PROBED[key] = probed
        info = ServerInfo(info.version, info.version_num, True, info.timescaledb_version, _PROBED.get(key))
    return info


def timescaledb_dropped(conn: psycopg.Connection) -> bool:
    """True when this session loaded TimescaleDB and another one has dropped it since (a rollback this session
    waited for): TimescaleDB cannot be created again in this session ("already loaded with another version"), a
    new session can. Never on PGlite, where every connection is the one session."""
    return conn.execute(sql.query("connect_timescaledb_dropped")).fetchone()[0]


def timescaledb_gone(error: psycopg.Error) -> bool:
    """The error a session that had loaded TimescaleDB gets from its next query once another session dropped the
    extension: TimescaleDB's cached catalog names relations that are gone. A new session works."""
    return error.sqlstate == "XX000" and "could not open relation with OID" in str(error)


def is_pglite(conn: psycopg.Connection) -> bool:
    """PGlite (PostgreSQL in WASM) is one session shared by every connection: no side connections there."""
    return "emcc" in conn.execute(sql.query("connect_version")).fetchone()[0]


def _probe_license(dsn: str) -> str | None:
    """TimescaleDB registers timescaledb.license only once the extension is loaded in a database. Create it in a
    throwaway session and roll back: that session cannot create it again (\"already loaded\"), ours still can.
    When another session (a concurrent apply) commits the extension meanwhile, ours fails on pg_extension's unique
    index: a new probe then finds it installed."""
    for _ in range(3):
        try:
            with psycopg.connect(dsn, connect_timeout=15, application_name="schemagen pre-flight") as probe:
                probe.execute(sql.query("connect_probe_path"))  # created in public, as the model's default
                probe.execute(sql.query("connect_probe_create"))
                value = probe.execute(sql.query("connect_probe_license")).fetchone()[0]
                probe.rollback()
                return value or None
        except psycopg.errors.UniqueViolation:
            continue
        except psycopg.Error:
            return None  # no privilege to create it: the server will tell when it refuses
    return None


def pick_database(model: m.Model, name: str | None) -> m.Database:
    """The model database a command works on: named, or the only one."""
    names = [d.name for d in model.databases]
    if name is None:
        if len(names) == 1:
            return model.databases[0]
        raise UsageError(f"the model has {len(names)} databases ({', '.join(names)}): choose one with --database")
    if name not in names:
        raise UsageError(f"unknown database {name!r}; the model has: {', '.join(names)}")
    return model.database(name)


def check_orgs(model: m.Model, db: m.Database, orgs) -> None:
    known = [o.key for o in model.orgs]
    for org in orgs or ():
        if org not in known:
            raise UsageError(f"unknown org {org!r}; the model has: {', '.join(known) or 'no orgs'}")
        if org not in db.orgs:
            raise UsageError(f"database {db.name} has no org objects; org {org!r} has nothing there")
