"""render's statements, per object kind and per phase: what each init phase creates and each rollback drops.

Each builder calls `emit(sql, object, feature, target=None, defines=False)` once per statement (assemble.py
collects them into a Script): `object` names it for messages, `feature` is what it needs from the server,
`target` the object it acts on (ownership), `defines` whether it creates (init) or drops (rollback) that object.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from schemagen import model as m
from schemagen.order import caggs_in_order, early_functions, tables_in_order, views_in_order, views_reading
from schemagen.render import security
from schemagen.render.jinja import signature, sql
from schemagen.scripts import extension_schema
from schemagen.sqltext import qualified, quote_ident

SYSTEM_SCHEMAS = frozenset({"public", "pg_catalog"})  # exist everywhere: never created, never dropped
PUBLIC_COMMENT = "standard public schema"  # what initdb gives `public`; a rollback puts it back

Emit = Callable[..., None]  # (sql, object, feature, target=ObjectKey | None, defines=bool)
K = m.ObjectKey


def extension_schemas(db: m.Database) -> list[str]:
    """Schemas an extension is installed into: created with the extensions (010), dropped after them (990)."""
    return list(dict.fromkeys(e.schema for e in db.extensions if e.schema and e.schema not in SYSTEM_SCHEMAS))


def _fkey(f: m.Function) -> m.ObjectKey:
    """A function's key: its argument types as the signature, the way DROP FUNCTION names it."""
    return K("function", f.schema, f.name, f.signature)


class Objects:
    """The tables, aggregates and views one file deals with (the shared ones, or one org's), in dependency order."""

    def __init__(self, tables, caggs, views, ts: str = "public", all_caggs=None):
        self.tables, self.caggs, self.views = tables_in_order(tables), caggs_in_order(caggs), views_in_order(views)
        self.ts = quote_ident(ts)  # TimescaleDB's schema, which qualifies each of its functions
        # views that read a continuous aggregate (of this file or a shared one), directly or through another view:
        # their statements need what the aggregate needs, so --skip-unsupported leaves them out with it
        self.on_caggs = views_reading(self.views, [c.qname for c in (caggs if all_caggs is None else all_caggs)])

    def view_feature(self, v: m.View) -> str | None:
        return m.FEATURE_CAGG if v.qname in self.on_caggs else None


# --- per object kind ---------------------------------------------------------------------------------------------

def _hypertable(ts: str, t: m.Table, emit: Emit) -> None:
    ht = t.hypertable
    if not ht:
        return
    table = K("table", t.schema, t.name)
    emit(sql("hypertable", "create", ts, t), f"hypertable {t.qname}", m.FEATURE_TIMESCALEDB, table)
    if ht.integer_now:  # accepted on the Apache edition too
        emit(sql("hypertable", "integer_now", ts, t), f"hypertable {t.qname}", m.FEATURE_TIMESCALEDB, table)
    if ht.chunk_interval is not None:
        emit(sql("hypertable", "chunk_interval", ts, t), f"hypertable {t.qname}", m.FEATURE_TIMESCALEDB, table)
    for d in ht.dimensions:
        emit(sql("hypertable", "dimension", ts, t, d), f"dimension {t.qname}.{quote_ident(d.column)}",
             m.FEATURE_TIMESCALEDB, table)


def _indexes(schema: str, relation: str, indexes: Iterable[m.Index], emit: Emit, feature: str | None = None,
             on: m.ObjectKey | None = None):
    """A table's indexes, each its own object; an aggregate's (on given) belong to the aggregate: TimescaleDB puts
    them on its materialization hypertable in _timescaledb_internal, not in the aggregate's schema."""
    for i in indexes:
        what, key = f"index {qualified(schema, i.name)}", on or K("index", schema, i.name)
        emit(sql("index", "create", schema, relation, i), what, feature, key, on is None)
        if i.comment is not None:
            emit(sql("index", "comment", schema, i), what, feature, key)


def _compression(kind: str, qname: str, c: m.Compression | None, emit: Emit, key: m.ObjectKey) -> None:
    if c:
        emit(sql("compression", "create", kind, qname, c), f"compression of {qname}", m.FEATURE_COMPRESSION, key)


def _policies(ts: str, qname: str, c: m.Compression | None, r: m.Retention | None, emit: Emit,
              key: m.ObjectKey) -> None:
    if c and c.after is not None:
        emit(sql("policy", "compression", ts, qname, c), f"compression policy of {qname}", m.FEATURE_POLICY, key)
        _pause(ts, "compression", qname, c, emit, key)
    if r:
        emit(sql("policy", "retention", ts, qname, r), f"retention policy of {qname}", m.FEATURE_POLICY, key)
        _pause(ts, "retention", qname, r, emit, key)


def _pause(ts: str, kind: str, qname: str, policy, emit: Emit, key: m.ObjectKey,
           feature: str = m.FEATURE_POLICY) -> None:
    """`scheduled: false`: the job just added, paused (alter_job is community-only, as the policies are)."""
    if not policy.scheduled:
        emit(sql("policy", "pause", ts, kind, key, policy), f"{kind} policy of {qname}", feature, key)


def _remove_policies(ts: str, qname: str, c: m.Compression | None, r: m.Retention | None, emit: Emit,
                     key: m.ObjectKey) -> None:
    if r:
        emit(sql("policy", "drop", ts, "retention", qname), f"retention policy of {qname}", m.FEATURE_POLICY, key)
    if c and c.after is not None:
        emit(sql("policy", "drop", ts, "compression", qname), f"compression policy of {qname}", m.FEATURE_POLICY,
             key)


def _cagg(ts: str, c: m.ContinuousAggregate, emit: Emit) -> None:
    # WITH NO DATA (in the template) keeps it transactional; the refresh policy fills it. Its compression and
    # retention policies come after the refresh policy, which TimescaleDB checks them against.
    key = K("continuous aggregate", c.schema, c.name)
    emit(sql("continuous_aggregate", "create", c), f"continuous aggregate {c.qname}", m.FEATURE_CAGG, key, True)
    if c.comment is not None:
        emit(sql("continuous_aggregate", "comment", c), f"continuous aggregate {c.qname}", m.FEATURE_CAGG, key)
    _indexes(c.schema, c.name, c.indexes, emit, m.FEATURE_CAGG, key)
    _compression("MATERIALIZED VIEW", c.qname, c.compression, emit, key)
    for n, r in enumerate(c.refreshes):  # a second window and more: TimescaleDB 2.21+ (the pre-flight checks)
        feature = m.FEATURE_POLICY if n == 0 else m.FEATURE_REFRESH_WINDOWS
        emit(sql("policy", "refresh", ts, c.qname, r), f"refresh policy of {c.qname}", feature, key)
        _pause(ts, "refresh", c.qname, r, emit, key, feature)
    _policies(ts, c.qname, c.compression, c.retention, emit, key)


def _view(v: m.View, emit: Emit, feature: str | None = None) -> None:
    kind = "materialized view" if v.materialized else "view"
    what, key = f"{kind} {v.qname}", K(kind, v.schema, v.name)
    emit(sql("view", "create", v), what, feature, key, True)
    if v.comment is not None:
        emit(sql("view", "comment", v), what, feature, key)
    _indexes(v.schema, v.name, v.indexes, emit, feature)


def _seed_keys(s: m.SeedRows) -> list[tuple]:
    """The key values of each seeded row (what rollback deletes; apply checks them too)."""
    index = [s.columns.index(k) for k in s.key]
    return [tuple(row[i] for i in index) for row in s.rows]


def _extension_feature(e: m.Extension) -> str | None:
    return m.FEATURE_TIMESCALEDB if e.name == "timescaledb" else None


# --- the init phases: of the shared objects (db given), or of one org's objects (db None) --------------------------

Fill = Callable[[m.Database | None, Objects, Emit], None]


def _create_extensions(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for name in extension_schemas(db):
        emit(sql("schema", "create", m.Schema(name)), f"schema {quote_ident(name)}", None, K("schema", "", name), True)
    for e in db.extensions:
        emit(sql("extension", "create", e, extension_schema(db, e.name)), f"extension {quote_ident(e.name)}",
             _extension_feature(e), K("extension", "", e.name), True)


def _create_schemas(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    made = set(extension_schemas(db)) | SYSTEM_SCHEMAS
    for s in db.schemas:
        key = None if s.name in SYSTEM_SCHEMAS else K("schema", "", s.name)  # public: never created nor dropped
        if s.name not in made:
            emit(sql("schema", "create", s), f"schema {quote_ident(s.name)}", None, key, True)
        if s.comment is not None:
            emit(sql("schema", "comment", s), f"schema {quote_ident(s.name)}", None, key)


def _create_types(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for t in db.types:  # in dependency order (the builder's)
        what, key = f"{'domain' if t.kind == 'domain' else 'type'} {t.qname}", K("type", t.schema, t.name)
        emit(sql("type", "create", t), what, None, key, True)
        if t.comment is not None:
            emit(sql("type", "comment", t), what, None, key)


def _create_sequences(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for q in db.sequences:
        key = K("sequence", q.schema, q.name)
        emit(sql("sequence", "create", q), f"sequence {q.qname}", None, key, True)
        if q.comment is not None:
            emit(sql("sequence", "comment", q), f"sequence {q.qname}", None, key)


def _owned_sequences(db: m.Database | None, t: m.Table, emit: Emit) -> None:
    """ALTER SEQUENCE ... OWNED BY the table's column, right after the table is created (see scripts.PHASES)."""
    for q in db.sequences if db else ():
        if q.owned_by is not None and (q.schema, q.owned_by[0]) == (t.schema, t.name):
            emit(sql("sequence", "owned_by", q), f"sequence {q.qname}", None, K("sequence", q.schema, q.name))


def _create_tables(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for t in objs.tables:
        key = K("table", t.schema, t.name)
        emit(sql("table", "create", t), f"table {t.qname}", None, key, True)
        _owned_sequences(db, t, emit)
        if t.comment is not None:
            emit(sql("table", "comment", t), f"table {t.qname}", None, key)
        for c in t.columns:
            if c.comment is not None:
                emit(sql("table", "comment_column", t, c), f"column {t.qname}.{quote_ident(c.name)}", None, key)


def _create_hypertables(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for t in objs.tables:
        _hypertable(objs.ts, t, emit)


def _create_indexes(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for t in objs.tables:
        _indexes(t.schema, t.name, t.indexes, emit)


def _create_compression(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for t in objs.tables:
        _compression("TABLE", t.qname, t.compression, emit, K("table", t.schema, t.name))


def _create_policies(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for t in objs.tables:
        _policies(objs.ts, t.qname, t.compression, t.retention, emit, K("table", t.schema, t.name))


def _create_functions(db: m.Database | None, objs: Objects, emit: Emit, early: bool = False) -> None:
    functions = _functions(db, early)
    if functions:
        emit(sql("function", "no_body_checks"), "setting check_function_bodies", None)
    for f in functions:
        emit(sql("function", "create", f), f"function {signature(f)}", None, _fkey(f), True)
        if f.comment is not None:
            emit(sql("function", "comment", f), f"function {signature(f)}", None, _fkey(f))


def _functions(db: m.Database, early: bool) -> list[m.Function]:
    """The functions of 028_early_functions.sql (early) or of 080_functions.sql (the others)."""
    first = {id(f) for f in early_functions(db)}
    return [f for f in db.functions if (id(f) in first) == early]


def _create_early_functions(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    _create_functions(db, objs, emit, early=True)


def _create_caggs(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for c in objs.caggs:
        _cagg(objs.ts, c, emit)


def _create_views(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for v in objs.views:
        _view(v, emit, objs.view_feature(v))


def _create_triggers(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for t in objs.tables:
        for tr in t.triggers:
            emit(sql("trigger", "create", t, tr), f"trigger {quote_ident(tr.name)} on {t.qname}", None,
                 K("trigger", t.schema, tr.name, t.name), True)
            if tr.enabled != "enabled":
                emit(sql("trigger", "state", t, tr), f"trigger {quote_ident(tr.name)} on {t.qname}", None,
                     K("trigger", t.schema, tr.name, t.name))


def _create_seed(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for t in objs.tables:
        if t.seed:
            emit(sql("seed", "create", t.qname, t.seed), f"seed rows of {t.qname}", None, K("table", t.schema, t.name))


INIT: dict[str, Fill] = {
    "extensions": _create_extensions, "schemas": _create_schemas, "types": _create_types,
    "sequences": _create_sequences, "tables": _create_tables,
    "hypertables": _create_hypertables, "indexes": _create_indexes, "compression": _create_compression,
    "policies": _create_policies, "early_functions": _create_early_functions, "functions": _create_functions,
    "continuous_aggregates": _create_caggs, "views": _create_views, "triggers": _create_triggers, "seed": _create_seed,
    "row_security": security.create_row_security, "grants": security.create_grants,
}
# phases with nothing in an org's file
SHARED_ONLY = frozenset({"extensions", "schemas", "types", "sequences", "early_functions", "functions"})


def init(phase: str, db: m.Database | None, objs: Objects, emit: Emit) -> None:
    """The statements of one phase: of the shared objects (db given), or of one org's objects (db None)."""
    fill = INIT.get(phase)
    if fill and (db or phase not in SHARED_ONLY):
        fill(db, objs, emit)


# --- the rollback phases, in reverse order of creation -------------------------------------------------------------
# Dropping a table also drops its hypertable, indexes, compression settings, policies and triggers; the other
# phases undo what outlives it or what is worth undoing explicitly. No CASCADE anywhere: the order removes
# dependents first.

def _drop_extensions(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for e in reversed(db.extensions):
        emit(sql("extension", "drop", e), f"extension {quote_ident(e.name)}", _extension_feature(e),
             K("extension", "", e.name), True)
    for name in reversed(extension_schemas(db)):
        emit(sql("schema", "drop", m.Schema(name)), f"schema {quote_ident(name)}", None, K("schema", "", name), True)


def _drop_schemas(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    kept = set(extension_schemas(db)) | SYSTEM_SCHEMAS
    for s in reversed(db.schemas):
        if s.name not in kept:
            emit(sql("schema", "drop", s), f"schema {quote_ident(s.name)}", None, K("schema", "", s.name), True)
        elif s.name == "public" and s.comment is not None:  # kept: its comment goes back to PostgreSQL's own
            emit(sql("schema", "comment", m.Schema(s.name, PUBLIC_COMMENT)), f"schema {quote_ident(s.name)}", None)


def _drop_types(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for t in reversed(db.types):  # those built on others first
        emit(sql("type", "drop", t), f"{'domain' if t.kind == 'domain' else 'type'} {t.qname}", None,
             K("type", t.schema, t.name), True)


def _drop_tables(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for t in reversed(objs.tables):  # referrers first
        emit(sql("table", "drop", t), f"table {t.qname}", None, K("table", t.schema, t.name), True)


def _drop_sequences(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for q in reversed(db.sequences):  # an owned one went with its table already (970 runs first): IF EXISTS
        emit(sql("sequence", "drop", q), f"sequence {q.qname}", None, K("sequence", q.schema, q.name), True)


def _drop_indexes(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for t in reversed(objs.tables):
        for i in reversed(t.indexes):
            emit(sql("index", "drop", t.schema, i), f"index {qualified(t.schema, i.name)}", None,
                 K("index", t.schema, i.name), True)


def _drop_policies(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for t in reversed(objs.tables):
        _remove_policies(objs.ts, t.qname, t.compression, t.retention, emit, K("table", t.schema, t.name))


def _drop_functions(db: m.Database | None, objs: Objects, emit: Emit, early: bool = False) -> None:
    for f in reversed(_functions(db, early)):
        emit(sql("function", "drop", f), f"function {signature(f)}", None, _fkey(f), True)


def _drop_early_functions(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    _drop_functions(db, objs, emit, early=True)


def _drop_caggs(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for c in reversed(objs.caggs):  # aggregates built on others first; their policies go with them
        emit(sql("continuous_aggregate", "drop", c), f"continuous aggregate {c.qname}", m.FEATURE_CAGG,
             K("continuous aggregate", c.schema, c.name), True)


def _drop_views(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for v in reversed(objs.views):
        kind = "materialized view" if v.materialized else "view"
        emit(sql("view", "drop", v), f"{kind} {v.qname}", objs.view_feature(v), K(kind, v.schema, v.name), True)


def _drop_triggers(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for t in reversed(objs.tables):
        for tr in reversed(t.triggers):
            emit(sql("trigger", "drop", t, tr), f"trigger {quote_ident(tr.name)} on {t.qname}", None,
                 K("trigger", t.schema, tr.name, t.name), True)


def _drop_seed(db: m.Database | None, objs: Objects, emit: Emit) -> None:
    for t in reversed(objs.tables):
        if t.seed:
            emit(sql("seed", "drop", t.qname, t.seed.key, _seed_keys(t.seed)), f"seed rows of {t.qname}", None,
                 K("table", t.schema, t.name))


UNDO: dict[str, Fill] = {
    "extensions": _drop_extensions, "schemas": _drop_schemas, "types": _drop_types, "sequences": _drop_sequences,
    "tables": _drop_tables, "indexes": _drop_indexes, "policies": _drop_policies,
    "early_functions": _drop_early_functions, "functions": _drop_functions, "continuous_aggregates": _drop_caggs,
    "views": _drop_views, "triggers": _drop_triggers, "seed": _drop_seed,
    "row_security": security.drop_row_security, "grants": security.drop_grants,
}


def undo(phase: str, db: m.Database | None, objs: Objects, emit: Emit) -> None:
    """The rollback of one phase (see above): of the shared objects (db given), or of one org's (db None)."""
    fill = UNDO.get(phase)
    if fill and (db or phase not in SHARED_ONLY):
        fill(db, objs, emit)


# What an org's rollback file undoes, in this order: the org's triggers, views, aggregates and policies go
# explicitly (so a half-applied org is cleaned too), then its tables (referrers first), then its registry row
# last: an org table may hold a foreign key to the registry, and in one transaction the order costs nothing.
ORG_UNDO = ("triggers", "views", "continuous_aggregates", "policies", "tables")


def org_row(db: m.Database, org: str, row: m.OrgRow, emit: Emit) -> None:
    """The org's row in the registry (the last statement of its init file)."""
    reg = db.org_registry
    registry = qualified(reg.schema, reg.table)
    emit(sql("org_row", "create", registry, reg.key_column, row.values), f"org row {org!r} in {registry}", None,
         K("table", reg.schema, reg.table))


def drop_org_row(db: m.Database, org: str, row: m.OrgRow, emit: Emit) -> None:
    """The removal of the org's registry row (the last statement of its rollback file)."""
    reg = db.org_registry
    registry = qualified(reg.schema, reg.table)
    emit(sql("org_row", "drop", registry, reg.key_column, dict(row.values)[reg.key_column]),
         f"org row {org!r} in {registry}", None, K("table", reg.schema, reg.table))
