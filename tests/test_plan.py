"""schemagen plan --from OLD_MODEL: the operations (statements, transactions, hazards, reverse), the CLI in each
format and exit code, determinism, and planned steps run with psql on real servers leaving no drift."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

from helpers import model_from, run_cli

from schemagen import model as m
from schemagen.commands import plan as planning
from schemagen.plan import ops
from schemagen.plan.indexes import CreateIndex, DropIndex
from schemagen.plan.keys import add_primary_key
from schemagen.plan.ops import Irreversible, Step
from schemagen.plan.server import refuse
from schemagen.plan.tables import (
    KEY_WITH_CHUNKS,
    AddColumn,
    AddConstraint,
    DropColumn,
    DropTable,
    ValidateConstraint,
    add_constraint,
)
from schemagen.plan.timescale import AlterPolicy, RemovePolicy, SetChunkInterval, policy_problems, relation_of
from schemagen.sqltext import Interval

PSQL = shutil.which("psql") or "/usr/bin/psql"

# plain PostgreSQL: a table added and one dropped, columns, indexes, constraints, a new org and a removed one
PLAIN_OLD = """
orgs:
  - {key: acme, name: Acme}
  - {key: gone, name: Gone Inc}
databases:
  app:
    org_registry: {table: core.org, key_column: key, values: {key: "{org}", name: "{org_name}"}}
    schemas:
      core:
        tables:
          org:
            columns: {key: {type: text, primary_key: true}, name: text}
          site:
            columns:
              id: {type: integer, primary_key: true}
              name: text
              legacy: text
            indexes:
              ix_site_legacy: {columns: [legacy]}
          old_log:
            columns: {id: integer, note: text}
          readings_{org}:
            columns:
              id: {type: integer, primary_key: true}
              site_id: integer
              v: double precision
            foreign_keys:
              - {name: "readings_{org}_site_fk", columns: [site_id], references: {table: core.site, columns: [id]}}
"""
PLAIN_NEW = """
orgs:
  - {key: acme, name: Acme}
  - {key: beta, name: Beta}
databases:
  app:
    org_registry: {table: core.org, key_column: key, values: {key: "{org}", name: "{org_name}"}}
    schemas:
      core:
        tables:
          org:
            columns: {key: {type: text, primary_key: true}, name: text}
          site:
            columns:
              id: {type: integer, primary_key: true}
              name: text
              code: {type: text, not_null: true, default: "'x'"}
            unique:
              - {name: site_name_key, columns: [name]}
            checks:
              name_set: "name <> ''"
            indexes:
              ix_site_name: {columns: [name]}
          tag:
            columns:
              id: {type: integer, primary_key: true}
              site_id: {type: integer, references: core.site(id)}
          readings_{org}:
            columns:
              id: {type: integer, primary_key: true}
              site_id: integer
              v: double precision
            checks:
              readings_{org}_v_positive: "v > 0"
            indexes:
              ix_readings_{org}_v: {columns: [v]}
"""

# TimescaleDB (community): a hypertable with compression and policies, changed in place; a new org
TS_OLD = """
orgs:
  - {key: acme, name: Acme}
databases:
  app:
    extensions: {timescaledb: }
    org_registry: {table: core.org, key_column: key, values: {key: "{org}", name: "{org_name}"}}
    schemas:
      core:
        tables:
          org:
            columns: {key: {type: text, primary_key: true}, name: text}
          values_{org}:
            columns:
              ts: {type: timestamptz, not_null: true}
              dev: integer
              v: double precision
            hypertable: {time_column: ts, chunk_interval: 1 day}
            compression: {segment_by: [dev], order_by: [ts DESC], after: 7 days}
            retention: {drop_after: 90 days}
"""
TS_NEW = """
orgs:
  - {key: acme, name: Acme}
  - {key: beta, name: Beta}
databases:
  app:
    extensions: {timescaledb: }
    org_registry: {table: core.org, key_column: key, values: {key: "{org}", name: "{org_name}"}}
    schemas:
      core:
        tables:
          org:
            columns: {key: {type: text, primary_key: true}, name: text, region: text}
          values_{org}:
            columns:
              ts: {type: timestamptz, not_null: true}
              dev: integer
              v: double precision
              q: {type: smallint, default: "0"}
            hypertable: {time_column: ts, chunk_interval: 7 days}
            compression: {segment_by: [dev], order_by: [ts DESC], after: 14 days}
            retention: {drop_after: 180 days}
            checks:
              values_{org}_v_finite: "v > -1e9"
            indexes:
              ix_values_{org}_dev: {columns: [dev, ts DESC]}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def _write_text(base: str, identity: str) -> str:
    """The model with the identity column n of identity a smaller integer (an identity's type change is not
    planned)."""
    return identity.replace("n: {type: integer, identity: always}", "n: {type: smallint, identity: always}")


def _plan(old: str, new: str):
    return planning.plan_offline(model_from(old, "old.yaml"), model_from(new, "model.yaml"))


def _table(text: str, name: str) -> m.Table:
    return next(t for t in model_from(text).databases[0].tables if t.name == name)


def _ops(plan) -> list[str]:
    return [f"{s.op} {s.description}" for s in plan.steps]


# --- the operations, pure -----------------------------------------------------------------------------------

def test_add_and_drop_column_statements_hazards_and_reverse():
    site = _table(PLAIN_NEW, "site")
    add = AddColumn(m.ObjectKey("table", "core", "site"), "", site, site.column("code"))
    assert add.statements() == ("ALTER TABLE core.site ADD COLUMN IF NOT EXISTS code text NOT NULL DEFAULT 'x';",)
    assert add.transactional and add.lock_timeout_ms == ops.LOCK_TIMEOUT_MS
    assert [h.kind for h in add.hazards()] == [ops.LOCK]  # a constant default: no rewrite, no failing rows
    (back,) = add.reverse()
    assert isinstance(back, DropColumn) and back.statements() == (
        "ALTER TABLE core.site DROP COLUMN IF EXISTS code;",)
    assert {h.kind for h in back.hazards()} == {ops.DATA_LOSS, ops.LOCK, ops.IRREVERSIBLE}
    volatile = m.Column("r", "double precision", default="random()")
    assert ops.TABLE_REWRITE in {h.kind for h in AddColumn(add.key, "", site, volatile).hazards()}
    strict = m.Column("n", "integer", not_null=True)
    assert ops.VIOLATING_ROWS in {h.kind for h in AddColumn(add.key, "", site, strict).hazards()}


def test_indexes_concurrently_on_plain_tables_never_on_hypertables():
    site, values = _table(PLAIN_NEW, "site"), _table(TS_NEW, "values_acme")
    plain = CreateIndex(m.ObjectKey("table", "core", "site"), "", site, site.indexes[0])
    assert plain.statements() == ("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_site_name ON core.site (name);",)
    assert not plain.transactional
    assert [h.kind for h in plain.hazards()] == [ops.INDEX_BUILD]
    (drop,) = plain.reverse()
    assert isinstance(drop, DropIndex) and not drop.transactional
    assert drop.statements() == ("DROP INDEX CONCURRENTLY IF EXISTS core.ix_site_name;",)
    hyper = CreateIndex(m.ObjectKey("table", "core", "values_acme"), "acme", values, values.indexes[0])
    assert hyper.transactional and "CONCURRENTLY" not in hyper.statements()[0]
    assert {h.kind for h in hyper.hazards()} == {ops.INDEX_BUILD, ops.LOCK}
    assert "each of its chunks" in next(h.message for h in hyper.hazards() if h.kind == ops.LOCK)
    (hdrop,) = hyper.reverse()
    assert hdrop.transactional and hdrop.statements() == ("DROP INDEX IF EXISTS core.ix_values_acme_dev;",)


def test_constraints_not_valid_then_validate_on_plain_tables_validated_at_once_on_hypertables():
    site, values = _table(PLAIN_NEW, "site"), _table(TS_NEW, "values_acme")
    key = m.ObjectKey("table", "core", "site")
    add, validate = add_constraint(key, "", site, "check", site.checks[0])
    assert add.statements() == ("ALTER TABLE core.site ADD CONSTRAINT name_set CHECK (name <> '') NOT VALID;",)
    assert validate.statements() == ("ALTER TABLE core.site VALIDATE CONSTRAINT name_set;",)
    assert isinstance(validate, ValidateConstraint) and validate.reverse() == ()
    assert ops.VIOLATING_ROWS in {h.kind for h in validate.hazards()}
    assert ops.VIOLATING_ROWS not in {h.kind for h in add.hazards()}
    (drop,) = add.reverse()
    assert drop.statements() == ("ALTER TABLE core.site DROP CONSTRAINT IF EXISTS name_set;",)
    (unique,) = add_constraint(key, "", site, "unique", site.uniques[0])
    assert unique.statements() == ("ALTER TABLE core.site ADD CONSTRAINT site_name_key UNIQUE (name);",)
    (hyper,) = add_constraint(m.ObjectKey("table", "core", "values_acme"), "acme", values, "check",
                              values.checks[0])
    assert isinstance(hyper, AddConstraint) and not hyper.not_valid and "NOT VALID" not in hyper.statements()[0]
    assert {h.kind for h in hyper.hazards()} == {ops.LOCK, ops.VIOLATING_ROWS, ops.DECOMPRESSION}


def test_drop_table_is_data_loss_and_its_reverse_creates_it_as_render_does():
    log = _table(PLAIN_OLD, "old_log")
    drop = DropTable(m.ObjectKey("table", "core", "old_log"), "", log, "public")
    assert drop.statements() == ("DROP TABLE IF EXISTS core.old_log;",)
    assert {h.kind for h in drop.hazards()} == {ops.DATA_LOSS, ops.LOCK, ops.IRREVERSIBLE}
    (create,) = drop.reverse()
    assert create.statements()[0].startswith("CREATE TABLE IF NOT EXISTS core.old_log (")
    assert create.hazards() == () and isinstance(create.reverse()[0], DropTable)


def test_policies_alter_in_place_validated_and_chunk_interval_only_new_chunks():
    new, old = _table(TS_NEW, "values_acme"), _table(TS_OLD, "values_acme")
    key = m.ObjectKey("table", "core", "values_acme")
    alter = AlterPolicy(key, "acme", relation_of(new), "compression", new.compression, old.compression, '"public"')
    (text,) = alter.statements()
    assert "alter_job(j.job_id" in text and "INTERVAL '14 days'" in text and "_timescaledb" not in text
    assert "RAISE EXCEPTION" in text and alter.hazards() == ()
    (back,) = alter.reverse()
    assert "INTERVAL '7 days'" in back.statements()[0]
    remove = RemovePolicy(key, "acme", relation_of(old), "retention", old.retention, "public")
    assert [h.kind for h in remove.hazards()] == [ops.JOB_ID_CHANGE]
    assert "remove_retention_policy" in remove.statements()[0]
    chunk = SetChunkInterval(key, "acme", new, old.hypertable.chunk_interval, "public")
    assert [h.kind for h in chunk.hazards()] == [ops.NEW_CHUNKS_ONLY] and chunk.lock_timeout_ms is None
    assert "set_chunk_time_interval" in chunk.statements()[0] and "INTERVAL '7 days'" in chunk.statements()[0]
    (undo,) = chunk.reverse()
    assert "INTERVAL '1 day'" in undo.statements()[0]
    # the values alter_job would take and the job then fail on
    assert policy_problems("compression", m.Compression(after=Interval.parse("0 days")))
    window = m.RefreshPolicy(Interval.parse("2 hours"), Interval.parse("1 hour"), Interval.parse("1 hour"))
    assert "fewer than two buckets" in policy_problems("refresh", window, Interval.parse("1 hour"))[0]
    assert policy_problems("refresh", window, Interval.parse("30 minutes")) == []


def test_integer_chunk_interval_from_the_default_is_irreversible():
    t = m.Table("s", "t", (m.Column("n", "bigint", not_null=True),), hypertable=m.Hypertable("n", 1000))
    back = SetChunkInterval(m.ObjectKey("table", "s", "t"), "", t, None, "public").reverse()
    assert isinstance(back, Irreversible) and "integer" in back.why


# --- the planner ------------------------------------------------------------------------------------------

def test_plan_orders_drops_first_then_additions_then_new_orgs():
    plan = _plan(PLAIN_OLD, PLAIN_NEW)
    names = _ops(plan)
    assert names[0] == "offboard_org off-board org gone (its rollback script, rollback/100_org_gone.sql)"
    assert names[-1].startswith("onboard_org onboard org beta")
    kinds = [s.op for s in plan.steps]
    assert kinds.index("drop_constraint") < kinds.index("drop_table") < kinds.index("create_table")
    assert kinds.index("add_constraint") < kinds.index("validate_constraint")
    assert not plan.not_planned
    served = {c.summary() for s in plan.steps for c in s.serves}
    assert "table core.old_log: extra" in served and "[org beta] table core.readings_beta: missing" in served
    # every step has its reverse, in reverse order
    assert [r.undoes for r in plan.rollback] == sorted((r.undoes for r in plan.rollback), reverse=True)
    assert plan.rollback[0].op == "offboard_org" and plan.rollback[-1].op == "onboard_org"


def test_what_is_not_planned_is_listed_with_its_change():
    new = PLAIN_NEW.replace("v: double precision\n            checks",
                            "v: double precision\n              n: {type: integer, identity: always}\n"
                            "            checks")
    plan = _plan(_write_text(PLAIN_NEW, new), new)
    assert [n.change.part for n in plan.not_planned] == [("column", "n", "type")] * 2  # one per org
    assert all("not planned yet" in n.reason for n in plan.not_planned)
    middle = PLAIN_NEW.replace("name: text\n              code", "code2: text\n              name: text\n"
                                                                   "              code")
    orders = [n for n in _plan(PLAIN_OLD, middle).not_planned if n.change.part == ("column order",)]
    assert orders and "end of its table" in orders[0].reason


def test_columnstore_column_recipes_and_refusals():
    """What TimescaleDB refuses in one statement on a hypertable with compression, planned as one step of several
    statements (plan/recipes.py); an identity column on a hypertable with compression refused, saying why."""
    new = TS_NEW.replace('q: {type: smallint, default: "0"}', "q: {type: smallint, not_null: true}")
    step = _step(_plan(TS_OLD, new), 'add column q to core.values_acme (nullable, then SET NOT NULL)')
    assert step.op == "add_column" and [s.split(" ALTER COLUMN")[0] for s in step.statements] == [
        "ALTER TABLE core.values_acme ADD COLUMN IF NOT EXISTS q smallint;", "ALTER TABLE core.values_acme"]
    assert step.statements[1].endswith("ALTER COLUMN q SET NOT NULL;")
    assert {"violating_rows", "decompression", "lock"} <= {h.kind for h in step.hazards}

    drop_segment = TS_OLD.replace("              dev: integer\n", "").replace("segment_by: [dev], ", "")
    plan = _plan(TS_OLD, drop_segment)
    assert not plan.not_planned and len(plan.steps) == 1
    step = plan.steps[0]
    assert step.op == "drop_columnstore_column"
    assert ("column", "dev") in {c.part for c in step.serves}
    assert "decompress_chunk" in step.statements[0]
    assert "compress_segmentby = ''" in step.statements[1]  # dev was the segment by: cleared, or kept
    assert step.statements[2] == "ALTER TABLE core.values_acme DROP COLUMN IF EXISTS dev;"
    assert {"data_loss", "decompression", "irreversible", "lock"} == {h.kind for h in step.hazards}
    assert [r.op for r in plan.rollback] == ["add_column", "set_compression"]
    assert "compress_segmentby = 'dev'" in plan.rollback[1].statements[0]

    serial = TS_OLD.replace("v: double precision\n", "v: double precision\n              n: bigserial\n")
    step = _plan(TS_OLD, serial).steps[0]
    assert "decompress_chunk" in step.statements[0] and step.statements[1].endswith("ADD COLUMN IF NOT EXISTS n "
                                                                                    "bigserial;")
    assert {"table_rewrite", "decompression", "lock"} == {h.kind for h in step.hazards}
    identity = TS_OLD.replace("v: double precision\n",
                              "v: double precision\n              n: {type: bigint, identity: always}\n")
    plan = _plan(TS_OLD, identity)
    assert not plan.steps and [n.change.part for n in plan.not_planned] == [("column", "n")]
    assert "cannot add column with constraints" in plan.not_planned[0].reason  # compression: without, corpus 103


# --- the CLI ------------------------------------------------------------------------------------------------

def test_cli_formats_and_exit_codes(tmp_path):
    old, new = _write(tmp_path, "old.yaml", PLAIN_OLD), _write(tmp_path, "model.yaml", PLAIN_NEW)
    code, out, err = run_cli("plan", "--from", str(old), "-m", str(new))
    assert code == 1 and "step 1 of" in out and "hazard data_loss" in out and "rollback (" in out
    assert "step(s) planned" in err
    code, out, _ = run_cli("plan", "--from", str(old), "-m", str(new), "--format", "sql")
    assert code == 1 and "-- HAZARD data_loss:" in out and "CREATE INDEX CONCURRENTLY" in out
    assert "\nBEGIN;\nSET LOCAL search_path = pg_catalog" in out
    code, out, _ = run_cli("plan", "--from", str(old), "-m", str(new), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["format"] == "schemagen-plan" and doc["version"] == 1
    assert doc["fingerprint"].startswith("sha256:") and doc["steps"] and doc["rollback"]
    assert list(doc["steps"][0]) == sorted(doc["steps"][0])
    plan_file = tmp_path / "plan.json"
    code, out, _ = run_cli("plan", "--from", str(old), "-m", str(new), "--format", "json", "-o", str(plan_file))
    assert code == 1 and out == "" and json.loads(plan_file.read_text()) == doc
    code, out, err = run_cli("plan", "--from", str(new), "-m", str(new))
    assert code == 0 and "nothing to do" in out
    code, _, err = run_cli("plan", "--from", str(old), "-m", str(new), "-o", str(tmp_path / "no" / "plan.txt"))
    assert code == 2 and "cannot write" in err
    code, _, err = run_cli("plan", "-m", str(new))
    assert code == 2 and "pass --dsn" in err  # a live plan needs a database
    code, _, err = run_cli("plan", "--from", str(old), "-m", str(new), "--database", "nope")
    assert code == 2 and "unknown database" in err
    bad = _write(tmp_path, "bad.yaml", PLAIN_NEW.replace("columns: {key:", "colums: {key:"))
    code, _, err = run_cli("plan", "--from", str(bad), "-m", str(new))
    assert code == 2 and "bad.yaml:" in err


def test_not_planned_alone_exits_1(tmp_path):
    text = PLAIN_NEW.replace("v: double precision\n            checks",
                             "v: double precision\n              n: {type: integer, identity: always}\n"
                            "            checks")
    old = _write(tmp_path, "old.yaml", _write_text(PLAIN_NEW, text))
    new = _write(tmp_path, "model.yaml", text)
    code, out, _ = run_cli("plan", "--from", str(old), "-m", str(new))
    assert code == 1 and "not planned (yet): 2" in out and "0 step(s) planned" in out


def test_same_input_same_bytes_across_hash_seeds(tmp_path):
    old, new = _write(tmp_path, "old.yaml", TS_OLD), _write(tmp_path, "model.yaml", TS_NEW)
    outputs = set()
    for seed in ("0", "1", "12345"):
        for fmt in ("json", "sql", "text"):
            r = subprocess.run([sys.executable, "-m", "schemagen.cli", "plan", "--from", str(old), "-m", str(new),
                                "--format", fmt], capture_output=True, text=True, timeout=120,
                               env=dict(os.environ, PYTHONHASHSEED=seed))
            assert r.returncode == 1, r.stderr
            outputs.add((fmt, r.stdout))
    assert len(outputs) == 3


def test_step_of_sorts_hazards():
    site = _table(PLAIN_OLD, "site")
    step = Step.of(1, DropColumn(m.ObjectKey("table", "core", "site"), "", site, site.column("legacy")))
    assert list(step.hazards) == sorted(step.hazards) and step.statements and step.transactional


# --- on real servers: the planned script run with psql, then no drift against the new model ----------------

def _psql(dsn: str, script: Path) -> None:
    env = dict(os.environ, PGOPTIONS="-c client_min_messages=warning", PGCONNECT_TIMEOUT="10")
    r = subprocess.run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", str(script)],
                       capture_output=True, text=True, env=env, timeout=300, stdin=subprocess.DEVNULL)
    assert r.returncode == 0 and "ERROR:" not in r.stderr, r.stderr


def _round_trip(db, tmp_path: Path, before: str, after: str, rows: list[str]) -> None:
    old, new = _write(tmp_path, "old.yaml", before), _write(tmp_path, "model.yaml", after)
    code, _, err = run_cli("apply", "--dsn", db.dsn, "-m", str(old))
    assert code == 0, err
    with db.connect() as c:
        for statement in rows:
            c.execute(statement)
    script = tmp_path / "plan.sql"
    code, _, err = run_cli("plan", "--from", str(old), "-m", str(new), "--format", "sql", "-o", str(script))
    assert code == 1, err
    _psql(db.dsn, script)
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", str(new))
    assert code == 0, out + err
    # and back: the plan from the new model to the old one leaves no drift against the old one
    back = tmp_path / "back.sql"
    code, _, err = run_cli("plan", "--from", str(new), "-m", str(old), "--format", "sql", "-o", str(back))
    assert code == 1, err
    _psql(db.dsn, back)
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", str(old))
    assert code == 0, out + err


def test_plain_plan_applies_with_psql_and_leaves_no_drift(pg_plain_db, tmp_path):
    _round_trip(pg_plain_db, tmp_path, PLAIN_OLD, PLAIN_NEW, [
        "INSERT INTO core.site (id, name, legacy) VALUES (1, 'a', 'l'), (2, 'b', NULL)",
        "INSERT INTO core.readings_acme (id, site_id, v) VALUES (1, 1, 2.5), (2, 2, 1)",
        "INSERT INTO core.old_log VALUES (1, 'x')"])
    with pg_plain_db.connect() as c:  # rows kept where no data-loss step touched them
        assert c.execute("SELECT count(*) FROM core.readings_acme").fetchone()[0] == 2
        assert c.execute("SELECT count(*) FROM core.site").fetchone()[0] == 2


def test_timescale_plan_applies_with_psql_and_leaves_no_drift(ts_community_db, tmp_path):
    _round_trip(ts_community_db, tmp_path, TS_OLD, TS_NEW, [
        "INSERT INTO core.values_acme SELECT now() - n * INTERVAL '6 hours', n % 3, n FROM generate_series(1, 40) n",
        "SELECT public.compress_chunk(c) FROM public.show_chunks('core.values_acme', "
        "older_than => INTERVAL '3 days') c"])
    with ts_community_db.connect() as c:
        assert c.execute("SELECT count(*) FROM core.values_acme").fetchone()[0] == 40
        jobs = c.execute("SELECT count(*) FROM timescaledb_information.jobs WHERE hypertable_name = 'values_acme'"
                         ).fetchone()[0]
        assert jobs == 2


def test_every_hazard_kind_and_op_is_documented():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "plan.md").read_text()
    missing = [kind for kind in ops.HAZARD_KINDS if f"| `{kind}` |" not in doc]
    assert not missing
    plan = _plan(PLAIN_OLD, PLAIN_NEW)
    assert all(f"`{s.op}`" in doc for s in (*plan.steps, *plan.rollback))


RENAME_OLD = """
databases:
  app:
    schemas:
      s:
        tables:
          site:
            columns: {id: {type: integer, primary_key: true}, label: {type: text, unique: true}}
          device:
            columns: {id: {type: integer, primary_key: true}, site_id: {type: integer, references: s.site(id)}}
"""
RENAME_NEW = """
databases:
  app:
    schemas:
      s:
        tables:
          location:
            renamed_from: site
            columns: {id: {type: integer, primary_key: true}, name: {type: text, unique: true, renamed_from: label}}
          device:
            columns: {id: {type: integer, primary_key: true}, site_id: {type: integer, references: s.location(id)}}
"""


def test_declared_renames_keep_the_data_and_reverse_to_the_old_names():
    """renamed_from turns a drop and an add into RENAMEs: the table, its column, and the default names PostgreSQL
    keeps (site_pkey, site_label_key) renamed to what render names them; a foreign key that references the table
    follows it (no step); the rollback renames back in reverse order."""
    plan = _plan(RENAME_OLD, RENAME_NEW)
    assert _ops(plan) == [
        "rename_table rename table s.site to location",
        "rename rename column label of s.location to name",
        "rename rename constraint site_label_key of s.location to location_name_key",
        "rename rename constraint site_pkey of s.location to location_pkey",
    ], _ops(plan)
    assert not plan.not_planned
    assert plan.steps[0].statements == ("ALTER TABLE s.site RENAME TO location;",)
    assert plan.steps[0].renamed_to == "location"
    assert not any(h.kind == ops.DATA_LOSS for s in plan.steps for h in s.hazards)
    assert [s.statements for s in plan.rollback][-1] == ("ALTER TABLE s.location RENAME TO site;",)
    assert [s.undoes for s in plan.rollback] == [4, 3, 2, 1]
    # without renamed_from the same models are a drop (data loss) and a create
    plain = _plan(RENAME_OLD, RENAME_NEW.replace("renamed_from: site", "").replace(", renamed_from: label", ""))
    assert any(h.kind == ops.DATA_LOSS for s in plain.steps for h in s.hazards)


def test_a_rename_whose_both_names_exist_is_refused():
    both = RENAME_NEW.replace("          device:", "          site:\n            columns: {id: integer}\n"
                              "          device:", 1)
    plan = planning.plan_offline(model_from(RENAME_OLD.replace("          device:", "          location:\n"
                                                               "            columns: {id: integer}\n"
                                                               "          device:", 1), "old.yaml"),
                                 model_from(RENAME_NEW, "model.yaml"))
    assert "rename_table" not in [s.op for s in plan.steps]
    assert any("both s.site and s.location exist" in n.reason for n in plan.not_planned), plan.not_planned
    assert both  # the model itself may not keep both names: validate refuses it (tests/invalid/387)


# --- types, sequences, extensions and materialized views changed in place --------------------------------------

CORPUS = Path(__file__).resolve().parent / "plans"


def _case(name: str, after: str | None = None):
    """The plan of a corpus case (its after model edited by `after`, a function of its text)."""
    before, new = ((CORPUS / name / f).read_text() for f in ("before.yaml", "after.yaml"))
    return _plan(before, after(new) if after else new)


def test_enum_values_are_added_where_the_model_has_them_and_cannot_be_taken_back():
    plan = _case("074_enum_add_value")
    (step,) = plan.steps
    assert step.op == "add_enum_value" and step.transactional and not plan.not_planned
    assert step.statements == ("ALTER TYPE s.mood ADD VALUE IF NOT EXISTS 'meh' BEFORE 'sad';",
                               "ALTER TYPE s.mood ADD VALUE IF NOT EXISTS 'so-so' AFTER 'sad';",
                               "ALTER TYPE s.mood ADD VALUE IF NOT EXISTS 'ecstatic' AFTER 'happy';")
    assert not step.hazards  # its rollback makes the type again with its old values (plan/enums.py)
    (back,) = plan.rollback
    assert back.op == "recreate_enum" and back.statements[1] == "CREATE TYPE s.mood AS ENUM ('sad', 'happy');"
    assert ops.VIOLATING_ROWS in {h.kind for h in back.hazards}  # rows may hold a new value by then
    viewed = lambda t: t.replace("        tables:", "        views:\n          v: {query: \"SELECT m FROM s.t\"}\n"  # noqa: E731
                                 "        tables:")
    plan = _plan(*(viewed((CORPUS / "074_enum_add_value" / f).read_text()) for f in ("before.yaml", "after.yaml")))
    (step,) = plan.steps
    assert [h.kind for h in step.hazards] == [ops.IRREVERSIBLE] and "view s.v reads" in step.hazards[0].message
    assert plan.rollback[0].op == "irreversible" and "cannot drop an enum value" in plan.rollback[0].irreversible
    for moved in ("[happy, sad]", "[sad]"):  # reordered, removed
        plan = _case("074_enum_add_value", lambda t, moved=moved: t.replace(
            '[meh, sad, "so-so", happy, ecstatic]', moved))
        assert [s.op for s in plan.steps] == ["recreate_enum"] and not plan.not_planned


def test_domain_checks_are_added_not_valid_then_validated_and_defaults_set_in_place():
    plan = _case("075_domain_changes")
    assert not plan.not_planned
    steps = {s.description: s for s in plan.steps}
    ops_ = [s.op for s in plan.steps]
    assert ops_.index("drop_domain_check") < ops_.index("add_domain_check") < ops_.index("validate_domain_check")
    add = steps["add check score_small to domain s.score not valid"]
    assert add.statements == ("ALTER DOMAIN s.score ADD CONSTRAINT score_small CHECK (VALUE < 500) NOT VALID;",)
    assert not add.hazards and add.statement_timeout_ms == ops.STATEMENT_TIMEOUT_MS
    validate = steps["validate check score_small of domain s.score"]
    assert validate.statements == ("ALTER DOMAIN s.score VALIDATE CONSTRAINT score_small;",)
    assert [h.kind for h in validate.hazards] == [ops.VIOLATING_ROWS] and validate.statement_timeout_ms == 0
    assert steps["set the default of domain s.label"].statements == ("ALTER DOMAIN s.label SET DEFAULT 'tbd';",)
    assert steps["set NOT NULL of domain s.code"].statements == ("ALTER DOMAIN s.code SET NOT NULL;",)
    assert steps["drop NOT NULL of domain s.label"].hazards == ()
    # a dropped check comes back validated at once; the validation has nothing to undo
    back = {s.description: s for s in plan.rollback}
    assert back["add check score_even to domain s.score"].statements == (
        "ALTER DOMAIN s.score ADD CONSTRAINT score_even CHECK (VALUE % 2 = 0);",)
    assert "validate_domain_check" not in {s.op for s in plan.rollback}
    base = _case("075_domain_changes", lambda t: t.replace("code: {domain: text,", "code: {domain: varchar(9),"))
    assert any(n.change.part == ("base type",) and "base type" in n.reason for n in base.not_planned)


def test_composite_attributes_are_added_last_dropped_and_retyped_when_no_column_uses_the_type():
    plan = _case("076_composite_attributes")
    assert not plan.not_planned
    assert [(s.op, s.statements) for s in plan.steps] == [
        ("drop_attribute", ("ALTER TYPE s.address DROP ATTRIBUTE IF EXISTS legacy;",)),
        ("add_attribute", ("ALTER TYPE s.address ADD ATTRIBUTE zip character varying(10);",)),
        ("alter_attribute", ("ALTER TYPE s.span ALTER ATTRIBUTE lo TYPE bigint;",))]
    assert {h.kind for h in plan.steps[0].hazards} == {ops.DATA_LOSS, ops.IRREVERSIBLE}
    assert [s.statements for s in plan.rollback][-1] == ("ALTER TYPE s.address ADD ATTRIBUTE legacy text;",)
    first = _case("076_composite_attributes", lambda t: t.replace("{street: text, city: text, zip: varchar(10)}",
                                                                  "{zip: varchar(10), street: text, city: text}"))
    assert [n.change.part for n in first.not_planned] == [("attribute order",)]
    assert "end of its type" in first.not_planned[0].reason
    before, after = ((CORPUS / "076_composite_attributes" / f).read_text().replace(
        "a: address}", "a: address, s: span}") for f in ("before.yaml", "after.yaml"))
    used = _plan(before, after)
    retype = [n for n in used.not_planned if n.change.part == ("attribute", "lo", "type")]
    assert retype and "s.t.s uses the type" in retype[0].reason


def test_sequence_settings_and_extension_versions_change_in_place():
    plan = _case("077_alter_sequence")
    alter = next(s for s in plan.steps if s.op == "alter_sequence")
    assert alter.statements == ("ALTER SEQUENCE s.order_no AS integer INCREMENT BY 5 MINVALUE 1 MAXVALUE 2000000 "
                                "START WITH 50 CACHE 10 CYCLE;",)
    assert len(alter.serves) == 6 and [h.kind for h in alter.hazards] == [ops.LOCK]
    back = next(s for s in plan.rollback if s.op == "alter_sequence")
    assert back.statements == ("ALTER SEQUENCE s.order_no AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE 100000 "
                               "START WITH 100 CACHE 1 NO CYCLE;",)
    (update,) = _case("078_extension_update").steps
    assert update.op == "update_extension" and update.statements == ("ALTER EXTENSION pg_trgm UPDATE TO '1.6';",)
    assert [h.kind for h in update.hazards] == [ops.IRREVERSIBLE]
    ts = _plan(TS_OLD.replace("timescaledb:", "timescaledb: {version: '2.19.3'}"),
               TS_OLD.replace("timescaledb:", "timescaledb: {version: '2.23.0'}"))
    assert [n.change.part for n in ts.not_planned] == [("version",)] and not ts.steps
    assert "first statement of a fresh session" in ts.not_planned[0].reason


def test_materialized_views_are_created_dropped_and_recreated_with_the_views_that_read_them():
    plan = _case("079_materialized_view_create_drop")
    assert [s.op for s in plan.steps] == ["drop_materialized_view", "create_materialized_view",
                                          "create_materialized_view"]
    create = next(s for s in plan.steps if "s.totals" in s.description)
    assert create.statements[-1] == "CREATE UNIQUE INDEX IF NOT EXISTS totals_k ON s.totals (k);"
    assert create.hazards == () and {h.kind for h in plan.steps[0].hazards} == {ops.LOCK, ops.RECOMPUTE}
    plan = _case("080_materialized_view_recreate")
    assert not plan.not_planned
    recreate, comment = plan.steps
    assert recreate.op == "recreate_materialized_view" and comment.op == "set_comment"
    assert recreate.statements[:2] == ("DROP VIEW IF EXISTS s.big_stats;", "DROP MATERIALIZED VIEW IF EXISTS s.stats;")
    assert recreate.statements[-1].startswith("CREATE OR REPLACE VIEW s.big_stats AS")
    assert "CREATE INDEX IF NOT EXISTS stats_c ON s.stats (c);" in recreate.statements
    recompute = next(h for h in recreate.hazards if h.kind == ops.RECOMPUTE)
    assert "computed again" in recompute.message and "s.big_stats" in recompute.message
    assert "stats_c" not in " ".join(plan.rollback[-1].statements)  # the rollback recreates it as it was
# --- grants and row-level security (plan/security.py) ----------------------------------------------------------

SEC_OLD = """
databases:
  app:
    schemas:
      s:
        grants: {sg_reader: [usage], sg_writer: [usage, create]}
        functions:
          f: {arguments: [{name: x, type: integer}], returns: integer, language: sql, body: "SELECT x",
              grants: {PUBLIC: []}}
        tables:
          t:
            columns: {id: {type: integer, primary_key: true}, owner: text, n: integer}
            grants: {sg_reader: [select], sg_writer: [select, insert, update]}
            row_level_security:
              policies:
                mine: {command: select, roles: [sg_reader], using: "owner = current_user"}
                writes: {roles: [sg_writer], using: "n >= 0", with_check: "n >= 0"}
                gone: {command: delete, using: "n > 5"}
          u:
            columns: {id: {type: integer, primary_key: true}}
"""
SEC_NEW = """
databases:
  app:
    schemas:
      s:
        grants: {sg_reader: [usage], sg_writer: [usage]}
        functions:
          f: {arguments: [{name: x, type: integer}], returns: integer, language: sql, body: "SELECT x"}
        tables:
          t:
            columns: {id: {type: integer, primary_key: true}, owner: text, n: integer}
            grants: {sg_reader: [all], sg_writer: [select]}
            row_level_security:
              forced: true
              policies:
                mine: {command: select, roles: [sg_reader, sg_writer], using: "owner = current_user OR n < 3"}
                writes: {roles: [sg_writer], using: "n >= 0"}
          u:
            columns: {id: {type: integer, primary_key: true}}
            row_level_security: {}
        views:
          v: {query: "SELECT id FROM s.t", grants: {sg_reader: [select]}}
"""


def _step(plan, description: str) -> Step:
    return next(s for s in plan.steps if s.description.startswith(description))


def test_grants_are_revoked_and_granted_with_the_privileges_lost_as_hazards():
    plan = _plan(SEC_OLD, SEC_NEW)
    assert not plan.not_planned, plan.not_planned
    writer = _step(plan, "set the privileges of sg_writer on table s.t")
    assert writer.statements == ("REVOKE ALL ON TABLE s.t FROM sg_writer;", "GRANT SELECT ON TABLE s.t TO sg_writer;")
    assert [(h.kind, h.message.split(":")[0]) for h in writer.hazards] == [
        (ops.PRIVILEGE_LOSS, "sg_writer loses INSERT, UPDATE on table s.t")]
    reader = _step(plan, "set the privileges of sg_reader on table s.t")
    assert reader.statements[-1] == "GRANT ALL ON TABLE s.t TO sg_reader;" and not reader.hazards  # more, not less
    schema = _step(plan, "set the privileges of sg_writer on schema s")
    assert schema.statements == ("REVOKE ALL ON SCHEMA s FROM sg_writer;", "GRANT USAGE ON SCHEMA s TO sg_writer;")
    # PUBLIC no longer named on f: set back to PostgreSQL's default (EXECUTE), which the old model had revoked
    public = _step(plan, "set the privileges of PUBLIC on function s.f")
    assert public.statements == ("REVOKE ALL ON FUNCTION s.f(integer) FROM PUBLIC;",
                                 "GRANT EXECUTE ON FUNCTION s.f(integer) TO PUBLIC;")
    # the rollback gives each role back what it held, and says what it takes away
    back = next(s for s in plan.rollback if s.undoes == writer.number)
    assert back.statements[-1] == "GRANT INSERT, SELECT, UPDATE ON TABLE s.t TO sg_writer;" and not back.hazards
    back = next(s for s in plan.rollback if s.undoes == reader.number)
    assert back.hazards[0].message.startswith("sg_reader loses every privilege but SELECT on table s.t")
    # a new view is created with its grants, in its own step
    view = _step(plan, "create view s.v")
    assert view.statements[-2:] == ("REVOKE ALL ON TABLE s.v FROM sg_reader;",
                                    "GRANT SELECT ON TABLE s.v TO sg_reader;")
    doc = (Path(__file__).resolve().parent.parent / "docs" / "plan.md").read_text()
    assert all(f"`{s.op}`" in doc for s in (*plan.steps, *plan.rollback))


def test_a_role_the_model_does_not_name_is_left_alone_and_grant_options_are_not_planned():
    from schemagen.changes import Change
    from schemagen.plan.security import security_ops

    db = model_from(SEC_NEW).databases[0]
    key = m.ObjectKey("table", "s", "t")
    theirs = Change("app", "", key, "changed", ("privileges of", "someone"), "(none)", "SELECT")
    assert "does not name someone in the grants of table s.t" in security_ops(theirs, db, db)
    option = Change("app", "", key, "changed", ("privileges of", "sg_writer"), "SELECT", "SELECT WITH GRANT OPTION")
    assert "WITH GRANT OPTION" in security_ops(option, db, db)
    assert security_ops(Change("app", "", key, "changed", ("column", "n", "type"), "text", "integer"), db, db) is None


def test_row_level_security_policies_before_rls_and_altered_in_place_where_postgresql_can():
    plan = _plan(SEC_OLD, SEC_NEW)
    order = [s.op for s in plan.steps]
    assert order.index("drop_rls_policy") < order.index("alter_rls_policy") < order.index("enable_row_security")
    enable = _step(plan, "ENABLE ROW LEVEL SECURITY on s.u")
    assert enable.statements == ("ALTER TABLE s.u ENABLE ROW LEVEL SECURITY;",)
    hidden = [h.message for h in enable.hazards if h.kind == ops.ROWS_HIDDEN]
    assert hidden and hidden[0].startswith("s.u has no row-level security policy: once the step commits every row is "
                                           "hidden")
    force = _step(plan, "FORCE ROW LEVEL SECURITY on s.t")
    assert "its owner too sees and writes only the rows that the 2 policy(ies) of s.t allow" in force.hazards[1].message
    mine = _step(plan, "alter policy mine on s.t")  # roles and USING: ALTER POLICY
    assert mine.statements == ("ALTER POLICY mine ON s.t\nTO sg_reader, sg_writer\nUSING (owner = current_user OR "
                               "n < 3);",)
    writes = _step(plan, "drop and create policy writes on s.t")  # WITH CHECK taken away: ALTER cannot
    assert writes.statements[0] == "DROP POLICY IF EXISTS writes ON s.t;" and "WITH CHECK" not in writes.statements[1]
    gone = _step(plan, "drop policy gone on s.t")
    assert {h.kind for h in gone.hazards} == {ops.LOCK, ops.ROWS_HIDDEN}
    # the rollback creates the dropped policy as it was, puts WITH CHECK back, and turns RLS off again
    back = {s.undoes: s for s in plan.rollback}
    assert back[gone.number].statements == ("CREATE POLICY gone ON s.t\nAS PERMISSIVE FOR DELETE\nTO PUBLIC\n"
                                            "USING (n > 5);",)
    assert back[writes.number].statements[-1].endswith("WITH CHECK (n >= 0);")
    assert back[enable.number].statements == ("ALTER TABLE IF EXISTS s.u DISABLE ROW LEVEL SECURITY;",)
    assert ops.ROWS_EXPOSED in {h.kind for h in back[enable.number].hazards}
    assert _plan(SEC_NEW, SEC_NEW).empty


def test_a_view_reading_a_view_dropped_and_created_again_is_dropped_first_and_created_with_it():
    old = """
    databases:
      app:
        schemas:
          s:
            tables:
              t: {columns: {id: {type: integer, primary_key: true}}}
              u: {columns: {id: {type: integer, primary_key: true}}}
            views:
              b: {query: "SELECT id FROM s.z"}
              z: {query: "SELECT id FROM s.t"}
    """
    new = old.replace("t: {columns: {id: {type: integer, primary_key: true}}}\n", "").replace(
        "FROM s.t", "FROM s.u").replace("SELECT id FROM s.z", "SELECT id, 1 AS one FROM s.u")
    names = _ops(_plan(old, new))  # b no longer reads z: its drop still goes first, as it reads z now
    assert names.index("drop_view drop view s.b") < names.index("drop_view drop view s.z") < names.index(
        "drop_table drop table s.t") < names.index("create_view create view s.z")
    assert names.index("drop_table drop table s.t") < names.index("create_view create view s.b")
    assert not any(n.startswith("replace_view") for n in names)


KEY_OLD = """
databases:
  app:
    schemas:
      s:
        tables:
          site:
            columns: {id: {type: integer, primary_key: true}, code: text}
          device:
            columns: {id: {type: integer, primary_key: true}, site_id: {type: integer, references: s.site(id)}}
"""


def test_a_primary_key_that_a_kept_foreign_key_uses_is_not_dropped():
    """PostgreSQL refuses to drop a key whose index a foreign key uses: the changed key, the NOT NULL that would
    come with it and a dropped key column are listed as not planned, never a step that fails in apply."""
    changed = KEY_OLD.replace("columns: {id: {type: integer, primary_key: true}, code: text}",
                              "columns: {id: integer, code: text}\n            primary_key: [id, code]\n"
                              "            unique: [[id]]")
    plan = _plan(KEY_OLD, changed)
    assert _ops(plan) == ["add_constraint add unique site_id_key to s.site"]
    assert sorted(n.change.part for n in plan.not_planned) == [("column", "code", "not null"),
                                                               ("primary key", "site_pkey", "columns")]
    assert all("foreign key device_site_id_fkey of s.device references s.site (id) and stays" in n.reason
               and "because other objects depend on it" in n.reason for n in plan.not_planned)
    # the foreign key goes in the same change: the key is changed (dropped after it, then added)
    plan = _plan(KEY_OLD, changed.replace(", site_id: {type: integer, references: s.site(id)}", ""))
    assert not plan.not_planned
    assert _ops(plan)[:2] == ["drop_constraint drop foreign key device_site_id_fkey of s.device",
                              "drop_constraint drop primary key site_pkey of s.site"]


def test_a_hypertable_key_without_a_partitioning_column_is_refused():
    """Validate refuses such a model; the planner says why too (a live table as someone left it)."""
    old = _table(TS_OLD, "values_acme")
    new = replace(old, primary_key=m.PrimaryKey("values_acme_pkey", ("dev",)))
    why = add_primary_key(m.ObjectKey("table", "core", "values_acme"), "acme", new, old)
    assert isinstance(why, str) and 'partitioning column(s) ts' in why and "used in partitioning" in why
    keyed = replace(new, primary_key=m.PrimaryKey("values_acme_pkey", ("dev", "ts")))
    add = add_primary_key(m.ObjectKey("table", "core", "values_acme"), "acme", keyed, old)
    assert add.statements() == ("ALTER TABLE core.values_acme ADD CONSTRAINT values_acme_pkey PRIMARY KEY (dev, ts);",)
    assert {h.kind for h in add.hazards()} == {ops.LOCK, ops.INDEX_BUILD, ops.VIOLATING_ROWS, ops.DECOMPRESSION}
    assert add.needs() == {KEY_WITH_CHUNKS}  # refused by a live plan before TimescaleDB 2.23
    drop, not_null = add.reverse()  # dev was nullable: the key's NOT NULL goes with it
    assert drop.statements() == ("ALTER TABLE core.values_acme DROP CONSTRAINT IF EXISTS values_acme_pkey;",)
    assert not_null.statements() == ("ALTER TABLE core.values_acme ALTER COLUMN dev DROP NOT NULL;",)


def test_a_unique_key_on_a_hypertable_with_compression_is_planned_where_the_server_allows_it():
    new = TS_NEW.replace("            checks:\n", "            unique: [[dev, ts]]\n            checks:\n")
    plan = _plan(TS_OLD, new)
    assert "add_constraint add unique values_acme_dev_ts_key to core.values_acme" in _ops(plan)
    assert not plan.not_planned
    table = _table(new, "values_acme")
    served = {AddConstraint(m.ObjectKey("table", "core", "values_acme"), "acme", table, "unique", table.uniques[0]):
              ["the change"]}
    (left,) = refuse(served, {KEY_WITH_CHUNKS: "TimescaleDB 2.19 is older than 2.23"})  # a live plan's reading
    assert not served and left.change == "the change" and "2.19 is older than 2.23" in left.reason


def _as_json_values(obj):
    """The canonical form the way it was first written (dicts for json.dumps): what plan files' fingerprints hold."""
    import dataclasses

    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, (tuple, list)):
        return [_as_json_values(x) for x in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {"": type(obj).__name__} | {f.name: _as_json_values(getattr(obj, f.name))
                                            for f in dataclasses.fields(obj) if f.compare}
    return repr(obj)


def test_the_fingerprint_s_canonical_form_is_the_json_it_always_was():
    """plan/state.py writes the canonical JSON directly (three times faster): byte for byte what json.dumps of the
    dicts gives, so a plan file written before still matches its database."""
    import json

    from helpers import haystack

    from schemagen.plan import state

    for db in haystack().databases:
        assert state.canonical(db) == json.dumps(_as_json_values(db), sort_keys=True, separators=(",", ":"))
