"""Semantic rules: what the database would reject late, or worse accept silently.

Runs on the built model (org templates already stamped out), so it sees the names PostgreSQL will see. Each rule
adds a Problem located at the object's source; nothing stops at the first one. Free-form SQL is parsed with
pglast (PostgreSQL's own parser) as exactly one expression or statement of the expected kind.
"""
from __future__ import annotations

import difflib
from functools import lru_cache

from pglast import ast, parse_sql
from pglast.parser import ParseError

from . import model as m
from .errors import Problem
from .load import default_name
from .sqltext import INTEGER_TYPES, MAX_IDENTIFIER_BYTES, TIME_TYPES, TYPE_ALIASES, Interval, base_type
from .yamlsrc import Document


BUILTIN_TYPES = frozenset("""
    smallint integer bigint numeric real double\x20precision money text character\x20varying character
    bytea boolean date interval uuid json jsonb xml inet cidr macaddr macaddr8 point line lseg box path polygon
    circle tsvector tsquery bit bit\x20varying int4range int8range numrange tsrange tstzrange daterange
    int4multirange int8multirange nummultirange tsmultirange tstzmultirange datemultirange oid regclass regtype
    regproc regprocedure name pg_lsn txid_snapshot pg_snapshot jsonpath record void trigger anyelement
    anyarray timestamp\x20with\x20time\x20zone timestamp\x20without\x20time\x20zone time\x20with\x20time\x20zone
    time\x20without\x20time\x20zone "char"
""".replace("\\x20", " ").split()) | {"double precision", "character varying", "bit varying",
                                          "timestamp with time zone", "timestamp without time zone",
                                          "time with time zone", "time without time zone"}
EXTENSION_TYPES = {
    "vector": {"vector", "halfvec", "sparsevec"},
    "citext": {"citext"},
    "hstore": {"hstore"},
    "ltree": {"ltree", "lquery", "ltxtquery"},
    "postgis": {"geometry", "geography"},
    "timescaledb": set(),
}


# --- free-form SQL --------------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def expression_error(text: str) -> str | None:
    """None when text is exactly one SQL expression, else why not."""
    if not text or not text.strip():
        return "is empty"
    try:
        stmts = parse_sql(f"SELECT ({text}\n)")
    except ParseError as e:
        return f"is not a valid SQL expression ({e.args[0]})"
    sel = stmts[0].stmt if len(stmts) == 1 else None
    if (not isinstance(sel, ast.SelectStmt) or len(sel.targetList or ()) != 1 or sel.fromClause or sel.whereClause
            or sel.groupClause or sel.havingClause or sel.sortClause or sel.limitCount or sel.withClause
            or sel.op != 0 or sel.windowClause or sel.intoClause or sel.distinctClause or sel.limitOffset):
        return "must be exactly one SQL expression (it would break out of its statement)"
    return None


@lru_cache(maxsize=4096)
def select_error(text: str) -> str | None:
    """None when text is exactly one SELECT (a view's or an aggregate's query), else why not."""
    try:
        stmts = parse_sql(text)
    except ParseError as e:
        return f"is not valid SQL ({e.args[0]})"
    if len(stmts) != 1:
        return f"must be exactly one SELECT statement, not {len(stmts)} statements"
    if not isinstance(stmts[0].stmt, ast.SelectStmt) or stmts[0].stmt.intoClause:
        return f"must be a SELECT, not {type(stmts[0].stmt).__name__}"
    return None


@lru_cache(maxsize=1024)
def statements_error(text: str) -> str | None:
    try:
        parse_sql(text)
    except ParseError as e:
        return f"is not valid SQL ({e.args[0]})"
    return None


# --- the rules ------------------------------------------------------------------------------------------------

class _Checker:
    def __init__(self, model: m.Model, doc: Document | None):
        self.model = model
        self.problems: list[Problem] = []
        self.per_org: dict[tuple, list] = {}
        self.file = doc.file if doc else model.file

    def add(self, source: m.Source, message: str, org: str | None = None) -> None:
        if org:  # a template's problem repeats for every org: report it once, naming how many orgs it hits
            key = (source.line, source.column, source.path, message.replace(org, "{org}"))
            if key in self.per_org:
                self.per_org[key][1] += 1
                return
            self.per_org[key] = [len(self.problems), 1, org]
        self.problems.append(Problem(source.file or self.file, source.line or 1, source.column or 1,
                                     source.path, message))

    def finish(self) -> list[Problem]:
        out = list(self.problems)
        for index, count, org in self.per_org.values():
            p = out[index]
            more = f"; and {count - 1} other org(s)" if count > 1 else ""
            out[index] = Problem(p.file, p.line, p.column, p.path, f"{p.message} (org {org}{more})")
        return out

    def type_(self, source: m.Source, type_: str, exts: set[str], org=None) -> None:
        name = base_type(type_)
        if name in BUILTIN_TYPES or '"' in name:
            return
        for ext, provided in EXTENSION_TYPES.items():
            if name in provided:
                if ext not in exts:
                    self.add(source, f"type {type_} needs the extension `{ext}` under `extensions:`", org)
                return
        hint = difflib.get_close_matches(name, sorted(BUILTIN_TYPES | set(TYPE_ALIASES)), n=1)
        self.add(source, f"unknown type {type_!r}" + (f"; did you mean {hint[0]!r}?" if hint else ""), org)

    def name(self, source: m.Source, what: str, name: str, org: str | None = None) -> None:
        size = len(name.encode())
        if size > MAX_IDENTIFIER_BYTES:
            self.add(source, f"{what} name {name!r} is {size} bytes; PostgreSQL truncates names to "
                             f"{MAX_IDENTIFIER_BYTES} bytes silently", org)

    def sql(self, source: m.Source, what: str, text: str | None, check=expression_error, org=None) -> None:
        if text is not None:
            error = check(text)
            if error:
                self.add(source, f"{what} {error}", org)

    def run(self) -> list[Problem]:
        keys: dict[str, m.Org] = {}
        for org in self.model.orgs:
            if org.key in keys:
                self.add(org.source, f"org key {org.key!r} is given twice")
            keys[org.key] = org
        for db in self.model.databases:
            self.database(db)
        return self.finish()

    def database(self, db: m.Database) -> None:
        self.name(db.source, "database", db.name)
        tables = {(t.schema, t.name): t for t in db.tables}
        funcs = {(f.schema, f.name): f for f in db.functions}
        caggs = {(c.schema, c.name): c for c in db.continuous_aggregates}
        exts = {e.name for e in db.extensions}
        relations: dict[tuple[str, str], str] = {}  # (schema, name) -> what: one namespace per schema

        def claim(schema: str, name: str, what: str, source: m.Source, org: str | None) -> None:
            self.name(source, what, name, org)
            key = (schema, name[:MAX_IDENTIFIER_BYTES])
            if key in relations:
                self.add(source, f"{what} {schema}.{name} collides with {relations[key]} of the same name "
                                 "(tables, views, indexes and sequences share one namespace per schema)", org)
            else:
                relations[key] = f"{what} {schema}.{name}"

        for s in db.schemas:
            self.name(s.source, "schema", s.name)
        for t in db.tables:
            claim(t.schema, t.name, "table", t.source, t.org)
        for v in db.views:
            claim(v.schema, v.name, "materialized view" if v.materialized else "view", v.source, v.org)
        for c in db.continuous_aggregates:
            claim(c.schema, c.name, "continuous aggregate", c.source, c.org)
        for t in db.tables:
            self.table(t, tables, funcs, exts, claim)
        for v in db.views:
            self.sql(v.source, "the query", v.query, select_error, v.org)
            for ix in v.indexes:
                claim(v.schema, ix.name, "index", ix.source, v.org)
                self.index_sql(ix, v.org)
        for c in db.continuous_aggregates:
            self.cagg(c, tables, caggs, exts, claim)
        for f in db.functions:
            self.name(f.source, "function", f.name)
            if f.language == "sql":
                self.sql(f.source, "the body", f.body, statements_error)
            if f.returns == "trigger" and f.arguments:
                self.add(f.source, "a trigger function takes no arguments")
            for a in f.arguments:
                self.type_(f.source, a.type, exts)
                self.sql(f.source, f"the default of argument {a.name}", a.default)
        if db.uses_timescaledb is False and any(t.hypertable for t in db.tables) | bool(db.continuous_aggregates):
            self.add(db.source, "hypertables and continuous aggregates need the extension timescaledb: add "
                                "`timescaledb:` under `extensions:`")
        if db.org_registry:
            self.registry(db, tables)

    def table(self, t: m.Table, tables, funcs, exts, claim) -> None:
        org = t.org
        cols = {c.name: c for c in t.columns}
        if not t.columns:
            self.add(t.source, f"table {t.qname} has no columns", org)
        for c in t.columns:
            self.name(c.source, "column", c.name, org)
            self.sql(c.source, f"the default of {t.name}.{c.name}", c.default, org=org)
            self.type_(c.source, c.type, exts, org)
            if c.default and "uuid_generate_v" in c.default and "uuid-ossp" not in exts:
                self.add(c.source, "uuid_generate_v*() needs the extension `uuid-ossp` (or use gen_random_uuid(), "
                                   "built into PostgreSQL 13+)", org)
            if c.serial:
                claim(t.schema, default_name(t.name, c.name, "seq"), "sequence", c.source, org)
            if c.identity and (c.serial or c.default):
                self.add(c.source, f"column {c.name}: identity excludes serial and default", org)

        def need_columns(names, what, source):
            for n in names:
                if n not in cols:
                    self.add(source, f"{what} names unknown column {n!r} of {t.qname}", org)

        constraint_names: dict[str, str] = {}

        def constraint(name: str, what: str, source: m.Source, backed_by_index: bool) -> None:
            if name in constraint_names:
                self.add(source, f"{what} {name!r} collides with {constraint_names[name]} on {t.qname}", org)
            constraint_names[name] = f"{what} {name!r}"
            if backed_by_index:
                claim(t.schema, name, what, source, org)
            else:
                self.name(source, what, name, org)

        if t.primary_key:
            need_columns(t.primary_key.columns, "the primary key", t.primary_key.source)
            constraint(t.primary_key.name, "primary key", t.primary_key.source, True)
        for u in t.uniques:
            need_columns(u.columns, "a unique constraint", u.source)
            constraint(u.name, "unique constraint", u.source, True)
        for ck in t.checks:
            constraint(ck.name, "check constraint", ck.source, False)
            self.sql(ck.source, f"the check {ck.name!r}", ck.expression, org=org)
        for fk in t.foreign_keys:
            constraint(fk.name, "foreign key", fk.source, False)
            need_columns(fk.columns, "the foreign key", fk.source)
            self.foreign_key(t, fk, cols, tables)
        for ix in t.indexes:
            claim(t.schema, ix.name, "index", ix.source, org)
            need_columns([e.column for e in ix.elements if e.column], f"index {ix.name}", ix.source)
            need_columns(ix.include, f"index {ix.name}", ix.source)
            self.index_sql(ix, org)
            if ix.method in ("hnsw", "ivfflat") and "vector" not in exts:
                self.add(ix.source, f"index method {ix.method} needs the extension `vector`", org)
            if ix.unique and ix.method != "btree":
                self.add(ix.source, f"a unique index must use btree, not {ix.method}", org)
        for tr in t.triggers:
            self.name(tr.source, "trigger", tr.name, org)
            fschema, _, fname = tr.function.rpartition(".")
            f = funcs.get((fschema, fname))
            if f is None:
                self.add(tr.source, f"trigger {tr.name}: unknown function {tr.function}", org)
            elif f.returns != "trigger":
                self.add(tr.source, f"trigger {tr.name}: {tr.function} must return trigger, not {f.returns}", org)
            need_columns(tr.update_of, f"trigger {tr.name}", tr.source)
            self.sql(tr.source, f"the WHEN of trigger {tr.name}", tr.when, org=org)
        if t.hypertable:
            self.hypertable(t, cols, exts)
        elif t.compression or t.retention:
            self.add((t.compression or t.retention).source, f"compression and retention need a hypertable: add "
                                                            f"`hypertable:` to {t.qname}", org)
        if t.compression:
            need_columns(t.compression.segment_by, "compression segment_by", t.compression.source)
            need_columns([o.column for o in t.compression.order_by], "compression order_by", t.compression.source)
        if t.seed:
            self.seed(t, cols)

    def index_sql(self, ix: m.Index, org) -> None:
        self.name(ix.source, "index", ix.name, org)
        for e in ix.elements:
            self.sql(ix.source, f"an expression of index {ix.name}", e.expression, org=org)
        self.sql(ix.source, f"the WHERE of index {ix.name}", ix.where, org=org)

    def foreign_key(self, t: m.Table, fk: m.ForeignKey, cols, tables) -> None:
        target = tables.get((fk.ref_schema, fk.ref_table))
        org = t.org
        if target is None:
            hint = " (a shared table cannot reference an org table)" if "{org}" in fk.ref_table else ""
            self.add(fk.source, f"foreign key {fk.name}: unknown table {fk.ref_schema}.{fk.ref_table}{hint}", org)
            return
        ref_cols = fk.ref_columns or (target.primary_key.columns if target.primary_key else ())
        if len(ref_cols) != len(fk.columns):
            self.add(fk.source, f"foreign key {fk.name}: {len(fk.columns)} column(s) reference {len(ref_cols)} "
                                f"column(s) of {target.qname}; a reference to a composite key needs every key "
                                "column", org)
            return
        tcols = {c.name: c for c in target.columns}
        for mine, theirs in zip(fk.columns, ref_cols):
            if theirs not in tcols:
                self.add(fk.source, f"foreign key {fk.name}: {target.qname} has no column {theirs!r}", org)
            elif mine in cols and base_type(cols[mine].type) != base_type(tcols[theirs].type):
                self.add(fk.source, f"foreign key {fk.name}: {t.name}.{mine} is {cols[mine].type} but "
                                    f"{target.name}.{theirs} is {tcols[theirs].type}; the types must match", org)
        keys = [target.primary_key.columns] if target.primary_key else []
        keys += [u.columns for u in target.uniques]
        keys += [tuple(e.column for e in i.elements) for i in target.indexes if i.unique and not i.where]
        if all(set(k) != set(ref_cols) for k in keys):
            self.add(fk.source, f"foreign key {fk.name}: ({', '.join(ref_cols)}) of {target.qname} is not its "
                                "primary key or a unique constraint", org)

    def hypertable(self, t: m.Table, cols, exts) -> None:
        ht, org = t.hypertable, t.org
        time = cols.get(ht.time_column)
        if "timescaledb" not in exts:
            self.add(ht.source, "a hypertable needs the extension `timescaledb` under `extensions:`", org)
        if time is None:
            self.add(ht.source, f"the time column {ht.time_column!r} is not a column of {t.qname}", org)
            return
        btype = base_type(time.type)
        if btype not in TIME_TYPES and btype not in INTEGER_TYPES:
            self.add(ht.source, f"the time column {time.name} is {time.type}; it must be timestamptz, timestamp, "
                                "date or an integer type", org)
        if not time.not_null:
            self.add(ht.source, f"the time column {time.name} must be NOT NULL (add `not_null: true`)", org)
        integer_time = btype in INTEGER_TYPES
        intervals = [("chunk_interval", ht.chunk_interval, ht.source)]
        if t.compression:
            intervals.append(("compression after", t.compression.after, t.compression.source))
        if t.retention:
            intervals.append(("retention drop_after", t.retention.drop_after, t.retention.source))
        for what, value, source in intervals:
            if value is None:
                continue
            if integer_time and isinstance(value, Interval):
                self.add(source, f"{what} must be an integer: the time column {time.name} is {time.type}", org)
            if not integer_time and isinstance(value, int):
                self.add(source, f"{what} must be an interval such as '7 days', not {value}", org)
        part_cols = [ht.time_column] + [d.column for d in ht.dimensions]
        for d in ht.dimensions:
            if d.column not in cols:
                self.add(ht.source, f"dimension column {d.column!r} is not a column of {t.qname}", org)
            if (d.partitions is None) == (d.interval is None):
                self.add(ht.source, f"dimension {d.column}: give either `partitions` (hash) or `interval` (range)",
                         org)
        keys = ([("the primary key", t.primary_key.columns, t.primary_key.source)] if t.primary_key else [])
        keys += [(f"unique constraint {u.name}", u.columns, u.source) for u in t.uniques]
        keys += [(f"unique index {i.name}", tuple(e.column for e in i.elements), i.source)
                 for i in t.indexes if i.unique]
        for what, key_cols, source in keys:
            missing = [c for c in part_cols if c not in key_cols]
            if missing:
                self.add(source, f"{what} of hypertable {t.qname} must include the partitioning column(s) "
                                 f"{', '.join(missing)}: TimescaleDB refuses unique keys without them", org)

    def seed(self, t: m.Table, cols) -> None:
        s, org = t.seed, t.org
        for c in s.columns:
            if c not in cols:
                self.add(s.source, f"seed rows name unknown column {c!r} of {t.qname}", org)
        if not s.key:
            self.add(s.source, f"seed rows need a key (`key:`) or a primary key on {t.qname}", org)
            return
        keys = [t.primary_key.columns] if t.primary_key else []
        keys += [u.columns for u in t.uniques] + [tuple(e.column for e in i.elements) for i in t.indexes
                                                    if i.unique and not i.where]
        if all(set(k) != set(s.key) for k in keys):
            self.add(s.source, f"the seed key ({', '.join(s.key)}) must be the primary key or a unique constraint "
                               f"of {t.qname} (ON CONFLICT needs one)", org)
        for i, row in enumerate(s.rows):
            row_map = dict(zip(s.columns, row))
            missing = [k for k in s.key if row_map.get(k) in (None, m.SEED_DEFAULT)]
            if missing:
                self.add(s.source, f"seed row {i + 1} has no value for key column(s) {', '.join(missing)}", org)
        seen: set = set()
        for i, row in enumerate(s.rows):
            key = tuple(dict(zip(s.columns, row)).get(k) for k in s.key)
            if key in seen:
                self.add(s.source, f"seed row {i + 1} repeats the key {key}", org)
            seen.add(key)

    def cagg(self, c: m.ContinuousAggregate, tables, caggs, exts, claim) -> None:
        org = c.org
        self.sql(c.source, "the query", c.query, select_error, org)
        if "timescaledb" not in exts:
            self.add(c.source, "a continuous aggregate needs the extension `timescaledb`", org)
        for ix in c.indexes:
            claim(c.schema, ix.name, "index", ix.source, org)
            self.index_sql(ix, org)
        source_table = None
        if c.source_relation:
            schema, _, name = c.source_relation.replace('"', "").rpartition(".")
            if (schema, name) in tables:
                source_table = tables[(schema, name)]
        width = c.bucket_width
        r = c.refresh
        if r and width is not None:
            start, end = r.start_offset, r.end_offset
            if isinstance(start, Interval) and isinstance(width, Interval):
                end_total = end.total if isinstance(end, Interval) else 0
                if end is not None and end_total >= start.total:
                    self.add(r.source, f"refresh start_offset ({start}) must be larger than end_offset ({end})", org)
                elif start.total - end_total < 2 * width.total:
                    self.add(r.source, f"the refresh window from start_offset {start} to end_offset {end} covers "
                                       f"less than two {width} buckets; TimescaleDB refuses it (\"policy refresh "
                                       "window too small\")", org)
            elif isinstance(start, int) and isinstance(width, int):
                if start - (end or 0) < 2 * width:
                    self.add(r.source, "the refresh window covers less than two buckets", org)
        if source_table and source_table.retention and r and isinstance(r.start_offset, Interval):
            drop = source_table.retention.drop_after
            if isinstance(drop, Interval) and drop.total <= r.start_offset.total:
                self.add(source_table.retention.source,
                         f"retention drops data of {source_table.qname} older than {drop}, but aggregate "
                         f"{c.qname} still refreshes from {r.start_offset} back: raise drop_after above the "
                         "refresh start_offset", org)
        if source_table and not source_table.hypertable:
            self.add(c.source, f"the source {source_table.qname} is not a hypertable", org)
        if c.retention and r and isinstance(r.start_offset, Interval) and isinstance(c.retention.drop_after, Interval):
            if c.retention.drop_after.total <= r.start_offset.total:
                self.add(c.retention.source, f"retention of {c.qname} ({c.retention.drop_after}) must exceed its "
                                             f"refresh start_offset ({r.start_offset})", org)

    def registry(self, db: m.Database, tables) -> None:
        reg = db.org_registry
        t = tables.get((reg.schema, reg.table))
        if t is None:
            self.add(reg.source, f"org_registry: unknown table {reg.schema}.{reg.table}")
            return
        cols = {c.name for c in t.columns}
        for col, _ in reg.values:
            if col not in cols:
                self.add(reg.source, f"org_registry: {t.qname} has no column {col!r}")
        keys = [t.primary_key.columns] if t.primary_key else []
        keys += [u.columns for u in t.uniques]
        if (reg.key_column,) not in keys:
            self.add(reg.source, f"org_registry: the key column {reg.key_column!r} must be the primary key or "
                                 "UNIQUE (the row is inserted ON CONFLICT DO NOTHING)")
        if t.org:
            self.add(reg.source, "org_registry: the registry table must be shared, not an org template")


def validate(model: m.Model, doc: Document | None = None) -> list[Problem]:
    """Every semantic problem of the model (empty when it is sound)."""
    return _Checker(model, doc).run()


__all__ = ["validate", "expression_error", "select_error", "statements_error"]
