"""Property-based round trips on real servers: any valid model renders into statements that parse, applies, shows
no drift, and rolls back to the database it started from.

Examples per run: SCHEMAGEN_HYPOTHESIS_EXAMPLES (CI keeps it small; `make hypothesis` runs 200).
"""
from __future__ import annotations

import os

import pglast
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import model_from, snapshot
from schemagen import apply as applying
from schemagen import diff as differ
from schemagen import render
from servers import SERVERS, create_database, drop_database, pglite_lock, reset_pglite, server_is_pglite

EXAMPLES = int(os.environ.get("SCHEMAGEN_HYPOTHESIS_EXAMPLES", "8"))

# Names a user may write: plain, reserved words, upper case, spaces, quotes, Unicode.
NAMES = st.sampled_from(["id", "name", "user", "order", "select", "Value", "Mixed Case", 'quo"te', "naïve",
                         "ts_col", "amount", "group", "from", "x1", "data", "limit", "Ünïcode", "a-b"])
# type -> defaults that fit it; the types btree cannot index (or that need care) are listed below.
TYPES = {
    "integer": ["0", "42"], "bigint": ["7"], "smallint": ["-3"], "text": ["'hello'", "''"], "varchar(40)": ["'a;b'"],
    "varchar": ["'x'"], "char(3)": ["'abc'"], "numeric(12,2)": ["1.50"], "numeric": ["0"], "real": ["0.25"],
    "double precision": ["0.5"], "boolean": ["false", "true"], "timestamptz": ["now()"],
    "timestamp": ["'2024-01-01 00:00:00'"], "date": ["CURRENT_DATE"], "time": ["'12:30:00'"],
    "interval": ["'1 day'"], "jsonb": ["'{}'"], "json": ["'[]'"], "uuid": ["gen_random_uuid()"],
    "bytea": ["'\\x00'"], "inet": ["'10.0.0.1'"], "cidr": ["'10.0.0.0/8'"], "text[]": ["'{}'"],
    "integer[]": ["'{1,2}'"], "point": ["'(1,2)'"],
}
NOT_BTREE = {"json", "point"}
INTEGERS = {"integer", "bigint", "smallint"}


def q(name: str) -> str:
    """A name as SQL text (the views, checks and predicates the generator writes)."""
    return '"' + name.replace('"', '""') + '"'


@st.composite
def tables(draw, schema: str, count: int):
    out = {}
    used: set[str] = set()
    for n in range(count):
        name = draw(NAMES.filter(lambda x: x not in used)) + f"_{n}"
        used.add(name.rsplit("_", 1)[0])
        col_names = draw(st.lists(NAMES, min_size=1, max_size=6, unique=True))
        columns = {}
        for c in col_names:
            t = draw(st.sampled_from(sorted(TYPES)))
            spec = {"type": t}
            if t in INTEGERS and draw(st.integers(0, 5)) == 0:
                spec["identity"] = draw(st.sampled_from(["always", "by default"]))
            else:
                if draw(st.booleans()):
                    spec["not_null"] = True
                if draw(st.booleans()):
                    spec["default"] = draw(st.sampled_from(TYPES[t]))
            if t in INTEGERS and draw(st.booleans()):
                spec["check"] = f"{q(c)} >= -100"
            if t not in NOT_BTREE and not t.endswith("]") and draw(st.integers(0, 5)) == 0:
                spec["unique"] = True
            if draw(st.integers(0, 4)) == 0:
                spec["comment"] = draw(st.sampled_from(["a comment", "it's quoted", "ünïcode", "$$ and */"]))
            columns[c] = spec
        table = {"columns": columns}
        keyable = [c for c in col_names if columns[c]["type"] in ("integer", "bigint", "text", "uuid", "date")]
        if keyable and draw(st.booleans()):
            table["primary_key"] = keyable[:draw(st.integers(1, min(2, len(keyable))))]
            if len(table["primary_key"]) == 1:  # UNIQUE PRIMARY KEY: the loader refuses it (PostgreSQL drops one)
                columns[table["primary_key"][0]].pop("unique", None)
        btree = [c for c in col_names if columns[c]["type"] not in NOT_BTREE and not columns[c]["type"].endswith("]")]
        if len(btree) >= 2 and btree[:2] != table.get("primary_key") and draw(st.integers(0, 3)) == 0:
            table["unique"] = [{"name": f"uq_{n}_pair", "columns": btree[:2],
                                "nulls_not_distinct": draw(st.booleans())}]
        ints = [c for c in col_names if columns[c]["type"] in INTEGERS and "identity" not in columns[c]]
        if ints and draw(st.booleans()):
            table["checks"] = {f"ck_{n}_bound": f"{q(ints[0])} < 1000000"}
        indexes = {}
        if btree and draw(st.booleans()):
            cols = draw(st.lists(st.sampled_from(btree), min_size=1, max_size=2, unique=True))
            ix = {"columns": [{"column": c, "order": draw(st.sampled_from(["asc", "desc"])),
                               "nulls": draw(st.sampled_from(["first", "last"]))} for c in cols]}
            if ints and draw(st.booleans()):
                ix["where"] = f"{q(ints[0])} > 0"
            if draw(st.integers(0, 3)) == 0:
                ix["unique"] = True
            rest = [c for c in btree if c not in cols]
            if rest and draw(st.booleans()):
                ix["include"] = rest[:1]
            indexes[f"ix_{n}_{draw(st.integers(0, 99))}"] = ix
        gin = [c for c in col_names if columns[c]["type"] in ("jsonb", "text[]", "integer[]")]
        if gin and draw(st.booleans()):
            indexes[f"gin_{n}"] = {"method": "gin", "columns": [{"column": gin[0]}]}
        texts = [c for c in col_names if columns[c]["type"] == "text"]
        if texts and draw(st.booleans()):
            indexes[f"expr_{n}"] = {"columns": [{"expression": f"lower({q(texts[0])})"}]}
        if indexes:
            table["indexes"] = indexes
        if draw(st.integers(0, 3)) == 0:
            table["comment"] = "generated"
        out[name] = table
    # a foreign key from a later table to an earlier primary key of one column, types matching
    keyed = [(t, spec) for t, spec in out.items() if len(spec.get("primary_key", [])) == 1]
    if len(out) > 1 and keyed and draw(st.booleans()):
        target, tspec = keyed[0]
        pk = tspec["primary_key"][0]
        ptype = tspec["columns"][pk]["type"]
        referrer = next(t for t in out if t != target)
        out[referrer]["columns"]["ref_col"] = {"type": ptype, "references": {
            "table": f"{schema}.{target}", "column": pk,
            "on_delete": draw(st.sampled_from(["cascade", "restrict", "set null", "no action"]))}}
    return out


TRIGGER_BODY = "BEGIN\n  NEW.touched := now();\n  RETURN NEW;\nEND"


@st.composite
def extras(draw, schema: str, body: dict) -> None:
    """Views over the generated tables, a trigger function and its trigger, seed rows."""
    first_name, first = next(iter(body["tables"].items()))
    cols = list(first["columns"])
    if draw(st.booleans()):
        picked = draw(st.lists(st.sampled_from(cols), min_size=1, max_size=3, unique=True))
        body["views"] = {"v_" + first_name: {"query": f"SELECT {', '.join(map(q, picked))} FROM "
                                                      f"{q(schema)}.{q(first_name)}",
                                            "comment": "a view"}}
    if draw(st.booleans()):
        body["tables"]["touched"] = {"columns": {"id": "bigserial", "touched": "timestamptz"},
                                     "triggers": {"trg_touch": {"function": f"{schema}.touch", "timing": "before",
                                                                "events": draw(st.lists(st.sampled_from(
                                                                    ["insert", "update"]), min_size=1, unique=True)),
                                                                "for_each": "row"}}}
        body["functions"] = {"touch": {"returns": "trigger", "language": "plpgsql", "body": TRIGGER_BODY}}
    if draw(st.booleans()):
        rows = draw(st.lists(st.integers(1, 50), min_size=1, max_size=4, unique=True))
        body["tables"]["seeded"] = {"columns": {"id": "integer", "label": {"type": "text", "not_null": True}},
                                    "primary_key": ["id"],
                                    "seed": {"rows": [{"id": r, "label": f"row {r} it's"} for r in rows]}}
    return None


@st.composite
def plain_models(draw):
    """Models without TimescaleDB, for PostgreSQL 15."""
    schema = draw(st.sampled_from(["prop", "Prop Schema", "select", "ünï"]))
    body = {"tables": draw(tables(schema, draw(st.integers(1, 3))))}
    draw(extras(schema, body))
    doc = {"databases": {"propdb": {"schemas": {schema: body}}}}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


@st.composite
def models(draw, community: bool):
    schema = draw(st.sampled_from(["prop", "Prop Schema", "select"]))
    body = {"tables": draw(tables(schema, draw(st.integers(1, 3))))}
    draw(extras(schema, body))
    interval = draw(st.sampled_from(["1 day", "7 days", "12 hours"]))
    series = {"columns": {"at": {"type": "timestamptz", "not_null": True}, "device": {"type": "integer",
                                                                                   "not_null": True},
                          "reading": "double precision", "site": {"type": "text", "not_null": True,
                                                                  "default": "'main'"}},
              "primary_key": ["device", "site", "at"],
              "indexes": {"series_{org}_device": {"columns": ["device", "at DESC"]}},
              "hypertable": {"time_column": "at", "chunk_interval": interval}}
    if draw(st.booleans()):
        series["hypertable"]["dimensions"] = [{"column": "site", "partitions": draw(st.integers(1, 8))}]
    if draw(st.booleans()):
        series["compression"] = {"segment_by": ["device"], "order_by": ["at DESC"],
                                 "after": draw(st.sampled_from(["7 days", "30 days"]))}
    if draw(st.booleans()):
        series["retention"] = {"drop_after": draw(st.sampled_from(["90 days", "1 year"]))}
    orgs = draw(st.lists(st.sampled_from(["acme", "beta", "c3", "delta_co"]), max_size=3, unique=True))
    if orgs and draw(st.booleans()):  # org tables point at a shared table
        body["tables"]["devices"] = {"columns": {"id": "integer", "label": "text"}, "primary_key": ["id"]}
        series["columns"]["device"]["references"] = {"table": f"{schema}.devices", "column": "id"}
    body["tables"]["series_{org}" if orgs else "series"] = series
    if draw(st.booleans()):
        bucket = draw(st.sampled_from(["1 hour", "1 day"]))
        body["continuous_aggregates"] = {("series_{org}_agg" if orgs else "series_agg"): {
            "source": "series_{org}" if orgs else "series", "bucket": bucket, "group_by": ["device"],
            "aggregates": {"avg_reading": "avg(reading)", "n": "count(*)"},
            "refresh": {"start_offset": "3 days", "end_offset": bucket, "schedule_interval": "1 hour"}}}
    if not orgs:
        body["tables"]["series"]["indexes"] = {"series_device": {"columns": ["device", "at DESC"]}}
    doc = {"orgs": [{"key": o, "name": o.title()} for o in orgs],
           "databases": {"propdb": {"extensions": {"timescaledb": None}, "schemas": {schema: body}}}}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _round_trip(db, text: str, skip: bool) -> None:
    model = model_from(text)
    scripts = render.render(model)
    for s in scripts:
        for statement in s.statements:
            assert len(pglast.parse_sql(statement.sql)) == 1
    before = snapshot(db)
    applying.apply(db.dsn, model, skip_unsupported=skip, out=_Quiet())
    changes = differ.compare_live_for_test(db.dsn, model) if not skip else _diff_skip(db, model)
    assert changes == [], [c.summary() for c in changes]
    applying.rollback(db.dsn, model, out=_Quiet())
    assert snapshot(db) == before


def _diff_skip(db, model):
    from schemagen.connect import connection, server_info

    with connection(db.dsn) as conn:
        skip = frozenset(server_info(conn, db.dsn).unsupported())
        return differ.compare_live(conn, model, model.databases[0], skip=skip)


class _Quiet:
    def write(self, _text):
        return 0

    def flush(self):
        pass


COMMON = settings(max_examples=EXAMPLES, deadline=None, derandomize=bool(os.environ.get("CI")),
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                         HealthCheck.data_too_large])


@COMMON
@given(text=models(community=False))
def test_round_trip_on_native_timescaledb(text):
    from conftest import require

    server = require("ts-apache")
    db = create_database(server)
    try:
        _round_trip(db, text, skip=True)
    finally:
        drop_database(db)


@COMMON
@given(text=plain_models())
def test_round_trip_on_plain_postgresql(text):
    from conftest import require

    server = require("pg-plain")
    db = create_database(server)
    try:
        _round_trip(db, text, skip=False)
    finally:
        drop_database(db)


@settings(COMMON, max_examples=max(2, EXAMPLES // 2))
@given(text=models(community=True))
def test_round_trip_on_community_timescaledb(text):
    from conftest import require

    server = require("ts-community")
    if not server_is_pglite(server):
        pytest.skip("uses the PGlite reset between examples")
    with pglite_lock():
        db = reset_pglite(server)
        _round_trip(db, text, skip=False)
