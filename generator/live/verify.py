"""The server side of `schemagen verify`: a throwaway database created, reached, snapshotted and dropped.

- throwaway_name(model_database) -> str: `schemagen_verify_<model database, as [a-z0-9_]>_<8 random hex>`, within
  PostgreSQL's 63 bytes, so that it is readable in a server's list and never collides with another run's.
- throwaway_dsn(dsn, name) -> str: the server DSN with its dbname replaced (libpq's own parsing, every other
  parameter kept, the password included: never shown; messages are redacted against it).
- create(dsn, name) -> ServerInfo / drop(dsn, name): on the server the DSN names (any of its databases), with
  sql/verify_create_database.sql and sql/verify_drop_database.sql (WITH (FORCE) on PostgreSQL 13 and later).
  create refuses PGlite (one database, one session, whatever the DSN's dbname) before creating anything.
- reached(dsn, name): DatabaseError when a session for that DSN lands in another database (a proxy, PGlite).
- catalog(dsn) -> list[Entry]: sql/verify_catalog.sql, what the database holds outside the system's and the
  extensions' own objects; compare(before, after) -> (left, gone): what differs, as readable lines.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemagen.errors import DatabaseError, UsageError
from schemagen.live import sql
from schemagen.live.connect import ServerInfo, connection, is_pglite, redact, server_info, server_message

PREFIX = "schemagen_verify_"
MAX_NAME = 63  # NAMEDATALEN - 1: PostgreSQL cuts longer identifiers (with a notice), so two runs could collide
RANDOM_HEX = 8


def throwaway_name(model_database: str) -> str:
    """A new, unique database name for verifying the model database (ASCII: bytes are characters)."""
    room = MAX_NAME - len(PREFIX) - 1 - RANDOM_HEX
    readable = re.sub(r"[^a-z0-9_]+", "_", model_database.lower()).strip("_")[:room] or "db"
    return f"{PREFIX}{readable}_{secrets.token_hex(RANDOM_HEX // 2)}"


def throwaway_dsn(dsn: str, name: str) -> str:
    """The DSN with dbname replaced by name. A DSN libpq cannot parse is a usage error (exit 2), password-free."""
    try:
        conninfo_to_dict(dsn)
        return make_conninfo(dsn, dbname=name)
    except (psycopg.Error, ValueError) as e:
        raise UsageError(f"malformed DSN (--dsn or DATABASE_URL): {redact(str(e).strip(), dsn)}") from None


@dataclass(frozen=True, order=True)
class Entry:
    """One object of a catalog snapshot."""

    kind: str
    name: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name}" + (f" ({self.detail})" if self.detail else "")


PGLITE = ("this server is PGlite: one database in one session, and every connection reaches that database "
          "whatever the DSN's dbname, so no throwaway database can be used; verify needs a PostgreSQL server "
          "(e.g. the timescale/timescaledb image)")


def create(dsn: str, name: str) -> ServerInfo:
    """CREATE DATABASE name on the DSN's server; the server's info. DatabaseError (exit 3) when refused."""
    with connection(dsn, purpose="schemagen verify") as conn:
        try:
            info = server_info(conn)
            if is_pglite(conn):
                raise DatabaseError(PGLITE)
            conn.execute(sql.compose("verify_create_database", database=name))
        except psycopg.Error as e:
            raise DatabaseError(f"cannot create the throwaway database {name}: {server_message(e, dsn)}") from None
    return info


def drop(dsn: str, name: str) -> None:
    """DROP DATABASE IF EXISTS name, ending the sessions still connected to it. DatabaseError when refused."""
    with connection(dsn, purpose="schemagen verify") as conn:
        try:
            force = server_info(conn).version_num >= 130000
            conn.execute(sql.compose("verify_drop_database", markers=["force"] if force else [], database=name))
        except psycopg.Error as e:
            raise DatabaseError(f"cannot drop the throwaway database {name}: {server_message(e, dsn)}; drop it "
                                "by hand") from None


def reached(dsn: str, name: str) -> None:
    """Check that a session for dsn is in database name: a proxy or PGlite may land it elsewhere."""
    with connection(dsn, purpose="schemagen verify") as conn:
        try:
            current = conn.execute(sql.query("verify_current_database")).fetchone()[0]
        except psycopg.Error as e:
            raise DatabaseError(server_message(e, dsn)) from None
    if current != name:
        raise DatabaseError(f"connecting to database {name} reached database {current} instead (a connection "
                            "pooler or proxy that routes every session to one database?); verify needs to reach "
                            "the database it creates")


def catalog(dsn: str) -> list[Entry]:
    """What the database holds outside PostgreSQL's and the extensions' own objects, sorted (one query)."""
    with connection(dsn, purpose="schemagen verify") as conn:
        try:
            markers = frozenset(["timescaledb"]) if server_info(conn).timescaledb_version else frozenset()
            rows = conn.execute(sql.query("verify_catalog", markers)).fetchall()
        except psycopg.Error as e:
            raise DatabaseError(f"cannot read the catalog: {server_message(e, dsn)}") from None
    return sorted(Entry(*row) for row in rows)


def compare(before: list[Entry], after: list[Entry]) -> tuple[list[Entry], list[Entry]]:
    """(left, gone): what the database holds now and did not before (or now differently), and what it held and
    no longer does (or held differently). Both empty when it is as before."""
    was, now = set(before), set(after)
    return sorted(now - was), sorted(was - now)
