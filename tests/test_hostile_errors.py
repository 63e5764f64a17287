"""Issue 13, "no traceback, the right exit code" and "validate accepts only what the server accepts", as attacks on
real processes and real servers: --lock-timeout values the server cannot take, unknown service names, model paths
that are no regular file (a FIFO with no writer, /dev/zero, a socket), SQL nested past what the checks can read,
SIGINT sent to a real `schemagen apply` / `rollback` held at a chosen point (a statement, the advisory lock), values
the server's input functions refuse, and YAML merge keys that must keep the column order written."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from faults import Gate, sessions, wait_sessions_gone
from helpers import run_cli
from psycopg import sql
from test_apply import has_history_schema, history_rows

from schemagen.live import history

SIMPLE = """databases:
  app:
    schemas:
      s:
        tables:
          a: {columns: {id: {type: int, primary_key: true}}}
          b: {columns: {id: {type: int, primary_key: true}, note: text}}
        views:
          v: {query: "SELECT id FROM s.a"}
"""


def _model(tmp_path: Path, text: str = SIMPLE) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(text)
    return path


def _cli(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """`schemagen ARGS` in a fresh process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "schemagen.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "schemagen.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


# --- --lock-timeout ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["1e308", "1e10", "2147484", "nan", "inf", "-inf", "-1", "1e-400x"])
def test_lock_timeouts_the_server_cannot_take_are_usage_errors(pg_plain_db, tmp_path, value):
    """1e308 overflowed int() (a traceback), 1e10 reached the server as an invalid lock_timeout (exit 3)."""
    for command in ("apply", "rollback"):
        done = _cli(command, "--dsn", pg_plain_db.dsn, "-m", str(_model(tmp_path)), "--lock-timeout", value)
        assert done.returncode == 2, (command, value, done.stderr)
        assert "Traceback" not in done.stderr and "--lock-timeout" in done.stderr
    assert not has_history_schema(pg_plain_db)  # refused before connecting


def test_the_largest_lock_timeout_reaches_the_server_as_a_valid_setting(pg_plain_db, tmp_path):
    """2,147,483 s is INT_MAX ms rounded down: the server takes it (lock_timeout's maximum)."""
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(_model(tmp_path)),
                           "--lock-timeout", "2147483")
    assert code == 0, err
    assert set(history_rows(pg_plain_db)) == {"020_schemas.sql", "030_tables.sql", "100_views.sql"}


# --- service names ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["dsn", "url", "env", "pgservice", "servicefile"])
def test_an_unknown_service_is_a_usage_error(pg_plain_db, tmp_path, how):
    port = psycopg.conninfo.conninfo_to_dict(pg_plain_db.dsn).get("port", "5432")
    secret = "S3cretPW"
    dsn, env = {
        "dsn": (f"service=nonexistent password={secret}", {}),
        "url": (f"postgresql://postgres:{secret}@127.0.0.1:{port}/x?service=nonexistent", {}),
        "env": (None, {"DATABASE_URL": f"service=nonexistent password={secret}"}),
        "pgservice": (f"host=127.0.0.1 port={port} password={secret}", {"PGSERVICE": "nonexistent"}),
        "servicefile": (f"service=x password={secret}", {"PGSERVICEFILE": str(tmp_path / "no-such-file")}),
    }[how]
    for command in ("apply", "diff", "rollback"):
        args = [command, "-m", str(_model(tmp_path))] + (["--dsn", dsn] if dsn else [])
        done = _cli(*args, env=env)
        assert done.returncode == 2, (command, done.stderr)
        assert "malformed DSN" in done.stderr and "service" in done.stderr
        assert secret not in done.stderr + done.stdout and "Traceback" not in done.stderr


# --- model paths that are not regular files -------------------------------------------------------------------------

def test_a_fifo_with_no_writer_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "model.yaml"
    os.mkfifo(fifo)
    for command in (["validate"], ["render", "-o", str(tmp_path / "out")], ["apply", "--dsn", "host=/nonexistent"]):
        started = time.monotonic()
        done = _cli(*command, "-m", str(fifo), timeout=30)  # blocked forever before
        assert time.monotonic() - started < 20
        assert done.returncode == 2 and f"{fifo}:1:1: is a FIFO (named pipe), not a model file" in done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["/dev/zero", "/dev/null", "socket", "symlink to /dev/zero", "directory"])
def test_other_files_that_are_no_model(tmp_path, kind):
    if kind == "socket":
        path = tmp_path / "model.sock"
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
    elif kind.startswith("symlink"):
        path = tmp_path / "model.yaml"
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path = tmp_path / "model.yaml"
        path.mkdir()
    else:
        path = Path(kind)
    done = _cli("validate", "-m", str(path), timeout=30)  # /dev/zero read 20 MB of NULs before
    assert done.returncode == 2 and "Traceback" not in done.stderr
    expected = {"socket": "is a socket", "directory": "is a directory"}.get(kind, "is a character device")
    assert expected in done.stderr and str(path) in done.stderr


# --- SQL nested deeper than the checks can read ---------------------------------------------------------------------

def test_the_deepest_sql_accepted_applies_and_shows_no_drift(pg_plain_db, tmp_path):
    """Just inside the bound (140 chained operators, 40 nested subqueries): validate, render, apply and diff all
    read it (the bound is what the whole pipeline takes, not only the parser)."""
    terms = " + ".join(["1"] * 140)
    query = "SELECT 1 AS x"
    for _ in range(40):
        query = f"SELECT ({query}) AS x"
    text = (f"databases:\n  app:\n    schemas:\n      s:\n        tables:\n          t:\n            columns:\n"
            f"              id: int\n              v: {{type: int, default: \"{terms}\"}}\n"
            f"            checks: {{c: \"v < {terms} + 1\"}}\n        views:\n          w: {{query: \"{query}\"}}\n")
    path = _model(tmp_path, text)
    for args in (["validate"], ["render", "-o", str(tmp_path / "out")], ["apply", "--dsn", pg_plain_db.dsn],
                 ["diff", "--dsn", pg_plain_db.dsn]):
        code, _, err = run_cli(*args, "-m", str(path))
        assert code == 0 and "Traceback" not in err, (args, err[-500:])
    deeper = text.replace(terms, terms + " + 1 + 1 + 1 + 1 + 1 + 1", 1)
    code, _, err = run_cli("validate", "-m", str(_model(tmp_path, deeper)))
    assert code == 2 and "model.yaml:9:15:" in err and "schemagen checks at most 300" in err


# --- SIGINT ---------------------------------------------------------------------------------------------------------

def _interrupt(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


@pytest.mark.parametrize("fixture", ["ts_apache_db", "pg_plain_db"])
def test_sigint_mid_apply_rolls_the_script_back_and_exits_130(request, fixture, tmp_path):
    """Ctrl-C while the apply waits at the end of CREATE TABLE s.b (held there by the gate): the script's
    transaction is rolled back (no s.a, no s.b, no history row for 030), exit 130 naming the script; a rerun
    carries on and finds no drift."""
    db = request.getfixturevalue(fixture)  # a native server: the gate needs event triggers, a real signal
    path = _model(tmp_path)
    gate = Gate(db)
    try:
        gate.at_statement(pattern="CREATE TABLE IF NOT EXISTS s.b %")
        proc = _start("apply", "--dsn", db.dsn, "-m", str(path))
        blocked = gate.wait_blocked(proc)
        assert blocked is not None, proc.communicate()
        code, err = _interrupt(proc)
        assert code == 130, err
        assert "030_tables.sql" in err and "interrupted" in err and "rolled back" in err
        assert "Traceback" not in err
        wait_sessions_gone(db)
        assert set(history_rows(db)) == {"020_schemas.sql"}
        assert db.scalar("SELECT count(*) FROM pg_class WHERE relname IN ('a', 'b') "
                                   "AND relnamespace = 's'::regnamespace") == 0
    finally:
        gate.remove()
    code, _, err = run_cli("apply", "--dsn", db.dsn, "-m", str(path))
    assert code == 0, err
    assert set(history_rows(db)) == {"020_schemas.sql", "030_tables.sql", "100_views.sql"}
    assert run_cli("diff", "--dsn", db.dsn, "-m", str(path))[0] == 0


@pytest.mark.parametrize("fixture", ["ts_apache_db", "pg_plain_db"])
def test_sigint_during_the_lock_wait_changes_nothing(request, fixture, tmp_path):
    """Another session holds schemagen's advisory lock; Ctrl-C while apply waits for it: exit 130, no history
    schema, nothing created, the lock still the other session's."""
    db = request.getfixturevalue(fixture)  # a native server: the gate needs event triggers, a real signal
    path = _model(tmp_path)
    with db.connect() as holder:
        holder.execute("SELECT pg_advisory_lock(%s, %s)", (history.LOCK_CLASS, history.lock_key("app")))
        proc = _start("apply", "--dsn", db.dsn, "-m", str(path), "--lock-timeout", "600")
        line = proc.stderr.readline()
        while line and "waiting for another schemagen" not in line:
            line = proc.stderr.readline()
        assert line, "apply did not report waiting for the lock"
        code, err = _interrupt(proc)
        assert code == 130 and "interrupted" in err and "Traceback" not in err, err
        wait_sessions_gone(db)
        assert not has_history_schema(db)
        assert db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 's'") == 0
    code, _, err = run_cli("apply", "--dsn", db.dsn, "-m", str(path))
    assert code == 0, err


@pytest.mark.parametrize("fixture", ["ts_apache_db", "pg_plain_db"])
def test_sigint_mid_rollback_keeps_the_script_whole(request, fixture, tmp_path):
    """Ctrl-C while rollback waits at the end of DROP TABLE s.b: the rollback script's transaction (with the
    removal of 030's history row) is rolled back: both tables and the row are still there; a rerun finishes."""
    db = request.getfixturevalue(fixture)  # a native server: the gate needs event triggers, a real signal
    path = _model(tmp_path)
    assert run_cli("apply", "--dsn", db.dsn, "-m", str(path))[0] == 0
    gate = Gate(db)
    try:
        gate.at_statement(pattern="DROP TABLE % s.b%")
        proc = _start("rollback", "--dsn", db.dsn, "-m", str(path), "--yes")
        blocked = gate.wait_blocked(proc)
        assert blocked is not None, proc.communicate()
        code, err = _interrupt(proc)
        assert code == 130, err
        assert "rollback/970_tables.sql" in err and "interrupted" in err and "Traceback" not in err
        wait_sessions_gone(db)
        assert set(history_rows(db)) == {"020_schemas.sql", "030_tables.sql"}  # 100 was undone
        assert db.scalar("SELECT count(*) FROM pg_class WHERE relname IN ('a', 'b') "
                                   "AND relnamespace = 's'::regnamespace") == 2
    finally:
        gate.remove()
    code, _, err = run_cli("rollback", "--dsn", db.dsn, "-m", str(path), "--yes")
    assert code == 0, err
    assert not has_history_schema(db)
    assert not sessions(db)


# --- values: validate accepts only what the server accepts -----------------------------------------------------------

VALUES = {
    "integer": ["12", " 12 ", "-2147483648", "2147483648", "١٢", "１２", "1_000", "0x10", "1.5", "", "+7"],
    "smallint": ["32767", "32768", "-32769"],
    "bigint": ["9223372036854775807", "9223372036854775808"],
    "numeric(3,1)": ["12345.6", "99.95", "99.94", "-99.94", "NaN", "Infinity", "1e1", "1e2", ".5", "5.", "1_0"],
    "numeric": ["1e2", "-Infinity", "١", "1.2.3", "1e"],
    "real": ["1e38", "1e39", "1e-46", "NaN", "-inf", "١.٥"],
    "double precision": ["1e308", "1e309", "1e-400", "0", "0.0e5"],
    "boolean": ["t", "tr", "TRUE", " yes ", "o", "of", "on", "1", "0", "2", "yess"],
    "date": ["2024-02-29", "2023-02-29", "2024-02-30", "0000-01-01", "0001-01-01", "2024-13-01", "5874897-12-31",
             "5874898-01-01", "epoch", "infinity", " 2024-01-01 "],
    "timestamp with time zone": ["2024-01-01 10:00", "2024-01-01T10:00:00Z", "2024-01-01 10:00:00.123456+05:30",
                                 "2024-01-01 25:00", "2024-01-01 10:60", "2024-01-01 24:00:00",
                                 "2024-01-01 10:00 Europe/Paris", "2024-01-01 10:00 Nowhere/Land", "294276-12-31"],
    "timestamp without time zone": ["2024-01-01", "2024-02-30 00:00", "294277-01-01"],
    "time without time zone": ["24:00:00", "24:00:01", "23:59:60", "12:30", "7:05:01.5"],
    "interval": ["1 day", "2 hours 30 minutes", "01:30:00", "P1D", "١ day", "1 fortnight", "1 day 02:00:00"],
    "inet": ["10.1.2.3", "10.1.2.3/8", "::1", "fe80::1%eth0", "not an address", "10.1", "256.1.1.1", "::ffff:1.2.3.4"],
    "cidr": ["10.0.0.0/8", "10.1.1.1/8", "2001:db8::/32", "2001:db8::1/32"],
    "uuid": ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{a0eebc999c0b4ef8bb6d6bb9bd380a11}",
             "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99"],
    "jsonb": ['{"a": 1}', '{"a": "\\u0000"}', '"\\ud800"', '"\\ud83d\\ude00"', "NaN", "[1, 2", '"\\\\u0000"'],
    "json": ['{"a": "\\u0000"}', "{'a': 1}"],
    "character varying(3)": ["abc", "abcd", "abc   ", "ab"],
    "character": ["a", "ab", "a  "],
    "character(2)": ["ab", "abc"],
    "bit(4)": ["1010", "101", "x1F", "xF", "b1010", "1012"],
    "bit varying(3)": ["101", "1010", ""],
    "bytea": ["\\x0102", "\\x 01 02", "\\x0g", "\\x012", "abc", "a\\\\b", "a\\001b", "a\\9b"],
}


@pytest.mark.parametrize("server", ["ts-apache", "pg-plain"])
def test_every_value_validate_accepts_the_server_accepts(db_factory, server):
    """Differential: each value through value_error and through the server's own input function (PostgreSQL 17
    and 15). Accepted by validate => accepted by the server, always. The reverse is allowed only for the forms
    schemagen refuses on purpose (PostgreSQL 16's 1_000 and 0x10 that 15 refuses, abbreviated cidr, IPv4 written
    as two parts)."""
    from schemagen.rules.values import value_error

    db = db_factory(server)
    stricter = []
    with db.connect() as c:
        for type_, values in VALUES.items():
            # as a seed row reaches it: a quoted literal INSERTed into a column of the type (an explicit cast
            # would cut 'abcd' to varchar(3) silently where the INSERT refuses it)
            c.execute(sql.SQL("CREATE TEMP TABLE v (x {})").format(sql.SQL(type_)))
            for value in values:
                ours = value_error(type_, value) is None
                try:
                    c.execute(sql.SQL("INSERT INTO pg_temp.v VALUES ({})").format(sql.Literal(value)))
                    theirs = True
                except psycopg.Error:
                    theirs = False
                assert theirs or not ours, f"validate accepts {value!r} as {type_}, the server refuses it"
                if theirs and not ours:
                    stricter.append((type_, value))
            c.execute("DROP TABLE pg_temp.v")
    allowed = {("integer", "1_000"), ("integer", "0x10"), ("numeric(3,1)", "1_0"), ("interval", "1 fortnight")}
    assert set(stricter) <= allowed, stricter
    assert ("integer", "١٢") not in stricter and len(stricter) <= len(allowed)


# --- YAML merge keys keep the order written -----------------------------------------------------------------------

def test_merged_columns_keep_the_order_written_on_the_server(any_db, tmp_path):
    """`columns: {<<: *base, z: smallint}` created z first: the merged columns now take the place of the << key."""
    text = """databases:
  app:
    schemas:
      s:
        tables:
          t:
            columns: {first: text, <<: &base {id: {type: int, primary_key: true}, created: timestamptz},
                      z: smallint, <<: &audit {changed_by: text}, last: int}
          u:
            columns:
              <<: [*base, *audit]
              id: bigint
              y: text
"""
    path = tmp_path / "model.yaml"
    path.write_text(text)
    code, _, err = run_cli("apply", "--dsn", any_db.dsn, "-m", str(path))
    assert code == 0, err
    with any_db.connect() as c:
        def columns(table: str) -> list[str]:
            return [r[0] for r in c.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND NOT attisdropped ORDER BY attnum", (f"s.{table}",))]
        assert columns("t") == ["first", "id", "created", "z", "changed_by", "last"]
        assert columns("u") == ["id", "created", "changed_by", "y"]
        assert c.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 's.u'::regclass "
                         "AND attname = 'id'").fetchone()[0] == "bigint"  # the key written wins over the merged one
    assert run_cli("diff", "--dsn", any_db.dsn, "-m", str(path))[0] == 0
