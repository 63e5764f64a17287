"""The drift check: applied models show no drift; each out-of-band change is reported on the right object."""
from __future__ import annotations

import json

import pytest

from helpers import haystack, model_from, run_cli
from schemagen import apply as applying
from schemagen import diff as differ
from schemagen.connect import connection
from schemagen.errors import Difference

SHOP = """
orgs:
  - {key: alpha, name: Alpha}
  - {key: beta, name: Beta}
databases:
  shop:
    extensions: {timescaledb: }
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
              updated_at: {type: timestamptz, default: now()}
            unique:
              - {columns: [name, category], nulls_not_distinct: true}
            checks:
              qty_positive: qty >= 0
              status_known: "status IN ('NEW', 'SOLD')"
            indexes:
              item_tags: {method: gin, columns: [tags]}
              item_status_name: {columns: [status, name DESC], where: "status <> 'SOLD'", include: [qty]}
              item_lower_name: {columns: [{expression: lower(name)}]}
            triggers:
              item_touch: {function: shop.touch, timing: before, events: [update], when: "OLD.qty IS DISTINCT FROM NEW.qty"}
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
            retention: {drop_after: 400 days}
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

# (change made on the live database, kind, object, attribute fragment, org); each undone after its check.
CHANGES = [
    ("ALTER TABLE shop.item ALTER COLUMN updated_at TYPE timestamp", "table", "shop.item", "column updated_at: type",
     ""),
    ("ALTER TABLE shop.item ALTER COLUMN qty SET DEFAULT 5", "table", "shop.item", "column qty: default", ""),
    ("ALTER TABLE shop.item ALTER COLUMN name DROP NOT NULL", "table", "shop.item", "column name: not null", ""),
    ("ALTER TABLE shop.item ADD COLUMN extra int", "table", "shop.item", "column extra", ""),
    ("ALTER TABLE shop.item DROP CONSTRAINT qty_positive, ADD CONSTRAINT qty_positive CHECK (qty > 1)",
     "table", "shop.item", "check qty_positive", ""),
    ("ALTER TABLE shop.item DROP CONSTRAINT item_category_fkey, ADD CONSTRAINT item_category_fkey FOREIGN KEY "
     "(category) REFERENCES shop.category (code) ON DELETE CASCADE", "table", "shop.item",
     "foreign key item_category_fkey: on delete", ""),
    ("ALTER TABLE shop.item DROP CONSTRAINT item_name_category_key", "table", "shop.item",
     "unique item_name_category_key", ""),
    ("ALTER TABLE shop.category DROP CONSTRAINT category_pkey CASCADE", "table", "shop.category",
     "primary key category_pkey", ""),
    ("DROP INDEX shop.item_tags", "table", "shop.item", "index item_tags", ""),
    ("CREATE INDEX item_extra ON shop.item (qty)", "table", "shop.item", "index item_extra", ""),
    ("DROP INDEX shop.item_status_name; CREATE INDEX item_status_name ON shop.item (status, name) INCLUDE (qty) "
     "WHERE status <> 'SOLD'", "table", "shop.item", "index item_status_name: key 2 order", ""),
    ("DROP INDEX shop.item_status_name; CREATE INDEX item_status_name ON shop.item (status, name DESC) "
     "INCLUDE (qty) WHERE status <> 'NEW'", "table", "shop.item", "index item_status_name: where", ""),
    ("DROP INDEX shop.item_lower_name; CREATE INDEX item_lower_name ON shop.item (upper(name))", "table",
     "shop.item", "index item_lower_name: key 1", ""),
    ("CREATE TABLE shop.stray (id int)", "table", "shop.stray", "", ""),
    ("DROP TABLE shop.sales_beta_current", "table", "shop.sales_beta_current", "", "beta"),
    ("SELECT set_chunk_time_interval('shop.sales_alpha', INTERVAL '1 day')", "table", "shop.sales_alpha",
     "hypertable: chunk_interval", "alpha"),
    ("SELECT alter_job(job_id, config => jsonb_set(config, '{compress_after}', '\"60 days\"')) FROM "
     "timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_name = 'sales_alpha'",
     "table", "shop.sales_alpha", "compression policy: compress_after", "alpha"),
    ("SELECT alter_job(job_id, config => jsonb_set(config, '{drop_after}', '\"500 days\"')) FROM "
     "timescaledb_information.jobs WHERE proc_name = 'policy_retention' AND hypertable_name = 'sales_beta'",
     "table", "shop.sales_beta", "retention policy: drop_after", "beta"),
    ("SELECT remove_retention_policy('shop.sales_alpha')", "table", "shop.sales_alpha",
     "retention policy: drop_after", "alpha"),
    ("SELECT alter_job(job_id, config => jsonb_set(config, '{start_offset}', '\"20 days\"')) FROM "
     "timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate' AND "
     "hypertable_name = 'sales_alpha_daily'", "continuous aggregate", "shop.sales_alpha_daily",
     "refresh policy: start_offset", "alpha"),
    ("SELECT alter_job(job_id, config => jsonb_set(config, '{end_offset}', '\"2 days\"')) FROM "
     "timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate' AND "
     "hypertable_name = 'sales_alpha_daily'", "continuous aggregate", "shop.sales_alpha_daily",
     "refresh policy: end_offset", "alpha"),
    ("SELECT alter_job(job_id, schedule_interval => INTERVAL '2 hours') FROM timescaledb_information.jobs WHERE "
     "proc_name = 'policy_refresh_continuous_aggregate' AND hypertable_name = 'sales_beta_daily'",
     "continuous aggregate", "shop.sales_beta_daily", "refresh policy: schedule_interval", "beta"),
    ("SELECT remove_continuous_aggregate_policy('shop.sales_beta_daily')", "continuous aggregate",
     "shop.sales_beta_daily", "refresh policy", "beta"),
    ("ALTER MATERIALIZED VIEW shop.sales_alpha_daily SET (timescaledb.materialized_only = false)",
     "continuous aggregate", "shop.sales_alpha_daily", "materialized_only", "alpha"),
    ("DROP MATERIALIZED VIEW shop.sales_beta_daily", "continuous aggregate", "shop.sales_beta_daily", "", "beta"),
    ("SELECT decompress_chunk(c, true) FROM show_chunks('shop.sales_alpha') c; ALTER TABLE shop.sales_alpha SET "
     "(timescaledb.compress_segmentby = '')", "table", "shop.sales_alpha", "compression: segment_by", "alpha"),
    ("CREATE OR REPLACE VIEW shop.stock AS SELECT id, name, qty FROM shop.item WHERE status IN ('NEW', 'SOLD')",
     "view", "shop.stock", "definition", ""),
    ("CREATE OR REPLACE FUNCTION shop.total_qty(p_status text) RETURNS bigint LANGUAGE sql STABLE AS "
     "'SELECT count(*) FROM shop.item WHERE status = p_status'", "function", "shop.total_qty", "body", ""),
    ("ALTER FUNCTION shop.total_qty(text) VOLATILE", "function", "shop.total_qty", "volatility", ""),
    ("CREATE FUNCTION shop.stray() RETURNS int LANGUAGE sql AS 'SELECT 1'", "function", "shop.stray", "", ""),
    ("DROP TRIGGER item_touch ON shop.item", "table", "shop.item", "trigger item_touch", ""),
    ("COMMENT ON TABLE shop.item IS 'Other things'", "table", "shop.item", "comment", ""),
    ("COMMENT ON COLUMN shop.item.name IS NULL", "table", "shop.item", "column name: comment", ""),
    ("COMMENT ON SCHEMA shop IS 'changed'", "schema", "shop", "comment", ""),
    ("DELETE FROM shop.category WHERE code = 'toys'", "seed row", "shop.category", "code=toys", ""),
    ("UPDATE shop.category SET label = 'Hammers' WHERE code = 'tools'", "seed row", "shop.category", "code=tools", ""),
    ("DELETE FROM shop.tenant WHERE key = 'beta'", "org row", "shop.tenant", "key=beta", "beta"),
]


@pytest.fixture
def shop(ts_community_db):
    model = model_from(SHOP)
    applying.apply(ts_community_db.dsn, model)
    return ts_community_db, model


def _reset(db, model) -> None:
    """Back to the model: drop what the case left (extra objects included) and apply again."""
    with db.connect() as c:
        c.execute("DROP SCHEMA shop CASCADE")
        c.execute("DROP SCHEMA schemagen CASCADE")
    applying.apply(db.dsn, model, out=_Sink())


def test_no_drift_right_after_apply(shop):
    db, model = shop
    assert differ.check(db.dsn, model) == []


def test_each_out_of_band_change_is_reported(shop):
    db, model = shop
    assert len(CHANGES) >= 25
    missed = []
    for n, (statement, kind, obj, attribute, org) in enumerate(CHANGES):
        with db.connect() as c:
            c.execute(statement)
        code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", "-", "--format", "json") if False else (0, "", "")
        with pytest.raises(Difference):
            differ.check(db.dsn, model, out=_Sink(), err=_Sink())
        changes = differ.compare_live_for_test(db.dsn, model)
        hit = [c for c in changes if c.kind == kind and c.object == obj and attribute in (c.attribute or "")
               and c.org == org]
        if not hit:
            missed.append((statement, [c.summary() for c in changes]))
        _reset(db, model)
    assert not missed, "\n".join(f"{s}\n  got: {g}" for s, g in missed)


class _Sink:
    def write(self, _text):
        return 0

    def flush(self):
        pass


def test_cli_exit_codes_text_and_json(shop, tmp_path):
    db, model = shop
    path = tmp_path / "model.yaml"
    path.write_text(SHOP)
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", str(path))
    assert code == 0 and "database shop: no drift" in out
    with db.connect() as c:
        c.execute("ALTER TABLE shop.item ALTER COLUMN qty DROP DEFAULT")
        c.execute("DROP TABLE shop.sales_alpha_current")
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", str(path))
    assert code == 1
    assert "table shop.item" in out and "column qty: default: expected 0, found None" in out
    assert "[org alpha] table shop.sales_alpha_current" in out
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", str(path), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["version"] == 1 and doc["databases"][0]["drift"] is True
    assert {"org": "alpha", "kind": "table", "object": "shop.sales_alpha_current", "change": "missing",
            "attribute": None, "expected": None, "actual": None} in doc["databases"][0]["changes"]
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", str(path), "--org", "beta")
    assert code == 0, out  # beta's objects are intact
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", str(path), "--org", "alpha")
    assert code == 1 and "sales_alpha_current" in out and "shop.item" not in out


def test_catalog_queries_do_not_grow_with_orgs(ts_apache_db):
    counts = {}
    for orgs in (3, 300):
        model = haystack(orgs=orgs)
        applying.apply(ts_apache_db.dsn, model, database="datakwip", skip_unsupported=True, check_drift=False)
        report = differ.Report([], 0, 0)
        with connection(ts_apache_db.dsn) as conn:
            changes = differ.compare_live(conn, model, model.database("datakwip"),
                                          skip=frozenset({"compression", "policy", "continuous aggregate"}),
                                          report=report)
        assert changes == []
        counts[orgs] = (report.catalog_queries, report.normalize_statements)
    assert counts[3][0] == counts[300][0], counts
    assert counts[3][1] == counts[300][1], "org tables share their template's shadow objects"
