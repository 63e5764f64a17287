"""Regression tests for issue 15's "Bugs to fix": each test fails on the code before its fix."""
from __future__ import annotations

import io
import json
import textwrap

import pytest
from helpers import model_from, run_cli, snapshot

from schemagen import render
from schemagen.commands import apply as applying
from schemagen.errors import ModelError
from schemagen.load import load_model_text


def _write(tmp_path, text: str):
    path = tmp_path / "model.yaml"
    path.write_text(textwrap.dedent(text))
    return path


# --- bug 1: functions the tables need are created before them (028_early_functions.sql) -------------------------

EARLY = """
databases:
  app:
    schemas:
      s:
        tables:
          t:
            columns:
              id: {type: integer, not_null: true}
              n: {type: integer, default: "s.twice(1)"}
              code: text
            primary_key: [id]
            checks:
              positive: "is_positive(id)"
            indexes:
              t_code: {columns: [{expression: "s.norm(code)"}], where: "s.keep(code)"}
        functions:
          is_positive:
            arguments: [{name: x, type: integer}]
            returns: boolean
            language: sql
            volatility: immutable
            body: "SELECT s.sign_of(x) > 0"
          sign_of:
            arguments: [{name: x, type: integer}]
            returns: integer
            language: plpgsql
            volatility: immutable
            body: "BEGIN RETURN pg_catalog.sign(x); END"
          twice: {arguments: [{name: x, type: integer}], returns: integer, language: sql, body: "SELECT 2 * x"}
          norm: {arguments: [{name: x, type: text}], returns: text, language: sql, volatility: immutable,
                 body: "SELECT lower(x)"}
          keep: {arguments: [{name: x, type: text}], returns: boolean, language: sql, volatility: immutable,
                 body: "SELECT x IS NOT NULL"}
          late: {arguments: [], returns: integer, language: sql, body: "SELECT count(*)::integer FROM s.t"}
"""


def test_functions_the_tables_call_come_first():
    model = model_from(EARLY.replace("is_positive(id)", "s.is_positive(id)"))
    files = {s.filename: s for s in render.render(model, only="init")}
    assert list(files)[:4] == ["020_schemas.sql", "028_early_functions.sql", "030_tables.sql", "050_indexes.sql"]
    early = [st.object for st in files["028_early_functions.sql"].statements if st.object.startswith("function")]
    assert early == ["function s.is_positive(integer)", "function s.sign_of(integer)", "function s.twice(integer)",
                     "function s.norm(text)", "function s.keep(text)"]
    late = [st.object for st in files["080_functions.sql"].statements if st.object.startswith("function")]
    assert late == ["function s.late()"]
    rollback = {s.filename for s in render.render(model, only="rollback")}
    assert {"972_early_functions.sql", "920_functions.sql"} <= rollback


def test_early_functions_apply_and_roll_back(pg_plain_db):
    model = model_from(EARLY.replace("is_positive(id)", "s.is_positive(id)"))
    before = snapshot(pg_plain_db)
    applying.apply(pg_plain_db.dsn, model, out=io.StringIO())  # check_drift: no drift, or Difference is raised
    with pg_plain_db.connect() as c:
        c.execute("INSERT INTO s.t (id, code) VALUES (1, 'A')")
        assert c.execute("SELECT n FROM s.t").fetchone()[0] == 2
        with pytest.raises(Exception, match="positive"):
            c.execute("INSERT INTO s.t (id) VALUES (-1)")
    with pg_plain_db.connect() as c:
        c.execute("DELETE FROM s.t")
    applying.rollback(pg_plain_db.dsn, model, out=io.StringIO())
    assert snapshot(pg_plain_db) == before


def test_a_function_of_a_row_type_the_tables_need_is_refused():
    text = EARLY.replace("is_positive(id)", "s.first_id(null::s.t) > 0") + textwrap.indent(textwrap.dedent("""
        first_id:
          arguments: [{name: r, type: s.t}]
          returns: integer
          language: sql
          body: "SELECT r.id"
        """), " " * 10)
    with pytest.raises(ModelError) as e:
        load_model_text(textwrap.dedent(text), "model.yaml")
    message = str(e.value)
    assert "function s.first_id(s.t) must exist before the tables (check positive of table s.t calls it)" in message
    assert "row type of s.t" in message
    assert "model.yaml:" in message


# --- bug 5: a boolean false is false, not (none) / null ----------------------------------------------------------

UNIQUE = """
databases:
  app:
    schemas:
      s:
        tables:
          t:
            columns: {id: {type: integer, not_null: true}, code: text}
            indexes:
              t_code: {columns: [code], unique: true}
              t_plain: {columns: [id]}
"""


def test_false_is_shown_as_false(pg_plain_db, tmp_path):
    path = _write(tmp_path, UNIQUE)
    applying.apply(pg_plain_db.dsn, model_from(UNIQUE), out=io.StringIO())
    with pg_plain_db.connect() as c:
        c.execute("DROP INDEX s.t_code; CREATE INDEX t_code ON s.t (code); DROP INDEX s.t_plain;"
                  "CREATE UNIQUE INDEX t_plain ON s.t (id)")
    code, out, _ = run_cli("diff", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert code == 1
    assert "index t_code: unique: expected true, found false" in out
    assert "index t_plain: unique: expected false, found true" in out
    code, out, _ = run_cli("diff", "--dsn", pg_plain_db.dsn, "-m", str(path), "--format", "json")
    changes = {c["attribute"]: c for c in json.loads(out)["databases"][0]["changes"]}
    values = {a: (c["expected"], c["actual"]) for a, c in changes.items()}
    assert values["index t_code: unique"] == ("true", "false")
    assert values["index t_plain: unique"] == ("false", "true")


# --- bug 7: one form for intervals on both sides; bug 8: an extra part shows what it holds ------------------------

POLICIES = """
databases:
  app:
    extensions: {timescaledb: {}}
    schemas:
      s:
        tables:
          m:
            columns: {at: {type: timestamptz, not_null: true}, v: integer}
            hypertable: {time_column: at, chunk_interval: 1 day}
            retention: {drop_after: 30 days, schedule_interval: 24 hours}
          u:
            columns: {at: {type: timestamptz, not_null: true}, v: integer}
            hypertable: {time_column: at}
"""


def test_intervals_in_one_form_and_extra_parts_with_their_values(ts_community_db, tmp_path):
    db, path = ts_community_db, _write(tmp_path, POLICIES)
    before = snapshot(db)
    applying.apply(db.dsn, model_from(POLICIES), out=io.StringIO())
    with db.connect() as c:
        c.execute("SELECT alter_job(job_id, schedule_interval => INTERVAL '48 hours') "
                  "FROM timescaledb_information.jobs WHERE hypertable_name = 'm' AND proc_name = 'policy_retention'")
        c.execute("SELECT add_retention_policy('s.u', INTERVAL '10 days')")
    code, out, _ = run_cli("diff", "--dsn", db.dsn, "-m", str(path))
    assert code == 1
    assert "retention policy: schedule_interval: expected 1 day, found 2 days" in out
    assert "retention policy: extra: drop_after 10 days, schedule_interval 1 day" in out
    code, out, _ = run_cli("diff", "--dsn", db.dsn, "-m", str(path), "--format", "json")
    changes = {(c["object"], c["attribute"]): c for c in json.loads(out)["databases"][0]["changes"]}
    changed = changes[("s.m", "retention policy: schedule_interval")]
    assert (changed["expected"], changed["actual"]) == ("1 day", "2 days")
    extra = changes[("s.u", "retention policy")]
    assert extra["change"] == "extra" and json.loads(extra["actual"]) == {"drop_after": "10 days", "scheduled": "true",
                                                                          "schedule_interval": "1 day"}
    applying.rollback(db.dsn, model_from(POLICIES), out=io.StringIO())
    assert snapshot(db) == before


def test_interval_canonical_form():
    from schemagen.sqltext import Interval
    shown = {t: Interval.parse(t).canonical for t in ("5 minutes", "01:00:00", "24 hours", "48:00:00", "1 year",
                                                      "1 day 02:00:00", "90 seconds", "1.5 seconds", "30 days")}
    assert shown == {"5 minutes": "5 minutes", "01:00:00": "1 hour", "24 hours": "1 day", "48:00:00": "2 days",
                     "1 year": "1 year", "1 day 02:00:00": "1 day 2 hours", "90 seconds": "1 minute 30 seconds",
                     "1.5 seconds": "1.5 seconds", "30 days": "30 days"}


# --- bug 2: `default: "NULL"` is no drift (PostgreSQL stores no default) -----------------------------------------

NULL_DEFAULT = """
databases:
  app:
    schemas:
      s:
        tables:
          t:
            columns:
              a: {type: integer, default: "NULL"}
              b: {type: text, default: " null "}
              c: {type: text, default: "NULL::text"}
              d: {type: text, default: "'NULL'"}
"""


def test_null_default_is_no_drift(pg_plain_db, tmp_path):
    path = _write(tmp_path, NULL_DEFAULT)
    applying.apply(pg_plain_db.dsn, model_from(NULL_DEFAULT), out=io.StringIO())  # raises Difference on drift
    code, out, _ = run_cli("diff", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert (code, out.strip()) == (0, "database app: no drift")
    with pg_plain_db.connect() as c:  # a real default set out of band is still drift
        c.execute("ALTER TABLE s.t ALTER COLUMN a SET DEFAULT 7")
    code, out, _ = run_cli("diff", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert code == 1 and "column a: default: expected (none), found 7" in out


# --- bug 10: after a refused apply, rollback undoes nothing and says so ---------------------------------------------

def test_rollback_after_a_refused_apply_reports_nothing_undone(pg_plain_db, tmp_path):
    path = _write(tmp_path, POLICIES)  # TimescaleDB on plain PostgreSQL: the pre-flight refuses
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert code == 3
    before = snapshot(pg_plain_db)
    code, out, err = run_cli("rollback", "--dsn", pg_plain_db.dsn, "-m", str(path), "--yes")
    assert code == 0, err
    text = out + err
    assert "undone" not in text
    assert "nothing to undo  rollback/970_tables.sql  (030_tables.sql never ran)" in text
    assert "app: 0 rollback script(s) run, 2 with nothing to undo" in text
    assert snapshot(pg_plain_db) == before


def test_rollback_after_a_partial_apply_undoes_what_ran(pg_plain_db):
    model = model_from(UNIQUE)
    applying.apply(pg_plain_db.dsn, model, out=io.StringIO())
    with pg_plain_db.connect() as c:  # as if 050_indexes.sql had never committed
        c.execute("DROP INDEX s.t_code; DROP INDEX s.t_plain;"
                  "DELETE FROM schemagen.objects WHERE kind = 'index';"
                  "DELETE FROM schemagen.history WHERE script = '050_indexes.sql'")
    out = io.StringIO()
    applying.rollback(pg_plain_db.dsn, model, out=out)
    lines = out.getvalue()
    assert "nothing to undo  rollback/950_indexes.sql  (050_indexes.sql never ran)" in lines
    assert "undone  rollback/970_tables.sql" in lines and "undone  rollback/980_schemas.sql" in lines


# --- bug 3: --skip-unsupported leaves out what depends on a skipped object, and says so -----------------------------

ON_CAGG = """
databases:
  app:
    extensions: {timescaledb: {}}
    schemas:
      s:
        tables:
          m:
            columns: {at: {type: timestamptz, not_null: true}, v: integer}
            hypertable: {time_column: at, chunk_interval: 1 day}
            triggers:
              m_touch: {function: s.touch, timing: before, events: [insert]}
        continuous_aggregates:
          daily:
            source: m
            bucket: 1 day
            bucket_column: day
            aggregates: {total: sum(v)}
        views:
          daily_v: {query: "SELECT day, total FROM s.daily"}
          daily_vv: {query: "SELECT day FROM daily_v"}
          plain_v: {query: "SELECT at FROM s.m"}
        materialized_views:
          daily_mv: {query: "SELECT day FROM s.daily_vv", indexes: {daily_mv_day: {columns: [day]}}}
        functions:
          touch: {returns: trigger, language: plpgsql, body: "BEGIN RETURN NEW; END"}
"""


def test_skip_unsupported_leaves_out_the_views_on_a_skipped_aggregate(ts_apache_db, tmp_path):
    db, path = ts_apache_db, _write(tmp_path, ON_CAGG)
    before = snapshot(db)
    code, out, err = run_cli("apply", "--dsn", db.dsn, "-m", str(path), "--skip-unsupported")
    assert code == 0, err
    text = out + err
    for name in ("continuous aggregate s.daily", "view s.daily_v", "view s.daily_vv", "materialized view s.daily_mv",
                 "index s.daily_mv_day"):
        assert name in text
    assert "view s.plain_v" not in text
    with db.connect() as c:
        assert c.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'm_touch'").fetchone()[0] == 1
        assert c.execute("SELECT to_regclass('s.plain_v') IS NOT NULL, to_regclass('s.daily_v')").fetchone() == (
            True, None)
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", str(path), "--skip-unsupported")
    assert code == 0, out + err
    code, out, err = run_cli("rollback", "--dsn", db.dsn, "-m", str(path), "--yes")
    assert code == 0, err
    assert snapshot(db) == before


def test_views_on_an_aggregate_need_what_it_needs():
    model = model_from(ON_CAGG)
    features = {st.object: st.feature for s in render.render(model, only="init") for st in s.statements}
    assert features["view s.daily_vv"] == features["materialized view s.daily_mv"] == "continuous aggregate"
    assert features["index s.daily_mv_day"] == "continuous aggregate" and features["view s.plain_v"] is None


# --- bug 6: trailing blanks of a body are no drift; other differences show as a unified diff ------------------------

BODY = """
databases:
  app:
    schemas:
      s:
        functions:
          f:
            returns: integer
            language: plpgsql
            body: |
              DECLARE
                a integer := 1;
              BEGIN
                a := a + 1;
                a := a * 2;
                a := a - 3;
                RETURN a;
              END
"""

_CREATE = "CREATE OR REPLACE FUNCTION s.f() RETURNS integer LANGUAGE plpgsql AS $b${}$b$"
_LINES = ["DECLARE", "  a integer := 1;", "BEGIN", "  a := a + 1;", "  a := a * 2;", "  a := a - 3;",
          "  RETURN a;", "END"]


def test_function_bodies_trailing_blanks_and_unified_diffs(pg_plain_db, tmp_path):
    path = _write(tmp_path, BODY)
    applying.apply(pg_plain_db.dsn, model_from(BODY), out=io.StringIO())
    with pg_plain_db.connect() as c:  # trailing blanks on lines and blank lines at the end: the same function
        c.execute(_CREATE.replace("{}", "\n".join(line + "  " for line in _LINES) + "\n\n\n"))
    code, out, _ = run_cli("diff", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert (code, out.strip()) == (0, "database app: no drift")
    with pg_plain_db.connect() as c:  # indentation changed on one line: whitespace-only drift, made visible
        c.execute(_CREATE.replace("{}", "\n".join(_LINES).replace("  a := a * 2;", "\ta := a * 2;")))
    code, out, _ = run_cli("diff", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert code == 1
    assert "body: (whitespace only: · a space, → a tab)" in out
    assert "        -··a·:=·a·*·2;" in out and "        +→a·:=·a·*·2;" in out
    assert "--- expected" in out and "+++ found" in out
    assert "RETURN a;" in out and "DECLARE" not in out  # three lines of context, not the whole body
    with pg_plain_db.connect() as c:
        c.execute(_CREATE.replace("{}", "\n".join(_LINES).replace("a * 2", "a * 5")))
    code, out, _ = run_cli("diff", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert "        -  a := a * 2;" in out and "        +  a := a * 5;" in out and "whitespace only" not in out
    code, out, _ = run_cli("diff", "--dsn", pg_plain_db.dsn, "-m", str(path), "--format", "json")
    body = json.loads(out)["databases"][0]["changes"][0]
    assert body["attribute"] == "body" and body["expected"].count("\n") == 7 and "a * 5" in body["actual"]


# --- bug 9: schema and semantic problems in one run; did-you-mean only for really close names ----------------------

PROBLEMS = """
databases:
  app:
    extensions: {timescaledb: {}}
    schemas:
      s:
        tables:
          m:
            columns: {at: {type: timestamptz, not_null: true}, v: integer}
            hypertable: {time_column: at}
            compression: {segmnet_by: [v], compress_chunk_time_interval: 1 day}
          other:
            columns: {id: integer, x: chat_role}
            indexes: {ix: {columns: [missing_col]}}
"""


def test_problems_at_once_and_hints_only_when_close(tmp_path):
    code, _, err = run_cli("validate", "-m", str(_write(tmp_path, PROBLEMS)))
    assert code == 2
    assert "unknown key 'segmnet_by'; did you mean 'segment_by'?" in err
    assert "'compress_chunk_time_interval'" in err and "did you mean 'schedule_interval'" not in err
    assert "unknown type 'chat_role'" in err and "did you mean 'char'" not in err
    assert "index ix names unknown column 'missing_col' of s.other" in err  # a semantic problem, in the same run


def test_no_hint_for_a_far_name(tmp_path):
    text = PROBLEMS.replace("segmnet_by: [v], ", "segment_by: [v], ")
    code, _, err = run_cli("validate", "-m", str(_write(tmp_path, text)))
    # compression now has chunk_time_interval (TimescaleDB's compress_chunk_time_interval): a real near miss, while
    # schedule_interval, which shares only the word "interval", is never offered
    assert code == 2 and "unknown key 'compress_chunk_time_interval'; did you mean 'chunk_time_interval'?" in err
    assert "did you mean 'schedule_interval'" not in err


BROKEN_STRUCTURE = """
databases:
  app:
    schemas:
      s:
        tables:
          t:
            columns: {id: integer}
            checks: [{name: c1, expression: "id > 0"}]
          gone:
            colums: {id: integer}
          u:
            columns: {id: integr, t_id: integer}
            foreign_keys: [{columns: [t_id], references: {table: s.gone, columns: [id]}}]
"""


def test_semantic_problems_beside_a_structure_the_builder_cannot_read(tmp_path):
    # a list where a mapping belongs stops the builder; the refused pieces are cut out and the rest still checked
    code, out, err = run_cli("validate", "-m", str(_write(tmp_path, BROKEN_STRUCTURE)))
    assert code == 2 and out == "" and "Traceback" not in err
    assert "tables.t.checks: expected a mapping" in err
    assert "unknown key 'colums'; did you mean 'columns'?" in err
    assert ":13:" in err and "unknown type 'integr'; did you mean 'integer'?" in err  # semantic, same run
    assert "unknown table s.gone" not in err and "of s.gone" not in err  # follows from the refused table
    assert "please report this" not in err


# --- bug 11: render --edition apache writes a folder psql runs cleanly on the Apache edition -----------------------

APACHE = ON_CAGG.replace("            hypertable: {time_column: at, chunk_interval: 1 day}\n",
                         "            hypertable: {time_column: at, chunk_interval: 1 day}\n"
                         "            compression: {segment_by: [v], after: 7 days}\n"
                         "            retention: {drop_after: 90 days}\n")


def test_render_for_the_apache_edition_runs_through_psql(ts_apache_db, tmp_path):
    from test_render_psql import init_files, psql, rollback_files
    path, out = _write(tmp_path, APACHE), tmp_path / "apache-out"
    code, _, err = run_cli("render", "-m", str(path), "-o", str(out), "--edition", "apache")
    assert code == 0, err
    folder = out / "app"
    names = [f.name for f in init_files(folder)]
    assert "060_compression.sql" not in names and "070_policies.sql" not in names
    assert "090_continuous_aggregates.sql" not in names
    views = (folder / "100_views.sql").read_text()
    assert "-- Rendered for --edition apache: left out, as they need TimescaleDB's community edition:" in views
    assert "--   view s.daily_v" in views and "--   materialized view s.daily_mv" in views
    assert "CREATE OR REPLACE VIEW s.plain_v" in views.replace('"', "") and "daily_vv AS" not in views
    code, _, err = run_cli("render", "-m", str(path), "-o", str(out), "--edition", "apache", "--check")
    assert code == 0, err  # the same files again
    before = snapshot(ts_apache_db)
    psql(ts_apache_db.dsn, init_files(folder))
    psql(ts_apache_db.dsn, init_files(folder))  # idempotent, as every rendered folder
    with ts_apache_db.connect() as c:
        assert c.execute("SELECT count(*) FROM timescaledb_information.hypertables").fetchone()[0] == 1
        assert c.execute("SELECT to_regclass('s.plain_v') IS NOT NULL").fetchone()[0]
    psql(ts_apache_db.dsn, rollback_files(folder))
    assert snapshot(ts_apache_db) == before
    # the community folder is what it always was: 060_compression.sql fails on this server
    code, _, _ = run_cli("render", "-m", str(path), "-o", str(tmp_path / "full"))
    assert code == 0 and (tmp_path / "full" / "app" / "060_compression.sql").exists()
