"""Stage 5b, diff: the model against a live database (the drift check).

Both sides are model.Database objects: the expected one from the loader (its free-form SQL printed by the server,
see normalize.py), the actual one from inspect.py. Each object is flattened into facts keyed by attribute
("column id: type" -> "integer"); drift is set arithmetic on qualified names, then on facts:
missing = expected - actual, extra = actual - expected, changed = same key, other value.
Seed rows and org rows are data: they are checked with one query per seeded table.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace
from typing import Iterable, Sequence, TextIO

import psycopg
from psycopg import sql as psql

from . import model as m
from .connect import check_orgs, connection, pick_database, server_info, server_message
from .errors import DatabaseError, Difference
from .inspect import Catalog, inspect
from .normalize import normalize
from .sqltext import Interval, qualified, quote_ident


@dataclass(frozen=True, order=True)
class Change:
    database: str
    org: str  # "" for shared objects
    kind: str  # table, view, continuous aggregate, function, extension, schema, seed row, org row
    object: str  # qualified name
    change: str  # missing | extra | changed
    attribute: str = ""  # what differs, for changed: "column value: type", "retention policy: drop_after"
    expected: str | None = None
    actual: str | None = None

    def summary(self) -> str:
        who = f"[org {self.org}] " if self.org else ""
        if self.change == "changed":
            return f"{who}{self.kind} {self.object}: {self.attribute}: expected {self.expected}, found {self.actual}"
        what = f" {self.attribute}" if self.attribute else ""
        return f"{who}{self.kind} {self.object}{what}: {self.change}"


# --- flattening: object -> {attribute: value} ----------------------------------------------------------------------

def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Interval):
        return value.text
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(str(_text(v)) for v in value) + ")"
    return str(value)


class _Facts(dict):
    def put(self, key: str, value, *, optional: bool = False) -> None:
        """optional: compared only when the model says something (None on the expected side means 'any')."""
        self[key] = (value, optional)


def _index_facts(f: _Facts, prefix: str, i: m.Index) -> None:
    p = f"{prefix}index {i.name}"
    f.put(p, "present")
    for k, e in enumerate(i.elements):
        f.put(f"{p}: key {k + 1}", (e.column and quote_ident(e.column)) or e.expression)
        f.put(f"{p}: key {k + 1} order", ("DESC" if e.descending else "ASC") +
              ("" if e.nulls_first is None else (" NULLS FIRST" if e.nulls_first else " NULLS LAST")))
        f.put(f"{p}: key {k + 1} operator class", e.opclass, optional=True)
    f.put(f"{p}: keys", len(i.elements))
    for attr in ("method", "unique", "nulls_not_distinct", "include", "where", "with_", "comment"):
        f.put(f"{p}: {attr.rstrip('_')}", getattr(i, attr))


def _compression_facts(f: _Facts, c: m.Compression | None) -> None:
    f.put("compression", "enabled" if c else None)
    if c:
        f.put("compression: segment_by", c.segment_by or None, optional=True)
        f.put("compression: order_by", tuple(_text((o.column, o.descending, o.nulls_first)) for o in c.order_by)
              or None, optional=True)
        f.put("compression policy: compress_after", c.after)
        f.put("compression policy: schedule_interval", c.schedule_interval, optional=True)


def _retention_facts(f: _Facts, r: m.Retention | None) -> None:
    f.put("retention policy: drop_after", r.drop_after if r else None)
    if r:
        f.put("retention policy: schedule_interval", r.schedule_interval, optional=True)


def _without_default_time_index(expected: m.Table, actual: m.Table) -> m.Table:
    """create_hypertable adds an index on the time column (<table>_<time column>_idx): TimescaleDB's, not drift,
    unless the model names an index so."""
    ht = expected.hypertable
    if not ht or not ht.create_default_indexes:
        return actual
    own = f"{actual.name}_{ht.time_column}_idx"
    if any(i.name == own for i in expected.indexes):
        return actual
    return replace(actual, indexes=tuple(i for i in actual.indexes if i.name != own))


def table_facts(t: m.Table) -> _Facts:
    f = _Facts()
    f.put("comment", t.comment)
    for c in t.columns:
        p = f"column {c.name}"
        f.put(p, "present")
        f.put(f"{p}: type", c.type)
        f.put(f"{p}: not null", c.not_null)
        f.put(f"{p}: default", c.default)
        f.put(f"{p}: identity", c.identity)
        f.put(f"{p}: serial", c.serial)
        f.put(f"{p}: comment", c.comment)
    f.put("column order", tuple(c.name for c in t.columns))
    if t.primary_key:
        f.put(f"primary key {t.primary_key.name}", t.primary_key.columns)
    for u in t.uniques:
        f.put(f"unique {u.name}", u.columns + (("NULLS NOT DISTINCT",) if u.nulls_not_distinct else ()))
    for k in t.foreign_keys:
        f.put(f"foreign key {k.name}", f"({', '.join(k.columns)}) REFERENCES {qualified(k.ref_schema, k.ref_table)} "
                                       f"({', '.join(k.ref_columns)})")
        f.put(f"foreign key {k.name}: on delete", k.on_delete)
        f.put(f"foreign key {k.name}: on update", k.on_update)
        f.put(f"foreign key {k.name}: deferrable", (k.deferrable, k.initially_deferred))
    for k in t.checks:
        f.put(f"check {k.name}", k.expression)
    for i in t.indexes:
        _index_facts(f, "", i)
    for tr in t.triggers:
        p = f"trigger {tr.name}"
        f.put(p, f"{tr.timing} {' or '.join(tr.events)} for each {tr.for_each} execute {tr.function}()")
        f.put(f"{p}: when", tr.when)
        f.put(f"{p}: update of", tr.update_of)
    ht = t.hypertable
    f.put("hypertable", f"by {ht.time_column}" if ht else None)
    if ht:
        f.put("hypertable: chunk_interval", ht.chunk_interval, optional=True)
        for d in ht.dimensions:
            f.put(f"hypertable: dimension {d.column}", _text((d.partitions, d.interval)))
    _compression_facts(f, t.compression)
    _retention_facts(f, t.retention)
    return f


def view_facts(v: m.View) -> _Facts:
    f = _Facts()
    f.put("definition", v.query)
    f.put("comment", v.comment)
    for i in v.indexes:
        _index_facts(f, "", i)
    return f


def cagg_facts(c: m.ContinuousAggregate) -> _Facts:
    f = _Facts()
    f.put("definition", c.query)
    f.put("materialized_only", c.materialized_only)
    f.put("comment", c.comment)
    f.put("refresh policy", "present" if c.refresh else None)
    if c.refresh:
        f.put("refresh policy: start_offset", c.refresh.start_offset)
        f.put("refresh policy: end_offset", c.refresh.end_offset)
        f.put("refresh policy: schedule_interval", c.refresh.schedule_interval)
    for i in c.indexes:
        _index_facts(f, "", i)
    _compression_facts(f, c.compression)
    _retention_facts(f, c.retention)
    return f


def function_facts(fn: m.Function) -> _Facts:
    f = _Facts()
    f.put("arguments", fn.arguments[0].type if len(fn.arguments) == 1 and fn.arguments[0].name is None
          else ", ".join(f"{a.name} {a.type}" for a in fn.arguments))
    f.put("returns", fn.returns)
    f.put("language", fn.language)
    f.put("volatility", fn.volatility)
    f.put("strict", fn.strict)
    f.put("security definer", fn.security_definer)
    f.put("body", fn.body.strip())
    f.put("comment", fn.comment)
    return f


def _compare_facts(expected: _Facts, actual: _Facts) -> Iterable[tuple[str, object, object]]:
    """(attribute, expected, actual) for each difference; attributes of a missing or extra part are folded into
    that part's one line."""
    gone = [k for k, (v, _) in expected.items() if v == "present" and k not in actual]
    added = [k for k, (v, _) in actual.items() if v == "present" and k not in expected]
    skip = tuple(f"{k}:" for k in gone + added)
    for key in gone:
        yield key, "present", "missing"
    for key in added:
        yield key, "absent", "present"
    for key in sorted(set(expected) | set(actual)):
        if key.startswith(skip) or key in gone or key in added:
            continue
        want, optional = expected.get(key, (None, False))
        have, _ = actual.get(key, (None, False))
        if optional and want is None:
            continue
        if want != have:
            yield key, want, have


# --- comparing databases -----------------------------------------------------------------------------------------

def _templates(db: m.Database) -> list[tuple[str, str]]:
    """(prefix, suffix) around {org} of every org template name."""
    return sorted({tuple(o.template.split("{org}", 1)) for o in
                   (*db.tables, *db.views, *db.continuous_aggregates) if o.template})


def _org_of(name: str, templates: list[tuple[str, str]], orgs: Iterable[str]) -> str:
    """The org a live object belongs to, by the org templates' name patterns ("" when shared)."""
    known = set(orgs)
    for prefix, suffix in templates:
        if name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix) + len(suffix):
            key = name[len(prefix):len(name) - len(suffix)]
            if key in known:
                return key
    return ""


def diff(expected: m.Database, actual: m.Database, *, managed_schemas: Iterable[str] = (),
         known_orgs: Iterable[str] = ()) -> list[Change]:
    """Every difference between two databases, sorted."""
    out: list[Change] = []
    templates = _templates(expected)
    db = expected.name

    def add(org, kind, name, change, attribute="", want=None, have=None):
        out.append(Change(db, org or "", kind, name, change, attribute, _text(want), _text(have)))

    def objects(d: m.Database):
        for kind, name, obj in d.objects():
            yield (kind if kind != "materialized view" else "view", name), obj

    want = dict(objects(expected))
    have = dict(objects(actual))
    managed = set(managed_schemas) or {s.name for s in expected.schemas}
    for key in sorted(set(want) | set(have)):
        kind, name = key
        e, a = want.get(key), have.get(key)
        org = getattr(e, "org", None) or (_org_of(getattr(a, "name", ""), templates, known_orgs) if a else "")
        if a is None:
            add(org, kind, name, "missing")
            continue
        if e is None:
            if kind == "extension" or (kind == "schema" and name not in managed):
                continue  # extensions and schemas the model does not name are not ours to judge
            add(org, kind, name, "extra")
            continue
        if kind == "extension":
            if e.version and e.version != a.version:
                add(org, kind, name, "changed", "version", e.version, a.version)
            continue
        if kind == "schema":  # a comment is compared when the model gives one (`public` has its own)
            if e.comment is not None and e.comment != a.comment:
                add(org, kind, name, "changed", "comment", e.comment, a.comment)
            continue
        if kind == "table":
            ef, af = table_facts(e), table_facts(_without_default_time_index(e, a))
        elif kind == "view":
            if e.materialized != a.materialized:
                add(org, kind, name, "changed", "materialized", e.materialized, a.materialized)
                continue
            ef, af = view_facts(e), view_facts(a)
        elif kind == "continuous aggregate":
            ef, af = cagg_facts(e), cagg_facts(a)
        else:
            ef, af = function_facts(e), function_facts(a)
        for attribute, w, h in _compare_facts(ef, af):
            add(org, kind, name, "changed", attribute, w, h)
    return sorted(out)


# --- data: seed rows and org rows ----------------------------------------------------------------------------------

def _plain(v):
    return None if v is m.SEED_DEFAULT else v


def data_changes(conn: psycopg.Connection, db: m.Database, *, orgs: Sequence[str] | None) -> list[Change]:
    """Missing or different seed rows and org rows: one query per seeded table."""
    checks: list[tuple[m.Table, m.SeedRows, str, str]] = []
    for t in db.tables:
        if t.seed and (orgs is None or t.org in orgs):
            checks.append((t, t.seed, "seed row", t.org or ""))
    reg = db.org_registry
    if reg and db.org_rows:
        table = next((t for t in db.tables if (t.schema, t.name) == (reg.schema, reg.table)), None)
        rows = [r for r in db.org_rows if orgs is None or r.org in orgs]
        if table and rows:
            seed = m.SeedRows((reg.key_column,), tuple(c for c, _ in rows[0].values),
                              tuple(tuple(v for _, v in r.values) for r in rows))
            checks.append((table, seed, "org row", ""))
    out = []
    for table, seed, kind, org in checks:
        out += _seed_changes(conn, db.name, table, seed, kind, org)
    return out


def _seed_changes(conn, dbname, table: m.Table, seed: m.SeedRows, kind: str, org: str) -> list[Change]:
    types = {c.name: c.type for c in table.columns}
    given = [c for c in seed.columns]
    key_idx = [seed.columns.index(k) for k in seed.key]
    # VALUES typed like the table's columns; a row's other columns compared with IS NOT DISTINCT FROM.
    values = psql.SQL(", ").join(
        psql.SQL("({})").format(psql.SQL(", ").join(
            psql.SQL("CAST({} AS {})").format(psql.Literal(_plain(v)), psql.SQL(types.get(c, "text")))
            for c, v in zip(given, row)))
        for row in seed.rows)
    cols = psql.SQL(", ").join(psql.Identifier(c) for c in given)
    on = psql.SQL(" AND ").join(psql.SQL("t.{0} = v.{0}").format(psql.Identifier(k)) for k in seed.key)
    compared = [c for c in given if c not in seed.key]
    checks = [psql.SQL("t.{0} IS NOT DISTINCT FROM v.{0}").format(psql.Identifier(c)) for c in compared
              if all(row[seed.columns.index(c)] is not m.SEED_DEFAULT for row in seed.rows)]
    query = psql.SQL("SELECT {keys}, t.ctid IS NOT NULL, {same}, {actual} FROM (VALUES {values}) AS v({cols}) "
                     "LEFT JOIN {table} AS t ON {on}").format(
        keys=psql.SQL(", ").join(psql.SQL("v.{}").format(psql.Identifier(k)) for k in seed.key),
        same=psql.SQL(" AND ").join(checks) if checks else psql.SQL("true"),
        actual=psql.SQL("(SELECT row_to_json(x)::text FROM (SELECT {}) x)").format(
            psql.SQL(", ").join(psql.SQL("t.{}").format(psql.Identifier(c)) for c in given)), values=values, cols=cols,
        table=psql.Identifier(table.schema, table.name), on=on)
    name = table.qname
    out = []
    try:
        with conn.transaction():
            rows = conn.execute(query).fetchall()
    except psycopg.Error:
        return []  # the table is missing or changed shape: reported as schema drift already
    by_key = {tuple(_plain(r[i]) for i in key_idx): r for r in seed.rows}
    for r in rows:
        key = tuple(r[:len(seed.key)])
        present, same, actual = r[len(seed.key)], r[len(seed.key) + 1], r[len(seed.key) + 2]
        label = ", ".join(f"{k}={v}" for k, v in zip(seed.key, key))
        row_org = org or (str(key[0]) if kind == "org row" else "")
        if not present:
            out.append(Change(dbname, row_org, kind, name, "missing", label))
        elif not same:
            expected = dict(zip(seed.columns, (_plain(v) for v in by_key.get(key, ()))))
            out.append(Change(dbname, row_org, kind, name, "changed", label, json.dumps(expected, default=str),
                              actual))
    return out


# --- the drift check --------------------------------------------------------------------------------------------

def expected_database(model: m.Model, db: m.Database, orgs: Sequence[str] | None, skip: frozenset[str]) -> m.Database:
    """What the live database should hold: one org's objects (with orgs), and without what the server cannot
    have (skip: the FEATURE_* it refuses)."""
    if orgs:
        parts = [db.for_org(o) for o in orgs]
        db = replace(db, extensions=(), schemas=(), functions=(),
                     tables=tuple(t for p in parts for t in p.tables), views=tuple(v for p in parts for v in p.views),
                     continuous_aggregates=tuple(c for p in parts for c in p.continuous_aggregates),
                     org_rows=tuple(r for p in parts for r in p.org_rows))
    if m.FEATURE_TIMESCALEDB in skip:
        db = replace(db, extensions=tuple(e for e in db.extensions if e.name != "timescaledb"),
                     tables=tuple(replace(t, hypertable=None) for t in db.tables))
    if m.FEATURE_COMPRESSION in skip or m.FEATURE_POLICY in skip:
        db = replace(db, tables=tuple(replace(t, compression=None if m.FEATURE_COMPRESSION in skip else t.compression,
                                              retention=None) for t in db.tables))
    if m.FEATURE_CAGG in skip:
        db = replace(db, continuous_aggregates=())
    return db


def _scope(actual: m.Database, expected: m.Database, orgs) -> m.Database:
    """With --org, only the live objects that belong to those orgs."""
    if not orgs:
        return actual
    templates = _templates(expected)
    keep = lambda o: _org_of(o.name, templates, orgs) in orgs  # noqa: E731
    return replace(actual, extensions=(), schemas=(), functions=(), tables=tuple(filter(keep, actual.tables)),
                   views=tuple(filter(keep, actual.views)),
                   continuous_aggregates=tuple(filter(keep, actual.continuous_aggregates)))


@dataclass
class Report:
    changes: list[Change]
    catalog_queries: int
    normalize_statements: int


def compare_live(conn: psycopg.Connection, model: m.Model, db: m.Database, *, orgs=None,
                 skip: frozenset[str] = frozenset(), report: Report | None = None) -> list[Change]:
    """Inspect the live database on conn and compare it with the model's database."""
    expected = expected_database(model, db, orgs, skip)
    schemas = [s.name for s in db.schemas]
    catalog = Catalog(conn)
    conn.execute("SET search_path = public")  # both sides printed under the same search_path
    actual = _scope(inspect(conn, schemas=schemas, name=db.name, catalog=catalog), expected, orgs)
    normalized, statements = normalize(conn, expected)
    changes = diff(normalized, actual, managed_schemas=schemas, known_orgs=[o.key for o in model.orgs])
    changes += data_changes(conn, db, orgs=orgs)
    if report is not None:
        report.changes, report.catalog_queries, report.normalize_statements = changes, catalog.queries, statements
    return sorted(changes)


def compare_live_for_test(dsn: str, model: m.Model, database: str | None = None) -> list[Change]:
    """compare_live on a DSN: what `diff` would report, without printing."""
    db = pick_database(model, database)
    with connection(dsn) as conn:
        return compare_live(conn, model, db)


def check(dsn: str, model: m.Model, *, database: str | None = None, orgs: Sequence[str] | None = None,
          fmt: str = "text", skip_unsupported: bool = False, out: TextIO | None = None,
          err: TextIO | None = None) -> list[Change]:
    """`schemagen diff`: print the drift report; raise Difference (exit 1) when there is drift."""
    out, err = out or sys.stdout, err or sys.stderr
    db = pick_database(model, database)
    check_orgs(model, db, orgs)
    with connection(dsn) as conn:
        try:
            info = server_info(conn, dsn)
            skip = frozenset(info.unsupported()) if skip_unsupported else frozenset()
            if skip:
                print(f"leaving out what this server cannot have: {', '.join(sorted(skip))} "
                      f"({info.describe()})", file=err)
            changes = compare_live(conn, model, db, orgs=orgs, skip=skip)
        except psycopg.Error as e:
            raise DatabaseError(server_message(e, dsn)) from None
    print(format_json([(db.name, changes)]) if fmt == "json" else format_text(db.name, changes), file=out)
    if changes:
        raise Difference(f"{db.name}: {len(changes)} difference(s) from the model")
    return changes


def format_text(database: str, changes: list[Change]) -> str:
    if not changes:
        return f"database {database}: no drift"
    lines = [f"database {database}: {len(changes)} difference(s)"]
    last = None
    for c in changes:
        group = (c.org, c.kind, c.object)
        if group != last:
            lines.append(f"  {'[org ' + c.org + '] ' if c.org else ''}{c.kind} {c.object}")
            last = group
        if c.change == "changed":
            lines.append(f"    {c.attribute}: expected {c.expected!s}, found {c.actual!s}")
        else:
            lines.append(f"    {c.attribute + ' ' if c.attribute else ''}{c.change}")
    return "\n".join(lines)


def format_json(databases: list[tuple[str, list[Change]]]) -> str:
    """Stable JSON (docs/drift-json.md): keys sorted, changes sorted."""
    doc = {"version": 1, "databases": [
        {"name": name, "drift": bool(changes), "changes": [
            {"org": c.org or None, "kind": c.kind, "object": c.object, "change": c.change,
             "attribute": c.attribute or None, "expected": c.expected, "actual": c.actual}
            for c in sorted(changes)]}
        for name, changes in databases]}
    return json.dumps(doc, indent=2, sort_keys=True)
