"""SIGKILL of `schemagen apply` at many points of one large apply (issue 7, faults): the pre-flight, the creation of
the history, every shared script, org scripts from first to last, a history row, a COMMIT, the drift check.
After each kill the database holds whole scripts only, exactly the state a reference database reaches by running
the recorded scripts, and a history that is a prefix of the apply order; the next apply carries on, and finally
`diff` finds nothing.

Each kill point is reached deterministically (faults.Gate stops the apply there), chosen at random among the
statements of each script: SCHEMAGEN_FAULT_SEED=<n> replays a run."""
from __future__ import annotations

import os
import random
import signal
import time
from dataclasses import dataclass

from faults import Gate, Reference, init_scripts, recorded, schemagen_locks, sessions, state
from helpers import run_cli
from test_apply import has_history_schema
from test_apply_faults import _consistent, _process, _write_model

from schemagen import model as m
from schemagen import scripts as sc
from schemagen.live import history
from schemagen.load import load_model
from schemagen.model import COMMUNITY_FEATURES

ORGS = 200
ORG_POINTS = 12  # org scripts killed in, spread over the whole run


@dataclass(frozen=True)
class Point:
    label: str
    recorded: int  # scripts recorded after the kill: the index of the script it lands in
    blocked_at: str  # the statement the apply waits at when it is killed (its start)
    query: str | None = None  # gate: at the end of this DDL statement
    pattern: str | None = None  # gate: at the end of a DDL statement LIKE this
    app: str = "schemagen"
    tables: tuple[str, ...] = ()  # gate: at the first write to these tables
    commit: bool = False  # gate: at the first COMMIT of a script (the server commits it after the kill)
    history_schema: bool = True  # whether schemagen's history schema exists after the kill


def _ddl(st: sc.Statement, db: m.Database) -> bool:
    """A statement the event trigger sees (DDL): the gate can stop right after it. TimescaleDB runs CREATE INDEX
    and ALTER TABLE on a hypertable itself, without the event trigger."""
    hyper = {t.qname for t in db.tables if t.hypertable}
    on_hypertable = any(f" ON {q} " in st.sql or st.sql.startswith(f"ALTER TABLE {q} ") for q in hyper)
    return st.transactional and st.sql.split(None, 1)[0].upper() in {"CREATE", "COMMENT", "ALTER"} \
        and not on_hypertable


def _statement_point(scripts: list[sc.Script], i: int, j: int) -> Point:
    s = scripts[i]
    st = s.statements[j]
    return Point(f"{s.filename}, statement {j + 1}/{len(s.statements)} ({st.object})", i, st.sql, query=st.sql)


def kill_plan(scripts: list[sc.Script], db: m.Database, rng: random.Random) -> list[Point]:
    """The kill points, in the order an apply reaches them."""
    index = {s.filename: i for i, s in enumerate(scripts)}
    plan = [
        Point("pre-flight: the license probe's CREATE EXTENSION", 0, "CREATE EXTENSION IF NOT EXISTS timescaledb",
              query="CREATE EXTENSION IF NOT EXISTS timescaledb", app="schemagen pre-flight", history_schema=False),
        Point("creating the history: CREATE SCHEMA schemagen", 0, history.CREATE[0], query=history.CREATE[0],
              history_schema=False),
        Point("creating the history: CREATE TABLE schemagen.history", 0, history.CREATE[1], query=history.CREATE[1],
              history_schema=False),
    ]
    for i, s in enumerate(scripts):
        if s.org is not None:
            break
        ddl = [j for j, st in enumerate(s.statements) if _ddl(st, db)]
        picked = ddl if len(ddl) <= 4 else sorted({ddl[0], ddl[-1], *rng.sample(ddl[1:-1], 2)})
        plan += [_statement_point(scripts, i, j) for j in picked]
        if s.filename == "030_tables.sql":  # the run resumes at 030: all its statements ran, then its row
            plan.append(Point("030_tables.sql: its history row, after its last statement", i,
                              "INSERT INTO schemagen.history", tables=("schemagen.history",)))
        if s.filename == "050_indexes.sql":  # killed at its COMMIT, the server still commits it: recorded
            plan.append(Point("050_indexes.sql: its COMMIT", i + 1, "COMMIT", commit=True))
        if not ddl:  # 120_seed.sql: INSERTs only
            seeded = tuple(t.qname for t in db.tables if t.seed)
            plan.append(Point(f"{s.filename}: INSERT of the seed rows", i, s.statements[0].sql, tables=seeded))
    orgs = [i for i, s in enumerate(scripts) if s.org is not None]
    chosen = [rng.choice(orgs[k * len(orgs) // ORG_POINTS:(k + 1) * len(orgs) // ORG_POINTS])
              for k in range(ORG_POINTS)]
    chosen[0], chosen[-1] = orgs[0], orgs[-1]
    registry = f"{db.org_registry.schema}.{db.org_registry.table}"
    for n, i in enumerate(chosen):
        s = scripts[i]
        ddl = [j for j, st in enumerate(s.statements) if _ddl(st, db)]
        plan.append(_statement_point(scripts, i, rng.choice(ddl)))
        if n == 1:  # the next run resumes at this org: its row in the registry, the script's last statement
            plan.append(Point(f"{s.filename}: its row in {registry}", i, s.statements[-1].sql, tables=(registry,)))
            plan.append(Point(f"{s.filename}: its COMMIT", i + 1, "COMMIT", commit=True))
        if n == ORG_POINTS // 2:
            plan.append(Point(f"{s.filename}: its history row", i, "INSERT INTO schemagen.history",
                              tables=("schemagen.history",)))
    plan.append(Point("every script applied: the drift check's shadow tables", index[scripts[-1].filename] + 1,
                      "", pattern="%sg\\_shadow\\_%"))
    return plan


def test_sigkill_at_many_points_leaves_whole_scripts(ts_apache_db, db_factory, tmp_path):
    seed = int(os.environ.get("SCHEMAGEN_FAULT_SEED") or random.SystemRandom().randrange(1 << 31))
    path = _write_model(tmp_path, ORGS)
    model = load_model(path)
    db = model.database("datakwip")
    scripts = init_scripts(model, "datakwip", COMMUNITY_FEATURES)
    first_org = next(i for i, s in enumerate(scripts) if s.org is not None)
    plan = kill_plan(scripts, db, random.Random(seed))
    assert len({p.label for p in plan}) == len(plan) >= 20
    print(f"\nkill points: {len(plan)} (SCHEMAGEN_FAULT_SEED={seed}), over {len(scripts)} scripts")
    reference = Reference(db_factory("ts-apache"), scripts, db)
    gate = Gate(ts_apache_db)
    started = time.monotonic()
    try:
        for point in plan:
            where = f"kill at {point.label} (SCHEMAGEN_FAULT_SEED={seed})"
            if point.commit:
                gate.at_commit()
            elif point.tables:
                gate.at_table(*point.tables)
            else:
                gate.at_statement(point.query, pattern=point.pattern, app=point.app)
            proc = _process("apply", ts_apache_db.dsn, path, "--skip-unsupported")
            blocked = gate.wait_blocked(proc)
            if blocked is None:
                out, err = proc.communicate()
                raise AssertionError(f"{where}: the apply ended (exit {proc.returncode}) before the point:\n{err}")
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
            assert proc.returncode == -signal.SIGKILL
            assert blocked.app == point.app and blocked.query.startswith(point.blocked_at[:500]), (where, blocked)
            gate.open()  # the orphaned session finishes its statement, finds its client gone and rolls back
            assert not sessions(ts_apache_db) and schemagen_locks(ts_apache_db) == 0, where
            done = recorded(ts_apache_db, "datakwip", scripts, model)
            assert done == point.recorded, f"{where}: {done} scripts recorded, expected {point.recorded}"
            assert has_history_schema(ts_apache_db) == point.history_schema, where
            assert state(ts_apache_db, db) == reference.state_after(done), f"{where}: not whole scripts"
            assert _consistent(ts_apache_db, ORGS) == max(0, done - first_org), where
            print(f"  {done:3d} scripts recorded after a kill at {point.label}")
        gate.remove()
        killing = time.monotonic() - started

        rerun = _process("apply", ts_apache_db.dsn, path, "--skip-unsupported")
        _, err = rerun.communicate(timeout=600)
        assert rerun.returncode == 0, err
        assert f"0 script(s) applied (0 statements), {len(scripts)} unchanged" in err, err
        assert "waiting for another" not in err, "a killed apply's lock outlived its session"
        assert recorded(ts_apache_db, "datakwip", scripts, model) == len(scripts)
        assert state(ts_apache_db, db) == reference.state_after(len(scripts))
        code, out, err = run_cli("diff", "--dsn", ts_apache_db.dsn, "-m", str(path), "--database", "datakwip",
                                 "--skip-unsupported")
        assert code == 0, out + err
        print(f"{len(plan)} kills in {killing:.1f} s; rerun and diff clean")
    finally:
        gate.close()
