"""Regression tests for what the real schemas knocker, hedera_timescale and hedera_v1 (tests/realschemas/) found
schemagen could not say or got wrong; one test (or a few) per fix."""
from __future__ import annotations

import pytest
from helpers import model_from, run_cli, snapshot

from schemagen import render
from schemagen.errors import ModelError

# --- grants on a standalone sequence (hedera_v1: GRANT ALL ON s_..._seq TO mirror_node) ------------------------

SEQUENCE_GRANTS = """
databases:
  app:
    schemas:
      app:
        sequences:
          order_no: {grants: {sg_reader: [usage, select], sg_writer: [all]}}
        tables:
          orders:
            columns:
              no: {type: bigint, primary_key: true, default: "nextval('app.order_no')"}
"""


def test_a_sequence_takes_grants_and_they_are_rendered_and_revoked():
    scripts = {s.relpath: s.text for s in render.render(model_from(SEQUENCE_GRANTS))}
    grants = scripts["app/115_grants.sql"]
    assert "REVOKE ALL ON SEQUENCE app.order_no FROM sg_reader;" in grants
    assert "GRANT SELECT, USAGE ON SEQUENCE app.order_no TO sg_reader;" in grants
    assert "GRANT ALL ON SEQUENCE app.order_no TO sg_writer;" in grants
    rollback = scripts["app/rollback/885_grants.sql"]
    assert "REVOKE SELECT, USAGE ON SEQUENCE app.order_no FROM sg_reader;" in rollback


def test_a_sequence_refuses_a_privilege_sequences_have_not():
    with pytest.raises(ModelError) as e:
        model_from(SEQUENCE_GRANTS.replace("[usage, select]", "[execute]"))
    assert "'execute' is not a privilege of a sequence" in str(e.value)


def test_sequence_grants_apply_without_drift_and_drift_when_changed_out_of_band(pg_plain_db, tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(SEQUENCE_GRANTS)
    before = snapshot(pg_plain_db)
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert code == 0, err
    code, out, err = run_cli("diff", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert code == 0, out + err
    with pg_plain_db.connect() as c:
        acl = c.execute("SELECT relacl::text FROM pg_class WHERE oid = 'app.order_no'::regclass").fetchone()[0]
        assert "sg_reader=rU/" in acl and "sg_writer=rwU/" in acl, acl
        c.execute("REVOKE USAGE ON SEQUENCE app.order_no FROM sg_reader")
    code, out, err = run_cli("diff", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert code == 1 and "sequence app.order_no" in out and "privileges of sg_reader" in out, out + err
    code, _, err = run_cli("rollback", "--dsn", pg_plain_db.dsn, "-m", str(path), "--yes")
    assert code == 0, err
    assert snapshot(pg_plain_db) == before


def test_apply_refuses_a_sequence_grant_to_a_missing_role(pg_plain_db, tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(SEQUENCE_GRANTS.replace("sg_writer", "sg_nobody_here"))
    code, out, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert code == 3 and "sg_nobody_here" in out + err, out + err
