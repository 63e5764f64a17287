"""Stage 5a, inspect: a live database's catalogs -> the same model.Database the loader builds.

A fixed number of catalog queries, whatever the number of tables or orgs: each catalog query in live/sql/ reads
one kind of object for every schema at once (9 queries; 13 when TimescaleDB is installed, none of its views being
read when it is not). The queries keep to the managed schemas (sql/managed.sql: not the system schemas, nor the
TimescaleDB schemas where chunks, materialization hypertables and the _direct_view/_partial_view views live, nor
schemagen's history schema) and leave out extension members (pg_depend deptype 'e') and TimescaleDB's own jobs
(ids below 1000); chunk counts are never read. The drift check adds four more (behaviour.py: rules, row-level
security, owners, grants, objects of other kinds). Functions come with their arguments one by one, as the model
declares them (name, canonical type, mode, default).
Continuous aggregates are views in pg_class: they are set apart here, with the indexes, compression settings and
policies of their materialization hypertables moved onto them.

Version differences are marker lines in the SQL (sql/__init__.py): `--@pg15 ...` is uncommented on PostgreSQL 15
and later, `--@pre_pg15 ...` before, `--@timescaledb ...` when TimescaleDB is installed.

Locks: printing a view (pg_get_viewdef) takes a share lock on the relations it reads. Inside a transaction (as
the drift check runs), the queries that print views run in a savepoint rolled back at once, so those locks are
held for one query at a time, not piled up for the whole transaction.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta

import psycopg
from psycopg.rows import dict_row

from schemagen import model as m
from schemagen.live import history
from schemagen.live import types as live_types
from schemagen.live.sql import query
from schemagen.model import replace
from schemagen.sqltext import Interval, canonical_timestamptz, canonical_type

CATALOG_QUERIES = ("extensions", "schemas", "relations", "columns", "constraints", "indexes", "triggers", "functions",
                   "types", "sequence_settings")
TIMESCALEDB_QUERIES = ("ts_caggs", "ts_dimensions", "ts_compression", "ts_jobs")
PRINTS_VIEWS = ("relations", "ts_caggs", "security")  # share locks (pg_get_viewdef, pg_get_ruledef): in a savepoint
_FIRST = ("schemas", "relations", "columns", "constraints", "triggers", "functions", "sequence_settings", "types")

Key = tuple[str, str]  # (schema, relation)


def markers(conn: psycopg.Connection) -> frozenset[str]:
    """The version markers that hold for this server (no query: libpq knows the version)."""
    return frozenset({"pg15" if conn.info.server_version >= 150000 else "pre_pg15"})


class Catalog:
    """Runs the catalog queries and counts them (the count must not grow with the number of orgs). Every query
    gets the history schema's name (history_schema: sql/managed.sql leaves it out) besides its own parameters.
    prefetch() sends several at once, in one round trip (psycopg's pipeline mode); rows() then returns what came."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.queries = 0
        self.markers = markers(conn)
        self.type_names: dict[str, str] = {}  # model types format_type prints unqualified -> schema.name
        self._fetched: dict[tuple[str, str], list[dict]] = {}

    def rows(self, name: str, **params) -> list[dict]:
        fetched = self._fetched.pop((name, repr(params)), None)
        if fetched is not None:
            return fetched
        self.queries += 1
        with self._savepoint(name), self.conn.cursor(row_factory=dict_row) as cur:
            return self._execute(cur, name, params).fetchall()

    def prefetch(self, queries: Sequence[tuple[str, dict]]) -> None:
        """Send these (name, parameters) queries together, one sync at the end: the server runs them back to back
        and the rows come back in one round trip. The first that fails raises its error, as rows() would."""
        cursors = []
        with self.conn.pipeline():
            for name, params in queries:
                self.queries += 1
                with self._savepoint(name):
                    cur = self.conn.cursor(row_factory=dict_row)
                    self._execute(cur, name, params)
                cursors.append(((name, repr(params)), cur))
        for key, cur in cursors:
            with cur:
                self._fetched[key] = cur.fetchall()

    def _execute(self, cur: psycopg.Cursor, name: str, params: dict) -> psycopg.Cursor:
        return cur.execute(query(name, self.markers), {"history_schema": history.SCHEMA, **params})

    def _savepoint(self, name: str):
        in_transaction = self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
        savepoint = in_transaction and name in PRINTS_VIEWS
        return self.conn.transaction(force_rollback=True) if savepoint else nullcontext()


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
MODES = {"i": "in", "o": "out", "b": "inout", "v": "variadic"}  # pg_proc.proargmodes ('t': a RETURNS TABLE column)


def nulls_first(descending: bool, first: bool) -> bool | None:
    """None when NULLS is the direction's default (LAST for ASC, FIRST for DESC), as the model writes it."""
    return None if first == descending else first


# --- one function per kind of object: catalog rows -> the model's dataclasses -----------------------------------

def _columns(rows: list[dict]) -> dict[Key, list[m.Column]]:
    """Columns by table; equal columns (an org table's, of every org) built once, then shared."""
    columns: dict[Key, list[m.Column]] = defaultdict(list)
    same: dict[tuple, m.Column] = {}
    for r in rows:
        fields = (r["name"], r["type"], r["not_null"], None if r["serial"] else r["default"], r["identity"],
                  r["serial"], r["comment"])
        column = same.get(fields)
        if column is None:
            column = same[fields] = m.Column(*fields)
        columns[(r["schema"], r["table"])].append(column)
    return columns


@dataclass
class _Constraints:
    primary: dict[Key, m.PrimaryKey] = field(default_factory=dict)
    unique: dict[Key, list[m.Unique]] = field(default_factory=lambda: defaultdict(list))
    foreign: dict[Key, list[m.ForeignKey]] = field(default_factory=lambda: defaultdict(list))
    check: dict[Key, list[m.Check]] = field(default_factory=lambda: defaultdict(list))


def _constraints(rows: list[dict]) -> _Constraints:
    out = _Constraints()
    for r in rows:
        key, cols = (r["schema"], r["table"]), tuple(r["columns"])
        if r["type"] == "p":
            out.primary[key] = m.PrimaryKey(r["name"], cols)
        elif r["type"] == "u":
            out.unique[key].append(m.Unique(r["name"], cols, r["nulls_not_distinct"]))
        elif r["type"] == "f":
            out.foreign[key].append(m.ForeignKey(
                r["name"], cols, r["ref_schema"], r["ref_table"], tuple(r["ref_columns"]), _FK_ACTIONS[r["on_delete"]],
                _FK_ACTIONS[r["on_update"]], r["deferrable"], r["initially_deferred"]))
        else:
            out.check[key].append(m.Check(r["name"], r["definition"].removeprefix("CHECK ").removesuffix(" NOT VALID")))
    return out


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
                     "row" if t & 1 else "statement", when[1] if when else None, tuple(r["update_of"] or ()),
                     enabled=r["enabled"])


def _triggers(rows: list[dict]) -> dict[Key, list[m.Trigger]]:
    triggers: dict[Key, list[m.Trigger]] = defaultdict(list)
    for r in rows:
        triggers[(r["schema"], r["table"])].append(_trigger(r))
    return triggers


def _type(printed: str) -> str:
    try:
        return canonical_type(printed)
    except ValueError:  # not a type the model could spell: as the server prints it
        return printed


def arguments(r: dict) -> tuple[m.Argument, ...]:
    """A function's arguments as the model declares them (name, canonical type, mode, default), from the four
    arrays of sql/function_arguments.sql; the columns of RETURNS TABLE are the result's, not arguments."""
    names, modes, defaults = r["argument_names"] or (), r["argument_modes"], r["argument_defaults"]
    out = []
    for k, printed in enumerate(r["argument_types"]):
        mode = modes[k] if modes else "i"
        if mode in MODES:
            out.append(m.Argument(names[k] if k < len(names) and names[k] else None, _type(printed), MODES[mode],
                                  defaults[k]))
    return tuple(out)


def _functions(rows: list[dict]) -> tuple[m.Function, ...]:
    return tuple(m.Function(r["schema"], r["name"], arguments(r), r["returns"], r["language"], r["body"],
                            r["volatility"], r["strict"], r["security_definer"], r["comment"]) for r in rows)


def _sequences(rows: list[dict]) -> tuple[m.Sequence, ...]:
    """Every sequence but identity columns' (sql/sequence_settings.sql), with the column that owns it."""
    return tuple(m.Sequence(r["schema"], r["name"], r["as_type"], r["start"], r["increment"], r["min"], r["max"],
                            r["cache"], r["cycle"],
                            (r["owned_table"], r["owned_column"]) if r["owned_table"] else None, r["comment"])
                 for r in rows)


# --- continuous aggregates and the rest of TimescaleDB -------------------------------------------------------

class _Aggregates:
    """The continuous aggregates (ts_caggs rows) and their materialization hypertables ("schema.name")."""

    def __init__(self, rows: list[dict]):
        self.rows = rows
        self.by_materialization = {r["materialization"]: (r["schema"], r["name"]) for r in rows}
        self.keys = set(self.by_materialization.values())

    def owner(self, schema: str, relation: str) -> Key:
        """A continuous aggregate for its materialization hypertable, else the relation itself."""
        return self.by_materialization.get(f"{schema}.{relation}", (schema, relation))

    def default_index(self, r: dict) -> bool:
        """One of the indexes TimescaleDB adds to every aggregate's materialization hypertable."""
        return f"{r['schema']}.{r['relation']}" in self.by_materialization \
            and r["name"].startswith("_materialized_hypertable_")


def _indexes(rows: list[dict], aggs: _Aggregates) -> dict[Key, list[m.Index]]:
    indexes: dict[Key, list[m.Index]] = defaultdict(list)
    for r in rows:
        if not aggs.default_index(r):
            indexes[aggs.owner(r["schema"], r["relation"])].append(_index(r))
    return indexes


def _hypertables(rows: list[dict]) -> dict[Key, m.Hypertable]:
    dims = defaultdict(list)
    for r in rows:
        dims[(r["schema"], r["table"])].append(r)
    out = {}
    for key, (first, *rest) in dims.items():
        out[key] = m.Hypertable(
            first["column"], interval_of(first["time_interval"]) or first["integer_interval"],
            tuple(m.Dimension(d["column"], d["partitions"],
                              None if d["partitions"] else interval_of(d["time_interval"]) or d["integer_interval"])
                  for d in rest),
            integer_now=f"{first['integer_now_schema']}.{first['integer_now']}" if first["integer_now"] else None)
    return out


def _compress_chunk_intervals(rows: list[dict]) -> dict[Key, Interval]:
    """compress_chunk_time_interval of each hypertable (its time dimension's, in microseconds)."""
    return {(r["schema"], r["table"]): Interval.from_usecs(r["compress_interval"]) for r in rows
            if r["number"] == 1 and r["compress_interval"] and r["time_interval"] is not None}


def _compression(rows: list[dict], owner: Callable[[str, str], Key]) -> dict[Key, m.Compression]:
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


@dataclass
class _Timescale:
    """What TimescaleDB adds to a table or aggregate, by (schema, name); empty without TimescaleDB."""

    hypertables: dict[Key, m.Hypertable] = field(default_factory=dict)
    compression: dict[Key, m.Compression] = field(default_factory=dict)
    retention: dict[Key, m.Retention] = field(default_factory=dict)
    refresh: dict[Key, m.RefreshPolicy] = field(default_factory=dict)

    windows: dict[Key, list[m.RefreshPolicy]] = field(default_factory=dict)  # refresh policies after the first

    def add_policies(self, rows: list[dict], owner: Callable[[str, str], Key]) -> None:
        """The ts_jobs rows: compression, retention and refresh policies, and their jobs' settings."""
        for r in rows:
            key = owner(r["schema"], r["relation"])
            config = json.loads(r["config"] or "{}")
            every = interval_of(r["schedule_interval"])
            job = {"initial_start": r["initial_start"] and canonical_timestamptz(r["initial_start"]),
                   "scheduled": r["scheduled"]}
            if r["kind"] == "policy_compression":
                c = self.compression.get(key, m.Compression())
                self.compression[key] = replace(c, after=interval_of(config.get("compress_after")),
                                                schedule_interval=every, **job)
            elif r["kind"] == "policy_retention":
                self.retention[key] = m.Retention(interval_of(config.get("drop_after")), every, **job)
            elif r["kind"] == "policy_refresh_continuous_aggregate":
                policy = m.RefreshPolicy(interval_of(config.get("start_offset")),
                                         interval_of(config.get("end_offset")), every, **job)
                if key in self.refresh:
                    self.windows.setdefault(key, []).append(policy)
                else:
                    self.refresh[key] = policy


def _timescale(cat: Catalog, params: dict, with_materializations: dict, aggs: _Aggregates) -> _Timescale:
    dimensions = cat.rows("ts_dimensions", **params)
    ts = _Timescale(_hypertables(dimensions), _compression(cat.rows("ts_compression", **with_materializations),
                                                           aggs.owner))
    for key, every in _compress_chunk_intervals(dimensions).items():
        if key in ts.compression:
            ts.compression[key] = replace(ts.compression[key], chunk_time_interval=every)
    ts.add_policies(cat.rows("ts_jobs", **with_materializations), aggs.owner)
    return ts


# --- relations -------------------------------------------------------------------------------------------------

@dataclass
class _Parts:
    """What the catalog queries read of the relations, by (schema, name)."""

    columns: dict[Key, list[m.Column]]
    constraints: _Constraints
    indexes: dict[Key, list[m.Index]]
    triggers: dict[Key, list[m.Trigger]]
    ts: _Timescale = field(default_factory=_Timescale)


def _table(r: dict, parts: _Parts) -> m.Table:
    key, con, ts = (r["schema"], r["name"]), parts.constraints, parts.ts
    return m.Table(r["schema"], r["name"], tuple(parts.columns[key]), con.primary.get(key), tuple(con.unique[key]),
                   tuple(con.foreign[key]), tuple(con.check[key]), tuple(parts.indexes[key]),
                   tuple(parts.triggers[key]), r["comment"], ts.hypertables.get(key), ts.compression.get(key),
                   ts.retention.get(key))


def _tables_and_views(rows: list[dict], parts: _Parts, aggs: _Aggregates) -> tuple[list[m.Table], list[m.View]]:
    tables, views = [], []
    for r in rows:
        key = (r["schema"], r["name"])
        if r["kind"] in ("r", "p"):
            tables.append(_table(r, parts))
        elif key not in aggs.keys:
            views.append(m.View(r["schema"], r["name"], r["definition"], r["kind"] == "m",
                                indexes=tuple(parts.indexes[key]), comment=r["comment"]))
    return tables, views


def _continuous_aggregates(aggs: _Aggregates, parts: _Parts,
                           relations: list[dict]) -> tuple[m.ContinuousAggregate, ...]:
    comments = {(r["schema"], r["name"]): r["comment"] for r in relations}
    ts = parts.ts
    return tuple(m.ContinuousAggregate(
        r["schema"], r["name"], r["definition"], r["materialized_only"], ts.refresh.get(key),
        tuple(parts.indexes[key]), ts.compression.get(key), ts.retention.get(key), comments.get(key),
        refresh_windows=tuple(ts.windows.get(key, ())))
        for r, key in ((r, (r["schema"], r["name"])) for r in aggs.rows))


def inspect(conn: psycopg.Connection, *, schemas: Collection[str] | None = None, name: str,
            catalog: Catalog | None = None) -> m.Database:
    """Read the objects of the given schemas (all user schemas when None), and the extensions, into a Database.
    Runs len(CATALOG_QUERIES) queries, plus len(TIMESCALEDB_QUERIES) when TimescaleDB is installed."""
    cat = catalog or Catalog(conn)
    exts = tuple(m.Extension(r["name"], r["schema"], r["version"]) for r in cat.rows("extensions"))
    has_ts = any(e.name == "timescaledb" for e in exts)
    if has_ts:
        cat.markers |= {"timescaledb"}
    p = {"schemas": None if schemas is None else sorted(schemas)}
    # two round trips: what needs no other query's answer, then what needs the aggregates' materializations
    cat.prefetch([(name, p) for name in (*(("ts_caggs", "ts_dimensions") if has_ts else ()), *_FIRST)])
    aggs = _Aggregates(cat.rows("ts_caggs", **p) if has_ts else [])
    pm = {**p, "materializations": sorted(aggs.by_materialization)}
    cat.prefetch([(name, pm) for name in ("indexes", *(("ts_compression", "ts_jobs") if has_ts else ()))])
    schema_objs = tuple(m.Schema(r["name"], r["comment"]) for r in cat.rows("schemas", **p))
    relations = cat.rows("relations", **p)
    parts = _Parts(_columns(cat.rows("columns", **p)), _constraints(cat.rows("constraints", **p)),
                   _indexes(cat.rows("indexes", **pm), aggs), _triggers(cat.rows("triggers", **p)))
    functions = _functions(cat.rows("functions", **p))
    sequences = _sequences(cat.rows("sequence_settings", **p))
    if has_ts:
        parts.ts = _timescale(cat, p, pm, aggs)
    tables, views = _tables_and_views(relations, parts, aggs)
    types, printed = live_types.read(cat.rows("types", **p))
    cat.type_names = printed
    return live_types.qualify(m.Database(name, exts, schema_objs, tuple(tables), tuple(views),
                                         _continuous_aggregates(aggs, parts, relations), functions, types=types,
                                         sequences=sequences),
                              printed)
