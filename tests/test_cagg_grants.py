"""Grants on continuous aggregates (`grants:` on an aggregate, as on a view): validate (privileges of a relation),
render (115_grants.sql and its rollback, an org's aggregate in its org file, left out for the Apache edition),
apply on ts-community with no drift, an out-of-band REVOKE reported, rollback back to the start; the offline
plan (a grant gained, an aggregate recreated with its grants); import writing them back."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import applied, drift_then_rollback, live_changes, model_from, run_cli

from schemagen import render
from schemagen.commands import importdb
from schemagen.commands import plan as planning
from schemagen.errors import ModelError
from schemagen.live.preflight import model_roles
from schemagen.render.edition import render_for

CASE = Path(__file__).resolve().parent / "plans" / "090_aggregate_grants"

MODEL = """
orgs:
  - {key: acme, name: Acme}
databases:
  app:
    extensions: {timescaledb: {}}
    schemas:
      s:
        grants: {sg_reader: [usage]}
        tables:
          m:
            columns: {at: {type: timestamptz, not_null: true}, device: {type: integer, not_null: true}, v: real}
            hypertable: {time_column: at, chunk_interval: 1 day}
          "e_{org}":
            columns: {at: {type: timestamptz, not_null: true}, v: real}
            hypertable: {time_column: at, chunk_interval: 1 day}
        continuous_aggregates:
          m_hourly:
            source: m
            bucket: 1 hour
            group_by: [device]
            aggregates: {avg_v: avg(v)}
            grants: {sg_reader: [select], sg_writer: [], PUBLIC: []}
          "e_{org}_daily":
            source: "e_{org}"
            bucket: 1 day
            aggregates: {n: count(*)}
            grants: {sg_reader: [all]}
        views:
          recent: {query: "SELECT device, avg_v FROM s.m_hourly", grants: {sg_reader: [select]}}
"""


def _bad(text: str) -> list[str]:
    with pytest.raises(ModelError) as e:
        model_from(text)
    return [str(p) for p in e.value.problems]


# --- validate -----------------------------------------------------------------------------------------------------

def test_model_reads_aggregate_grants():
    db = model_from(MODEL).databases[0]
    caggs = {c.name: c for c in db.continuous_aggregates}
    assert caggs["m_hourly"].grants == (("sg_reader", ("select",)), ("sg_writer", ()), ("PUBLIC", ()))
    assert caggs["e_acme_daily"].grants == (("sg_reader", ("all",)),)


@pytest.mark.parametrize("grants, message", [
    ("{sg_reader: [usage]}", "'usage' is not a privilege of a continuous aggregate (it takes select, insert"),
    ("{sg_reader: [execute]}", "'execute' is not a privilege of a continuous aggregate"),
    ("{'{org}_reader': [select]}", "{org} is not allowed in a role name"),
])
def test_bad_aggregate_grants_named_at_their_line(grants, message):
    text = MODEL.replace("grants: {sg_reader: [select], sg_writer: [], PUBLIC: []}", f"grants: {grants}")
    problems = _bad(text)
    assert any(message in p and p.startswith("model.yaml:23:") for p in problems), problems


# --- render -------------------------------------------------------------------------------------------------------

def test_render_grants_rollback_and_org_file():
    scripts = {s.relpath: s.text for s in render.render(model_from(MODEL))}
    grants = scripts["app/115_grants.sql"]
    assert ("REVOKE ALL ON TABLE s.m_hourly FROM sg_reader;\n\nGRANT SELECT ON TABLE s.m_hourly TO sg_reader;"
            in grants)
    assert "REVOKE ALL ON TABLE s.m_hourly FROM sg_writer;" in grants
    assert "REVOKE ALL ON TABLE s.m_hourly FROM PUBLIC;" in grants
    assert grants.index("s.m_hourly") < grants.index("s.recent")  # the aggregate's before the views on it
    assert "e_acme_daily" not in grants
    org = scripts["app/900_org_acme.sql"]  # an org's aggregate's grants are in its org's file, after it
    assert "GRANT ALL ON TABLE s.e_acme_daily TO sg_reader;" in org
    made = org.index("CREATE MATERIALIZED VIEW IF NOT EXISTS s.e_acme_daily")
    assert made < org.index("GRANT ALL ON TABLE s.e_acme_daily")
    undo = scripts["app/rollback/885_grants.sql"]
    assert ("IF pg_catalog.to_regclass('s.m_hourly'::pg_catalog.text) IS NOT NULL THEN REVOKE SELECT ON TABLE "
            "s.m_hourly FROM sg_reader;") in undo
    assert "sg_writer" not in undo  # nothing was granted to it


def test_apache_edition_leaves_aggregate_grants_out():
    scripts = {s.relpath: s.text for s in render_for(model_from(MODEL), "apache")}
    grants = scripts["app/115_grants.sql"]
    assert "GRANT USAGE ON SCHEMA s TO sg_reader;" in grants
    head, body = grants.split("BEGIN;", 1)
    assert "grants of continuous aggregate s.m_hourly" in head and "grants of view s.recent" in head  # noted
    assert "s.m_hourly" not in body and "s.recent" not in body  # the view reads the aggregate: out with it
    assert "s.e_acme_daily" not in scripts["app/900_org_acme.sql"].split("BEGIN;", 1)[1]
    assert "s.m_hourly" not in scripts["app/rollback/885_grants.sql"].split("BEGIN;", 1)[1]


# --- plan (offline) -------------------------------------------------------------------------------------------------

def _plan():
    before, after = (model_from((CASE / f).read_text(), f) for f in ("before.yaml", "after.yaml"))
    return planning.plan_offline(before, after)


def test_plan_gains_a_grant_and_recreates_an_aggregate_with_its_grants():
    plan = _plan()
    assert not plan.not_planned
    steps = {s.op: s for s in plan.steps}
    assert set(steps) == {"set_privileges", "recreate_aggregates"}
    grant = steps["set_privileges"]
    assert grant.description == "set the privileges of sg_reader on continuous aggregate s.m_hourly to SELECT " \
                                "(from (none))"
    assert grant.statements == ("REVOKE ALL ON TABLE s.m_hourly FROM sg_reader;",
                                "GRANT SELECT ON TABLE s.m_hourly TO sg_reader;")
    made = steps["recreate_aggregates"].statements
    create = next(n for n, text in enumerate(made)
                  if text.startswith("CREATE MATERIALIZED VIEW IF NOT EXISTS s.m_daily"))
    assert made.index("GRANT SELECT ON TABLE s.m_daily TO sg_reader;") > create
    assert "REVOKE ALL ON TABLE s.m_daily FROM sg_writer;" in made
    back = {s.op: s for s in plan.rollback}
    assert back["set_privileges"].statements == ("REVOKE ALL ON TABLE s.m_hourly FROM sg_reader;",)
    assert "GRANT SELECT ON TABLE s.m_daily TO sg_reader;" in back["recreate_aggregates"].statements


# --- live (ts-community) ------------------------------------------------------------------------------------------

def test_apply_no_drift_out_of_band_revoke_and_rollback(ts_community_db, tmp_path):
    db, path = ts_community_db, tmp_path / "model.yaml"
    before, model = applied(db, path, MODEL)
    assert db.scalar("SELECT has_table_privilege('sg_reader', 's.m_hourly', 'SELECT')") is True
    assert db.scalar("SELECT has_table_privilege('sg_reader', 's.e_acme_daily', 'TRUNCATE')") is True
    assert db.scalar("SELECT has_table_privilege('sg_writer', 's.m_hourly', 'SELECT')") is False
    with db.connect() as c:
        c.execute("SET ROLE sg_reader")  # the reader can query the aggregate (its materialization too)
        assert c.execute("SELECT count(*) FROM s.m_hourly").fetchone() == (0,)
        c.rollback()
    with db.connect() as c:
        c.execute("REVOKE SELECT ON s.m_hourly FROM sg_reader")
        c.execute("GRANT INSERT ON s.e_acme_daily TO sg_writer")  # a role the model does not name there
        c.execute("REVOKE DELETE ON s.e_acme_daily FROM sg_reader")
        c.commit()
    found = "\n".join(live_changes(db, model))
    assert "continuous aggregate s.m_hourly: privileges of sg_reader: expected SELECT, found (none)" in found, found
    assert "privileges of sg_writer: expected (none), found INSERT" in found, found
    assert "continuous aggregate s.e_acme_daily: privileges of sg_reader: expected " in found, found
    drift_then_rollback(db, path, "expected SELECT, found (none)", before)


def test_import_writes_aggregate_grants(ts_community_db, tmp_path):
    db, path = ts_community_db, tmp_path / "model.yaml"
    applied(db, path, MODEL)
    result = importdb.import_database(db.dsn, None, database="app")
    assert result.problems == []
    schema = yaml.safe_load(result.text)["databases"]["app"]["schemas"]["s"]
    caggs = schema["continuous_aggregates"]
    assert caggs["m_hourly"]["grants"] == {"sg_reader": ["select"]}
    daily = next(spec for name, spec in caggs.items() if name.endswith("_daily"))  # e_{org}_daily or e_acme_daily
    assert daily["grants"] == {"sg_reader": ["all"]}
    assert "aggregate" not in "\n".join(n for n in result.notes if "privileges" in n)
    imported = tmp_path / "imported.yaml"
    imported.write_text(result.text)
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", str(imported))
    assert code == 0, out + err
    code, out, err = run_cli("rollback", "--dsn", db.dsn, "-m", str(path), "--yes")
    assert code == 0, out + err


def test_docs_page_and_preflight_roles_name_aggregate_grants(tmp_path):
    text = MODEL.replace("sg_reader: [all]", "sg_only_on_an_aggregate: [all]")
    path = tmp_path / "model.yaml"
    path.write_text(text)
    code, out, err = run_cli("docs", "-m", str(path), "-o", str(tmp_path / "docs"))
    assert code == 0, out + err
    page = (tmp_path / "docs" / "app.md").read_text()
    assert "- Grants: `sg_reader`: select; `sg_writer`: nothing (all revoked); `PUBLIC`: nothing (all revoked)" in page
    # apply's pre-flight checks every role the model names exists: the aggregates' too
    assert "sg_only_on_an_aggregate" in model_roles(model_from(text).databases[0])
