"""Rendering: golden files, determinism, idempotent numbering, every statement parses."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pglast
import pytest

from helpers import MODEL, ROOT, haystack, model_from, run_cli
from schemagen import render
from schemagen.errors import Difference, UsageError

GOLDEN = ROOT / "out"  # the committed out/ is the golden copy of the root model


def test_out_is_current():
    """The committed out/ is exactly what the model renders (the PR check, `render --check`)."""
    code, _, err = run_cli("render", "-m", str(MODEL), "-o", str(GOLDEN), "--check")
    assert code == 0, err


def test_check_reports_stale_missing_and_extra(tmp_path):
    out = tmp_path / "out"
    shutil.copytree(GOLDEN, out)
    (out / "datakwip" / "030_tables.sql").write_text("-- edited by hand\n")
    (out / "datakwip" / "900_org_acme.sql").unlink()
    (out / "datakwip" / "900_org_gone.sql").write_text("-- an org removed from the model\n")
    code, _, err = run_cli("render", "-m", str(MODEL), "-o", str(out), "--check")
    assert code == 1
    assert "stale: " in err and "030_tables.sql" in err
    assert "missing: " in err and "900_org_acme.sql" in err
    assert "extra: " in err and "900_org_gone.sql" in err
    code, _, _ = run_cli("render", "-m", str(MODEL), "-o", str(out))
    assert code == 0
    assert not (out / "datakwip" / "900_org_gone.sql").exists()
    assert run_cli("render", "-m", str(MODEL), "-o", str(out), "--check")[0] == 0


def test_layout_and_rollback_order():
    scripts = render.render(haystack(), database="datakwip")
    init = [s.filename for s in scripts if not s.rollback]
    undo = sorted(s.filename for s in scripts if s.rollback)
    assert init == sorted(init), "apply order is ls order"
    assert init[0] == "010_extensions.sql" and init[-1].startswith("900_org_")
    assert undo[0].startswith("100_org_") and undo[-1] == "990_extensions.sql"
    # every init file has its rollback file
    assert sorted(1000 - s.number for s in scripts if not s.rollback) == sorted(s.number for s in scripts if s.rollback)


def test_adding_an_org_only_adds_files(tmp_path):
    before, after = tmp_path / "a", tmp_path / "b"
    model = haystack()
    render.write_out(render.render(model), before, model)
    text = MODEL.read_text().replace("orgs:\n", "orgs:\n  - key: initech\n    name: Initech\n", 1)
    bigger = model_from(text)
    render.write_out(render.render(bigger), after, bigger)
    old = {p.relative_to(before).as_posix(): p.read_bytes() for p in before.rglob("*.sql")}
    new = {p.relative_to(after).as_posix(): p.read_bytes() for p in after.rglob("*.sql")}
    assert set(new) - set(old) == {"datakwip/900_org_initech.sql", "datakwip/rollback/100_org_initech.sql"}
    assert all(new[k] == v for k, v in old.items()), "no existing file changes when an org is added"


def test_org_option_renders_only_that_org(tmp_path):
    code, _, err = run_cli("render", "-m", str(MODEL), "-o", str(tmp_path), "--org", "acme")
    assert code == 0, err
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.sql"))
    assert files == ["datakwip/900_org_acme.sql", "datakwip/rollback/100_org_acme.sql"]


def test_unknown_org_and_database_are_usage_errors():
    with pytest.raises(UsageError, match="unknown org 'nope'.*acme"):
        render.render(haystack(), orgs=["nope"])
    code, _, err = run_cli("render", "-m", str(MODEL), "--database", "nope", "--check")
    assert code == 2 and "unknown database 'nope'" in err and "Traceback" not in err


def test_deterministic_across_hash_seeds(tmp_path):
    digests = set()
    for seed in ("0", "1", "12345"):
        out = tmp_path / seed
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "schemagen.cli", "render", "-m", str(MODEL), "-o", str(out)],
                       check=True, env=env, capture_output=True)
        digests.add(tuple((p.relative_to(out).as_posix(), p.read_bytes()) for p in sorted(out.rglob("*.sql"))))
    assert len(digests) == 1


def _statements_parse(scripts, model):
    count = 0
    for s in scripts:
        text = render.script_text(s, model)
        for st in s.statements:
            parsed = pglast.parse_sql(st.sql)
            assert len(parsed) == 1, f"{s.relpath}: not one statement: {st.sql}"
            count += 1
        pglast.parse_sql(text)  # and the whole file, BEGIN/COMMIT included
    return count


def test_every_statement_of_out_parses():
    model = haystack()
    assert _statements_parse(render.render(model), model) > 50


RICH = """
orgs:
  - {key: a1, name: "A's"}
databases:
  "Mixed-DB":
    extensions: {timescaledb: , vector: {schema: public}}
    schemas:
      "Odd Schema":
        comment: "it's odd"
        tables:
          parent:
            columns:
              id: {type: bigint, identity: always}
              code: {type: "varchar(20)", not_null: true, unique: true, check: "code <> ''"}
              "select": {type: text, default: "'x;y'"}
            primary_key: {name: parent_pk, columns: [id]}
          child_{org}:
            columns:
              id: {type: uuid, default: gen_random_uuid()}
              at: {type: timestamptz, not_null: true}
              parent_id: {type: bigint, references: {table: "Odd Schema.parent", column: id, on_delete: cascade}}
              emb: vector(3)
              doc: jsonb
              n: {type: "numeric(18,8)", check: "n > 0"}
            primary_key: [id, at, parent_id]
            checks: {"n small": "n < 1000"}
            indexes:
              ix_doc: {method: gin, columns: [{column: doc, opclass: jsonb_path_ops}]}
              ix_emb: {method: hnsw, columns: [{column: emb, opclass: vector_cosine_ops}], with: {m: 16}}
              ix_cov: {columns: [at DESC NULLS LAST], include: [n], where: "n > 1"}
              ix_u: {columns: [parent_id, at], unique: true, nulls_not_distinct: true}
            hypertable: {time_column: at, chunk_interval: 1 day, dimensions: [{column: parent_id, partitions: 2}]}
            compression: {segment_by: [parent_id], order_by: [at DESC], after: 7 days, schedule_interval: 1 hour}
            retention: {drop_after: 90 days}
            triggers:
              trg: {function: "Odd Schema.touch", timing: before, events: [update, insert], when: "NEW.n IS NOT NULL"}
        continuous_aggregates:
          child_{org}_hourly:
            source: child_{org}
            bucket: 1 hour
            group_by: [parent_id]
            aggregates: {total: sum(n)}
            refresh: {start_offset: 1 day, end_offset: 1 hour, schedule_interval: 30 minutes}
            indexes: {ix_hourly: {columns: [parent_id, bucket]}}
          child_{org}_daily:
            source: child_{org}_hourly
            bucket: 1 day
            group_by: [parent_id]
            aggregates: {total: sum(total)}
            refresh: {start_offset: 7 days, end_offset: 1 day, schedule_interval: 1 day}
        views:
          v: {query: "SELECT id, code FROM \\"Odd Schema\\".parent WHERE code <> 'a;b'", comment: a view}
        materialized_views:
          mv: {query: "SELECT count(*) AS n FROM \\"Odd Schema\\".parent", with_data: false,
               indexes: {mv_n: {columns: [n]}}}
        functions:
          touch:
            returns: trigger
            language: plpgsql
            body: "BEGIN NEW.n := NEW.n; RETURN NEW; END $body$ ; DROP TABLE x; --"
          add:
            arguments: [{name: a, type: int}, {name: b, type: int, default: 1}]
            returns: int
            language: sql
            volatility: immutable
            body: SELECT a + b
        tables_seeded: null
"""


def test_rich_model_statements_parse_and_quote():
    model = model_from(RICH.replace("        tables_seeded: null\n", ""))
    scripts = render.render(model)
    assert _statements_parse(scripts, model) > 30
    text = "".join(render.script_text(s, model) for s in scripts)
    assert 'CREATE SCHEMA IF NOT EXISTS "Odd Schema";' in text
    assert '"select" text DEFAULT \'x;y\'' in text
    assert "$body1$BEGIN NEW.n := NEW.n; RETURN NEW; END $body$ ; DROP TABLE x; --$body1$" in text
    assert "COMMENT ON SCHEMA \"Odd Schema\" IS 'it''s odd';" in text
    files = {s.relpath for s in scripts}
    assert "Mixed-DB/900_org_a1.sql" in files


def test_skip_features_drops_community_statements():
    model = haystack()
    full = render.render(model, database="datakwip")
    apache = render.render(model, database="datakwip", skip_features=frozenset({"compression", "policy",
                                                                                  "continuous aggregate"}))
    text = "".join(render.script_text(s, model) for s in apache)
    assert "add_compression_policy" not in text and "timescaledb.continuous" not in text
    assert "create_hypertable" in text
    assert sum(len(s.statements) for s in apache) < sum(len(s.statements) for s in full)


def test_headers_have_no_timestamp_and_a_hash():
    model = haystack()
    s = render.render(model, database="datakwip")[0]
    header = render.script_text(s, model).splitlines()[:3]
    assert header[0].startswith("-- Generated by schemagen") and "model.yaml" in header[0]
    assert header[2].startswith("-- sha256: ") and len(header[2].split()[-1]) == 64


def test_statement_lines_point_at_statements():
    model = haystack()
    for s in render.render(model, database="datakwip"):
        lines = render.script_text(s, model).splitlines()
        for st, n in zip(s.statements, render.statement_lines(s, model)):
            assert lines[n - 1] == st.sql.splitlines()[0]


def test_write_out_only_rewrites_changed_files(tmp_path):
    model = haystack()
    scripts = render.render(model)
    assert len(render.write_out(scripts, tmp_path, model)) == len(scripts)
    assert render.write_out(scripts, tmp_path, model) == []


def test_check_out_raises_difference(tmp_path):
    model = haystack()
    with pytest.raises(Difference, match="missing"):
        render.check_out(render.render(model), tmp_path, model)


def test_templates_ship_in_the_package():
    from importlib import resources

    names = {p.name for p in resources.files("schemagen.templates").iterdir()}
    assert {"table.sql.j2", "hypertable.sql.j2", "continuous_aggregate.sql.j2"} <= names
    assert Path(str(resources.files("schemagen.sql").joinpath("columns.sql"))).is_file()
