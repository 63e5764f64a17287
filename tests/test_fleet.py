"""`schemagen diff --targets`: many databases in one report, on the real servers (a clean and a drifted target on
each kind of server, one that refuses the password, one port nobody listens on, one that never answers)."""
from __future__ import annotations

import json
import socket
import threading
import time

import psycopg
from helpers import model_from, run_cli
from test_apply import SMALL
from test_apply_faults import _PasswordServer

from schemagen.commands import fleet
from schemagen.modelfile.targets import Target, read_targets

SECRET = "Fl33tS3cretPass"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Silent:
    """Accepts connections and never says a word: a server that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        for s in self.held:
            s.close()
        self.sock.close()


def _applied(tmp_path, *dbs) -> str:
    path = tmp_path / "model.yaml"
    path.write_text(SMALL)
    for db in dbs:
        code, _, err = run_cli("apply", "--dsn", db.dsn, "-m", str(path))
        assert code == 0, err
    return str(path)


def _with_password(dsn: str, password: str) -> str:
    """The fixture's DSN (key=value) with a password (the test servers trust local logins: it is only shown)."""
    return f"{dsn} password={password}"


def test_one_report_across_the_three_servers(ts_apache_db, pg_plain_db, ts_community_db, db_factory, tmp_path,
                                             monkeypatch):
    model = _applied(tmp_path, ts_apache_db, pg_plain_db, ts_community_db)
    with psycopg.connect(ts_community_db.dsn, autocommit=True) as c:  # drift on PGlite: a column out of band
        c.execute("ALTER TABLE s.a ADD COLUMN extra int")
    empty = db_factory("pg-plain", "fleet_empty")
    refusing = _PasswordServer()
    monkeypatch.setenv("FLEET_PLAIN_DSN", pg_plain_db.dsn)
    (tmp_path / "targets.yaml").write_text(f"""\
defaults: {{timeout: 20}}
targets:
  - {{name: apache, dsn: "{_with_password(ts_apache_db.dsn, SECRET)}"}}
  - {{name: plain, dsn_env: FLEET_PLAIN_DSN}}
  - {{name: community, dsn: "{ts_community_db.dsn}"}}
  - {{name: empty, dsn: "{empty.dsn}"}}
  - {{name: gone, dsn: "postgresql://postgres:{SECRET}@127.0.0.1:{_closed_port()}/postgres", timeout: 5}}
  - {{name: refused, dsn: "postgresql://postgres:{SECRET}x@127.0.0.1:{refusing.port}/postgres", timeout: 5}}
  - {{name: unset, dsn_env: FLEET_NOT_SET_ANYWHERE}}
""")
    try:
        code, out, err = run_cli("diff", "-m", model, "--targets", str(tmp_path / "targets.yaml"), "--format", "json",
                                 "--jobs", "3")
        text_code, text, text_err = run_cli("diff", "-m", model, "--targets", str(tmp_path / "targets.yaml"))
    finally:
        refusing.close()
    assert code == 3 and text_code == 3, err
    doc = json.loads(out)
    status = {t["name"]: t["status"] for t in doc["targets"]}
    assert status == {"apache": "clean", "plain": "clean", "community": "drifted", "empty": "drifted",
                      "gone": "unreachable", "refused": "unreachable", "unset": "error"}
    assert [t["name"] for t in doc["targets"]] == ["apache", "plain", "community", "empty", "gone", "refused",
                                                   "unset"], "the file's order"
    assert doc["summary"] == {"targets": 7, "clean": 2, "drifted": 2, "unreachable": 2, "timeout": 0, "error": 1}
    assert doc["exit_code"] == 3 and doc["version"] == 1
    community = next(t for t in doc["targets"] if t["name"] == "community")
    assert community["differences"] == 1 and community["changes"][0]["attribute"] == "column extra"
    assert community["database"] == "app" and community["message"] is None and community["seconds"] > 0
    refused = next(t for t in doc["targets"] if t["name"] == "refused")
    assert "password authentication failed" in refused["message"] and refused["changes"] is None
    assert "FLEET_NOT_SET_ANYWHERE is not set" in next(t["message"] for t in doc["targets"] if t["name"] == "unset")
    assert refusing.passwords and SECRET + "x" in refusing.passwords, "the password did reach the server"
    for shown in (out, err, text, text_err):
        assert SECRET not in shown and "Traceback" not in shown
    assert "== community (database app): drifted, 1 difference(s)" in text and "column extra" in text
    assert "== gone (database app): unreachable: cannot connect" in text
    assert "7 target(s): 2 clean, 2 drifted, 2 unreachable, 1 error" in text
    assert "[1/7]" not in text_err, "progress lines only on a terminal"


def test_exit_1_when_one_drifted_and_0_when_all_clean(pg_plain_db, db_factory, tmp_path):
    model = _applied(tmp_path, pg_plain_db)
    empty = db_factory("pg-plain", "fleet_drifted")
    targets = tmp_path / "targets.yaml"
    targets.write_text(f"targets:\n  - {{name: a, dsn: '{pg_plain_db.dsn}'}}\n  - {{name: b, dsn: '{empty.dsn}'}}\n")
    code, out, err = run_cli("diff", "-m", model, "--targets", str(targets))
    assert code == 1, err
    assert "1 clean, 1 drifted" in out
    targets.write_text(f"targets:\n  - {{name: a, dsn: '{pg_plain_db.dsn}'}}\n"
                       f"  - {{name: \"a\\e]0;title\\a2\", dsn: '{pg_plain_db.dsn}'}}\n")
    code, out, err = run_cli("diff", "-m", model, "--targets", str(targets))
    assert code == 0, err
    assert "2 target(s): 2 clean" in out
    # a name never acts on the terminal
    assert "\x1b" not in out and "\x07" not in out and "== a\\x1b]0;title\\x07" in out, out


def test_jobs_bound_and_a_hanging_server_blocks_nobody(pg_plain_db, tmp_path):
    _applied(tmp_path, pg_plain_db)
    silent = _Silent()
    targets = [Target("hangs", None, f"postgresql://postgres@127.0.0.1:{silent.port}/postgres", None, 2.0, 1)]
    targets += [Target(f"t{n}", None, pg_plain_db.dsn, None, 30.0, n + 2) for n in range(6)]
    started = time.monotonic()
    try:
        result = fleet.check(targets, model_from(SMALL), env={}, jobs=2)
    finally:
        silent.close()
    assert [t.status for t in result.targets] == ["timeout"] + ["clean"] * 6
    assert result.exit_code == 3
    assert time.monotonic() - started < 60, "the hanging target was given up"
    for t in result.targets:  # never more than --jobs targets at once
        at = t.started + 1e-6
        overlapping = [u for u in result.targets if u.started <= at < u.started + u.seconds]
        assert len(overlapping) <= 2, [(u.name, u.started, u.seconds) for u in overlapping]
    assert any(u.started < result.targets[0].started + result.targets[0].seconds for u in result.targets[1:]), \
        "the others ran while the hanging one waited"


SEEDED = SMALL.replace("indexes: {ix_a_name: {columns: [name]}}",
                       "indexes: {ix_a_name: {columns: [name]}}\n            seed: {rows: [{id: 1, name: x}]}")


def test_a_slow_statement_times_out_its_target_only(pg_plain_db, tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(SEEDED)
    assert run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(path))[0] == 0
    # an exclusive lock on the seeded table: the drift check's read of its rows waits for it
    with psycopg.connect(pg_plain_db.dsn) as holder:
        holder.execute("LOCK TABLE s.a IN ACCESS EXCLUSIVE MODE")
        targets = [Target("locked", None, pg_plain_db.dsn, None, 2.0, 1)]
        result = fleet.check(targets, model_from(SEEDED), env={}, jobs=1)
        holder.rollback()
    [t] = result.targets
    assert t.status == "timeout", t.message
    assert result.exit_code == 3


BAD_TARGETS = [
    ("targets:\n  - {name: a, dsn: x, dsn_env: Y}\n", 2, "exactly one of `dsn:`"),
    ("targets:\n  - {name: a, dsn: x}\n  - {name: a, dsn_env: Y}\n", 3, "target 'a' is named twice (first at line 2)"),
    ("targets:\n  - {name: a, dsn: x}\n  - {name: b, dsn: x, databse: app}\n", 3,
     "unknown key 'databse'; did you mean 'database'?"),
    ("targets:\n  - {name: a, dsn: x, database: nope}\n", 2, "unknown database 'nope'; the model has: app"),
    ("targets:\n  - {name: a, dsn: x, timeout: -1}\n", 2, "timeout"),
    ("targets:\n  - {name: a, dsn_env: 'not a name'}\n", 2, "dsn_env"),
    ("defaults: {timeout: 5}\n", 1, "missing required key: 'targets'"),
    ("", 1, "the file is empty: it needs at least `targets:`"),
]


def test_targets_file_errors_name_file_and_line(tmp_path):
    model = tmp_path / "model.yaml"
    model.write_text(SMALL)
    path = tmp_path / "targets.yaml"
    for text, line, message in BAD_TARGETS:
        path.write_text(text)
        code, out, err = run_cli("diff", "-m", str(model), "--targets", str(path))
        assert code == 2, (text, err)
        assert f"{path}:{line}:" in err and message in err, (text, err)
        assert "Traceback" not in err


def test_targets_and_dsn_exclude_each_other(tmp_path):
    model = tmp_path / "model.yaml"
    model.write_text(SMALL)
    (tmp_path / "t.yaml").write_text("targets:\n  - {name: a, dsn: 'postgresql://u:pw@h/d'}\n")
    code, _, err = run_cli("diff", "--dsn", "postgresql://x@h/d", "-m", str(model),
                           "--targets", str(tmp_path / "t.yaml"))
    assert code == 2 and "exclude each other" in err


def test_targets_keep_the_file_order_and_defaults(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("defaults: {database: app, timeout: 7}\ntargets:\n  - {name: b, dsn_env: B}\n"
                    "  - {name: a, dsn: 'postgresql://h/d', timeout: 1.5, database: app}\n")
    assert read_targets(path, databases=["app"]) == [Target("b", "app", None, "B", 7.0, 3),
                                                    Target("a", "app", "postgresql://h/d", None, 1.5, 4)]


def test_progress_lines_on_a_terminal_only(pg_plain_db, tmp_path):
    import os
    import pty
    import subprocess
    import sys

    model = _applied(tmp_path, pg_plain_db)
    targets = tmp_path / "targets.yaml"
    targets.write_text(f"targets:\n  - {{name: one, dsn: '{_with_password(pg_plain_db.dsn, SECRET)}'}}\n"
                       f"  - {{name: two, dsn: 'postgresql://postgres:{SECRET}@127.0.0.1:{_closed_port()}/x'}}\n")
    command = [sys.executable, "-m", "schemagen.cli", "diff", "-m", model, "--targets", str(targets)]
    master, slave = pty.openpty()
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=slave, text=True, timeout=120)
        os.close(slave)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(master)
    text = shown.decode()
    assert done.returncode == 3
    assert "[1/2]" in text and "[2/2]" in text and "one: clean" in text and "two: unreachable" in text, text
    assert SECRET not in text + done.stdout
    assert "[1/2]" not in done.stdout, "progress goes to stderr"
