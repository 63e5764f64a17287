"""The drift check on live servers: applied models show no drift; each out-of-band change is reported on the
right object and attribute, with exit code 1, and undoing it leaves no drift; the CLI's text and JSON reports,
--org, --database; the query count does not grow with orgs; figures for 300 orgs."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

import pytest
from helpers import ROOT, haystack, model_from, run_cli

from schemagen import render
from schemagen.commands import apply as applying
from schemagen.commands import drift as differ
from schemagen.live.behaviour import BEHAVIOUR_QUERIES
from schemagen.live.connect import connection, server_info
from schemagen.live.inspect import CATALOG_QUERIES, TIMESCALEDB_QUERIES
from schemagen.load import load_model

RICH = ROOT / "tests" / "golden" / "rich.yaml"  # every feature, awkward names (Mixed-DB and plain)


class _Sink:
    def write(self, _text):
        return 0

    def flush(self):
        pass


def _live(db, model, database: str | None = None, *, skip: bool = False, orgs=None) -> list[differ.Change]:
    """What `diff` reports (skip: --skip-unsupported), without printing."""
    with connection(db.dsn) as conn:
        unsupported = frozenset(server_info(conn, db.dsn).unsupported()) if skip else frozenset()
        return differ.compare_live(conn, model, model.database(database) if database else model.databases[0],
                                   orgs=orgs, skip=unsupported)


# --- no drift right after apply ------------------------------------------------------------------------------------

NO_DRIFT = [
    ("ts-community", "root", "datakwip", False),
    ("ts-community", "rich", "Mixed-DB", False),
    ("ts-apache", "root", "datakwip", True),
    ("ts-apache", "rich", "Mixed-DB", True),
    ("pg-plain", "root", "simulator_state", False),
    ("pg-plain", "rich", "plain", False),
    ("pg-plain", "root", "datakwip", True),  # no TimescaleDB at all: hypertables and the extension left out too
]


@pytest.mark.parametrize("server, which, database, skip", NO_DRIFT,
                         ids=[f"{w}/{d}@{s}" for s, w, d, skip in NO_DRIFT])
def test_no_drift_right_after_apply(request, server, which, database, skip):
    db = request.getfixturevalue({"ts-community": "ts_community_db", "ts-apache": "ts_apache_db",
                                  "pg-plain": "pg_plain_db"}[server])
    model = haystack() if which == "root" else load_model(RICH)
    applying.apply(db.dsn, model, database=database, skip_unsupported=skip, out=_Sink(), check_drift=False)
    args = ["diff", "--dsn", db.dsn, "-m", str(ROOT / "model.yaml" if which == "root" else RICH),
            "--database", database] + (["--skip-unsupported"] if skip else [])
    code, out, err = run_cli(*args)
    assert code == 0, out + err
    assert out.strip() == f"database {database}: no drift"
    if skip:
        assert "--skip-unsupported: not expecting" in err and "continuous aggregate" in err
        assert ("timescaledb" in err.split("(")[0]) == (server == "pg-plain")
    # without --skip-unsupported, what the server cannot have is reported as missing, not hidden
    if skip and which == "root":
        changes = _live(db, model, database)
        assert ("continuous aggregate", "core.values_acme_hourly", "missing") in {
            (c.kind, c.object, c.change) for c in changes}
        assert any(c.attribute == "retention policy" and c.change == "missing" for c in changes)


# --- out-of-band changes, one at a time ----------------------------------------------------------------------------

SHOP = """
orgs:
  - {key: alpha, name: Alpha}
  - {key: beta, name: Beta}
databases:
  shop:
    extensions: {timescaledb: , vector: }
    org_registry:
      table: shop.tenant
      key_column: key
      values: {key: "{org}", name: "{org_name}"}
    schemas:
      shop:
        comment: The shop
        tables:
          tenant:
            columns:
              id: {type: serial, primary_key: true}
              key: {type: text, not_null: true, unique: true}
              name: text
          category:
            columns:
              code: {type: "varchar(20)", primary_key: true}
              label: {type: text, not_null: true}
            seed:
              rows:
                - {code: tools, label: Tools}
                - {code: toys, label: Toys}
          item:
            comment: Things we sell
            columns:
              id: {type: bigint, identity: always, primary_key: true}
              name: {type: "varchar(100)", not_null: true, comment: Display name}
              category: {type: "varchar(20)", references: {table: shop.category, column: code, on_delete: restrict}}
              qty: {type: integer, not_null: true, default: 0}
              tags: {type: "text[]", default: "'{}'"}
              status: {type: text, default: "'NEW'"}
              side: {type: "varchar(4)", check: "side IN ('BUY', 'SELL')"}
              updated_at: {type: timestamptz, default: now()}
            unique:
              - {columns: [name, category], nulls_not_distinct: true}
            checks:
              qty_positive: qty >= 0
            indexes:
              item_tags: {method: gin, columns: [tags]}
              item_status_name: {columns: [status, name DESC], where: "status <> 'SOLD'", include: [qty]}
              item_lower_name: {columns: [{expression: lower(name)}]}
            triggers:
              item_touch: {function: shop.touch, timing: before, events: [update],
                           when: "OLD.qty IS DISTINCT FROM NEW.qty"}
          sales_{org}:
            columns:
              item_id: {type: bigint, not_null: true}
              at: {type: timestamptz, not_null: true}
              amount: {type: "numeric(12,2)", not_null: true}
            primary_key: [item_id, at]
            indexes:
              sales_{org}_item: {columns: [item_id, at DESC]}
            hypertable: {time_column: at, chunk_interval: 7 days}
            compression: {segment_by: [item_id], order_by: [at DESC], after: 30 days}
            retention: {drop_after: 400 days, schedule_interval: 1 day}
          sales_{org}_current:
            columns:
              item_id: {type: bigint, primary_key: true}
              amount: numeric
        continuous_aggregates:
          sales_{org}_daily:
            source: sales_{org}
            bucket: 1 day
            bucket_column: day
            group_by: [item_id]
            aggregates: {total: sum(amount), n: count(*)}
            refresh: {start_offset: 30 days, end_offset: 1 day, schedule_interval: 1 hour}
        views:
          stock:
            query: "SELECT id, name, qty FROM shop.item WHERE status IN ('NEW')"
            comment: What is left
        functions:
          touch:
            returns: trigger
            language: plpgsql
            body: |
              BEGIN
                NEW.updated_at := now();
                RETURN NEW;
              END
          total_qty:
            arguments: [{name: p_status, type: text}]
            returns: bigint
            language: sql
            volatility: stable
            body: SELECT sum(qty) FROM shop.item WHERE status = p_status
"""


def _job(kind: str, relation: str, **change: str) -> str:
    """alter_job on the policy of `kind` of `relation` (its config keys, or schedule_interval)."""
    set_config = "config"
    for key, value in change.items():
        if key != "schedule_interval":
            set_config = f"jsonb_set({set_config}, '{{{key}}}', '\"{value}\"')"
    every = f", schedule_interval => INTERVAL '{change['schedule_interval']}'" if "schedule_interval" in change else ""
    return (f"SELECT alter_job(job_id, config => {set_config}{every}) FROM timescaledb_information.jobs "
            f"WHERE proc_name = 'policy_{kind}' AND hypertable_name IN ('{relation}', (SELECT "
            f"materialization_hypertable_name FROM timescaledb_information.continuous_aggregates WHERE view_name = "
            f"'{relation}'))")


@dataclass(frozen=True)
class Case:
    do: str  # the out-of-band change
    undo: str | tuple[str, ...]  # steps that put it back: SQL, or "render:<object>" (re-run that object's rendered SQL)
    kind: str
    object: str
    change: str  # missing | extra | changed
    attribute: str
    org: str = ""


CASES = [
    Case("ALTER TABLE shop.item ALTER COLUMN updated_at TYPE timestamp",
         "ALTER TABLE shop.item ALTER COLUMN updated_at TYPE timestamptz",
         "table", "shop.item", "changed", "column updated_at: type"),
    Case("ALTER TABLE shop.item ALTER COLUMN qty SET DEFAULT 5", "ALTER TABLE shop.item ALTER COLUMN qty SET DEFAULT 0",
         "table", "shop.item", "changed", "column qty: default"),
    Case("ALTER TABLE shop.item ALTER COLUMN name DROP NOT NULL",
         "ALTER TABLE shop.item ALTER COLUMN name SET NOT NULL",
         "table", "shop.item", "changed", "column name: not null"),
    Case("ALTER TABLE shop.item ADD COLUMN extra int", "ALTER TABLE shop.item DROP COLUMN extra",
         "table", "shop.item", "extra", "column extra"),
    Case("ALTER TABLE shop.item DROP CONSTRAINT qty_positive, ADD CONSTRAINT qty_positive CHECK (qty > 1)",
         "ALTER TABLE shop.item DROP CONSTRAINT qty_positive, ADD CONSTRAINT qty_positive CHECK (qty >= 0)",
         "table", "shop.item", "changed", "check qty_positive: expression"),
    Case("ALTER TABLE shop.item DROP CONSTRAINT item_side_check",
         "ALTER TABLE shop.item ADD CONSTRAINT item_side_check CHECK (side IN ('BUY', 'SELL'))",
         "table", "shop.item", "missing", "check item_side_check"),
    Case("ALTER TABLE shop.item DROP CONSTRAINT item_category_fkey, ADD CONSTRAINT item_category_fkey FOREIGN KEY "
         "(category) REFERENCES shop.category (code) ON DELETE CASCADE",
         "ALTER TABLE shop.item DROP CONSTRAINT item_category_fkey, ADD CONSTRAINT item_category_fkey FOREIGN KEY "
         "(category) REFERENCES shop.category (code) ON DELETE RESTRICT",
         "table", "shop.item", "changed", "foreign key item_category_fkey: on delete"),
    Case("ALTER TABLE shop.item DROP CONSTRAINT item_name_category_key",
         "ALTER TABLE shop.item ADD CONSTRAINT item_name_category_key UNIQUE NULLS NOT DISTINCT (name, category)",
         "table", "shop.item", "missing", "unique item_name_category_key"),
    Case("ALTER TABLE shop.category DROP CONSTRAINT category_pkey CASCADE",
         ("ALTER TABLE shop.category ADD CONSTRAINT category_pkey PRIMARY KEY (code)", "ALTER TABLE shop.item ADD "
         "CONSTRAINT item_category_fkey FOREIGN KEY (category) REFERENCES shop.category (code) ON DELETE RESTRICT"),
         "table", "shop.category", "missing", "primary key category_pkey"),
    Case("DROP INDEX shop.item_tags", "CREATE INDEX item_tags ON shop.item USING gin (tags)",
         "table", "shop.item", "missing", "index item_tags"),
    Case("CREATE INDEX item_extra ON shop.item (qty)", "DROP INDEX shop.item_extra",
         "table", "shop.item", "extra", "index item_extra"),
    Case("DROP INDEX shop.item_status_name; CREATE INDEX item_status_name ON shop.item (name DESC, status) "
         "INCLUDE (qty) WHERE status <> 'SOLD'",
         ("DROP INDEX shop.item_status_name", "render:index shop.item_status_name"),
         "table", "shop.item", "changed", "index item_status_name: key 1"),
    Case("DROP INDEX shop.item_status_name; CREATE INDEX item_status_name ON shop.item (status, name DESC) "
         "INCLUDE (qty) WHERE status <> 'NEW'",
         ("DROP INDEX shop.item_status_name", "render:index shop.item_status_name"),
         "table", "shop.item", "changed", "index item_status_name: where"),
    Case("DROP INDEX shop.item_lower_name; CREATE INDEX item_lower_name ON shop.item (upper(name))",
         ("DROP INDEX shop.item_lower_name", "render:index shop.item_lower_name"), "table", "shop.item", "changed",
         "index item_lower_name: key 1"),
    Case("CREATE TABLE shop.stray (id int)", "DROP TABLE shop.stray", "table", "shop.stray", "extra", ""),
    Case("CREATE TABLE shop.sales_gamma_current (item_id bigint)", "DROP TABLE shop.sales_gamma_current",
         "table", "shop.sales_gamma_current", "extra", ""),
    Case("DROP TABLE shop.sales_beta_current", "render:table shop.sales_beta_current",
         "table", "shop.sales_beta_current", "missing", "", "beta"),
    Case("SELECT set_chunk_time_interval('shop.sales_alpha', INTERVAL '1 day')",
         "SELECT set_chunk_time_interval('shop.sales_alpha', INTERVAL '7 days')",
         "table", "shop.sales_alpha", "changed", "hypertable: chunk_interval", "alpha"),
    Case(_job("compression", "sales_alpha", compress_after="60 days"),
         _job("compression", "sales_alpha", compress_after="30 days"),
         "table", "shop.sales_alpha", "changed", "compression policy: compress_after", "alpha"),
    Case(_job("retention", "sales_beta", drop_after="500 days"), _job("retention", "sales_beta", drop_after="400 days"),
         "table", "shop.sales_beta", "changed", "retention policy: drop_after", "beta"),
    Case(_job("retention", "sales_beta", schedule_interval="2 days"),
         _job("retention", "sales_beta", schedule_interval="1 day"),
         "table", "shop.sales_beta", "changed", "retention policy: schedule_interval", "beta"),
    Case("SELECT remove_retention_policy('shop.sales_alpha')", "render:retention policy of shop.sales_alpha",
         "table", "shop.sales_alpha", "missing", "retention policy", "alpha"),
    Case("SELECT remove_compression_policy('shop.sales_beta')", "render:compression policy of shop.sales_beta",
         "table", "shop.sales_beta", "missing", "compression policy", "beta"),
    Case(_job("refresh_continuous_aggregate", "sales_alpha_daily", start_offset="20 days"),
         _job("refresh_continuous_aggregate", "sales_alpha_daily", start_offset="30 days"),
         "continuous aggregate", "shop.sales_alpha_daily", "changed", "refresh policy: start_offset", "alpha"),
    Case(_job("refresh_continuous_aggregate", "sales_alpha_daily", end_offset="2 days"),
         _job("refresh_continuous_aggregate", "sales_alpha_daily", end_offset="1 day"),
         "continuous aggregate", "shop.sales_alpha_daily", "changed", "refresh policy: end_offset", "alpha"),
    Case(_job("refresh_continuous_aggregate", "sales_beta_daily", schedule_interval="2 hours"),
         _job("refresh_continuous_aggregate", "sales_beta_daily", schedule_interval="1 hour"),
         "continuous aggregate", "shop.sales_beta_daily", "changed", "refresh policy: schedule_interval", "beta"),
    Case("SELECT remove_continuous_aggregate_policy('shop.sales_beta_daily')",
         "render:refresh policy of shop.sales_beta_daily",
         "continuous aggregate", "shop.sales_beta_daily", "missing", "refresh policy", "beta"),
    Case("ALTER MATERIALIZED VIEW shop.sales_alpha_daily SET (timescaledb.materialized_only = false)",
         "ALTER MATERIALIZED VIEW shop.sales_alpha_daily SET (timescaledb.materialized_only = true)",
         "continuous aggregate", "shop.sales_alpha_daily", "changed", "materialized_only", "alpha"),
    Case("DROP MATERIALIZED VIEW shop.sales_beta_daily",
         ("render:continuous aggregate shop.sales_beta_daily", "render:refresh policy of shop.sales_beta_daily"),
         "continuous aggregate", "shop.sales_beta_daily", "missing", "", "beta"),
    Case("ALTER TABLE shop.sales_alpha SET (timescaledb.compress_segmentby = '')",
         "ALTER TABLE shop.sales_alpha SET (timescaledb.compress_segmentby = 'item_id')",
         "table", "shop.sales_alpha", "changed", "compression: segment_by", "alpha"),
    Case("CREATE OR REPLACE VIEW shop.stock AS SELECT id, name, qty FROM shop.item WHERE status IN ('NEW', 'SOLD')",
         "render:view shop.stock", "view", "shop.stock", "changed", "definition"),
    Case("CREATE OR REPLACE FUNCTION shop.total_qty(p_status text) RETURNS bigint LANGUAGE sql STABLE AS "
         "'SELECT count(*) FROM shop.item WHERE status = p_status'", "render:function shop.total_qty(text)",
         "function", "shop.total_qty", "changed", "body"),
    Case("ALTER FUNCTION shop.total_qty(text) VOLATILE", "ALTER FUNCTION shop.total_qty(text) STABLE",
         "function", "shop.total_qty", "changed", "volatility"),
    Case("CREATE FUNCTION shop.stray() RETURNS int LANGUAGE sql AS 'SELECT 1'", "DROP FUNCTION shop.stray()",
         "function", "shop.stray", "extra", ""),
    Case("DROP TRIGGER item_touch ON shop.item", "render:trigger item_touch on shop.item",
         "table", "shop.item", "missing", "trigger item_touch"),
    Case("COMMENT ON TABLE shop.item IS 'Other things'", "COMMENT ON TABLE shop.item IS 'Things we sell'",
         "table", "shop.item", "changed", "comment"),
    Case("COMMENT ON COLUMN shop.item.name IS NULL", "COMMENT ON COLUMN shop.item.name IS 'Display name'",
         "table", "shop.item", "changed", "column name: comment"),
    Case("COMMENT ON SCHEMA shop IS 'changed'", "COMMENT ON SCHEMA shop IS 'The shop'",
         "schema", "shop", "changed", "comment"),
    Case("DELETE FROM shop.category WHERE code = 'toys'", "INSERT INTO shop.category VALUES ('toys', 'Toys')",
         "seed row", "shop.category", "missing", "code='toys'"),
    Case("UPDATE shop.category SET label = 'Hammers' WHERE code = 'tools'",
         "UPDATE shop.category SET label = 'Tools' WHERE code = 'tools'",
         "seed row", "shop.category", "changed", "code='tools': label"),
    Case("DELETE FROM shop.tenant WHERE key = 'beta'", "INSERT INTO shop.tenant (key, name) VALUES ('beta', 'Beta')",
         "org row", "shop.tenant", "missing", "key='beta'", "beta"),
    Case("DROP EXTENSION vector", "CREATE EXTENSION vector", "extension", "vector", "missing", ""),
]


def _undo(c, statements: list, steps: str | tuple[str, ...]) -> None:
    """Put a change back: SQL, or `render:<object>` re-runs the rendered statements of that object."""
    for step in (steps,) if isinstance(steps, str) else steps:
        if step.startswith("render:"):
            todo = [s.sql for s in statements if s.object == step.removeprefix("render:")]
            assert todo, f"nothing rendered for {step}"
            for sql in todo:
                c.execute(sql)
        else:
            c.execute(step)


def test_each_out_of_band_change_is_reported(ts_community_db, tmp_path):
    """Apply once; for each case: change, `schemagen diff` exits 1 naming the object and attribute, undo, and
    the diff is clean again."""
    db, path = ts_community_db, tmp_path / "shop.yaml"
    path.write_text(SHOP)
    model = model_from(SHOP)
    applying.apply(db.dsn, model, out=_Sink())
    statements = [s for script in render.render(model) if not script.rollback for s in script.statements]
    assert len({(c.kind, c.attribute.split(":")[0].split(" ")[0], c.change) for c in CASES}) >= 25
    assert _live(db, model) == []
    failures = []
    started = time.monotonic()
    for case in CASES:
        with db.connect() as c:
            c.execute(case.do)
        code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", str(path), "--format", "json")
        found = [(ch["kind"], ch["object"], ch["change"], ch["attribute"] or "", ch["org"] or "")
                 for d in (json.loads(out)["databases"] if out else []) for ch in d["changes"]]
        want = (case.kind, case.object, case.change, case.attribute, case.org)
        if code != 1 or want not in found:
            failures.append(f"{case.do}\n  exit {code}, wanted {want}\n  got {found} {err}")
        with db.connect() as c:
            _undo(c, statements, case.undo)
        left = _live(db, model)
        if left:
            failures.append(f"after undoing {case.do}: {[ch.summary() for ch in left]}")
            break  # later cases would report this one's leftovers
    print(f"{len(CASES)} cases in {time.monotonic() - started:.1f} s")
    assert not failures, "\n".join(failures)


# --- the CLI: exit codes, text and JSON, --org, --database ---------------------------------------------------------

HAYSTACK_CHANGES = [
    "DROP INDEX core.idx_values_acme_org_time",
    "SELECT set_chunk_time_interval('core.values_demo', INTERVAL '2 days')",
    "DROP TABLE core.values_globex_current",
    "COMMENT ON TABLE core.entity IS 'changed'",
    "DELETE FROM core.org WHERE key = 'demo'",
    "CREATE TABLE core.values_acme_extra (id int)",
]


def test_cli_reports_orgs_text_json_and_exit_codes(ts_apache_db):
    db, model_path = ts_apache_db, str(ROOT / "model.yaml")
    applying.apply(db.dsn, haystack(), database="datakwip", skip_unsupported=True, out=_Sink())
    base = ["diff", "--dsn", db.dsn, "-m", model_path, "--database", "datakwip", "--skip-unsupported"]
    assert run_cli(*base)[0] == 0
    with db.connect() as c:
        for statement in HAYSTACK_CHANGES:
            c.execute(statement)

    code, out, err = run_cli(*base, "--format", "json")
    assert code == 1 and "error: database datakwip: 6 difference(s)" in err
    doc = json.loads(out)
    assert doc["version"] == 1 and [d["name"] for d in doc["databases"]] == ["datakwip"]
    assert doc["databases"][0]["drift"] is True
    got = [(c["org"], c["kind"], c["object"], c["change"], c["attribute"], c["expected"], c["actual"])
           for c in doc["databases"][0]["changes"]]
    assert got == [  # sorted: shared objects first, then by org, kind, object
        (None, "table", "core.entity", "changed", "comment", "A Haystack entity (site, equip, point, ...)",
         "changed"),
        (None, "table", "core.values_acme_extra", "extra", None, None, None),  # acme_extra is no org of the model
        ("acme", "table", "core.values_acme", "missing", "index idx_values_acme_org_time", None, None),
        ("demo", "org row", "core.org", "missing", "key='demo'", None, None),
        ("demo", "table", "core.values_demo", "changed", "hypertable: chunk_interval", "1 day", "2 days"),
        ("globex", "table", "core.values_globex_current", "missing", None, None, None),
    ]

    code, text, _ = run_cli(*base)
    assert code == 1
    assert "  org acme\n    table core.values_acme\n      index idx_values_acme_org_time: missing" in text
    assert "    table core.values_demo\n      hypertable: chunk_interval: expected 1 day, found 2 days" in text
    assert "  org globex\n    table core.values_globex_current: missing" in text

    code, out, _ = run_cli(*base, "--org", "acme", "--format", "json")
    changes = json.loads(out)["databases"][0]["changes"]
    assert code == 1 and [(c["org"], c["object"]) for c in changes] == [("acme", "core.values_acme")]
    code, out, _ = run_cli(*base, "--org", "demo", "--format", "json")
    assert code == 1 and {(c["org"], c["kind"]) for c in json.loads(out)["databases"][0]["changes"]} == {
        ("demo", "org row"), ("demo", "table")}

    code, _, err = run_cli("diff", "--dsn", db.dsn, "-m", model_path)
    assert code == 2 and "--database" in err, "the root model has two databases"
    code, _, err = run_cli(*base, "--org", "nobody")
    assert code == 2 and "unknown org 'nobody'" in err


def test_database_errors_exit_3_without_the_password(ts_apache_db):
    dsn = f"postgresql://postgres:s3cret-pw@127.0.0.1:{ts_apache_db.dsn.split('port=')[-1].split()[0]}/no_such_db"
    code, out, err = run_cli("diff", "--dsn", dsn, "-m", str(ROOT / "model.yaml"), "--database", "datakwip")
    assert code == 3 and "no_such_db" in err
    assert "s3cret-pw" not in out + err


# --- cost: catalog queries fixed, figures for 300 orgs --------------------------------------------------------------

def _fleet(orgs: int) -> str:
    """Org tables (a hypertable with a retention policy, a plain table with a seed), an org view, the registry."""
    keys = "\n".join(f"  - {{key: org{n:03d}, name: Org {n}}}" for n in range(orgs))
    return f"""
orgs:
{keys}
databases:
  fleet:
    extensions: {{timescaledb: }}
    org_registry: {{table: fleet.org, key_column: key, values: {{key: "{{org}}", name: "{{org_name}}"}}}}
    schemas:
      fleet:
        tables:
          org:
            columns:
              id: {{type: serial, primary_key: true}}
              key: {{type: text, not_null: true, unique: true}}
              name: text
          reading_{{org}}:
            columns:
              at: {{type: timestamptz, not_null: true}}
              device: {{type: integer, not_null: true, check: "device > 0"}}
              value: {{type: double precision, default: "0"}}
              meta: {{type: jsonb, default: "'{{}}'"}}
            indexes:
              ix_reading_{{org}}_device: {{columns: [device, at DESC], where: "value IS NOT NULL"}}
            hypertable: {{time_column: at, chunk_interval: 1 day}}
            retention: {{drop_after: 90 days}}
          kind_{{org}}:
            columns:
              code: {{type: text, primary_key: true}}
              label: text
            seed:
              rows:
                - {{code: a, label: Alpha}}
                - {{code: b, label: Beta}}
        views:
          latest_{{org}}:
            query: SELECT device, max(at) AS at FROM fleet.reading_{{org}} GROUP BY device
"""


def test_catalog_queries_do_not_grow_with_orgs_and_300_orgs_take_seconds(ts_apache_db):
    figures = {}
    for orgs in (3, 300):
        model = model_from(_fleet(orgs))
        with ts_apache_db.connect() as c:
            c.execute("DROP SCHEMA IF EXISTS fleet CASCADE; DROP SCHEMA IF EXISTS schemagen CASCADE")
        applying.apply(ts_apache_db.dsn, model, skip_unsupported=True, out=_Sink(), check_drift=False)
        report = differ.Report([])
        started = time.monotonic()
        with connection(ts_apache_db.dsn) as conn:
            changes = differ.compare_live(conn, model, model.databases[0], skip=frozenset(
                server_info(conn).unsupported()), report=report)
        figures[orgs] = (time.monotonic() - started, report.catalog_queries, report.normalize_statements,
                         report.data_queries)
        assert changes == [], [c.summary() for c in changes]
    print(f"inspect+diff: 3 orgs {figures[3]}, 300 orgs {figures[300]} (seconds, catalog queries, "
          "normalize statements, data queries)")
    assert figures[3][1] == figures[300][1] == len(CATALOG_QUERIES) + len(TIMESCALEDB_QUERIES) + len(
        BEHAVIOUR_QUERIES) == 18
    assert figures[3][3] == 1 and figures[300][3] == 13, "seed and org rows: one query per 25 tables"
    assert figures[300][2] < 100, "org tables share one shadow; views go in batches"
    assert figures[300][0] < 5, f"300 orgs took {figures[300][0]:.1f} s"


# --- what the server refuses to normalise ---------------------------------------------------------------------------

REFUSED = """
databases:
  app:
    extensions: {pg_trgm: {schema: public}}
    schemas:
      app:
        tables:
          a:
            columns:
              id: {type: int, primary_key: true}
              code: {type: text, default: "'c'", check: "code <> ''"}
              limit: {type: real, default: public.show_limit()}
          b:
            columns:
              id: {type: int, primary_key: true}
              v: {type: "varchar(4)", check: "v IN ('x', 'y')"}
        views:
          va: {query: "SELECT id FROM app.a WHERE code IN ('c', 'd')"}
          vb: {query: "SELECT v FROM app.b WHERE v IN ('x')"}
        functions:
          code: {returns: text, language: sql, body: "SELECT 'c'"}
          similar: {arguments: [{name: a, type: text}], returns: real, language: sql, body: "SELECT similarity(a, 'x')"}
"""


def test_what_the_server_refuses_does_not_spoil_the_rest(pg_plain_db):
    """A shadow the server refuses (its source is gone) keeps the model's text; the others of its batch are
    still printed by the server, so they show no false drift."""
    model = model_from(REFUSED)
    applying.apply(pg_plain_db.dsn, model, out=_Sink())
    assert _live(pg_plain_db, model) == []
    with pg_plain_db.connect() as c:
        c.execute("DROP TABLE app.b CASCADE")  # and the view vb
        c.execute("DROP EXTENSION pg_trgm CASCADE")  # and the default of a.limit
    got = {(c.kind, c.object, c.change, c.attribute, c.expected, c.actual) for c in _live(pg_plain_db, model)}
    assert got == {
        ("table", "app.b", "missing", "", None, None),
        ("view", "app.vb", "missing", "", None, None),
        ("extension", "pg_trgm", "missing", "", None, None),
        ("table", "app.a", "changed", "column limit: default", "public.show_limit()", None),
    }


# --- found by the property-based round trips (tests/test_properties.py) -------------------------------------------

def test_seed_rows_of_types_without_equality(pg_plain_db):
    """point, box, polygon, xml have no `=` (box's compares areas): their seed values are compared as text, json's
    as jsonb. The drift check failed outright on point ("operator does not exist: point = point")."""
    model = model_from("""
        databases:
          app:
            schemas:
              s:
                tables:
                  t:
                    columns: {id: integer, p: point, b: box, g: polygon, x: xml, j: json}
                    primary_key: [id]
                    seed: {rows: [{id: 1, p: "(1,2)", b: "(0,0),(1,1)", g: "((0,0),(1,1),(1,0))", x: "<a>ü</a>",
                                   j: '{"k": 1,  "v": [1, 2]}'}]}
        """)
    applying.apply(pg_plain_db.dsn, model, out=_Sink())
    assert _live(pg_plain_db, model) == []
    with pg_plain_db.connect() as c:
        c.execute("UPDATE s.t SET p = '(1,3)', b = '(1,1),(2,2)', j = '{\"v\": [1, 2], \"k\": 1}'")  # box: same area
    got = {(c.kind, c.attribute) for c in _live(pg_plain_db, model)}
    assert got == {("seed row", "id=1: p, b")}


def test_an_operator_class_written_out_that_is_the_default(pg_plain_db):
    """The catalog names no operator class where an index uses its type's default one; a model that writes it out
    (inet_ops is spgist's default for inet, not gist's) showed drift that was not there."""
    model = model_from("""
        databases:
          app:
            schemas:
              s:
                tables:
                  t:
                    columns: {a: inet, b: text, b2: text, c: jsonb}
                    indexes:
                      ix_sp: {method: spgist, columns: [{column: a, opclass: inet_ops}]}
                      ix_gist: {method: gist, columns: [{column: a, opclass: inet_ops}]}
                      ix_bt: {columns: [{column: b, opclass: text_ops}, {column: b2, opclass: text_pattern_ops}]}
                      ix_gin: {method: gin, columns: [{column: c, opclass: pg_catalog.jsonb_ops}]}
        """)
    applying.apply(pg_plain_db.dsn, model, out=_Sink())
    assert _live(pg_plain_db, model) == []
    with pg_plain_db.connect() as c:  # the same index with the default class is still drift for ix_gist
        c.execute("DROP INDEX s.ix_gist; CREATE INDEX ix_gist ON s.t USING gist (a inet_ops)")
        c.execute("DROP INDEX s.ix_bt; CREATE INDEX ix_bt ON s.t (b, b2)")
    got = {(c.attribute, c.expected, c.actual) for c in _live(pg_plain_db, model)}
    assert got == {("index ix_bt: key 2 operator class", "text_pattern_ops", None)}


def test_an_empty_comment_is_no_comment(pg_plain_db):
    """COMMENT ON ... IS '' removes a comment: `comment: ""` in the model expects none, rather than an empty one
    the database can never hold."""
    model = model_from("""
        databases:
          app:
            schemas:
              s:
                comment: ""
                tables:
                  t:
                    comment: ""
                    columns: {a: {type: integer, comment: ""}}
                    indexes: {ix: {columns: [a], comment: ""}}
                views:
                  v: {query: SELECT a FROM s.t, comment: ""}
                functions:
                  f: {returns: integer, language: sql, body: SELECT 1, comment: ""}
        """)
    assert not any("COMMENT" in st.sql for s in render.render(model) for st in s.statements)
    applying.apply(pg_plain_db.dsn, model, out=_Sink())
    assert _live(pg_plain_db, model) == []


def test_a_default_the_column_grammar_reads_otherwise(pg_plain_db):
    """CREATE TABLE's DEFAULT takes a restricted expression: `NOT true`, `x IS NULL`, `x IN (...)` are syntax
    errors there, and `'x' COLLATE "C"` would collate the column. Those go in parentheses; the rest as written."""
    model = model_from("""
        databases:
          app:
            schemas:
              s:
                tables:
                  t:
                    columns:
                      a: {type: boolean, default: NOT true}
                      b: {type: boolean, default: "1 IS NULL"}
                      c: {type: text, default: "'x' COLLATE \\"C\\""}
                      d: {type: boolean, default: "2 IN (1, 2)"}
                      e: {type: integer, default: 1 + 2}
        """)
    create = next(s for s in render.render(model) if s.phase == "tables").statements[0].sql
    assert "DEFAULT (NOT true)" in create and "DEFAULT (1 IS NULL)" in create and "DEFAULT (2 IN (1, 2))" in create
    assert "DEFAULT ('x' COLLATE \"C\")" in create and "DEFAULT 1 + 2," not in create and "DEFAULT 1 + 2\n" in create
    applying.apply(pg_plain_db.dsn, model, out=_Sink())
    assert _live(pg_plain_db, model) == []
    assert pg_plain_db.scalar("SELECT collation_name FROM information_schema.columns WHERE column_name = 'c'") is None
