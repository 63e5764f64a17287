"""Loading the model: the Haystack model, org stamping, canonical names and types, the JSON Schema."""
from __future__ import annotations

import json
import time

import jsonschema
import pytest

from helpers import MODEL, haystack, model_from, run_cli
from schemagen.errors import ModelError
from schemagen.load import default_name, json_schema
from schemagen.sqltext import Interval, canonical_type, quote_ident


def test_haystack_model_loads():
    model = haystack()
    assert [d.name for d in model.databases] == ["datakwip", "simulator_state"]
    assert [o.key for o in model.orgs] == ["acme", "demo", "globex"]
    db = model.database("datakwip")
    names = [t.name for t in db.tables]
    assert names.index("entity") < names.index("entity_tag") and names.index("tag_def") < names.index("entity_tag")
    assert {"values_acme", "values_acme_current", "values_demo", "values_globex_current"} <= set(names)
    assert [c.name for c in db.continuous_aggregates] == ["values_acme_hourly", "values_demo_hourly",
                                                          "values_globex_hourly"]
    assert [r.org for r in db.org_rows] == ["acme", "demo", "globex"]
    assert dict(db.org_rows[0].values) == {"key": "acme", "name": "Acme Corporation", "value_table": "values_acme",
                                           "current_table": "values_acme_current"}


def test_org_stamping_and_overrides():
    db = haystack().database("datakwip")
    tables = {t.name: t for t in db.tables}
    acme, demo, globex = tables["values_acme"], tables["values_demo"], tables["values_globex"]
    assert acme.org == "acme" and acme.template == "values_{org}"
    assert [i.name for i in acme.indexes] == ["idx_values_acme_entity_time", "idx_values_acme_org_time"]
    assert acme.primary_key.name == "values_acme_pkey"
    assert acme.hypertable.chunk_interval == Interval.parse("7 days")
    assert demo.hypertable.chunk_interval == Interval.parse("1 day"), "demo overrides its chunk interval"
    assert globex.retention.drop_after == Interval.parse("2 years")
    hourly = next(c for c in db.continuous_aggregates if c.org == "demo")
    assert "FROM core.values_demo" in hourly.query and hourly.bucket_width == Interval.parse("1 hour")


def test_columns_are_canonical():
    db = haystack().database("datakwip")
    tag = next(t for t in db.tables if t.name == "entity_tag")
    cols = {c.name: c for c in tag.columns}
    assert cols["id"].type == "integer" and cols["id"].serial and cols["id"].not_null
    assert cols["value_list"].type == "character varying[]"
    assert cols["value_ts"].type == "timestamp without time zone"
    assert tag.uniques[0].nulls_not_distinct
    assert tag.foreign_keys[1].name == "entity_tag_tag_id_fkey"


@pytest.mark.parametrize("text,canonical", [
    ("timestamptz", "timestamp with time zone"), ("VARCHAR(50)", "character varying(50)"),
    ("decimal(18, 8)", "numeric(18,8)"), ("int[]", "integer[]"), ("vector(1536)", "vector(1536)"),
    ("timestamp(3) with time zone", "timestamp(3) with time zone"), ("bigserial", "bigint"),
    ("double precision", "double precision"), ("bool", "boolean"),
])
def test_canonical_types(text, canonical):
    assert canonical_type(text) == canonical


@pytest.mark.parametrize("a,b", [("1 hour", "01:00:00"), ("1 month", "30 days"), ("2 weeks", "14 days"),
                                 ("1 day 02:00:00", "26 hours"), ("90 minutes", "01:30:00")])
def test_intervals_compare_by_length(a, b):
    assert Interval.parse(a) == Interval.parse(b)


def test_default_names_follow_postgresql():
    assert default_name("entity_tag", "tag_id", "fkey") == "entity_tag_tag_id_fkey"
    long = default_name("t" * 40, "c" * 40, "key")
    assert len(long) == 63 and long.endswith("_key")


@pytest.mark.parametrize("name,quoted", [("user", '"user"'), ("values_acme", "values_acme"),
                                         ("APPS-WORKSPACE", '"APPS-WORKSPACE"'), ('we"ird', '"we""ird"'),
                                         ("timestamp", '"timestamp"'), ("é", '"é"')])
def test_quote_ident(name, quoted):
    assert quote_ident(name) == quoted


def test_json_schema_is_valid_and_accepts_the_model():
    import yaml

    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load(MODEL.read_text()), schema)
    code, out, _ = run_cli("schema")
    assert code == 0 and json.loads(out)["title"] == "schemagen model"


def test_validate_command():
    code, _, err = run_cli("validate", "-m", str(MODEL))
    assert code == 0 and "valid (2 database(s), 3 org(s))" in err


def test_reserved_words_and_odd_names_are_allowed():
    model = model_from("""
        databases:
          "Odd-DB":
            schemas:
              "Mixed Case":
                tables:
                  "select":
                    columns:
                      "from": {type: int, primary_key: true}
                      'we"ird': text
                      "naïve": text
    """)
    t = model.database("Odd-DB").tables[0]
    assert t.qname == '"Mixed Case"."select"' and [c.name for c in t.columns] == ["from", 'we"ird', "naïve"]


def test_a_template_problem_is_reported_once_for_all_orgs():
    text = MODEL.read_text().replace("start_offset: 3 hours", "start_offset: 2 hours")
    with pytest.raises(ModelError) as caught:
        model_from(text)
    [problem] = caught.value.problems
    assert "(org acme; and 2 other org(s))" in problem.message


def test_five_thousand_orgs_load_quickly():
    started = time.monotonic()
    model = haystack(orgs=5000)
    elapsed = time.monotonic() - started
    assert len(model.database("datakwip").tables) == 6 + 2 * 5000
    print(f"load + validate of 5,000 orgs: {elapsed:.2f} s")
    assert elapsed < 30  # generous: a smoke bound, the benchmark measures it
