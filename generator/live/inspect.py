"""Stage 5a, inspect: a live database's catalogs -> the same model.Database the loader builds.

A fixed number of catalog queries, whatever the number of tables or orgs: each file in generator/sql/ reads one
kind of object for every schema at once (8 queries; 12 when TimescaleDB is installed, none of its views being
read when it is not). The queries leave out system schemas, the TimescaleDB schemas (chunks, materialization
hypertables, the _direct_view/_partial_view views live there), extension members (pg_depend deptype 'e'),
TimescaleDB's own jobs (ids below 1000) and schemagen's history schema; chunk counts are never read. The drift
check adds four more (behaviour.py: rules, row-level security, owners, grants, objects of other kinds).
Continuous aggregates are views in pg_class: they are set apart here, with the indexes, compression settings and
policies of their materialization hypertables moved onto them.

Version differences are marker lines in the SQL: `--@pg15 ...` is uncommented on PostgreSQL 15 and later,
`--@pre_pg15 ...` before, `--@timescaledb ...` when TimescaleDB is installed.

Locks: printing a view (pg_get_viewdef) takes a share lock on the relations it reads. Inside a transaction (as
the drift check runs), the queries that print views run in a savepoint rolled back at once, so those locks are
held for one query at a time, not piled up for the whole transaction.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Collection
from contextlib import nullcontext
from datetime import timedelta
from functools import cache
from importlib import resources

import psycopg
from psycopg.rows import dict_row

from schemagen import model as m
from schemagen.sqltext import Interval

CATALOG_QUERIES = ("extensions", "schemas", "relations", "columns", "constraints", "indexes", "triggers", "functions")
TIMESCALEDB_QUERIES = ("ts_caggs", "ts_dimensions", "ts_compression", "ts_jobs")
PRINTS_VIEWS = ("relations", "ts_caggs", "security")  # share locks (pg_get_viewdef, pg_get_ruledef): in a savepoint
_MARKER = re.compile(r"^--@(\w+) ", re.M)


@cache
def _text(name: str) -> str:
    return resources.files("schemagen.live.sql").joinpath(f"{name}.sql").read_text("utf-8")


@cache
def query(name: str, markers: frozenset[str] = frozenset()) -> str:
    """The catalog query generator/sql/<name>.sql, its `--@marker ` lines uncommented for the active markers
    (and left as comments for the others)."""
    return _MARKER.sub(lambda found: "" if found[1] in markers else found[0], _text(name))


def markers(conn: psycopg.Connection) -> frozenset[str]:
    """The version markers that hold for this server (no query: libpq knows the version)."""
    return frozenset({"pg15" if conn.info.server_version >= 150000 else "pre_pg15"})


class Catalog:
    """Runs the catalog queries and counts them (the count must not grow with the number of orgs)."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.queries = 0
        self.markers = markers(conn)

    def rows(self, name: str, **params) -> list[dict]:
        self.queries += 1
        in_transaction = self.conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        savepoint = in_transaction and name in PRINTS_VIEWS
        with self.conn.transaction(force_rollback=True) if savepoint else nullcontext():
            with self.conn.cursor(row_factory=dict_row) as cur:
                return cur.execute(query(name, self.markers), params or None).fetchall()


def interval_of(value) -> Interval | int | None:
    """A server interval (timedelta from psycopg, or text from job configs) as an Interval; integers stay."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return Interval.from_usecs((value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    return int(text) if re.fullmatch(r"-?\d+", text) else Interval.parse(text)


_FK_ACTIONS = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
WHEN = re.compile(r"\sWHEN \((.*)\) EXECUTE (?:FUNCTION|PROCEDURE) ", re.S)


def nulls_first(descending: bool, first: bool) -> bool | None:
    """None when NULLS is the direction's default (LAST for ASC, FIRST for DESC), as the model writes it."""
    return None if first == descending else first


def _index(r: dict) -> m.Index:
    elements = []
    for k in range(r["key_count"]):
        option, column = r["options"][k], r["columns"][k]
        desc = bool(option & 1)
        elements.append(m.IndexElement(column, None if column else r["definitions"][k], desc,
                                       nulls_first(desc, bool(option & 2)), r["opclasses"][k]))
    with_ = tuple(sorted(tuple(o.split("=", 1)) for o in (r["options_with"] or ())))
    return m.Index(r["name"], tuple(elements), r["method"], r["unique"], bool(r["nulls_not_distinct"]),
                   tuple(c for c in r["columns"][r["key_count"]:] if c), r["predicate"], with_, r["comment"])


def _trigger(r: dict) -> m.Trigger:
    t = r["type"]
    timing = "instead of" if t & 64 else ("before" if t & 2 else "after")
    events = tuple(sorted(e for bit, e in ((4, "insert"), (8, "delete"), (16, "update"), (32, "truncate")) if t & bit))
    when = WHEN.search(r["definition"])
    return m.Trigger(r["name"], f"{r['function_schema']}.{r['function_name']}", timing, events,
                     "row" if t & 1 else "statement", when[1] if when else None, tuple(r["update_of"] or ()))


def _hypertables(rows: list[dict]) -> dict[tuple[str, str], m.Hypertable]:
    dims = defaultdict(list)
    for r in rows:
        dims[(r["schema"], r["table"])].append(r)
    out = {}
    for key, (first, *rest) in dims.items():
        out[key] = m.Hypertable(
            first["column"], interval_of(first["time_interval"]) or first["integer_interval"],
            tuple(m.Dimension(d["column"], d["partitions"],
                              None if d["partitions"] else interval_of(d["time_interval"]) or d["integer_interval"])
                  for d in rest))
    return out


def _compression(rows: list[dict], owner) -> dict[tuple[str, str], m.Compression]:
    settings = defaultdict(list)
    for r in rows:
        settings[owner(r["schema"], r["table"])].append(r)
    out = {}
    for key, rs in settings.items():
        seg = [r["column"] for r in sorted((r for r in rs if r["segment_index"]), key=lambda r: r["segment_index"])]
        order = [m.OrderBy(r["column"], not r["ascending"], nulls_first(not r["ascending"], r["nulls_first"]))
                 for r in sorted((r for r in rs if r["order_index"]), key=lambda r: r["order_index"])]
        out[key] = m.Compression(tuple(seg), tuple(order))
    return out


def inspect(conn: psycopg.Connection, *, schemas: Collection[str] | None = None, name: str,
            catalog: Catalog | None = None) -> m.Database:
    """Read the objects of the given schemas (all user schemas when None), and the extensions, into a Database.
    Runs len(CATALOG_QUERIES) queries, plus len(TIMESCALEDB_QUERIES) when TimescaleDB is installed."""
    cat = catalog or Catalog(conn)
    wanted = None if schemas is None else sorted(schemas)
    exts = tuple(m.Extension(r["name"], r["schema"], r["version"]) for r in cat.rows("extensions"))
    has_ts = any(e.name == "timescaledb" for e in exts)
    if has_ts:
        cat.markers |= {"timescaledb"}
    caggs_rows = cat.rows("ts_caggs", schemas=wanted) if has_ts else []
    mat = {r["materialization"]: (r["schema"], r["name"]) for r in caggs_rows}

    def owner(schema: str, relation: str) -> tuple[str, str]:
        """A continuous aggregate for its materialization hypertable, else the relation itself."""
        return mat.get(f"{schema}.{relation}", (schema, relation))

    p = {"schemas": wanted}
    pm = {"schemas": wanted, "materializations": sorted(mat)}
    schema_objs = tuple(m.Schema(r["name"], r["comment"]) for r in cat.rows("schemas", **p))
    relations = cat.rows("relations", **p)
    columns, same = defaultdict(list), {}  # equal columns (an org table's, of every org) built once, then shared
    for r in cat.rows("columns", **p):
        fields = (r["name"], r["type"], r["not_null"], None if r["serial"] else r["default"], r["identity"],
                  r["serial"], r["comment"])
        column = same.get(fields)
        if column is None:
            column = same[fields] = m.Column(*fields)
        columns[(r["schema"], r["table"])].append(column)
    pks, uniques, fks, checks = {}, defaultdict(list), defaultdict(list), defaultdict(list)
    for r in cat.rows("constraints", **p):
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
    for r in cat.rows("indexes", **pm):
        if f"{r['schema']}.{r['relation']}" in mat and r["name"].startswith("_materialized_hypertable_"):
            continue  # the indexes TimescaleDB adds to every aggregate
        indexes[owner(r["schema"], r["relation"])].append(_index(r))
    triggers = defaultdict(list)
    for r in cat.rows("triggers", **p):
        triggers[(r["schema"], r["table"])].append(_trigger(r))
    functions = tuple(
        m.Function(r["schema"], r["name"], (m.Argument(None, r["arguments"]),), r["returns"], r["language"],
                   r["body"], r["volatility"], r["strict"], r["security_definer"], r["comment"])
        for r in cat.rows("functions", **p))

    hyper, compression, retention, refresh = {}, {}, {}, {}
    if has_ts:
        hyper = _hypertables(cat.rows("ts_dimensions", **p))
        compression = _compression(cat.rows("ts_compression", **pm), owner)
        for r in cat.rows("ts_jobs", **pm):
            key = owner(r["schema"], r["relation"])
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

    cagg_keys = set(mat.values())
    tables, views, comments = [], [], {}
    for r in relations:
        key = (r["schema"], r["name"])
        comments[key] = r["comment"]
        if r["kind"] in ("r", "p"):
            tables.append(m.Table(
                r["schema"], r["name"], tuple(columns[key]), pks.get(key), tuple(uniques[key]), tuple(fks[key]),
                tuple(checks[key]), tuple(indexes[key]), tuple(triggers[key]), r["comment"], hyper.get(key),
                compression.get(key), retention.get(key)))
        elif key not in cagg_keys:
            views.append(m.View(r["schema"], r["name"], r["definition"], r["kind"] == "m",
                                indexes=tuple(indexes[key]), comment=r["comment"]))
    caggs = []
    for r in caggs_rows:
        key = (r["schema"], r["name"])
        caggs.append(m.ContinuousAggregate(
            r["schema"], r["name"], r["definition"], r["materialized_only"], refresh.get(key), tuple(indexes[key]),
            compression.get(key), retention.get(key), comments.get(key)))
    return m.Database(name, exts, schema_objs, tuple(tables), tuple(views), tuple(caggs), functions)
