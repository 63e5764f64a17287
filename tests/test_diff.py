"""The differ on hand-built databases (no server): set arithmetic on qualified names, each differing attribute
with expected and actual, org attribution, what is never drift, the expected side per server, the reports."""
from __future__ import annotations

import json
from dataclasses import replace

from schemagen import model as m
from schemagen.changes import Change
from schemagen.compare.diff import diff
from schemagen.compare.expected import expected_database
from schemagen.compare.orgs import org_of
from schemagen.compare.report import format_json, format_text
from schemagen.sqltext import Interval

I = Interval.parse  # noqa: E741


def _values(org: str, **over) -> m.Table:
    t = m.Table(
        "core", f"values_{org}",
        (m.Column("entity_id", "integer", True), m.Column("timestamp", "timestamp with time zone", True),
         m.Column("value", "numeric")),
        primary_key=m.PrimaryKey(f"values_{org}_pkey", ("entity_id", "timestamp")),
        indexes=(m.Index(f"idx_values_{org}_entity_time",
                         (m.IndexElement("entity_id"), m.IndexElement("timestamp", descending=True))),),
        hypertable=m.Hypertable("timestamp", I("7 days")),
        compression=m.Compression(("entity_id",), (m.OrderBy("timestamp", True),), I("30 days")),
        retention=m.Retention(I("1 year")),
        org=org, template="values_{org}")
    return replace(t, **over)


def _db(*tables: m.Table, **over) -> m.Database:
    base = m.Database(
        "datakwip", (m.Extension("timescaledb"),), (m.Schema("core", "Haystack"),),
        (m.Table("core", "entity", (m.Column("id", "integer", True, serial=True),
                                    m.Column("name", "character varying(50)", comment="the name")),
                 primary_key=m.PrimaryKey("entity_pkey", ("id",)), comment="An entity"),) + tables,
        orgs=("acme", "demo"))
    return replace(base, **over)


def _find(changes, **want) -> list[Change]:
    return [c for c in changes if all(getattr(c, k) == v for k, v in want.items())]


def test_identical_databases_have_no_drift():
    assert diff(_db(_values("acme")), _db(_values("acme"))) == []


def test_missing_and_extra_objects_by_qualified_name():
    expected = _db(_values("acme"), _values("demo"))
    actual = _db(_values("acme"), m.Table("core", "stray", (m.Column("id", "integer"),)),
                 m.Table("elsewhere", "other", (m.Column("id", "integer"),)),
                 extensions=(m.Extension("timescaledb"), m.Extension("plpgsql")))
    changes = diff(expected, actual)
    assert [(c.org, c.kind, c.object, c.change) for c in changes] == [
        ("", "table", "core.stray", "extra"),  # elsewhere.other: not a managed schema; plpgsql: not named
        ("demo", "table", "core.values_demo", "missing"),
    ]


def test_each_column_attribute_with_expected_and_actual():
    actual = _db(replace(_values("acme"), columns=(
        m.Column("entity_id", "bigint", True), m.Column("timestamp", "timestamp with time zone", False, "now()"),
        m.Column("value", "numeric", identity="by default", comment="v"), m.Column("extra", "text"))))
    changes = diff(_db(_values("acme")), actual)
    got = {(c.attribute, c.change, c.expected_text, c.actual_text) for c in changes}
    assert got == {
        ("column entity_id: type", "changed", "integer", "bigint"),
        ("column timestamp: not null", "changed", "true", "false"),
        ("column timestamp: default", "changed", None, "now()"),
        ("column value: identity", "changed", None, "by default"),
        ("column value: comment", "changed", None, "v"),
        ("column extra", "extra", None, '{"type": "text", "not null": "false", "serial": "false"}'),
    }
    assert all(c.org == "acme" and c.object == "core.values_acme" and c.kind == "table" for c in changes)


def test_missing_part_is_one_change_and_changed_parts_name_the_attribute():
    t = _values("acme")
    fk = m.ForeignKey("values_acme_entity_fkey", ("entity_id",), "core", "entity", ("id",), on_delete="cascade")
    expected = _db(replace(t, foreign_keys=(fk,), checks=(m.Check("positive", "(value > (0)::numeric)"),),
                           triggers=(m.Trigger("trg", "core.touch", "before", ("update",)),)))
    actual = _db(replace(t, indexes=(), foreign_keys=(replace(fk, on_delete="restrict"),),
                         checks=(m.Check("positive", "(value >= (0)::numeric)"),), primary_key=None))
    got = {(c.change, c.attribute, c.expected_text, c.actual_text) for c in diff(expected, actual)}
    assert got == {
        ("missing", "index idx_values_acme_entity_time", None, None),
        ("missing", "primary key values_acme_pkey", None, None),
        ("missing", "trigger trg", None, None),
        ("changed", "foreign key values_acme_entity_fkey: on delete", "cascade", "restrict"),
        ("changed", "check positive: expression", "(value > (0)::numeric)", "(value >= (0)::numeric)"),
    }


def test_index_attributes():
    base = m.Index("ix", (m.IndexElement("a"), m.IndexElement("b", descending=True)), include=("c",),
                   where="(a > 0)", with_=(("fillfactor", "70"),))
    variants = {
        "index ix: key 1": replace(base, elements=(m.IndexElement("b", descending=True), m.IndexElement("a"))),
        "index ix: key 2 order": replace(base, elements=(m.IndexElement("a"), m.IndexElement("b"))),
        "index ix: method": replace(base, method="hash"),
        "index ix: unique": replace(base, unique=True),
        "index ix: include": replace(base, include=()),
        "index ix: where": replace(base, where=None),
        "index ix: with": replace(base, with_=(("fillfactor", "80"),)),
        "index ix: key 1 operator class": replace(base, elements=(m.IndexElement("a", opclass="text_ops"),
                                                                  m.IndexElement("b", descending=True))),
    }
    table = m.Table("core", "t", (m.Column("a", "integer"), m.Column("b", "integer"), m.Column("c", "integer")))
    expected = _db(replace(table, indexes=(replace(base, elements=(
        m.IndexElement("a", opclass="ext.text_ops"), m.IndexElement("b", descending=True, nulls_first=True))),)))
    for attribute, index in variants.items():
        changes = diff(expected, _db(replace(table, indexes=(index,))))
        if attribute.endswith("operator class"):
            assert changes == [], "ext.text_ops is text_ops; NULLS FIRST is DESC's default"
        else:
            assert attribute in {c.attribute for c in changes}, (attribute, changes)


def test_timescaledb_attributes_and_policies():
    expected = _db(_values("acme"))
    cases = {
        "hypertable: chunk_interval": {"hypertable": m.Hypertable("timestamp", I("1 day"))},
        "hypertable: dimension entity_id": {"hypertable": m.Hypertable(
            "timestamp", I("7 days"), (m.Dimension("entity_id", 4),))},
        "compression: segment_by": {"compression": m.Compression((), (m.OrderBy("timestamp", True),), I("30 days"))},
        "compression: order_by": {"compression": m.Compression(("entity_id",), (m.OrderBy("timestamp"),),
                                                                I("30 days"))},
        "compression policy: compress_after": {"compression": m.Compression(
            ("entity_id",), (m.OrderBy("timestamp", True),), I("60 days"))},
        "compression policy": {"compression": m.Compression(("entity_id",), (m.OrderBy("timestamp", True),))},
        "retention policy: drop_after": {"retention": m.Retention(I("2 years"))},
        "retention policy": {"retention": None},
        "compression, compression policy": {"compression": None},
    }
    for attributes, over in cases.items():
        changes = diff(expected, _db(_values("acme", **over)))
        assert [c.attribute for c in changes] == attributes.split(", "), (attributes, changes)
    gone = diff(expected, _db(_values("acme", retention=None)))[0]
    assert (gone.change, gone.org) == ("missing", "acme")


def test_what_the_model_leaves_open_is_not_compared():
    expected = _db(_values("acme", hypertable=m.Hypertable("timestamp"), compression=m.Compression(after=I("30 days")),
                           retention=m.Retention(I("1 year"))))
    actual = _db(_values("acme", retention=m.Retention(I("1 year"), I("1 day")), compression=m.Compression(
        ("entity_id",), (m.OrderBy("timestamp", True),), I("30 days"), I("12 hours"))))
    assert diff(expected, actual) == []
    # ... but what it sets is
    pinned = _db(_values("acme", retention=m.Retention(I("1 year"), I("2 days"))))
    assert [c.attribute for c in diff(pinned, actual)] == ["retention policy: schedule_interval"]


def test_intervals_compare_by_length():
    expected = _db(_values("acme", retention=m.Retention(I("1 month"), I("1 hour"))))
    actual = _db(_values("acme", retention=m.Retention(I("30 days"), I("01:00:00"))))
    assert diff(expected, actual) == []


def test_default_time_index_of_hypertables_is_not_drift():
    own = m.Index("values_acme_timestamp_idx", (m.IndexElement("timestamp", descending=True),))
    live = _values("acme", indexes=_values("acme").indexes + (own,))
    assert diff(_db(_values("acme")), _db(live)) == []
    no_defaults = _values("acme", hypertable=m.Hypertable("timestamp", I("7 days"), create_default_indexes=False))
    assert [c.attribute for c in diff(_db(no_defaults), _db(replace(live, hypertable=no_defaults.hypertable)))] == [
        "index values_acme_timestamp_idx"]
    named = _values("acme", indexes=(replace(own, elements=(m.IndexElement("timestamp"),)),))
    assert "index values_acme_timestamp_idx: key 1 order" in {c.attribute for c in diff(_db(named), _db(live))}


def test_org_of_extra_objects_from_the_templates():
    expected = _db(_values("acme"), replace(_values("acme"), name="values_acme_current",
                                            template="values_{org}_current"))
    templates = [("core", "values_", ""), ("core", "values_", "_current")]
    assert org_of("core", "values_acme_current", templates, ["acme", "acme_current"]) in ("acme", "acme_current")
    assert org_of("core", "values_demo_current", templates, ["acme", "demo"]) == "demo"
    assert org_of("core", "values_zed", templates, ["acme", "demo"]) == ""
    assert org_of("other", "values_demo", templates, ["acme", "demo"]) == ""
    actual = replace(expected, tables=expected.tables + (replace(_values("demo"), org=None, template=None),))
    [extra] = diff(expected, actual)
    assert (extra.org, extra.object, extra.change) == ("demo", "core.values_demo", "extra")


def test_views_functions_extensions_schemas():
    view = m.View("core", "v", " SELECT 1;", comment="c")
    fn = m.Function("core", "f", (m.Argument(None, "a integer"),), "integer", "sql", "SELECT a\n")
    expected = _db(views=(view,), functions=(fn,), extensions=(m.Extension("timescaledb", version="2.19.3"),),
                   schemas=(m.Schema("core", "Haystack"), m.Schema("public")))
    actual = _db(views=(replace(view, materialized=True),), functions=(replace(fn, body="  SELECT a  "),),
                 extensions=(m.Extension("timescaledb", "public", "2.23.0"),),
                 schemas=(m.Schema("core", "Other"), m.Schema("public", "standard public schema")))
    got = {(c.kind, c.object, c.attribute, c.expected_text, c.actual_text) for c in diff(expected, actual)}
    assert got == {
        ("view", "core.v", "materialized", "false", "true"),
        ("extension", "timescaledb", "version", "2.19.3", "2.23.0"),
        ("schema", "core", "comment", "Haystack", "Other"),  # public: the model gives no comment, none compared
    }
    changed = diff(expected, replace(actual, functions=(replace(fn, body="SELECT a + 1", volatility="stable"),)))
    assert {c.attribute for c in changed if c.kind == "function"} == {"body", "volatility"}


def test_column_order():
    t = _values("acme")
    moved = replace(t, columns=(t.columns[1], t.columns[0], t.columns[2]))
    [c] = diff(_db(t), _db(moved))
    assert (c.attribute, c.expected_text, c.actual_text) == ("column order", "entity_id, timestamp, value",
                                                   "timestamp, entity_id, value")


def test_expected_side_per_server():
    cagg = m.ContinuousAggregate("core", "h", "SELECT 1", refresh=m.RefreshPolicy(None, None, I("1 hour")))
    db = _db(_values("acme"), continuous_aggregates=(cagg,))
    apache = expected_database(db, None, frozenset({m.FEATURE_COMPRESSION, m.FEATURE_POLICY, m.FEATURE_CAGG}))
    t = apache.tables[-1]
    assert (t.compression, t.retention, apache.continuous_aggregates) == (None, None, ())
    assert t.hypertable is not None and apache.uses_timescaledb
    plain = expected_database(db, None, frozenset({m.FEATURE_TIMESCALEDB, m.FEATURE_COMPRESSION,
                                                    m.FEATURE_POLICY, m.FEATURE_CAGG}))
    assert plain.tables[-1].hypertable is None and not plain.uses_timescaledb
    one = expected_database(_db(_values("acme"), _values("demo")), ["demo"], frozenset())
    assert [t.name for t in one.tables] == ["values_demo"] and one.extensions == () and one.schemas == ()


def _changes() -> list[Change]:
    values, entity = m.ObjectKey("table", "core", "values_acme"), m.ObjectKey("table", "core", "entity")
    return [
        Change("datakwip", "acme", values, "changed", ("retention policy", "drop_after"), I("1 year"), I("2 years")),
        Change("datakwip", "", entity, "missing"),
        Change("datakwip", "acme", values, "missing", ("index", "ix")),
        Change("datakwip", "", m.ObjectKey("seed row", "core", "tag_def"), "changed",
               ("row", (("id", "site"),), ("name",)), {"name": "site"}, {"name": "x"}),
    ]


def test_text_report_groups_by_org_and_object():
    text = format_text("datakwip", _changes())
    assert text.splitlines() == [
        "database datakwip: 4 difference(s)",
        "  shared objects",
        "    seed row core.tag_def",
        "      id='site': name: expected {\"name\": \"site\"}, found {\"name\": \"x\"}",
        "    table core.entity: missing",
        "  org acme",
        "    table core.values_acme",
        "      retention policy: drop_after: expected 1 year, found 2 years",
        "      index ix: missing",
    ]
    assert format_text("datakwip", []) == "database datakwip: no drift"


def test_json_report_shape_is_stable():
    doc = json.loads(format_json([("datakwip", _changes()), ("simulator_state", [])]))
    assert doc["version"] == 1
    assert [(d["name"], d["drift"], len(d["changes"])) for d in doc["databases"]] == [
        ("datakwip", True, 4), ("simulator_state", False, 0)]
    first = doc["databases"][0]["changes"][0]
    assert first == {"org": None, "kind": "seed row", "object": "core.tag_def", "change": "changed",
                     "attribute": "id='site': name", "expected": '{"name": "site"}', "actual": '{"name": "x"}'}
    assert all(set(c) == {"org", "kind", "object", "change", "attribute", "expected", "actual"}
               for c in doc["databases"][0]["changes"])
    assert format_json([("datakwip", _changes())]) == format_json([("datakwip", list(reversed(_changes())))])
