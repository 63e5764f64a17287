"""Apply under faults: a kill mid-run, two applies (or an apply and a rollback) at once, locks held by others,
failing statements, servers that refuse the login, and 1,000 orgs on a server with default settings."""
from __future__ import annotations

import contextlib
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest
from helpers import MODEL, haystack, model_from, run_cli, snapshot
from test_apply import SMALL, _Sink, has_history_schema, history_rows

from schemagen import render
from schemagen.commands import apply as applying
from schemagen.errors import DatabaseError, Difference
from schemagen.live import history
from schemagen.load import load_model
from schemagen.model import COMMUNITY_FEATURES


def _scripts(db) -> dict[str, str]:
    return {name: row["checksum"] for name, row in history_rows(db).items()}


def _write_model(tmp_path, orgs: int):
    text = MODEL.read_text()
    head, rest = text.split("\norgs:\n", 1)
    lines = "\n".join(f"  - {{key: org{n:05d}, name: Org {n}}}" for n in range(orgs))
    path = tmp_path / "model.yaml"
    path.write_text(f"{head}\norgs:\n{lines}\n{rest[rest.index(chr(10) + 'databases:'):]}")
    return path


def _process(command: str, dsn: str, model_path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "schemagen.cli", command, "--dsn", dsn, "-m", str(model_path),
                             "--database", "datakwip", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_org_rows(db, count: int, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        if sum(k.startswith("900_") for k in _scripts(db)) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"the apply did not record {count} org scripts in time (exit {proc.poll()})")


def _consistent(db, orgs: int) -> int:
    """Every org has all its objects or none, and the history names exactly the orgs present. Returns how many."""
    with db.connect() as c:
        present = {r[0] for r in c.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'core' AND c.relname LIKE 'values\\_org%%' AND c.relkind = 'r'").fetchall()}
        indexes = {r[0] for r in c.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'core' AND c.relname LIKE 'idx\\_values\\_org%%' AND c.relkind = 'i'").fetchall()}
        hypertables = {r[0] for r in c.execute(
            "SELECT hypertable_name FROM timescaledb_information.hypertables").fetchall()} \
            if c.execute("SELECT to_regclass('timescaledb_information.hypertables')").fetchone()[0] else set()
        rows = {r[0] for r in c.execute("SELECT key FROM core.org").fetchall()} if \
            c.execute("SELECT to_regclass('core.org')").fetchone()[0] else set()
    recorded = {k.removeprefix("900_org_").removesuffix(".sql") for k in _scripts(db) if k.startswith("900_org_")}
    whole = 0
    for n in range(orgs):
        key = f"org{n:05d}"
        parts = [f"values_{key}" in present, f"values_{key}_current" in present, f"values_{key}" in hypertables,
                 f"idx_values_{key}_entity_time" in indexes, f"idx_values_{key}_org_time" in indexes,
                 key in rows, key in recorded]
        assert all(parts) or not any(parts), f"{key} is half there: {parts}"
        whole += all(parts)
    return whole


# --- kills and concurrency ------------------------------------------------------------------------------------------

def test_sigkill_mid_apply_leaves_whole_scripts_and_a_rerun_completes(ts_apache_db, tmp_path):
    orgs = 300
    path = _write_model(tmp_path, orgs)
    proc = _process("apply", ts_apache_db.dsn, path, "--skip-unsupported")
    _wait_for_org_rows(ts_apache_db, 20, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = _consistent(ts_apache_db, orgs)
    assert 0 < done < orgs, f"the kill should land mid-apply ({done} of {orgs} orgs)"
    model = load_model(path)
    shared = [s.filename for s in render.render(model, database="datakwip", skip_features=COMMUNITY_FEATURES)
              if s.org is None and not s.rollback]
    assert set(shared) <= set(_scripts(ts_apache_db)), "the shared scripts ran before the org files"

    rerun = _process("apply", ts_apache_db.dsn, path, "--skip-unsupported")
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert "waiting for another" not in err, "the killed apply's session lock died with its connection"
    assert f"{orgs - done} script(s) applied" in err and f"{len(shared) + done} unchanged" in err, err
    assert _consistent(ts_apache_db, orgs) == orgs
    code, out, err = run_cli("diff", "--dsn", ts_apache_db.dsn, "-m", str(path), "--database", "datakwip",
                             "--skip-unsupported")
    assert code == 0, out + err


def test_two_applies_at_once_end_like_one(ts_apache_db, tmp_path):
    path = _write_model(tmp_path, 40)
    procs = [_process("apply", ts_apache_db.dsn, path, "--skip-unsupported") for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert _consistent(ts_apache_db, 40) == 40
    errs = [err for _, err in outputs]
    assert sum("waiting for another schemagen apply/rollback on datakwip" in e for e in errs) >= 1
    # One did the work; the other, having waited, found every script recorded (or finished what was left).
    applied = [int(e.split(" script(s) applied")[0].rsplit(" ", 1)[1]) for e in errs]
    assert sum(applied) == 45, errs
    one_run = snapshot(ts_apache_db)
    code, out, err = run_cli("diff", "--dsn", ts_apache_db.dsn, "-m", str(path), "--database", "datakwip",
                             "--skip-unsupported")
    assert code == 0, out + err
    assert applying.apply(ts_apache_db.dsn, load_model(path), database="datakwip", skip_unsupported=True,
                          out=_Sink()).count("applied") == 0
    assert snapshot(ts_apache_db) == one_run


def test_rollback_waits_for_a_running_apply(ts_apache_db, tmp_path):
    before = snapshot(ts_apache_db)
    path = _write_model(tmp_path, 150)
    apply_proc = _process("apply", ts_apache_db.dsn, path, "--skip-unsupported")
    _wait_for_org_rows(ts_apache_db, 5, apply_proc)
    rollback_proc = _process("rollback", ts_apache_db.dsn, path, "--yes")
    _, apply_err = apply_proc.communicate(timeout=300)
    _, rollback_err = rollback_proc.communicate(timeout=300)
    assert apply_proc.returncode == 0, apply_err
    assert rollback_proc.returncode == 0, rollback_err
    assert "waiting for another schemagen apply/rollback on datakwip" in rollback_err
    assert "155 script(s) applied" in apply_err
    assert snapshot(ts_apache_db) == before, "the rollback ran after the whole apply, never in between"


def test_lock_timeout_exits_3_and_changes_nothing(pg_plain_db):
    holder = pg_plain_db.connect()
    try:
        holder.execute("SELECT pg_advisory_lock(%s, %s)", (history.LOCK_CLASS, history.lock_key("simulator_state")))
        started = time.monotonic()
        code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "--database", "simulator_state",
                               "--lock-timeout", "1")
        elapsed = time.monotonic() - started
    finally:
        holder.close()
    assert code == 3
    assert "waiting for another schemagen apply/rollback on simulator_state" in err and "gave up after 1 s" in err
    assert 1 <= elapsed < 10
    assert not has_history_schema(pg_plain_db)
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "--database", "simulator_state", "--lock-timeout", "1")
    assert code == 0 and "waiting" not in err, "the lock went with the holder's session"


def test_ddl_blocked_by_another_session_gives_up(pg_plain_db, tmp_path):
    """lock_timeout: a CREATE INDEX queued behind another session's lock fails (exit 3) instead of hanging."""
    path = tmp_path / "model.yaml"
    path.write_text(SMALL)
    assert run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(path))[0] == 0
    path.write_text(SMALL.replace("{ix_a_name: {columns: [name]}}",
                                  "{ix_a_name: {columns: [name]}, ix_a_both: {columns: [id, name]}}"))
    blocker = pg_plain_db.connect()
    try:
        blocker.autocommit = False
        blocker.execute("LOCK TABLE s.a IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(path), "--lock-timeout", "1")
        elapsed = time.monotonic() - started
    finally:
        blocker.rollback()
        blocker.close()
    assert code == 3, err
    assert "app/050_indexes.sql, line" in err and "lock timeout" in err and "SQLSTATE 55P03" in err
    assert elapsed < 15
    assert pg_plain_db.scalar("SELECT to_regclass('s.ix_a_both')") is None
    assert run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(path))[0] == 0


# --- failing statements -------------------------------------------------------------------------------------------

FAILING = """
databases:
  app:
    schemas:
      s:
        tables:
          a:
            columns: {id: {type: int, primary_key: true}}
          b:
            columns:
              id: {type: int, primary_key: true}
              qty: {type: int, check: "qty > 0"}
            seed:
              rows: [{id: 1, qty: 5}, {id: 2, qty: -1}]
"""


def _seed_line(model) -> int:
    seed = next(s for s in render.render(model) if s.filename == "120_seed.sql")
    line = render.statement_lines(seed, model)[0]
    assert render.script_text(seed, model).splitlines()[line - 1].startswith("INSERT INTO s.b")
    return line


def test_failing_statement_names_script_line_object_and_keeps_history(pg_plain_db, tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(FAILING)
    line = _seed_line(model_from(FAILING))
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert code == 3
    assert f"app/120_seed.sql, line {line} (seed rows of s.b)" in err
    assert 'violates check constraint "b_qty_check"' in err and "SQLSTATE 23514" in err and "Traceback" not in err
    recorded = _scripts(pg_plain_db)
    assert "030_tables.sql" in recorded and "120_seed.sql" not in recorded, "scripts before it stay applied"
    assert pg_plain_db.scalar("SELECT count(*) FROM s.b") == 0, "the failed script left nothing"
    assert pg_plain_db.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                              "(SELECT oid FROM pg_database WHERE datname = current_database())") == 0


def test_conflicting_object_already_there(pg_plain_db):
    """A table of the same name made by hand: apply refuses to touch it (issue 13, ownership: exit 3, nothing
    changed); adopted, CREATE TABLE IF NOT EXISTS passes, and its seed is left out (an adopted table is left as
    it is: the difference is drift)."""
    with pg_plain_db.connect() as c:
        c.execute("CREATE SCHEMA s; CREATE TABLE s.b (id int PRIMARY KEY)")
    model = model_from(FAILING.replace("{id: 2, qty: -1}", "{id: 2, qty: 1}"))
    with pytest.raises(DatabaseError) as caught:
        applying.apply(pg_plain_db.dsn, model, out=_Sink())
    message = str(caught.value)
    assert "table s.b (owner postgres)" in message and "schema s (owner postgres)" in message, message
    assert not has_history_schema(pg_plain_db)
    with pytest.raises(Difference) as caught:
        applying.apply(pg_plain_db.dsn, model, adopt=True, out=_Sink())
    assert "qty" in str(caught.value)
    assert pg_plain_db.scalar("SELECT count(*) FROM s.b") == 0


def test_pglite_session_is_clean_after_a_failure(ts_community_db):
    """PGlite is one shared session: a failed apply leaves no open transaction and no advisory lock."""
    with pytest.raises(DatabaseError, match="b_qty_check"):
        applying.apply(ts_community_db.dsn, model_from(FAILING), out=_Sink())
    with ts_community_db.connect() as c:
        assert c.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                         "(SELECT oid FROM pg_database WHERE datname = current_database())").fetchone()[0] == 0
        assert c.execute("SELECT now() = statement_timestamp()").fetchone()[0], "no transaction left open"
    fixed = model_from(FAILING.replace("{id: 2, qty: -1}", "{id: 2, qty: 1}"))
    result = applying.apply(ts_community_db.dsn, fixed, out=_Sink())
    assert [s.name for s in result.scripts if s.status == "applied"] == ["120_seed.sql"]
    applying.rollback(ts_community_db.dsn, fixed, out=_Sink())
    assert not has_history_schema(ts_community_db)


# --- servers that refuse the login --------------------------------------------------------------------------------

class _PasswordServer:
    """Speaks just enough of the PostgreSQL protocol to ask for a password and refuse it (the test servers trust
    every local login, so a wrong password would pass there). Records the passwords it was sent."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.passwords: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, contextlib.suppress(OSError, struct.error):
                self._session(conn)

    @staticmethod
    def _read(conn, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise OSError("closed")
            data += chunk
        return data

    def _session(self, conn) -> None:
        while True:
            length, code = struct.unpack("!ii", self._read(conn, 8))
            self._read(conn, length - 8)  # the startup parameters: not needed
            if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest: no encryption here
                conn.sendall(b"N")
                continue
            break
        conn.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
        kind, length = struct.unpack("!ci", self._read(conn, 5))
        self.passwords.append(self._read(conn, length - 4).rstrip(b"\0").decode())
        fields = b"SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user \"postgres\"\0\0"
        conn.sendall(b"E" + struct.pack("!i", 4 + len(fields)) + fields)

    def close(self) -> None:
        self.sock.close()


def test_password_never_printed():
    server = _PasswordServer()
    try:
        uri = f"postgresql://postgres:s3cret-pw@127.0.0.1:{server.port}/app"
        keywords = f"host=127.0.0.1 port={server.port} user=postgres password=s3cret-pw dbname=app"
        for args in (["apply", "--dsn", uri, "--database", "simulator_state"],
                     ["apply", "--dsn", keywords, "--database", "simulator_state", "--dry-run"],
                     ["rollback", "--dsn", uri, "--database", "simulator_state"],
                     ["diff", "--dsn", keywords, "--database", "simulator_state"]):
            code, out, err = run_cli(*args)
            assert code == 3, err
            assert "password authentication failed" in err and "cannot connect" in err
            assert "s3cret-pw" not in out + err and "Traceback" not in err
        assert server.passwords and set(server.passwords) == {"s3cret-pw"}, "the password did reach the server"
    finally:
        server.close()


@pytest.mark.parametrize("dsn,code,says", [
    ("postgresql://postgres:s3cret-pw@127.0.0.1:1/none", 3, "cannot connect"),  # nothing listens
    ("host=127.0.0.1 port=1 user=postgres password=s3cret-pw dbname=none", 3, "cannot connect"),
    # malformed: a usage error (exit 2), not a database one; libpq quotes parts of the DSN
    ("postgresql://postgres:s3cret-pw@127.0.0.1:notaport/none", 2, "malformed DSN"),
    ("host=127.0.0.1 password=s3cret-pw dbname", 2, "malformed DSN"),
    ("host=127.0.0.1 password='s3cret-pw' sslmode=bogus", 2, "malformed DSN"),
    ("postgresql://postgres:s3cret-pw@[::1/none", 2, "malformed DSN"),
    ("host=127.0.0.1 port=99999 password=s3cret-pw", 2, "malformed DSN"),
])
def test_connection_failures_without_the_password(dsn, code, says, monkeypatch):
    got, out, err = run_cli("apply", "--dsn", dsn, "--database", "simulator_state")
    assert got == code and says in err, err
    assert "s3cret-pw" not in out + err and "Traceback" not in err
    monkeypatch.setenv("DATABASE_URL", dsn)
    got, out, err = run_cli("rollback", "--database", "simulator_state")
    assert got == code and "s3cret-pw" not in out + err


# --- scale --------------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_thousand_orgs_with_default_settings(ts_apache_db):
    """max_locks_per_transaction = 64: one transaction per org file keeps lock slots bounded."""
    assert ts_apache_db.scalar("SHOW max_locks_per_transaction") == "64"
    model = haystack(orgs=1000)
    sink = _Sink()
    started = time.monotonic()
    result = applying.apply(ts_apache_db.dsn, model, database="datakwip", skip_unsupported=True, out=sink)
    elapsed = time.monotonic() - started
    print(f"applied 1,000 orgs (1,005 scripts) with the drift check in {elapsed:.1f} s")
    assert result.count("applied") == len(result.scripts) == 1005
    assert ts_apache_db.scalar("SELECT count(*) FROM timescaledb_information.hypertables") == 1000
    assert len(sink.lines) < 50, "long runs report progress, not a line per org:\n" + sink.text
    assert sum(line.startswith("progress: ") for line in sink.lines) >= 10
    started = time.monotonic()
    again = applying.apply(ts_apache_db.dsn, model, database="datakwip", skip_unsupported=True, out=_Sink(),
                           check_drift=False)
    reapply = time.monotonic() - started
    print(f"re-applied (all unchanged) in {reapply:.1f} s")
    assert again.count("unchanged") == 1005 and reapply < 15
