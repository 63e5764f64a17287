"""Stage 5a, inspect: a live database's catalogs -> the same model.Database the loader builds.

A fixed number of catalog queries, whatever the number of tables or orgs: each query in generator/sql/ reads one
kind of object for every managed schema at once. TimescaleDB internals are left out inside the SQL (extension
members, chunks, materialization hypertables) or here (continuous aggregates are views in pg_class).
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import timedelta
from functools import cache
from importlib import resources
from typing import Collection

import psycopg
from psycopg.rows import dict_row

from . import model as m
from .sqltext import Interval


@cache
def query(name: str) -> str:
    """The catalog query in generator/sql/<name>.sql."""
    return resources.files("schemagen.sql").joinpath(f"{name}.sql").read_text("utf-8")


class Catalog:
    """Runs the catalog queries and counts them (the count must not grow with the number of orgs)."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.queries = 0

    def rows(self, name: str, **params) -> list[dict]:
        self.queries += 1
        with self.conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(query(name), params or None).fetchall()


def interval_of(value) -> Interval | int | None:
    """A server interval (timedelta from psycopg, or text from job configs) as an Interval."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return Interval.from_usecs((value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds)
    if isinstance(value, int):
        return value
    return Interval.parse(str(value))


_FK_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
_WHEN = re.compile(r"\sWHEN \((.*)\) EXECUTE (?:FUNCTION|PROCEDURE) ", re.S)


def _nulls_first(descending: bool, nulls_first: bool) -> bool | None:
    """None when NULLS is the direction's default (LAST for ASC, FIRST for DESC), as the model writes it."""
    return None if nulls_first == descending else nulls_first


def _index(r: dict) -> m.Index:
    elements = []
    for k in range(r["key_count"]):
        option = r["options"][k]
        desc = bool(option & 1)
        column = r["columns"][k]
        elements.append(m.IndexElement(
            column, None if column else r["definitions"][k], desc, _nulls_first(desc, bool(option & 2)),
            r["opclasses"][k]))
    with_ = tuple(sorted(tuple(o.split("=", 1)) for o in (r["options_with"] or ())))
    return m.Index(r["name"], tuple(elements), r["method"], r["unique"], bool(r["nulls_not_distinct"]),
                   tuple(c for c in r["columns"][r["key_count"]:] if c), r["predicate"], with_, r["comment"])


def _trigger(r: dict) -> m.Trigger:
    t = r["type"]
    timing = "instead of" if t & 64 else ("before" if t & 2 else "after")
    events = tuple(sorted(e for bit, e in ((4, "insert"), (8, "delete"), (16, "update"), (32, "truncate")) if t & bit))
    when = _WHEN.search(r["definition"])
    return m.Trigger(r["name"], f"{r['function_schema']}.{r['function_name']}", timing, events,
                     "row" if t & 1 else "statement", when[1] if when else None, tuple(r["update_of"] or ()))


def inspect(conn: psycopg.Connection, *, schemas: Collection[str], name: str,
            catalog: Catalog | None = None) -> m.Database:
    """Read the objects of the given schemas (and the extensions) into a Database."""
    cat = catalog or Catalog(conn)
    managed = sorted(schemas)
    exts = tuple(m.Extension(r["name"], r["schema"], r["version"]) for r in cat.rows("extensions"))
    has_ts = any(e.name == "timescaledb" for e in exts)
    caggs_rows = cat.rows("ts_caggs", schemas=managed) if has_ts else []
    mat = {r["mat_table"]: (r["schema"], r["name"]) for r in caggs_rows}
    p = {"schemas": managed, "materializations": sorted(mat)}

    schema_objs = tuple(m.Schema(r["name"], r["comment"]) for r in cat.rows("schemas", schemas=managed))
    relations = cat.rows("relations", schemas=managed)
    columns = defaultdict(list)
    for r in cat.rows("columns", schemas=managed):
        default = None if r["serial"] else r["default"]
        columns[(r["schema"], r["table"])].append(m.Column(
            r["name"], r["type"], r["not_null"], default, r["identity"], r["serial"], r["comment"]))
    pks, uniques, fks, checks = {}, defaultdict(list), defaultdict(list), defaultdict(list)
    for r in cat.rows("constraints", schemas=managed):
        key, cols = (r["schema"], r["table"]), tuple(r["columns"])
        if r["type"] == "p":
            pks[key] = m.PrimaryKey(r["name"], cols)
        elif r["type"] == "u":
            uniques[key].append(m.Unique(r["name"], cols, r["nulls_not_distinct"]))
        elif r["type"] == "f":
            fks[key].append(m.ForeignKey(r["name"], cols, r["ref_schema"], r["ref_table"], tuple(r["ref_columns"]),
                                         _FK_ACTIONS[r["on_delete"]], _FK_ACTIONS[r["on_update"]],
                                         r["deferrable"], r["initially_deferred"]))
        else:
            checks[key].append(m.Check(r["name"], r["definition"].removeprefix("CHECK ").removesuffix(" NOT VALID")))
    indexes = defaultdict(list)
    for r in cat.rows("indexes", **p):
        owner = mat.get(r["relation"], (r["schema"], r["relation"]))
        if r["relation"] in mat and r["name"].startswith("_materialized_hypertable_"):
            continue  # the indexes TimescaleDB adds to every aggregate
        indexes[owner].append(_index(r))
    triggers = defaultdict(list)
    for r in cat.rows("triggers", schemas=managed):
        triggers[(r["schema"], r["table"])].append(_trigger(r))
    functions = tuple(
        m.Function(r["schema"], r["name"], (m.Argument(None, r["arguments"]),), r["returns"], r["language"],
                   r["body"], r["volatility"], r["strict"], r["security_definer"], r["comment"])
        for r in cat.rows("functions", schemas=managed))

    hyper, compression, retention, refresh = {}, {}, {}, {}
    if has_ts:
        dims = defaultdict(list)
        for r in cat.rows("ts_dimensions", schemas=managed):
            dims[(r["schema"], r["table"])].append(r)
        for key, rows in dims.items():
            first, rest = rows[0], rows[1:]
            hyper[key] = m.Hypertable(
                first["column"], interval_of(first["time_interval"]) or first["integer_interval"],
                tuple(m.Dimension(d["column"], d["partitions"],
                                  None if d["partitions"] else interval_of(d["time_interval"]) or
                                  d["integer_interval"]) for d in rest))
        settings = defaultdict(list)
        for r in cat.rows("ts_compression", **p):
            settings[mat.get(r["table"], (r["schema"], r["table"]))].append(r)
        for key, rows in settings.items():
            seg = [r["column"] for r in sorted((r for r in rows if r["segment_index"]), key=lambda r: r["segment_index"])]
            order = [m.OrderBy(r["column"], not r["ascending"], _nulls_first(not r["ascending"], r["nulls_first"]))
                     for r in sorted((r for r in rows if r["order_index"]), key=lambda r: r["order_index"])]
            compression[key] = m.Compression(tuple(seg), tuple(order))
        for r in cat.rows("ts_jobs", **p):
            key = mat.get(r["relation"], (r["schema"], r["relation"]))
            config = json.loads(r["config"] or "{}")
            every = interval_of(r["schedule_interval"])
            if r["kind"] == "policy_compression":
                c = compression.get(key, m.Compression())
                compression[key] = m.Compression(c.segment_by, c.order_by, interval_of(config.get("compress_after")),
                                                 every)
            elif r["kind"] == "policy_retention":
                retention[key] = m.Retention(interval_of(config.get("drop_after")), every)
            elif r["kind"] == "policy_refresh_continuous_aggregate":
                refresh[key] = m.RefreshPolicy(interval_of(config.get("start_offset")),
                                               interval_of(config.get("end_offset")), every)

    cagg_names = {(r["schema"], r["name"]) for r in caggs_rows}
    tables, views = [], []
    for r in relations:
        key = (r["schema"], r["name"])
        if r["kind"] in ("r", "p"):
            tables.append(m.Table(
                r["schema"], r["name"], tuple(columns[key]), pks.get(key), tuple(uniques[key]), tuple(fks[key]),
                tuple(checks[key]), tuple(indexes[key]), tuple(triggers[key]), r["comment"], hyper.get(key),
                compression.get(key), retention.get(key)))
        elif key not in cagg_names:
            views.append(m.View(r["schema"], r["name"], r["definition"], r["kind"] == "m",
                                indexes=tuple(indexes[key]), comment=r["comment"]))
    comments = {(r["schema"], r["name"]): r["comment"] for r in relations}
    caggs = tuple(
        m.ContinuousAggregate(r["schema"], r["name"], r["definition"], r["materialized_only"],
                              refresh.get((r["schema"], r["name"])), tuple(indexes[(r["schema"], r["name"])]),
                              compression.get((r["schema"], r["name"])), retention.get((r["schema"], r["name"])),
                              comments.get((r["schema"], r["name"])))
        for r in caggs_rows)
    return m.Database(name, exts, schema_objs, tuple(tables), tuple(views), caggs, functions)
