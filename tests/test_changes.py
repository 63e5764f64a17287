"""Structured changes (no server): keys, part paths and typed values, text only at the report edge; overloaded
functions keyed by signature; what the server's rows of behaviour and data become."""
from __future__ import annotations

import json

from schemagen import model as m
from schemagen.changes import Change, part_text, value_text
from schemagen.commands.drift import DiffResult
from schemagen.compare import behaviour, rows
from schemagen.compare.diff import diff
from schemagen.compare.keys import signature
from schemagen.compare.report import format_json, format_text
from schemagen.live.behaviour import Live
from schemagen.sqltext import Interval

I = Interval.parse  # noqa: E741
T = m.ObjectKey("table", "core", "t")


def _db(*tables: m.Table, **over) -> m.Database:
    return m.Database("app", (), (m.Schema("core"),), tables, **over)


def _table(**over) -> m.Table:
    return m.Table("core", "t", (m.Column("id", "integer", True), m.Column("v", "text", comment=over.pop("c", None))),
                   **over)


def test_values_stay_typed_and_parts_are_paths():
    e = _table(retention=m.Retention(I("1 day")))
    a = _table(retention=m.Retention(I("2 days")))
    a = m.Table(a.schema, a.name, (m.Column("id", "integer", False), a.columns[1]), retention=a.retention)
    changes = {c.part: c for c in diff(_db(e), _db(a))}
    nn = changes[("column", "id", "not null")]
    assert (nn.key, nn.expected, nn.actual) == (T, True, False)
    assert (nn.attribute, nn.expected_text, nn.actual_text) == ("column id: not null", "true", "false")
    drop = changes[("retention policy", "drop_after")]
    assert isinstance(drop.expected, Interval) and drop.expected == I("1 day") and drop.actual_text == "2 days"


def test_a_value_that_reads_present_is_a_value_not_a_part():
    changes = diff(_db(_table(c="present", comment="present")), _db(_table()))
    assert {(c.change, c.attribute, c.expected, c.actual) for c in changes} == {
        ("changed", "column v: comment", "present", None), ("changed", "comment", "present", None)}
    assert diff(_db(_table(c="present")), _db(_table(c="present"))) == []


def test_part_text():
    assert part_text(()) == ""
    assert part_text(("column", "id", "type")) == "column id: type"
    assert part_text(("column order",)) == "column order"
    assert part_text(("index", "ix", "unique")) == "index ix: unique"
    assert part_text(("hypertable", "dimension", "d", "partitions")) == "hypertable: dimension d: partitions"
    assert part_text(("column", "type", "type")) == "column type: type"
    assert part_text(("sequence", "T_seq", "privileges of", "PUBLIC")) == 'sequence "T_seq": privileges of PUBLIC'
    assert part_text(("column", "c", "privileges of", "Bob")) == 'column c: privileges of "Bob"'
    assert part_text(("privileges of", "")) == 'privileges of "?"'
    assert part_text(("row", (("id", "it's"), ("n", 1)), ("a", "b"))) == "id='it''s', n=1: a, b"
    assert value_text((I("1 day"), True, None)) == "1 day, true, None"
    assert value_text({"a": 1}) == '{"a": 1}'


def _fn(*arguments: m.Argument, **over) -> m.Function:
    return m.Function("core", over.pop("name", "f"), arguments, "integer", "sql", over.pop("body", "SELECT 1"), **over)


def test_signature_leaves_out_out_arguments():
    assert signature(_fn(m.Argument("a", "integer"), m.Argument("b", "text", "out"))) == "(integer)"


def test_overloads_are_matched_by_signature():
    model = _db(functions=(_fn(m.Argument("a", "integer")), _fn(m.Argument("a", "integer"), name="g")))
    live = _db(functions=(_fn(m.Argument("a", "integer")), _fn(m.Argument("b", "text"), body="SELECT 2"),
                          _fn(m.Argument("a", "bigint"), name="g")))
    changes = diff(model, live)
    assert [(c.object, c.change, c.attribute, c.expected, c.actual) for c in changes] == [
        ("core.f(text)", "extra", "", None, None),  # f(integer) is the model's: no drift
        ("core.g", "changed", "arguments", "a integer", "a bigint"),  # one of each name: a change of it
    ]
    assert changes[0].key == m.ObjectKey("function", "core", "f", "(text)")
    assert changes[1].key == m.ObjectKey("function", "core", "g", "(integer)")


def test_behaviour_rows_become_changes_on_the_model_objects():
    expected = _db(m.Table("core", "t", (m.Column("id", "integer", serial=True),), org="acme"), orgs=("acme",))
    live = Live(
        security=[{"schema": "core", "name": "t", "fact": "rule", "part": "r", "actual": "CREATE RULE r\n  AS x;"},
                  {"schema": "core", "name": "t", "fact": "trigger enabled", "part": "constraint fk",
                   "actual": "disabled"},
                  {"schema": "core", "name": "other", "fact": "persistence", "part": None, "actual": "unlogged"}],
        grants=[{"class": "relation", "schema": "core", "name": "t_id_seq", "kind": "S", "part": "t",
                 "fact": "privileges", "grantee": "PUBLIC", "expected": None, "actual": "USAGE"},
                {"class": "schema", "schema": "core", "name": "core", "kind": "n", "part": None, "fact": "owner",
                 "grantee": None, "expected": "me", "actual": "bob"}],
        objects=[{"kind": "operator", "schema": "core", "name": "===", "arguments": "integer, integer"},
                 {"kind": "sequence", "schema": "core", "name": "s", "arguments": None}],
        sequences=[{"schema": "core", "table": "t", "column": "id", "sequence": "t_id_seq1", "default_schema": "core",
                    "default_sequence": "t_id_seq1"}])
    got = [(c.org, c.kind, c.object, c.change, c.attribute, c.expected, c.actual)
           for c in sorted(behaviour.changes(expected, live), key=Change.sort_key)]
    assert got == [
        ("", "operator", "core.=== (integer, integer)", "extra", "", None, None),
        ("", "schema", "core", "changed", "owner", "me", "bob"),
        ("", "sequence", "core.s", "extra", "", None, None),
        ("acme", "table", "core.t", "changed", "column id: sequence", "core.t_id_seq", "core.t_id_seq1"),
        ("acme", "table", "core.t", "changed", "constraint fk: enabled", "enabled", "disabled"),
        ("acme", "table", "core.t", "changed", "sequence t_id_seq: privileges of PUBLIC", None, "USAGE"),
        ("acme", "table", "core.t", "extra", "rule r", None, "CREATE RULE r AS x;"),
    ]
    assert len(behaviour.changes(expected, live, extra_objects=False)) == 5


def test_rows_read_back_become_changes():
    t = m.Table("core", "tag", (m.Column("id", "text"), m.Column("name", "text"), m.Column("unit", "text")),
                seed=m.SeedRows(("id",), ("id", "name", "unit"), (("site", "Site", m.SEED_DEFAULT), ("x", "X", "u"))))
    parts = rows.data_parts(_db(t), _db(t), None)
    found = [(0, 0, True, [True, False, False], json.dumps({"id": "site", "name": "Site", "unit": None}),
              json.dumps({"id": "site", "name": "A site", "unit": "kg"})), (0, 1, False, [], "{}", "{}")]
    changed, missing = rows.row_changes("app", parts, found)
    assert (changed.kind, changed.object, changed.attribute) == ("seed row", "core.tag", "id='site': name")
    assert (changed.expected, changed.actual_text) == ({"name": "Site"}, '{"name": "A site"}')
    assert (missing.change, missing.part, missing.attribute) == ("missing", ("row", (("id", "x"),)), "id='x'")
    text = format_text("app", [missing, changed])
    assert text.splitlines()[2:] == ["    seed row core.tag", "      id='site': name: expected {\"name\": \"Site\"}, "
                                     "found {\"name\": \"A site\"}", "      id='x': missing"]
    assert json.loads(format_json([("app", [changed])]))["databases"][0]["changes"][0]["expected"] == \
        '{"name": "Site"}'


def test_the_drift_message():
    result = DiffResult("app", [Change("app", "", T, "missing")])
    assert result.message == "database app: 1 difference(s) from the model"
