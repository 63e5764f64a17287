"""Loading the model: the Haystack model, org stamping, canonical names and types, the JSON Schema."""
from __future__ import annotations

import json
import time

import jsonschema
import pytest
from helpers import MODEL, haystack, model_from, run_cli

from schemagen import model as m
from schemagen.errors import ModelError
from schemagen.modelfile.schema import json_schema
from schemagen.naming import default_name
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


def test_five_thousand_orgs_load_without_blowing_up():
    """A guard against quadratic loading, not a speed target (bench/ measures speed): CPU time, not wall time, so a
    loaded machine does not fail it; about 0.7 s here, and a quadratic step at 5,000 orgs takes minutes."""
    started = time.process_time()
    model = haystack(orgs=5000)
    elapsed = time.process_time() - started
    assert len(model.database("datakwip").tables) == 6 + 2 * 5000
    assert elapsed < 20, f"load + validate of 5,000 orgs took {elapsed:.1f} s of CPU"


# --- YAML, stamping, names ---------------------------------------------------------------------------------------

def test_yaml_anchors_merges_and_names_as_written():
    model = model_from("""
        databases:
          app:
            schemas:
              s:
                tables:
                  base: &base
                    columns:
                      id: {type: int, primary_key: true}
                      created_at: {type: timestamptz, default: now()}
                  t:
                    <<: *base
                    comment: written 2024-01-01
                  u:
                    columns:
                      "no": boolean
                      on: boolean
                      1: text
                      day: {type: date, default: 2024-01-01}
    """)
    tables = {t.name: t for t in model.databases[0].tables}
    assert [c.name for c in tables["t"].columns] == ["id", "created_at"]
    assert tables["t"].comment == "written 2024-01-01"  # a date stays the text written
    assert [c.name for c in tables["u"].columns] == ["no", "on", "1", "day"]
    assert tables["u"].column("day").default == "2024-01-01"


def test_stamped_default_names_are_shortened_per_org():
    long_key = "a" * 30
    model = model_from(f"""
        orgs:
          - {{key: acme, name: Acme}}
          - {{key: {long_key}, name: Long}}
        databases:
          app:
            schemas:
              s:
                tables:
                  parent_{{org}}:
                    columns: {{id: {{type: int, primary_key: true}}}}
                  measurement_values_{{org}}:
                    columns:
                      parent_identifier_column: {{type: int, references: "s.parent_{{org}}(id)"}}
                      code: {{type: text, unique: true}}
    """)
    for t in model.databases[0].tables:
        if t.name.startswith("measurement_values_"):
            fk, uq = t.foreign_keys[0], t.uniques[0]
            assert fk.ref_table == f"parent_{t.org}"
            assert fk.name == default_name(t.name, "parent_identifier_column", "fkey")
            assert uq.name == default_name(t.name, "code", "key")
            assert len(fk.name.encode()) <= 63 and type(fk.name) is str and type(uq.name) is str
    names = {t.org: t.foreign_keys[0].name for t in model.databases[0].tables if t.foreign_keys}
    assert names["acme"] == "measurement_values_acme_parent_identifier_column_fkey"
    assert names[long_key] != names["acme"].replace("acme", long_key)  # shortened for the real name


def test_org_name_fills_comments_and_registry_only():
    model = model_from("""
        orgs:
          - {key: acme, name: "O'Brien & Co"}
        databases:
          app:
            org_registry: {table: s.org, key_column: key, values: {key: "{org}", name: "{org_name}"}}
            schemas:
              s:
                tables:
                  org:
                    columns: {key: {type: text, primary_key: true}, name: text}
                  t_{org}:
                    comment: "Data of {org_name} ({org})"
                    columns: {id: int}
                views:
                  v_{org}:
                    query: SELECT id, '{org_name}' AS literal FROM s.t_{org}
    """)
    db = model.databases[0]
    t = next(t for t in db.tables if t.org == "acme")
    assert t.comment == "Data of O'Brien & Co (acme)"
    assert db.views[0].query == "SELECT id, '{org_name}' AS literal FROM s.t_acme"
    assert dict(db.org_rows[0].values) == {"key": "acme", "name": "O'Brien & Co"}


def test_overrides_apply_to_their_org_only():
    model = model_from("""
        orgs:
          - {key: a, name: A}
          - {key: b, name: B, overrides: {chunk_interval: 1 day, compress_after: 3 days, drop_after: 2 years}}
        databases:
          app:
            extensions: {timescaledb: }
            schemas:
              s:
                tables:
                  m_{org}:
                    columns: {ts: {type: timestamptz, not_null: true}, id: int}
                    hypertable: {time_column: ts, chunk_interval: 7 days}
                    compression: {segment_by: [id], after: 30 days}
                    retention: {drop_after: 1 year}
    """)
    a, b = model.databases[0].tables
    assert (a.hypertable.chunk_interval, a.compression.after, a.retention.drop_after) == (
        Interval.parse("7 days"), Interval.parse("30 days"), Interval.parse("1 year"))
    assert (b.hypertable.chunk_interval, b.compression.after, b.retention.drop_after) == (
        Interval.parse("1 day"), Interval.parse("3 days"), Interval.parse("2 years"))
    assert a.template == b.template == "m_{org}" and (a.org, b.org) == ("a", "b")


def test_tables_follow_their_foreign_key_targets():
    model = model_from("""
        orgs: [{key: a, name: A}, {key: b, name: B}]
        databases:
          app:
            schemas:
              s:
                tables:
                  child_{org}:
                    columns:
                      parent_id: {type: int, references: "s.parent_{org}(id)"}
                      kind: {type: text, references: s.kind(code)}
                  parent_{org}:
                    columns: {id: {type: int, primary_key: true}}
                  kind:
                    columns: {code: {type: text, primary_key: true}}
    """)
    names = [t.name for t in model.databases[0].tables]
    assert names == ["kind", "parent_a", "child_a", "parent_b", "child_b"]


def test_templates_without_orgs_make_nothing():
    model = model_from("""
        databases:
          app:
            schemas:
              s:
                tables:
                  t_{org}: {columns: {id: int}}
                  shared: {columns: {id: int}}
    """)
    assert [t.name for t in model.databases[0].tables] == ["shared"]


def test_sql_is_kept_trimmed_and_defaults_become_sql():
    model = model_from("""
        databases:
          app:
            schemas:
              s:
                tables:
                  t:
                    columns:
                      on: {type: boolean, default: false}
                      n: {type: int, default: 0}
                      x: {type: numeric, default: 1.5}
                      at: {type: timestamptz, default: "now() -- when written"}
                      ratio: float(53)
                      small: float(10)
                views:
                  v:
                    query: |
                      SELECT 1 AS one;  -- the answer
    """)
    db = model.databases[0]
    cols = {c.name: c for c in db.tables[0].columns}
    assert [cols[n].default for n in ("on", "n", "x", "at")] == ["false", "0", "1.5", "now()"]
    assert cols["ratio"].type == "double precision" and cols["small"].type == "real"
    assert db.views[0].query == "SELECT 1 AS one"


def test_loading_is_deterministic_across_hash_seeds():
    import os
    import subprocess
    import sys

    code = f"from schemagen.load import load_model; print(repr(load_model({str(MODEL)!r})))"
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("0", "1", "4242")}
    assert len(outputs) == 1 and "values_globex_hourly" in outputs.pop()
    assert haystack() == haystack()


def test_json_schema_describes_every_property():
    schema = json_schema()
    defs = schema["$defs"]

    def described(node) -> bool:
        return "description" in node or ("$ref" in node and "description" in defs[node["$ref"].rsplit("/", 1)[1]])

    missing = []

    def walk(node, path):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                assert node.get("additionalProperties") is False, path
                missing.extend(f"{path}.{k}" for k, v in node["properties"].items() if not described(v))
            for k, v in node.items():
                walk(v, f"{path}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")

    walk(schema, "")
    assert missing == []


def test_names_with_blanks_in_ordered_lists_and_interval_fields():
    """A column whose name has a blank is written in double quotes where a list takes `column DESC`; interval
    types with fields (`interval day to second`) are types PostgreSQL has."""
    model = model_from('''
        databases:
          app:
            extensions: {timescaledb: }
            schemas:
              s:
                tables:
                  t:
                    columns:
                      "my time": {type: timestamptz, not_null: true}
                      'say "hi"': int
                      span: interval day to second
                    hypertable: {time_column: my time}
                    compression: {order_by: ['"my time" DESC NULLS LAST'], segment_by: ['say "hi"']}
                    indexes:
                      ix_t: {columns: ['"say ""hi""" DESC', '"my time"']}
    ''')
    t = model.databases[0].tables[0]
    assert t.compression.order_by[0] == m.OrderBy("my time", True, False)
    assert [(e.column, e.descending) for e in t.indexes[0].elements] == [('say "hi"', True), ("my time", False)]
    assert t.columns[2].type == "interval day to second"


def test_the_model_s_fast_replace_is_dataclasses_replace():
    """model.replace (the drift check's thousands of copies) gives what dataclasses.replace gives, equal and with
    the same hash, leaves the original alone, and refuses a field that is not there."""
    import dataclasses

    t = haystack().databases[0].tables[0]
    fast, slow = m.replace(t, name="other", comment="c"), dataclasses.replace(t, name="other", comment="c")
    assert fast == slow and hash(fast) == hash(slow) and fast.source == slow.source
    assert t.name != "other" and t != fast
    with pytest.raises(TypeError):
        m.replace(t, no_such_field=1)
