"""Helpers of the fault tests (test_faults_*.py).

- `Gate`: stops a schemagen process at a chosen point, so that a kill, a terminated backend or a stopped server
  lands exactly there: at a DDL statement (an event trigger at ddl_command_end, in the test database, waits for an
  advisory lock the test holds, but only in sessions whose application_name is schemagen's), at any statement
  touching a table the test has locked (a seed INSERT, the history row), or at a script's COMMIT (a deferred
  constraint trigger on schemagen.history waits for the same lock).
- `state`: what a database holds, as comparable data (catalog snapshot, hypertables, comments, rows), leaving out
  schemagen's own history, the gate and temporary schemas.
- `Reference`: a second database that runs the first N scripts by hand, for the state whole scripts leave.
- `recorded`: the history, checked to be a prefix of the apply order with the rendered checksums.
- `PrivateServer`: a throwaway PostgreSQL 15 cluster (Debian's binaries, as pg-plain) to stop mid-apply.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from helpers import SNAPSHOT
from psycopg import sql
from servers import CACHE, connect
from test_apply import history_rows

from schemagen import __version__, render
from schemagen import model as m
from schemagen import scripts as sc
from schemagen.live import history

GATE_KEY = (0x4754, 0x6A7E)  # the advisory lock the gate waits for ("GT": not schemagen's class)
APPS = "schemagen%"  # application_name of schemagen's sessions: "schemagen" and "schemagen pre-flight"

GATE_SQL = """
CREATE TABLE public.sg_gate (app text NOT NULL, query text, pattern text);
CREATE FUNCTION public.sg_gate() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT FROM public.sg_gate g WHERE g.app = pg_catalog.current_setting('application_name')
             AND (g.query = pg_catalog.current_query() OR pg_catalog.current_query() LIKE g.pattern)) THEN
    PERFORM pg_catalog.pg_advisory_xact_lock(%(k1)s, %(k2)s);
  END IF;
END $$;
CREATE EVENT TRIGGER sg_gate ON ddl_command_end EXECUTE FUNCTION public.sg_gate();
CREATE FUNCTION public.sg_gate_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_catalog.current_setting('application_name') LIKE 'schemagen%%' THEN
    PERFORM pg_catalog.pg_advisory_xact_lock(%(k1)s, %(k2)s);
  END IF;
  RETURN NULL;
END $$;
""" % {"k1": GATE_KEY[0], "k2": GATE_KEY[1]}
# The stop at COMMIT: a deferred foreign key from schemagen.history to a row the gate holds FOR UPDATE, whose check
# (at the COMMIT) waits for that row lock. Not a trigger of schemagen.history's own: apply refuses a history that
# carries triggers (issue 13), and the foreign key's are PostgreSQL's internal ones, running no code of the test's.
AT_COMMIT = ("CREATE TABLE IF NOT EXISTS public.sg_gate_fk (v text PRIMARY KEY)",
             "INSERT INTO public.sg_gate_fk VALUES ('%s') ON CONFLICT DO NOTHING" % __version__,
             "ALTER TABLE schemagen.history ADD CONSTRAINT sg_gate_commit FOREIGN KEY (tool_version) REFERENCES "
             "public.sg_gate_fk (v) DEFERRABLE INITIALLY DEFERRED NOT VALID")


@dataclass(frozen=True)
class Blocked:
    pid: int
    app: str
    query: str


class Gate:
    """A stop for schemagen's sessions in one database. Arm it (`at_statement`, `at_table`, `at_commit`), start
    the process, `wait_blocked` until a schemagen session waits at it, do the fault, then `open` (and wait for
    schemagen's sessions to leave)."""

    def __init__(self, db):
        self.db = db
        self.conn = db.connect()
        self.conn.execute(GATE_SQL)
        self.conn.execute("SELECT pg_advisory_lock(%s, %s)", GATE_KEY)
        self.watch = watcher(db)
        self.locker: psycopg.Connection | None = None
        self.commit_locker: psycopg.Connection | None = None  # holds the row the COMMIT stop waits for
        self.commit = False

    def at_statement(self, query: str | None = None, *, pattern: str | None = None, app: str = "schemagen") -> None:
        """Stop at the end of the DDL statement whose text is `query` (or matches the LIKE `pattern`)."""
        self.conn.execute("INSERT INTO public.sg_gate VALUES (%s, %s, %s)", (app, query, pattern))

    def at_table(self, *qnames: str) -> None:
        """Stop at the first statement that writes to one of these tables (SHARE MODE lets readers through)."""
        self.locker = self.locker or self.db.connect()
        self.locker.execute("BEGIN")
        for q in qnames:
            self.locker.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(sql.Identifier(*q.split("."))))

    def at_commit(self) -> None:
        """Stop at the COMMIT of the first script that writes its history row (a deferred constraint trigger on
        schemagen.history, which must exist): a deferred foreign key whose check waits for a row lock."""
        for statement in AT_COMMIT:
            self.conn.execute(statement)
        self.commit_locker = self.db.connect()
        self.commit_locker.execute("BEGIN")
        self.commit_locker.execute("SELECT FROM public.sg_gate_fk FOR UPDATE")
        self.commit = True

    def wait_blocked(self, proc, seconds: float = 60) -> Blocked | None:
        """The schemagen session waiting at the gate; None when the process ended first."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            rows = self.watch.execute(
                "SELECT pid, application_name, query FROM pg_stat_activity WHERE datname = %s "
                "AND application_name LIKE %s AND wait_event_type = 'Lock'", (self.db.name, APPS)).fetchall()
            if rows:
                return Blocked(*rows[0])
            if proc.poll() is not None:
                return None
            time.sleep(0.01)
        raise AssertionError("no schemagen session reached the gate in time")

    def open(self, seconds: float = 60) -> None:
        """Let whatever waits at the gate through, wait until schemagen's sessions are gone, disarm it. The
        holding session is replaced: one that saw TimescaleDB dropped by another session fails."""
        self.conn.close()
        if self.commit_locker is not None:
            self.commit_locker.close()
            self.commit_locker = None
        if self.locker is not None:
            self.locker.close()
            self.locker = None
        wait_sessions_gone(self.db, seconds, self.watch)
        self.conn = self.db.connect()
        self.conn.execute("TRUNCATE public.sg_gate")
        if self.commit:
            self.conn.execute("ALTER TABLE schemagen.history DROP CONSTRAINT sg_gate_commit")
            self.commit = False
        self.conn.execute("SELECT pg_advisory_lock(%s, %s)", GATE_KEY)

    def remove(self) -> None:
        if self.commit_locker is not None:  # its row lock would hold up dropping the gate's table
            self.commit_locker.close()
            self.commit_locker = None
        remove_gate(self.conn)
        self.close()

    def close(self) -> None:
        for c in (self.locker, self.commit_locker, self.conn, self.watch):
            if c is not None and not c.closed:
                c.close()


def remove_gate(conn: psycopg.Connection) -> None:
    conn.execute("ALTER TABLE IF EXISTS schemagen.history DROP CONSTRAINT IF EXISTS sg_gate_commit")
    conn.execute("DROP TABLE IF EXISTS public.sg_gate_fk")
    conn.execute("DROP EVENT TRIGGER sg_gate; DROP FUNCTION public.sg_gate(), public.sg_gate_commit(); "
                 "DROP TABLE public.sg_gate")


def watcher(db) -> psycopg.Connection:
    """A connection to the server's maintenance database, to watch the test database's sessions and locks
    (cluster-wide views): a session in the test database fails once another session drops TimescaleDB there."""
    return connect(db.server.dsn)


def sessions(db, watch: psycopg.Connection | None = None) -> list[tuple]:
    """schemagen's sessions in the database: (pid, application_name, state, query)."""
    query = ("SELECT pid, application_name, state, query FROM pg_stat_activity "
             "WHERE datname = %s AND application_name LIKE %s")
    if watch is not None:
        return watch.execute(query, (db.name, APPS)).fetchall()
    with watcher(db) as c:
        return c.execute(query, (db.name, APPS)).fetchall()


def wait_sessions_gone(db, seconds: float = 60, watch: psycopg.Connection | None = None) -> None:
    deadline = time.monotonic() + seconds
    while left := sessions(db, watch):
        if time.monotonic() > deadline:
            raise AssertionError(f"schemagen sessions still there: {left}")
        time.sleep(0.01)


def schemagen_locks(db) -> int:
    """Advisory locks of schemagen's class held in the database (the apply/rollback lock)."""
    with watcher(db) as c:
        return c.execute("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                         "WHERE l.locktype = 'advisory' AND l.classid = %s AND d.datname = %s",
                         (history.LOCK_CLASS, db.name)).fetchone()[0]


# --- what a database holds -----------------------------------------------------------------------------------

_NOT_STATE = re.compile(r"^(schema (schemagen|pg_temp_\d+|pg_toast_temp_\d+)$|rel schemagen\.|.*\bsg_gate)")


def state(db, database: m.Database) -> dict[str, list]:
    """The database's objects and rows as whole scripts leave them: relations, schemas, extensions, functions,
    triggers, jobs, hypertables, comments in the model's schemas, seed and registry rows. Without schemagen's
    history, the gate, and the temporary schemas sessions leave behind."""
    schemas = [s.name for s in database.schemas]
    with db.connect() as c:
        out: dict[str, list] = {"catalog": [r[0] for r in c.execute(SNAPSHOT) if not _NOT_STATE.match(r[0])]}
        if c.execute("SELECT to_regclass('timescaledb_information.hypertables')").fetchone()[0]:
            out["hypertables"] = [r[0] for r in c.execute(
                "SELECT hypertable_schema || '.' || hypertable_name FROM timescaledb_information.hypertables "
                "ORDER BY 1")]
            out["jobs"] = [r[0] for r in c.execute(
                "SELECT proc_name || ' ' || coalesce(hypertable_name, '') FROM timescaledb_information.jobs "
                "WHERE job_id >= 1000 ORDER BY 1")]
        out["comments"] = [r[0] for r in c.execute(
            "SELECT n.nspname || '.' || c.relname || '.' || d.objsubid || ' ' || d.description FROM pg_description d "
            "JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s) ORDER BY 1", (schemas,))]
        tables = [t for t in database.tables if t.seed]
        if database.org_registry:
            tables.append(_registry(database))
        for t in dict.fromkeys(tables):
            if c.execute("SELECT to_regclass(%s)", (t.qname,)).fetchone()[0]:
                columns = sql.SQL(", ").join(sql.Identifier(col.name) for col in t.columns if not col.serial)
                out[f"rows {t.qname}"] = sorted(map(repr, c.execute(  # not serials: a rolled back row used a number
                    sql.SQL("SELECT {} FROM {}").format(columns, sql.Identifier(t.schema, t.name))).fetchall()))
    return out


def _registry(database: m.Database) -> m.Table:
    reg = database.org_registry
    return next(t for t in database.tables if (t.schema, t.name) == (reg.schema, reg.table))


def init_scripts(model: m.Model, database: str, skip: frozenset[str] = frozenset()) -> list[sc.Script]:
    """The init scripts in apply order, as apply renders them."""
    return [s for s in render.render(model, database=database, skip_features=skip) if not s.rollback]


def recorded(db, database: str, scripts: list[sc.Script], model: m.Model) -> int:
    """The number of scripts the history records, checked to be the first ones in apply order, each with its
    rendered checksum."""
    rows = history_rows(db, database)
    names = [s.filename for s in scripts]
    n = len(rows)
    assert set(rows) == set(names[:n]), f"the history is not a prefix of the apply order: {sorted(rows)}"
    for s in scripts[:n]:
        assert rows[s.filename]["checksum"] == sc.checksum(render.script_text(s, model)), s.filename
    return n


class Reference:
    """A database that runs the first N init scripts by hand, one transaction each: the state whole scripts
    leave, to compare a faulted database with."""

    def __init__(self, db, scripts: list[sc.Script], database: m.Database):
        self.db, self.scripts, self.database, self.done = db, scripts, database, 0
        self._states: dict[int, dict] = {}

    def state_after(self, n: int) -> dict:
        assert n >= self.done or n in self._states, "the reference only moves forward"
        if n not in self._states:
            with self.db.connect() as c:
                for script in self.scripts[self.done:n]:
                    with c.transaction():
                        for st in script.statements:
                            c.execute(st.sql)
            self.done = n
            self._states[n] = state(self.db, self.database)
        return self._states[n]


# --- a throwaway server ------------------------------------------------------------------------------------

PG15 = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateServer:
    """A PostgreSQL 15 cluster of its own (trust on 127.0.0.1), to stop and start at will. As root (CI) it runs as
    user postgres, as scripts/testdb.sh runs pg-plain; otherwise as the current user."""

    def __init__(self):
        self.root = os.geteuid() == 0
        base = CACHE if self.root else Path(tempfile.gettempdir())
        base.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix="faults-server-", dir=base))
        self.data = self.dir / "data"
        self.port = _free_port()
        if self.root:
            self.dir.chmod(0o755)
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(PG15 / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8",
                  "--no-sync")
        with open(self.data / "postgresql.conf", "a") as f:
            f.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.dir}'\n"
                    "fsync = off\nfull_page_writes = off\nmax_connections = 30\nshared_buffers = 32MB\n")
        self.dsn = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(a) for a in args]
        if self.root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, cwd="/", stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=120)
        if check and done.returncode:
            log = self.dir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}{tail}")
        return done

    def start(self) -> None:
        self._run(PG15 / "pg_ctl", "-D", self.data, "-l", self.dir / "server.log", "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(PG15 / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return self._run(PG15 / "pg_ctl", "-D", self.data, "status", check=False).returncode == 0

    def remove(self) -> None:
        try:
            if self.data.exists() and self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
