"""Apply and rollback on the three real servers: idempotent, recorded, refusing what the server cannot do before
any change, and leaving the database as it found it. Faults (kills, concurrency, lock timeouts, failing
statements, unreachable servers, 1,000 orgs) are in test_apply_faults.py."""
from __future__ import annotations

import dataclasses
import hashlib

import pytest
from helpers import MODEL, ROOT, haystack, model_from, run_cli, snapshot

from schemagen import __version__, render
from schemagen import scripts as sc
from schemagen.commands import apply as applying
from schemagen.commands import drift as differ
from schemagen.errors import DatabaseError, UnsupportedFeatures, UsageError

# Which model database each server can hold: the full Haystack database needs community TimescaleDB.
CASES = {
    "ts-community": ("datakwip", False),
    "ts-apache": ("datakwip", True),
    "pg-plain": ("simulator_state", False),
}


class _Sink:
    """A reporter that keeps what apply says."""

    def __init__(self):
        self.lines: list[str] = []

    def write(self, text: str) -> None:
        self.lines += [line for line in text.splitlines() if line]

    def flush(self) -> None:
        pass

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def history_rows(db, database: str | None = None) -> dict[str, dict]:
    """schemagen.history as {script: row}, {} when there is no history schema."""
    with db.connect() as c:
        if not c.execute("SELECT to_regclass('schemagen.history')").fetchone()[0]:
            return {}
        cur = c.execute("SELECT * FROM schemagen.history WHERE %s::text IS NULL OR database = %s",
                        (database, database))
        names = [d.name for d in cur.description]
        return {r[1]: dict(zip(names, r)) for r in cur.fetchall()}


def has_history_schema(db) -> bool:
    return db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'schemagen'") == 1


# --- the round trip on every server -------------------------------------------------------------------------------

def test_apply_again_rollback_restores(any_db):
    database, skip = CASES[any_db.server.name]
    model = haystack()
    before = snapshot(any_db)
    first = applying.apply(any_db.dsn, model, database=database, skip_unsupported=skip, out=_Sink())
    assert first.count("applied") == len(first.scripts) > 0
    applied = snapshot(any_db)
    assert applied != before
    assert differ.diff(any_db.dsn, model, database=database, skip_unsupported=skip).changes == []
    sink = _Sink()
    again = applying.apply(any_db.dsn, model, database=database, skip_unsupported=skip, out=sink)
    assert again.count("unchanged") == len(again.scripts) == len(first.scripts), "a second apply changes nothing"
    assert sum(line.startswith("unchanged  ") for line in sink.lines) == len(first.scripts)
    assert snapshot(any_db) == applied
    applying.rollback(any_db.dsn, model, database=database, out=_Sink())
    assert snapshot(any_db) == before, "rollback leaves the database as it was, history schema included"
    assert not has_history_schema(any_db)


def test_one_org_on_and_off(any_db):
    database, skip = CASES[any_db.server.name]
    if database != "datakwip":
        pytest.skip("the plain-PostgreSQL database of the model has no orgs")
    model = haystack()
    applying.apply(any_db.dsn, model, database=database, skip_unsupported=skip, out=_Sink())
    with_all = snapshot(any_db)
    result = applying.rollback(any_db.dsn, model, database=database, orgs=["acme"], out=_Sink())
    assert [s.name for s in result.scripts] == ["rollback/100_org_acme.sql"]
    left = snapshot(any_db)
    assert not any("acme" in line for line in left)
    assert sorted(set(with_all) - set(left)) == sorted(line for line in with_all if "acme" in line)
    assert any_db.scalar("SELECT count(*) FROM core.org WHERE key = 'acme'") == 0
    assert any_db.scalar("SELECT count(*) FROM core.org") == 2
    assert "900_org_acme.sql" not in history_rows(any_db) and "900_org_demo.sql" in history_rows(any_db)

    result = applying.apply(any_db.dsn, model, database=database, orgs=["acme"], skip_unsupported=skip, out=_Sink())
    assert [(s.name, s.status) for s in result.scripts] == [("900_org_acme.sql", "applied")]
    assert snapshot(any_db) == with_all
    assert differ.diff(any_db.dsn, model, database=database, skip_unsupported=skip).changes == []


def test_org_alone_needs_the_shared_objects(ts_apache_db):
    before = snapshot(ts_apache_db)
    with pytest.raises(UsageError, match="apply the shared scripts first: schemagen apply without --org"):
        applying.apply(ts_apache_db.dsn, haystack(), database="datakwip", orgs=["acme"], skip_unsupported=True,
                       out=_Sink())
    assert snapshot(ts_apache_db) == before, "nothing created, not even the history schema"


def test_rollback_one_org_refuses_its_rows_only(ts_apache_db):
    model = haystack()
    applying.apply(ts_apache_db.dsn, model, database="datakwip", skip_unsupported=True, out=_Sink())
    with ts_apache_db.connect() as c:
        for org in ("acme", "demo"):
            c.execute(f"INSERT INTO core.values_{org} (entity_id, timestamp, value, org_id) VALUES (1, now(), 1, 1)")
    code, _, err = run_cli("rollback", "--dsn", ts_apache_db.dsn, "--database", "datakwip", "--org", "acme")
    assert code == 1, err
    assert "core.values_acme: 1 row(s)" in err and "values_demo" not in err and "--yes" in err
    assert ts_apache_db.scalar("SELECT to_regclass('core.values_acme')") is not None
    code, _, err = run_cli("rollback", "--dsn", ts_apache_db.dsn, "--database", "datakwip", "--org", "acme", "--yes")
    assert code == 0, err
    assert ts_apache_db.scalar("SELECT to_regclass('core.values_acme')") is None
    assert ts_apache_db.scalar("SELECT count(*) FROM core.values_demo") == 1, "other orgs untouched"


# --- the history ----------------------------------------------------------------------------------------------------

def test_history_records_whole_scripts_like_out(pg_plain_db):
    """One row per script: checksum of the very text in out/, statements, duration, tool version."""
    model = haystack()
    applying.apply(pg_plain_db.dsn, model, database="simulator_state", out=_Sink())
    rows = history_rows(pg_plain_db, "simulator_state")
    scripts = [s for s in render.render(model, database="simulator_state") if not s.rollback]
    assert sorted(rows) == sorted(s.filename for s in scripts)
    for s in scripts:
        row = rows[s.filename]
        text = render.script_text(s, model)
        assert row["checksum"] == hashlib.sha256(text.encode()).hexdigest()
        committed = ROOT / "out" / s.relpath
        assert committed.read_text() == text, f"apply runs what out/ holds: {s.relpath}"
        assert row["statements"] == len(s.statements) and row["duration_ms"] >= 0
        assert row["tool_version"] == __version__ and row["skipped_features"] == [] and row["applied_at"]


def test_dry_run_changes_nothing_and_reapply_runs_only_changed_scripts(pg_plain_db, tmp_path):
    model = model_from(SMALL)
    before = snapshot(pg_plain_db)
    sink = _Sink()
    result = applying.apply(pg_plain_db.dsn, model, dry_run=True, out=sink)
    assert [(s.name, s.status) for s in result.scripts] == [
        ("020_schemas.sql", "new"), ("030_tables.sql", "new"), ("050_indexes.sql", "new")]
    assert "dry run: 3 new, 0 changed, 0 unchanged; nothing was changed" in sink.text
    assert snapshot(pg_plain_db) == before and not has_history_schema(pg_plain_db)

    applying.apply(pg_plain_db.dsn, model, out=_Sink())
    first = history_rows(pg_plain_db)
    changed = model_from(SMALL.replace("indexes: {ix_a_name: {columns: [name]}}",
                                       "indexes: {ix_a_name: {columns: [name]}, ix_a_id_name: {columns: [id, name]}}"))
    applied = snapshot(pg_plain_db)
    result = applying.apply(pg_plain_db.dsn, changed, dry_run=True, out=_Sink())
    assert [s.status for s in result.scripts] == ["unchanged", "unchanged", "changed"]
    assert snapshot(pg_plain_db) == applied and history_rows(pg_plain_db) == first

    result = applying.apply(pg_plain_db.dsn, changed, out=_Sink())
    assert [s.status for s in result.scripts] == ["unchanged", "unchanged", "applied"]
    now = history_rows(pg_plain_db)
    assert now["030_tables.sql"] == first["030_tables.sql"], "an unchanged script's row stays as it was"
    assert now["050_indexes.sql"]["checksum"] != first["050_indexes.sql"]["checksum"]
    assert pg_plain_db.scalar("SELECT to_regclass('s.ix_a_id_name')") is not None


SMALL = """
databases:
  app:
    schemas:
      s:
        tables:
          a:
            columns: {id: {type: int, primary_key: true}, name: text}
            indexes: {ix_a_name: {columns: [name]}}
"""


def test_what_init_scripts_cannot_change_exits_1_pointing_at_diff(pg_plain_db, tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(SMALL)
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert code == 0, err
    path.write_text(SMALL.replace("name: text}", "name: text, note: text}"))  # a column on an existing table
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert code == 1, err
    assert "applied, but database app still differs" in err and "schemagen diff" in err
    assert "s.a" in err and "note" in err
    model = model_from(path.read_text())
    tables = next(s for s in render.render(model) if s.filename == "030_tables.sql")
    assert history_rows(pg_plain_db)["030_tables.sql"]["checksum"] == sc.checksum(
        render.script_text(tables, model)), "the changed script ran again and its row was updated"


def test_two_model_databases_in_one_database_keep_separate_histories(pg_plain_db):
    model = model_from(TWO)
    applying.apply(pg_plain_db.dsn, model, database="one", out=_Sink())
    applying.apply(pg_plain_db.dsn, model, database="two", out=_Sink())
    assert sorted(history_rows(pg_plain_db, "one")) == ["020_schemas.sql", "030_tables.sql"]
    assert sorted(history_rows(pg_plain_db, "two")) == ["020_schemas.sql", "030_tables.sql"]
    again = applying.apply(pg_plain_db.dsn, model, database="one", out=_Sink())
    assert again.count("unchanged") == 2
    applying.rollback(pg_plain_db.dsn, model, database="one", out=_Sink())
    assert history_rows(pg_plain_db, "one") == {} and len(history_rows(pg_plain_db, "two")) == 2
    assert pg_plain_db.scalar("SELECT to_regclass('t.b')") is not None
    applying.rollback(pg_plain_db.dsn, model, database="two", out=_Sink())
    assert not has_history_schema(pg_plain_db)


TWO = """
databases:
  one:
    schemas: {s: {tables: {a: {columns: {id: int}}}}}
  two:
    schemas: {t: {tables: {b: {columns: {id: int}}}}}
"""


# --- statements that cannot run in a transaction block ---------------------------------------------------------

def _with_outside(monkeypatch, sql: str) -> None:
    """Make render add one non-transactional statement to the indexes script (the renderer emits none today)."""
    real = render.render

    def patched(*args, **kwargs):
        out = []
        for s in real(*args, **kwargs):
            if s.phase == "indexes" and not s.rollback:
                extra = sc.Statement(sql, "index s.ix_a_concurrent", None, transactional=False)
                s = render.finish(dataclasses.replace(s, statements=s.statements + (extra,)))
            out.append(s)
        return out

    monkeypatch.setattr(render, "render", patched)


def test_non_transactional_statement_runs_after_the_commit(pg_plain_db, monkeypatch):
    _with_outside(monkeypatch, "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a_concurrent ON s.a (id, name);")
    model = model_from(SMALL)
    applying.apply(pg_plain_db.dsn, model, out=_Sink(), check_drift=False)
    assert pg_plain_db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 's.ix_a_concurrent'::regclass")
    assert history_rows(pg_plain_db)["050_indexes.sql"]["statements"] == 2
    assert applying.apply(pg_plain_db.dsn, model, out=_Sink(), check_drift=False).count("unchanged") == 3


def test_failing_non_transactional_statement_leaves_its_script_unrecorded(pg_plain_db, monkeypatch):
    _with_outside(monkeypatch, "CREATE INDEX CONCURRENTLY ix_a_concurrent ON s.a (no_such_column);")
    model = model_from(SMALL)
    script = next(s for s in render.render(model) if s.phase == "indexes" and not s.rollback)
    line = render.statement_lines(script, model)[-1]
    assert render.script_text(script, model).splitlines()[line - 1].startswith("CREATE INDEX CONCURRENTLY")
    with pytest.raises(DatabaseError) as caught:
        applying.apply(pg_plain_db.dsn, model, out=_Sink(), check_drift=False)
    message = str(caught.value)
    assert f"app/050_indexes.sql, line {line} (index s.ix_a_concurrent)" in message
    assert "no_such_column" in message and "SQLSTATE 42703" in message and "runs again next time" in message
    assert "050_indexes.sql" not in history_rows(pg_plain_db) and "030_tables.sql" in history_rows(pg_plain_db)
    assert pg_plain_db.scalar("SELECT to_regclass('s.ix_a_name')") is not None, "the transaction part committed"


# --- what the server cannot do ------------------------------------------------------------------------------------

def test_apache_refuses_community_features_before_any_change(ts_apache_db):
    before = snapshot(ts_apache_db)
    code, _, err = run_cli("apply", "--dsn", ts_apache_db.dsn, "--database", "datakwip")
    assert code == 3
    assert "Apache edition (timescaledb.license = apache)" in err and "compression of core.values_acme" in err
    assert "continuous aggregate core.values_acme_hourly" in err and "--skip-unsupported" in err
    assert "nothing was changed" in err
    assert snapshot(ts_apache_db) == before, "nothing was created, not even the history schema"
    assert not has_history_schema(ts_apache_db)
    code, _, err = run_cli("apply", "--dsn", ts_apache_db.dsn, "--database", "datakwip", "--skip-unsupported")
    assert code == 0, err
    assert "left out 15 object(s)" in err
    assert ts_apache_db.scalar("SELECT count(*) FROM timescaledb_information.hypertables") == 3
    rows = history_rows(ts_apache_db, "datakwip")
    assert {tuple(r["skipped_features"]) for r in rows.values()} == {
        ("compression", "continuous aggregate", "policy")}, "the history says what was left out"


def test_plain_postgres_refuses_timescaledb(pg_plain_db):
    before = snapshot(pg_plain_db)
    with pytest.raises(UnsupportedFeatures, match="has no TimescaleDB") as caught:
        applying.apply(pg_plain_db.dsn, haystack(), database="datakwip", out=_Sink())
    message = str(caught.value)
    assert "extension timescaledb" in message and "hypertable core.values_acme" in message
    assert "continuous aggregate core.values_globex_hourly" in message and "nothing was changed" in message
    assert snapshot(pg_plain_db) == before and not has_history_schema(pg_plain_db)


def test_missing_extension_refused_before_any_change(pg_plain_db):
    model = model_from("""
        databases:
          app:
            extensions: {no_such_extension: }
            schemas: {s: {tables: {a: {columns: {id: int}}}}}
    """)
    before = snapshot(pg_plain_db)
    with pytest.raises(UnsupportedFeatures, match="extension no_such_extension is not available"):
        applying.apply(pg_plain_db.dsn, model, out=_Sink())
    assert snapshot(pg_plain_db) == before


def test_several_databases_need_database_option(pg_plain_db):
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(MODEL))
    assert code == 2 and "choose one with --database" in err and "datakwip" in err and "simulator_state" in err


# --- rollback ---------------------------------------------------------------------------------------------------

def test_rollback_refuses_tables_with_rows(pg_plain_db):
    model = haystack()
    applying.apply(pg_plain_db.dsn, model, database="simulator_state", out=_Sink())
    with pg_plain_db.connect() as c:
        c.execute("INSERT INTO simulator_activity_log (timestamp, event_type) VALUES (now(), 'started')")
    applied = snapshot(pg_plain_db)
    code, _, err = run_cli("rollback", "--dsn", pg_plain_db.dsn, "--database", "simulator_state")
    assert code == 1
    assert "public.simulator_activity_log: 1 row(s)" in err and "--yes" in err
    assert snapshot(pg_plain_db) == applied, "a refused rollback changes nothing"
    assert pg_plain_db.scalar("SELECT count(*) FROM simulator_activity_log") == 1
    code, _, err = run_cli("rollback", "--dsn", pg_plain_db.dsn, "--database", "simulator_state", "--yes")
    assert code == 0, err
    assert pg_plain_db.scalar("SELECT to_regclass('simulator_activity_log')") is None
    assert not has_history_schema(pg_plain_db)


def test_seed_rows_alone_do_not_block_rollback(ts_apache_db):
    model = haystack()
    applying.apply(ts_apache_db.dsn, model, database="datakwip", skip_unsupported=True, out=_Sink())
    assert ts_apache_db.scalar("SELECT count(*) FROM core.tag_def") == 20
    applying.rollback(ts_apache_db.dsn, model, database="datakwip", out=_Sink())  # no --yes: only the model's rows
    assert ts_apache_db.scalar("SELECT to_regclass('core.tag_def')") is None


def test_extension_there_before_the_first_apply_is_kept(ts_apache_db):
    with ts_apache_db.connect() as c:
        c.execute("CREATE EXTENSION timescaledb")  # as the timescale/timescaledb image does
    before = snapshot(ts_apache_db)
    model = haystack()
    applying.apply(ts_apache_db.dsn, model, database="datakwip", skip_unsupported=True, out=_Sink())
    sink = _Sink()
    result = applying.rollback(ts_apache_db.dsn, model, database="datakwip", out=sink)
    assert result.kept_extensions == ["timescaledb"] and "keeping extension(s)" in sink.text
    assert snapshot(ts_apache_db) == before
    assert ts_apache_db.scalar("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'") == 1


def test_extension_created_by_apply_is_dropped(ts_apache_db):
    model = haystack()
    applying.apply(ts_apache_db.dsn, model, database="datakwip", skip_unsupported=True, out=_Sink())
    assert ts_apache_db.scalar("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'") == 1
    result = applying.rollback(ts_apache_db.dsn, model, database="datakwip", out=_Sink())
    assert result.kept_extensions == []
    assert ts_apache_db.scalar("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'") == 0


def test_rollback_without_history_drops_no_extension(ts_apache_db):
    """Nothing recorded which extensions schemagen made: rollback keeps them all rather than guess."""
    with ts_apache_db.connect() as c:
        c.execute("CREATE EXTENSION timescaledb")
    result = applying.rollback(ts_apache_db.dsn, haystack(), database="datakwip", out=_Sink())
    assert result.kept_extensions == ["timescaledb"]
    assert ts_apache_db.scalar("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'") == 1


# --- found by the property-based round trips (tests/test_properties.py) -------------------------------------------

def test_rollback_gives_public_its_own_comment_back(pg_plain_db):
    """A model that comments `public` changes a schema it does not create: the rollback puts back the comment
    PostgreSQL gives it, rather than leaving the model's behind."""
    model = model_from("""
        databases:
          app:
            schemas:
              public: {comment: the app's tables, tables: {t: {columns: {id: integer}}}}
        """)
    before = pg_plain_db.scalar("SELECT obj_description('public'::regnamespace, 'pg_namespace')")
    applying.apply(pg_plain_db.dsn, model, out=_Sink())
    assert pg_plain_db.scalar("SELECT obj_description('public'::regnamespace, 'pg_namespace')") == "the app's tables"
    applying.rollback(pg_plain_db.dsn, model, out=_Sink())
    assert pg_plain_db.scalar("SELECT obj_description('public'::regnamespace, 'pg_namespace')") == before \
        == render.PUBLIC_COMMENT


def test_seed_rows_keyed_by_a_real_column_are_the_models_own(pg_plain_db):
    """A float key value is looked up as its column's type: `real_column = 1.1` (numeric) is never true, so the
    rollback took the model's own seed row for someone else's and refused, and its DELETE left the row."""
    model = model_from("""
        databases:
          app:
            schemas:
              s:
                tables:
                  t:
                    columns: {r: real, d: double precision, label: text}
                    primary_key: [r, d]
                    seed: {rows: [{r: 1.1, d: 0.1, label: a}, {r: 2.5, d: 0.3, label: b}]}
        """)
    applying.apply(pg_plain_db.dsn, model, out=_Sink())
    assert differ.diff(pg_plain_db.dsn, model).changes == []
    sql = next(s for s in render.render(model, only="rollback") if s.phase == "seed").statements[0].sql
    assert "(('1.1', '0.1'), ('2.5', '0.3'))" in sql
    with pg_plain_db.connect() as c:
        c.execute(sql)  # the rollback's DELETE finds both rows
        assert c.execute("SELECT count(*) FROM s.t").fetchone()[0] == 0
        c.execute(next(s for s in render.render(model, only="init") if s.phase == "seed").statements[0].sql)
    applying.rollback(pg_plain_db.dsn, model, out=_Sink())  # no --yes: only the model's rows
    assert pg_plain_db.scalar("SELECT to_regclass('s.t')") is None


def test_one_org_with_skip_unsupported_after_the_shared_scripts(ts_apache_db):
    """On the Apache edition the shared continuous aggregates and policies are left out, so their scripts are never
    recorded: `apply --org` must not ask for them (it did when the org's own file needs no such feature)."""
    model = model_from("""
        orgs: [{key: acme, name: Acme}, {key: beta, name: Beta}]
        databases:
          app:
            extensions: {timescaledb: }
            schemas:
              s:
                tables:
                  m:
                    columns: {at: {type: timestamptz, not_null: true}, v: double precision}
                    hypertable: {time_column: at}
                    retention: {drop_after: 1 year}
                  notes_{org}: {columns: {id: integer}}
                continuous_aggregates:
                  hourly: {source: m, bucket: 1 hour, aggregates: {n: count(*)}}
        """)
    applying.apply(ts_apache_db.dsn, model, skip_unsupported=True, out=_Sink())
    applying.rollback(ts_apache_db.dsn, model, orgs=["acme"], out=_Sink())
    dry = applying.apply(ts_apache_db.dsn, model, orgs=["acme"], skip_unsupported=True, dry_run=True, out=_Sink())
    assert [(s.name, s.status) for s in dry.scripts] == [("900_org_acme.sql", "new")]
    result = applying.apply(ts_apache_db.dsn, model, orgs=["acme"], skip_unsupported=True, out=_Sink())
    assert [(s.name, s.status) for s in result.scripts] == [("900_org_acme.sql", "applied")]
    assert ts_apache_db.scalar("SELECT to_regclass('s.notes_acme')") is not None
