"""Stage 5b, diff: the model against a live database (the drift check, `schemagen diff`).

Both sides are model.Database objects: the expected one from the loader, its free-form SQL and types printed
by the server (normalize.py), the actual one from the catalogs (inspect.py). Objects are keyed by kind and
qualified name; drift is set arithmetic on those keys: missing = expected - actual, extra = actual - expected
(only in the schemas the model manages), changed = keys in both whose objects differ. A changed object is
flattened into facts ("column id: type" -> "integer"; parts such as a column or an index are facts whose value
is PRESENT) and each differing fact is one Change with the expected and the actual value.

Seed rows and org rows are data: one query per 25 tables checks them (missing rows and rows whose values
differ); most models have one query in all.
Everything runs in one REPEATABLE READ transaction that is rolled back: one snapshot, nothing left behind.
"""
from __future__ import annotations

import gc
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TextIO

import psycopg

from schemagen import model as m
from schemagen import render
from schemagen.changes import Change, shown
from schemagen.errors import DatabaseError, Difference, printable
from schemagen.live import behaviour, preflight
from schemagen.live.connect import check_orgs, connection, pick_database, server_info, server_message
from schemagen.live.inspect import Catalog, inspect
from schemagen.live.normalize import normalize
from schemagen.sqltext import Interval, base_type, qualified, quote_ident, quote_literal

PRESENT = "present"
LOCK_TIMEOUT = "30s"  # a shadow view waits for share locks on its sources: never forever


def _text(value) -> str | None:
    """A fact's value as the report shows it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Interval):
        return value.text
    if isinstance(value, (tuple, list)):
        return ", ".join(str(_text(v)) for v in value)
    return str(value)


# --- flattening: object -> {attribute: (value, optional)} ----------------------------------------------------

class _Facts(dict):
    def part(self, key: str) -> None:
        self[key] = (PRESENT, False)

    def put(self, key: str, value, *, optional: bool = False) -> None:
        """optional: compared only when the model says something (None on the expected side means 'any')."""
        self[key] = (value, optional)


def _order(descending: bool, nulls_first: bool | None) -> str:
    """`DESC`, `ASC NULLS FIRST`, ...: NULLS only when it is not the direction's default (LAST for ASC)."""
    text = "DESC" if descending else "ASC"
    if nulls_first is not None and nulls_first != descending:
        text += " NULLS FIRST" if nulls_first else " NULLS LAST"
    return text


def _index_facts(f: _Facts, i: m.Index) -> None:
    p = f"index {i.name}"
    f.part(p)
    f.put(f"{p}: keys", len(i.elements))
    for k, e in enumerate(i.elements, 1):
        f.put(f"{p}: key {k}", quote_ident(e.column) if e.column else e.expression)
        f.put(f"{p}: key {k} order", _order(e.descending, e.nulls_first))
        # the catalog names an operator class without its schema (the model may write ext.gin_trgm_ops)
        f.put(f"{p}: key {k} operator class", e.opclass and e.opclass.rsplit(".", 1)[-1].strip('"'),
              optional=True)
    for attr in ("method", "unique", "nulls_not_distinct", "include", "where", "with_", "comment"):
        f.put(f"{p}: {attr.rstrip('_').replace('_', ' ')}", getattr(i, attr) or None)


def _compression_facts(f: _Facts, c: m.Compression | None) -> None:
    if c:
        f.part("compression")
        f.put("compression: segment_by", c.segment_by or None, optional=True)
        f.put("compression: order_by", tuple(f"{quote_ident(o.column)} {_order(o.descending, o.nulls_first)}"
                                              for o in c.order_by) or None, optional=True)
    if c and c.after is not None:
        f.part("compression policy")
        f.put("compression policy: compress_after", c.after)
        f.put("compression policy: schedule_interval", c.schedule_interval, optional=True)


def _retention_facts(f: _Facts, r: m.Retention | None) -> None:
    if r:
        f.part("retention policy")
        f.put("retention policy: drop_after", r.drop_after)
        f.put("retention policy: schedule_interval", r.schedule_interval, optional=True)


def table_facts(t: m.Table) -> _Facts:
    f = _Facts()
    f.put("comment", t.comment)
    for c in t.columns:
        p = f"column {c.name}"
        f.part(p)
        f.put(f"{p}: type", c.type)
        f.put(f"{p}: not null", c.not_null)
        f.put(f"{p}: default", c.default)
        f.put(f"{p}: identity", c.identity)
        f.put(f"{p}: serial", c.serial)
        f.put(f"{p}: comment", c.comment)
    if t.primary_key:
        f.part(f"primary key {t.primary_key.name}")
        f.put(f"primary key {t.primary_key.name}: columns", t.primary_key.columns)
    for u in t.uniques:
        f.part(f"unique {u.name}")
        f.put(f"unique {u.name}: columns", u.columns)
        f.put(f"unique {u.name}: nulls not distinct", u.nulls_not_distinct)
    for k in t.foreign_keys:
        p = f"foreign key {k.name}"
        f.part(p)
        f.put(f"{p}: columns", k.columns)
        f.put(f"{p}: references", f"{qualified(k.ref_schema, k.ref_table)} ({', '.join(k.ref_columns)})")
        f.put(f"{p}: on delete", k.on_delete)
        f.put(f"{p}: on update", k.on_update)
        f.put(f"{p}: deferrable", "initially deferred" if k.initially_deferred else k.deferrable)
    for k in t.checks:
        f.part(f"check {k.name}")
        f.put(f"check {k.name}: expression", k.expression)
    for i in t.indexes:
        _index_facts(f, i)
    for tr in t.triggers:
        p = f"trigger {tr.name}"
        f.part(p)
        f.put(f"{p}: definition", f"{tr.timing} {' or '.join(tr.events)} for each {tr.for_each} "
                                  f"execute {tr.function}()")
        f.put(f"{p}: when", tr.when)
        f.put(f"{p}: update of", tr.update_of or None)
    ht = t.hypertable
    if ht:
        f.part("hypertable")
        f.put("hypertable: time column", ht.time_column)
        f.put("hypertable: chunk_interval", ht.chunk_interval, optional=True)
        for d in ht.dimensions:
            f.part(f"hypertable: dimension {d.column}")
            f.put(f"hypertable: dimension {d.column}: partitions", d.partitions)
            f.put(f"hypertable: dimension {d.column}: interval", d.interval)
    _compression_facts(f, t.compression)
    _retention_facts(f, t.retention)
    return f


def view_facts(v: m.View) -> _Facts:
    f = _Facts()
    f.put("materialized", v.materialized)
    f.put("definition", v.query)
    f.put("comment", v.comment)
    for i in v.indexes:
        _index_facts(f, i)
    return f


def cagg_facts(c: m.ContinuousAggregate) -> _Facts:
    f = _Facts()
    f.put("definition", c.query)
    f.put("materialized_only", c.materialized_only)
    f.put("comment", c.comment)
    if c.refresh:
        f.part("refresh policy")
        f.put("refresh policy: start_offset", c.refresh.start_offset)
        f.put("refresh policy: end_offset", c.refresh.end_offset)
        f.put("refresh policy: schedule_interval", c.refresh.schedule_interval, optional=True)
    for i in c.indexes:
        _index_facts(f, i)
    _compression_facts(f, c.compression)
    _retention_facts(f, c.retention)
    return f


def function_facts(fn: m.Function) -> _Facts:
    f = _Facts()
    single = len(fn.arguments) == 1 and fn.arguments[0].name is None  # as read back: one printed string
    f.put("arguments", fn.arguments[0].type if single else ", ".join(f"{a.name} {a.type}" for a in fn.arguments))
    f.put("returns", fn.returns)
    f.put("language", fn.language)
    f.put("volatility", fn.volatility)
    f.put("strict", fn.strict)
    f.put("security definer", fn.security_definer)
    f.put("body", fn.body.strip())
    f.put("comment", fn.comment)
    return f


def _compare_facts(expected: _Facts, actual: _Facts) -> Iterator[tuple[str, str, object, object]]:
    """(change, attribute, expected, actual): a missing or extra part is one line, its attributes folded in."""
    want = {k for k, (v, _) in expected.items() if v == PRESENT}
    have = {k for k, (v, _) in actual.items() if v == PRESENT}
    folded = tuple(f"{k}: " for k in want ^ have)
    for key in sorted(want - have):
        yield "missing", key, None, None
    for key in sorted(have - want):
        yield "extra", key, None, None
    for key in sorted((set(expected) | set(actual)) - want - have):
        if key.startswith(folded):
            continue
        value, optional = expected.get(key, (None, False))
        found, _ = actual.get(key, (None, False))
        if not (optional and value is None) and value != found:
            yield "changed", key, value, found


def _without_default_indexes(expected: m.Table, actual: m.Table) -> m.Table:
    """create_hypertable adds `<table>_<time column>_idx` (and `<table>_<space column>_<time column>_idx` per
    hash dimension): TimescaleDB's, not drift, unless the model names an index so or turned them off."""
    ht = expected.hypertable
    if not ht or not ht.create_default_indexes or not actual.hypertable:
        return actual
    own = {f"{actual.name}_{ht.time_column}_idx"}
    own |= {f"{actual.name}_{d.column}_{ht.time_column}_idx" for d in ht.dimensions if d.partitions}
    own -= {i.name for i in expected.indexes}
    return replace(actual, indexes=tuple(i for i in actual.indexes if i.name not in own))


def _same_table(e: m.Table, a: m.Table) -> bool:
    """A quick check that no fact of the table differs (most tables of a drift check): `==` of the parts is
    stricter than the facts (order, optional values), so False only means "compare the facts"."""
    return (e.columns == a.columns and e.primary_key == a.primary_key and e.comment == a.comment
            and e.hypertable == a.hypertable and e.compression == a.compression and e.retention == a.retention
            and set(e.uniques) == set(a.uniques) and set(e.foreign_keys) == set(a.foreign_keys)
            and set(e.checks) == set(a.checks) and set(e.indexes) == set(a.indexes)
            and set(e.triggers) == set(a.triggers))


# --- comparing databases -------------------------------------------------------------------------------------

def _templates(db: m.Database) -> list[tuple[str, str, str]]:
    """(schema, prefix, suffix) around {org} of every org template's name."""
    out = set()
    for o in (*db.tables, *db.views, *db.continuous_aggregates):
        if o.template and "{org}" in o.template:
            prefix, suffix = o.template.split("{org}", 1)
            out.add((o.schema, prefix, suffix))
    return sorted(out)


def org_of(schema: str, name: str, templates: list[tuple[str, str, str]], orgs: Iterable[str]) -> str:
    """The org a live object belongs to, by the org templates' name patterns ("" when shared or unknown).
    Known orgs only: `values_{org}` would otherwise claim `values_acme_current` for an org `acme_current`."""
    known = set(orgs)
    for tschema, prefix, suffix in templates:
        if schema == tschema and name.startswith(prefix) and name.endswith(suffix):
            key = name[len(prefix):len(name) - len(suffix)]
            if key in known:
                return key
    return ""


def _objects(d: m.Database) -> dict[tuple[str, str], tuple[str, object]]:
    """(group, qualified name) -> (kind, object); views and materialized views share a group so that a view that
    became a materialized view is one change, not a missing and an extra object."""
    return {("view" if kind == "materialized view" else kind, name): (kind, obj) for kind, name, obj in d.objects()}


def diff(expected: m.Database, actual: m.Database, *, managed_schemas: Iterable[str] | None = None,
         known_orgs: Iterable[str] | None = None) -> list[Change]:
    """Every difference between two databases, sorted. Extra objects count only in the managed schemas (default:
    the expected side's schemas); an org object's org is the expected side's, or inferred from its name."""
    out: list[Change] = []
    templates = _templates(expected)
    orgs = tuple(expected.orgs if known_orgs is None else known_orgs)
    managed = set(s.name for s in expected.schemas) if managed_schemas is None else set(managed_schemas)
    want, have = _objects(expected), _objects(actual)

    for key in sorted(set(want) | set(have)):
        name = key[1]
        (kind, e), (akind, a) = want.get(key, (None, None)), have.get(key, (None, None))
        kind = kind or akind
        org = getattr(e, "org", None) or (
            org_of(a.schema, a.name, templates, orgs) if isinstance(a, (m.Table, m.View, m.ContinuousAggregate))
            else "")

        def add(change, attribute="", value=None, found=None):
            out.append(Change(expected.name, org or "", kind, name, change, attribute, _text(value), _text(found)))

        if a is None:
            add("missing")
        elif e is None:
            # extensions the model does not name (plpgsql, ...) and schemas it does not manage are not its business
            if kind != "extension" and (a.name if kind == "schema" else a.schema) in managed:
                add("extra")
        elif kind == "extension":
            if e.version and e.version != a.version:
                add("changed", "version", e.version, a.version)
            if e.schema and e.schema != a.schema:
                add("changed", "schema", e.schema, a.schema)
        elif kind == "schema":  # a comment is compared when the model gives one (`public` has its own)
            if e.comment is not None and e.comment != a.comment:
                add("changed", "comment", e.comment, a.comment)
        else:
            if kind == "table":
                a = _without_default_indexes(e, a)
                if _same_table(e, a):
                    continue
                ef, af = table_facts(e), table_facts(a)
                common = set(c.name for c in e.columns) & set(c.name for c in a.columns)
                order = [c.name for c in e.columns if c.name in common], [c.name for c in a.columns if c.name in common]
                if order[0] != order[1]:
                    add("changed", "column order", order[0], order[1])
            elif kind in ("view", "materialized view"):
                ef, af = view_facts(e), view_facts(a)
            elif kind == "continuous aggregate":
                ef, af = cagg_facts(e), cagg_facts(a)
            else:
                ef, af = function_facts(e), function_facts(a)
            for change, attribute, value, found in _compare_facts(ef, af):
                add(change, attribute, value, found)
    return sorted(out)


# --- data: seed rows and org rows ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Rows:
    kind: str  # "seed row" | "org row"
    table: m.Table
    seed: m.SeedRows
    orgs: tuple[str, ...]  # the org of each row ("" for shared seed rows)


def _data_parts(db: m.Database, actual: m.Database, orgs: Sequence[str] | None) -> list[_Rows]:
    """What to check, where the live table has every column it needs (else it is schema drift already)."""
    live = {t.qname: {c.name for c in t.columns} for t in actual.tables}
    parts = [_Rows("seed row", t, t.seed, (t.org or "",) * len(t.seed.rows))
             for t in db.tables if t.seed and (orgs is None or t.org in orgs)]
    reg = db.org_registry
    rows = [r for r in db.org_rows if orgs is None or r.org in orgs]
    table = next((t for t in db.tables if (t.schema, t.name) == (reg.schema, reg.table)), None) if reg else None
    if reg and rows and table:
        seed = m.SeedRows((reg.key_column,), tuple(c for c, _ in rows[0].values),
                          tuple(tuple(v for _, v in r.values) for r in rows))
        parts.append(_Rows("org row", table, seed, tuple(r.org for r in rows)))
    return [p for p in parts if set(p.seed.columns) <= live.get(p.table.qname, set())]


# Types without an equality operator (point, polygon, path, xml) or with one that is not equality (box and circle
# compare areas): compared as text, which each prints exactly. json is compared as jsonb (its text keeps blanks).
_COMPARED_AS = {"json": "::jsonb",
                **dict.fromkeys(("point", "line", "lseg", "box", "path", "polygon", "circle", "xml"), "::text")}


def _data_query(parts: list[_Rows]) -> str:
    """One SELECT per part, UNION ALL: (part, row, present, [column equal ...], expected json, actual json)."""
    selects = []
    for n, p in enumerate(parts):
        types = {c.name: c.type for c in p.table.columns}
        cols = [quote_ident(c) for c in p.seed.columns]
        same = ", ".join(f"t.{c}{cast} IS NOT DISTINCT FROM v.{c}{cast}" for c, cast in zip(
            cols, (_COMPARED_AS.get(base_type(types[c]), "") for c in p.seed.columns)))
        values = ", ".join(
            f"({k}, " + ", ".join(f"CAST({quote_literal(None if v is m.SEED_DEFAULT else v)} AS {types[c]})"
                                  for c, v in zip(p.seed.columns, row)) + ")"
            for k, row in enumerate(p.seed.rows))
        pairs = lambda alias: ", ".join(f"{quote_literal(c)}, {alias}.{q}"  # noqa: E731
                                        for c, q in zip(p.seed.columns, cols))
        on = " AND ".join(f"t.{quote_ident(k)} = v.{quote_ident(k)}" for k in p.seed.key)
        selects.append(
            f"SELECT {n}, v.sg_row, t.ctid IS NOT NULL, ARRAY[{same}]::boolean[], json_build_object({pairs('v')})"
            f"::text, json_build_object({pairs('t')})::text FROM (VALUES {values}) AS v(sg_row, {', '.join(cols)}) "
            f"LEFT JOIN {qualified(p.table.schema, p.table.name)} AS t ON {on}")
    return "\nUNION ALL\n".join(selects)


DATA_BATCH = 25  # tables per data query: each is read under a share lock held until its savepoint rolls back


def data_changes(conn: psycopg.Connection, db: m.Database, actual: m.Database, *,
                 orgs: Sequence[str] | None = None, counter: list[int] | None = None) -> list[Change]:
    """Missing seed and org rows, and rows whose values differ (by key): one query per DATA_BATCH tables (one in
    all for most models), each in a savepoint rolled back at once so that share locks on many org tables do not
    pile up in one transaction."""
    parts = _data_parts(db, actual, orgs)
    out = []
    for start in range(0, len(parts), DATA_BATCH):
        chunk = parts[start:start + DATA_BATCH]
        with conn.transaction(force_rollback=True):
            rows = conn.execute(_data_query(chunk)).fetchall()
        if counter is not None:
            counter[0] += 1
        for n, k, present, same, expected, found in rows:
            p = chunk[n]
            row, org = p.seed.rows[k], p.orgs[k]
            label = ", ".join(f"{c}={quote_literal(row[p.seed.columns.index(c)])}" for c in p.seed.key)
            if not present:
                out.append(Change(db.name, org, p.kind, p.table.qname, "missing", label))
                continue
            named = [i for i, v in enumerate(row) if v is not m.SEED_DEFAULT]  # DEFAULT cells: any value will do
            if not all(same[i] for i in named):
                want, got = json.loads(expected), json.loads(found)
                cols = [p.seed.columns[i] for i in named if not same[i]]
                out.append(Change(db.name, org, p.kind, p.table.qname, "changed", f"{label}: {', '.join(cols)}",
                                  json.dumps({c: want[c] for c in cols}), json.dumps({c: got[c] for c in cols})))
    return out


# --- the drift check -----------------------------------------------------------------------------------------

def expected_database(db: m.Database, orgs: Sequence[str] | None, skip: frozenset[str]) -> m.Database:
    """What the live database should hold: those orgs' objects only (with orgs), and without what the server
    cannot have (skip: the FEATURE_* it refuses)."""
    if orgs:
        parts = [db.for_org(o) for o in orgs]
        db = replace(db, extensions=(), schemas=(), functions=(),
                     tables=tuple(t for p in parts for t in p.tables), views=tuple(v for p in parts for v in p.views),
                     continuous_aggregates=tuple(c for p in parts for c in p.continuous_aggregates),
                     org_rows=tuple(r for p in parts for r in p.org_rows))
    tables, caggs = db.tables, db.continuous_aggregates
    if m.FEATURE_TIMESCALEDB in skip:
        tables = tuple(t if t.hypertable is None else replace(t, hypertable=None) for t in tables)
        db = replace(db, extensions=tuple(e for e in db.extensions if e.name != "timescaledb"))
    if m.FEATURE_COMPRESSION in skip:
        tables, caggs = ([o if o.compression is None else replace(o, compression=None) for o in objs]
                         for objs in (tables, caggs))
    if m.FEATURE_POLICY in skip:
        no_policy = lambda c: c and replace(c, after=None, schedule_interval=None)  # noqa: E731
        tables = [t if t.retention is None and (t.compression is None or t.compression.after is None)
                  else replace(t, retention=None, compression=no_policy(t.compression)) for t in tables]
        caggs = [replace(c, refresh=None, retention=None, compression=no_policy(c.compression)) for c in caggs]
    if m.FEATURE_CAGG in skip:
        caggs = ()
    return replace(db, tables=tuple(tables), continuous_aggregates=tuple(caggs))


def _scope(actual: m.Database, expected: m.Database, orgs: Sequence[str] | None) -> m.Database:
    """With --org, only the live objects that belong to those orgs."""
    if not orgs:
        return actual
    templates = _templates(expected)
    keep = lambda o: org_of(o.schema, o.name, templates, orgs) in orgs  # noqa: E731
    return replace(actual, extensions=(), schemas=(), functions=(), tables=tuple(filter(keep, actual.tables)),
                   views=tuple(filter(keep, actual.views)),
                   continuous_aggregates=tuple(filter(keep, actual.continuous_aggregates)))


@dataclass
class Report:
    """What a comparison found and what it cost."""

    changes: list[Change]
    catalog_queries: int = 0  # inspect's: fixed, whatever the number of orgs
    normalize_statements: int = 0  # shadow objects created and read back
    data_queries: int = 0


@contextmanager
def _no_gc() -> Iterator[None]:
    """Without the cyclic garbage collector while comparing: tens of thousands of small objects are built and
    none form cycles, yet each collection walks them all (a quarter of the time at 1,000 orgs)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compare_live(conn: psycopg.Connection, model: m.Model, db: m.Database, *, orgs: Sequence[str] | None = None,
                 skip: frozenset[str] = frozenset(), report: Report | None = None) -> list[Change]:
    """Inspect the live database on conn and compare it with the model's database db. Everything happens in a
    transaction (a savepoint if conn is in one already) that is rolled back. Refused (UnsafeSearchPath) where
    another role could plant what the comparison, run under the scripts' search_path, would call."""
    preflight.safe_search_path(conn, render.search_path(db))
    expected = expected_database(db, orgs, skip)
    schemas = [s.name for s in db.schemas]
    catalog = Catalog(conn)
    idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with _no_gc(), conn.transaction(force_rollback=True):
        if idle:  # else the caller's transaction (and its snapshot) it is, in a savepoint
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")  # one snapshot for every query
        # both sides printed under the scripts' own search_path (render.prelude: pg_catalog first, pg_temp last),
        # so that names print as they resolve when the scripts run; no JIT, as pg_dump does: catalog queries are
        # estimated costly enough to JIT-compile, which takes longer than running them
        conn.execute(" ".join(render.prelude(db)) + f" SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'; "
                     "SET LOCAL jit = off")
        actual = inspect(conn, schemas=schemas, name=db.name, catalog=catalog)
        normalized, statements = normalize(conn, expected)
        changes = diff(normalized, _scope(actual, expected, orgs), managed_schemas=schemas,
                       known_orgs=[o.key for o in model.orgs])
        # rules, RLS, grants, owners, ... and objects of kinds the model has none of (with --org: not those)
        changes += [Change(db.name, *found) for found in behaviour.changes(
            expected, behaviour.read(catalog, schemas), extra_objects=not orgs)]
        counter = [0]
        data = data_changes(conn, db, actual, orgs=orgs, counter=counter)  # db: the registry table is shared
    if report is not None:
        report.changes, report.catalog_queries, report.normalize_statements = changes + data, catalog.queries, \
            statements
        report.data_queries = counter[0]
    return sorted(changes + data)


def compare_live_for_test(dsn: str, model: m.Model, database: str | None = None) -> list[Change]:
    """compare_live on a DSN: what `diff` would report, without printing."""
    db = pick_database(model, database)
    with connection(dsn) as conn:
        return compare_live(conn, model, db)


def check(dsn: str, model: m.Model, *, database: str | None = None, orgs: Sequence[str] | None = None,
          fmt: str = "text", skip_unsupported: bool = False, out: TextIO | None = None,
          err: TextIO | None = None) -> list[Change]:
    """`schemagen diff`: print the drift report (text or JSON) to stdout; raise Difference (exit 1) on drift."""
    out, err = out or sys.stdout, err or sys.stderr
    db = pick_database(model, database)
    check_orgs(model, db, orgs)
    with connection(dsn) as conn:
        try:
            info = server_info(conn, dsn)
            skip = frozenset(info.unsupported()) if skip_unsupported else frozenset()
            if skip:
                print(printable(f"--skip-unsupported: not expecting {', '.join(sorted(skip))} on this server "
                                f"({info.describe()})"), file=err)
            changes = compare_live(conn, model, db, orgs=orgs, skip=skip)
        except psycopg.Error as e:
            raise DatabaseError(server_message(e, dsn)) from None
    print(format_json([(db.name, changes)]) if fmt == "json" else format_text(db.name, changes), file=out)
    if changes:
        raise Difference(f"database {db.name}: {len(changes)} difference(s) from the model")
    return changes


def format_text(database: str, changes: list[Change]) -> str:
    """Grouped by database, org and object; each difference with the expected and the actual value."""
    if not changes:
        return f"database {database}: no drift"
    lines = [f"database {database}: {len(changes)} difference(s)"]
    last_org, last = None, None
    for c in sorted(changes):
        if c.org != last_org:
            lines.append(f"  org {c.org}" if c.org else "  shared objects")
            last_org, last = c.org, None
        if (c.kind, c.object) != last:
            lines.append(f"    {c.kind} {c.object}" + ("" if c.attribute or c.change == "changed" else f": {c.change}"))
            last = (c.kind, c.object)
        if c.change == "changed" and "\n" in f"{c.expected}{c.actual}":  # view queries, function bodies
            lines.append(f"      {c.attribute}:")
            for label, value in (("expected", c.expected), ("found", c.actual)):
                lines.append(f"        {label}:")
                lines += [f"          {line}" for line in shown(value).strip("\n").splitlines()]
        elif c.change == "changed":
            lines.append(f"      {c.attribute}: expected {shown(c.expected)}, found {shown(c.actual)}")
        elif c.attribute:  # an extra rule or policy comes with its definition
            lines.append(f"      {c.attribute}: {c.change}" + (f": {c.actual}" if c.actual else ""))
    # names come from the live database too, where any role with CREATE can plant one holding ESC or BEL: each
    # line escaped (tabs kept, for function bodies), so that nothing in the report acts on a terminal
    return "\n".join(printable(line, keep="\t") for line in lines)


def format_json(databases: list[tuple[str, list[Change]]]) -> str:
    """The stable JSON report (docs/drift-json.md): keys sorted, changes sorted."""
    doc = {"version": 1, "databases": [
        {"name": name, "drift": bool(changes), "changes": [
            {"org": c.org or None, "kind": c.kind, "object": c.object, "change": c.change,
             "attribute": c.attribute or None, "expected": c.expected, "actual": c.actual}
            for c in sorted(changes)]}
        for name, changes in databases]}
    return json.dumps(doc, indent=2, sort_keys=True)
