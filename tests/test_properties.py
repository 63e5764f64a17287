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
                         "ts_col", "amount", "group", "from", "x1", "data"])
TYPES = {
    "integer": ["0", "42"], "bigint": ["7"], "text": ["'hello'", "''"], "varchar(40)": ["'a;b'"],
    "numeric(12,2)": ["1.50"], "boolean": ["false", "true"], "timestamptz": ["now()"], "jsonb": ["'{}'"],
    "uuid": ["gen_random_uuid()"], "double precision": ["0.5"], "date": ["CURRENT_DATE"], "text[]": ["'{}'"],
}


@st.composite
def tables(draw, schema: str, count: int):
    out = {}
    used: set[str] = set()
    for n in range(count):
        name = draw(NAMES.filter(lambda x: x not in used)) + f"_{n}"
        used.add(name.rsplit("_", 1)[0])
        col_names = draw(st.lists(NAMES, min_size=1, max_size=5, unique=True))
        columns = {}
        for c in col_names:
            t = draw(st.sampled_from(sorted(TYPES)))
            spec = {"type": t}
            if draw(st.booleans()):
                spec["not_null"] = True
            if draw(st.booleans()):
                spec["default"] = draw(st.sampled_from(TYPES[t]))
            if t == "integer" and draw(st.booleans()):
                spec["check"] = f'"{c.replace(chr(34), chr(34) * 2)}" >= 0'
            if draw(st.integers(0, 4)) == 0:
                spec["comment"] = draw(st.sampled_from(["a comment", "it's quoted", "ünïcode"]))
            columns[c] = spec
        table = {"columns": columns}
        first = col_names[0]
        if columns[first]["type"] in ("integer", "bigint", "text", "uuid") and draw(st.booleans()):
            table["primary_key"] = [first]
        indexed = [c for c in col_names if columns[c]["type"] not in ("jsonb", "text[]")]
        if indexed and draw(st.booleans()):
            col = draw(st.sampled_from(indexed))
            table["indexes"] = {f"ix_{n}_{draw(st.integers(0, 99))}":
                                {"columns": [{"column": col, "order": draw(st.sampled_from(["asc", "desc"]))}]}}
        if draw(st.integers(0, 3)) == 0:
            table["comment"] = "generated"
        out[name] = table
    # a foreign key from a later table to an earlier primary key, types matching
    keyed = [(t, spec) for t, spec in out.items() if "primary_key" in spec]
    if len(out) > 1 and keyed and draw(st.booleans()):
        target, tspec = keyed[0]
        pk = tspec["primary_key"][0]
        ptype = tspec["columns"][pk]["type"]
        referrer = next(t for t in out if t != target)
        out[referrer]["columns"]["ref_col"] = {"type": ptype, "references": {"table": f"{schema}.{target}",
                                                                            "column": pk, "on_delete": "cascade"}}
    return out


@st.composite
def models(draw, community: bool):
    schema = draw(st.sampled_from(["prop", "Prop Schema", "select"]))
    body = {"tables": draw(tables(schema, draw(st.integers(1, 3))))}
    interval = draw(st.sampled_from(["1 day", "7 days", "12 hours"]))
    series = {"columns": {"at": {"type": "timestamptz", "not_null": True}, "device": {"type": "integer",
                                                                                   "not_null": True},
                          "reading": "double precision"},
              "primary_key": ["device", "at"],
              "indexes": {"series_{org}_device": {"columns": ["device", "at DESC"]}},
              "hypertable": {"time_column": "at", "chunk_interval": interval}}
    if draw(st.booleans()):
        series["compression"] = {"segment_by": ["device"], "order_by": ["at DESC"],
                                 "after": draw(st.sampled_from(["7 days", "30 days"]))}
    if draw(st.booleans()):
        series["retention"] = {"drop_after": draw(st.sampled_from(["90 days", "1 year"]))}
    orgs = draw(st.lists(st.sampled_from(["acme", "beta", "c3", "delta_co"]), max_size=3, unique=True))
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
