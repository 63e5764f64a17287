"""Stage 3, render: Model -> numbered init and rollback scripts, through one Jinja template per object kind.

Python decides what is created and in which order (phases.py: the phase list, and the dependency order of tables,
aggregates and views inside a phase); the templates hold only SQL, one statement per macro, so statements are separated
by construction and SQL is never split on `;` or blank lines. Every identifier passes through sqltext's quoting
(the `ident`/`idents`/`qname` filters), every literal through `literal`, every body through `dollar`.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from functools import cache, lru_cache
from pathlib import Path

import jinja2
from pglast.parser import ParseError, parse_sql_json

from schemagen import __version__
from schemagen import model as m
from schemagen import scripts as sc
from schemagen.errors import UsageError, printable
from schemagen.order import caggs_in_order, tables_in_order, views_in_order
from schemagen.render import outdir
from schemagen.render.outdir import HEADER_MARK
from schemagen.scripts import BY_NAME, ORG_NUMBER, PHASES, Phase, rollback_number
from schemagen.sqltext import Interval, dollar_quote, qualified, quote_ident, quote_literal

__all__ = ["PHASES", "ORG_NUMBER", "Phase", "render", "script_text", "statement_lines", "write_out", "check_out"]

_SYSTEM_SCHEMAS = frozenset({"public", "pg_catalog"})  # exist everywhere: never created, never dropped
PUBLIC_COMMENT = "standard public schema"  # what initdb gives `public`; a rollback puts it back

# --- Jinja ------------------------------------------------------------------------------------------------------


def _interval(value: Interval | int | None) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, Interval):
        return f"INTERVAL {quote_literal(str(value))}"
    return str(int(value))  # integer time columns: a plain number of the column's unit


def _column_type(c: m.Column) -> str:
    if c.serial:
        return {"integer": "serial", "bigint": "bigserial", "smallint": "smallserial"}[c.type]
    return c.type


def _param(value: str) -> str:
    """A storage parameter's value: numbers and words bare, anything else quoted."""
    return value if value.replace(".", "", 1).isdigit() or value.isidentifier() else quote_literal(value)


def _signature(f: m.Function) -> str:
    types = [a.type for a in f.arguments if a.mode != "out"]
    return f"{qualified(f.schema, f.name)}({', '.join(types)})"


def _dotted(name: str) -> str:
    """A name the model writes as `schema.name` or `name` (a trigger's function, an operator class)."""
    schema, _, base = name.rpartition(".")
    return qualified(schema or None, base)


def _orderby(items: Sequence[m.OrderBy]) -> str:
    out = []
    for o in items:
        text = quote_ident(o.column) + (" DESC" if o.descending else "")
        if o.nulls_first is not None:
            text += " NULLS FIRST" if o.nulls_first else " NULLS LAST"
        out.append(text)
    return ", ".join(out)


def _literal(value: object) -> str:
    return "DEFAULT" if value is m.SEED_DEFAULT else quote_literal(value)


@lru_cache(maxsize=4096)
def _column_default(expression: str) -> str:
    """A column's DEFAULT in CREATE TABLE: as written where the grammar reads it so, else in parentheses. There it
    takes a restricted expression (`NOT true`, `a IS NULL`, `x IN (...)`, `x LIKE y` need parentheses), and one
    that parses bare may mean something else (`'x' COLLATE "C"` would collate the column)."""
    bare = _column_def(f"CREATE TABLE t (c int DEFAULT {expression})")
    if bare is not None and bare == _column_def(f"CREATE TABLE t (c int DEFAULT ({expression}))"):
        return expression
    return f"({expression})"


def _column_def(statement: str):
    """The column definition of a one-column CREATE TABLE as parsed, without positions; None if it does not parse
    as one statement of one column."""
    try:
        tree = json.loads(parse_sql_json(statement))
    except ParseError:
        return None
    stmts = tree.get("stmts", [])
    elements = stmts[0]["stmt"].get("CreateStmt", {}).get("tableElts", []) if len(stmts) == 1 else []
    return _without_locations(elements) if len(elements) == 1 else None


def _without_locations(node):
    if isinstance(node, dict):
        return {k: _without_locations(v) for k, v in node.items() if k != "location"}
    if isinstance(node, list):
        return [_without_locations(v) for v in node]
    return node


def _key_literal(value: object) -> str:
    """A seed key value to look a row up by (rollback's DELETE): a float quoted, so that it takes the column's type.
    A bare 1.1 is numeric, and `real_column = 1.1` compares as double precision: never true for 1.1."""
    return quote_literal(repr(value)) if isinstance(value, float) else _literal(value)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs (Jinja's per-user directory under the temp dir, keyed by each
    template's source): compiling them is most of a small render's time. None where that directory is unsafe."""
    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        return None


@cache
def environment() -> jinja2.Environment:
    """The one Jinja environment (built once): a missing variable is an error, never an empty string."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("schemagen.templates", "."),  # the installed package, not a repo path
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # SQL, not HTML: quoting is the filters' job
        keep_trailing_newline=True,
        extensions=["jinja2.ext.do"],
        bytecode_cache=_bytecode_cache(),
    )
    env.filters.update(
        ident=quote_ident,
        idents=lambda names: ", ".join(quote_ident(n) for n in names),
        qname=lambda obj: qualified(obj.schema, obj.name),
        literal=_literal,
        # typed arguments: a literal of a known type leaves no planted overload (text, anyelement) a better match
        regclass=lambda name: f"{quote_literal(name)}::pg_catalog.regclass",
        name_arg=lambda name: f"{quote_literal(name)}::pg_catalog.name",
        text_arg=lambda text: f"{quote_literal(text)}::pg_catalog.text",
        key_literal=_key_literal,
        column_default=_column_default,
        dollar=dollar_quote,
        interval=_interval,
        column_type=_column_type,
        param=_param,
        signature=_signature,
        dotted=_dotted,
        orderby=_orderby,
    )
    return env


@cache
def _macros(kind: str):
    return environment().get_template(f"{kind}.sql.j2").module


def sql(kind: str, macro: str, *args) -> str:
    """One statement: macro `macro` of templates/<kind>.sql.j2."""
    return str(getattr(_macros(kind), macro)(*args)).strip()


def extension_schema(db: m.Database | None, name: str) -> str:
    """The schema the model's extension `name` lives in: the one it names, else `public`. Never left to the server:
    under the scripts' search_path (pg_catalog first) CREATE EXTENSION would install it into pg_catalog. plpgsql's
    control file fixes pg_catalog. TimescaleDB's functions are called qualified with its schema."""
    for e in db.extensions if db else ():
        if e.name == name and e.schema:
            return e.schema
    return "pg_catalog" if name == "plpgsql" else "public"


def search_path(db: m.Database | None) -> tuple[str, ...]:
    """The search_path every script runs under (and the drift check prints expressions under): pg_catalog first,
    so a function or type another role plants in a writable schema never shadows a built-in (PostgreSQL's advice
    after CVE-2018-1058); then the extensions' schemas and `public`, where the model's free-form SQL finds its
    unqualified names (vector, uuid_generate_v4, time_bucket) as it did under the default path, and `public` when
    the model has objects there; no other schema: one that others may create in is then not searched at all;
    pg_temp last, explicitly, or it would be searched first."""
    schemas = [extension_schema(db, e.name) for e in (db.extensions if db else ())]
    schemas += ["public"] if db and any(s.name == "public" for s in db.schemas) else []
    return ("pg_catalog", *dict.fromkeys(s for s in schemas if s not in ("pg_catalog", "pg_temp")), "pg_temp")


def prelude(db: m.Database | None) -> list[str]:
    """The settings each script pins right after BEGIN (SET LOCAL: they end with its transaction). apply runs
    these same statements at the start of each script's transaction. standard_conforming_strings = on: with it
    off (a database may set it) a backslash in a literal would escape the closing quote."""
    path = ", ".join(quote_ident(s) for s in search_path(db))
    return [f"SET LOCAL search_path = {path};", "SET LOCAL standard_conforming_strings = on;"]


def _extension_schemas(db: m.Database) -> list[str]:
    """Schemas an extension is installed into: created with the extensions (010), dropped after them (990)."""
    return list(dict.fromkeys(e.schema for e in db.extensions if e.schema and e.schema not in _SYSTEM_SCHEMAS))


# --- statements per object kind ---------------------------------------------------------------------------------

Emit = Callable[..., None]  # (sql, object, feature, target=ObjectKey | None, defines=bool)
K = m.ObjectKey


def _fkey(f: m.Function) -> m.ObjectKey:
    """A function's key: its argument types as the signature, the way DROP FUNCTION names it."""
    return K("function", f.schema, f.name, "(" + ", ".join(a.type for a in f.arguments if a.mode != "out") + ")")


class Objects:
    """The tables, aggregates and views one file deals with (the shared ones, or one org's), in dependency order."""

    def __init__(self, tables, caggs, views, ts: str = "public"):
        self.tables, self.caggs, self.views = tables_in_order(tables), caggs_in_order(caggs), views_in_order(views)
        self.ts = quote_ident(ts)  # TimescaleDB's schema, which qualifies each of its functions


def _hypertable(ts: str, t: m.Table, emit: Emit) -> None:
    ht = t.hypertable
    if not ht:
        return
    table = K("table", t.schema, t.name)
    emit(sql("hypertable", "create", ts, t), f"hypertable {t.qname}", m.FEATURE_TIMESCALEDB, table)
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
    if r:
        emit(sql("policy", "retention", ts, qname, r), f"retention policy of {qname}", m.FEATURE_POLICY, key)


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
    if c.refresh:
        emit(sql("policy", "refresh", ts, c.qname, c.refresh), f"refresh policy of {c.qname}", m.FEATURE_POLICY,
             key)
    _policies(ts, c.qname, c.compression, c.retention, emit, key)


def _view(v: m.View, emit: Emit) -> None:
    kind = "materialized view" if v.materialized else "view"
    what, key = f"{kind} {v.qname}", K(kind, v.schema, v.name)
    emit(sql("view", "create", v), what, None, key, True)
    if v.comment is not None:
        emit(sql("view", "comment", v), what, None, key)
    _indexes(v.schema, v.name, v.indexes, emit)


def _seed_keys(s: m.SeedRows) -> list[tuple]:
    """The key values of each seeded row (what rollback deletes; apply checks them too)."""
    index = [s.columns.index(k) for k in s.key]
    return [tuple(row[i] for i in index) for row in s.rows]


# --- init and rollback of one phase -----------------------------------------------------------------------------

def _init(phase: str, db: m.Database, objs: Objects, emit: Emit) -> None:
    """The statements of one phase: of the shared objects (db given), or of one org's objects (db None)."""
    if phase == "extensions" and db:
        for name in _extension_schemas(db):
            emit(sql("schema", "create", m.Schema(name)), f"schema {quote_ident(name)}", None, K("schema", "", name),
                 True)
        for e in db.extensions:
            emit(sql("extension", "create", e, extension_schema(db, e.name)), f"extension {quote_ident(e.name)}",
                 m.FEATURE_TIMESCALEDB if e.name == "timescaledb" else None, K("extension", "", e.name), True)
    elif phase == "schemas" and db:
        made = set(_extension_schemas(db)) | _SYSTEM_SCHEMAS
        for s in db.schemas:
            key = None if s.name in _SYSTEM_SCHEMAS else K("schema", "", s.name)  # public: never created nor dropped
            if s.name not in made:
                emit(sql("schema", "create", s), f"schema {quote_ident(s.name)}", None, key, True)
            if s.comment is not None:
                emit(sql("schema", "comment", s), f"schema {quote_ident(s.name)}", None, key)
    elif phase == "tables":
        for t in objs.tables:
            key = K("table", t.schema, t.name)
            emit(sql("table", "create", t), f"table {t.qname}", None, key, True)
            if t.comment is not None:
                emit(sql("table", "comment", t), f"table {t.qname}", None, key)
            for c in t.columns:
                if c.comment is not None:
                    emit(sql("table", "comment_column", t, c), f"column {t.qname}.{quote_ident(c.name)}", None, key)
    elif phase == "hypertables":
        for t in objs.tables:
            _hypertable(objs.ts, t, emit)
    elif phase == "indexes":
        for t in objs.tables:
            _indexes(t.schema, t.name, t.indexes, emit)
    elif phase == "compression":
        for t in objs.tables:
            _compression("TABLE", t.qname, t.compression, emit, K("table", t.schema, t.name))
    elif phase == "policies":
        for t in objs.tables:
            _policies(objs.ts, t.qname, t.compression, t.retention, emit, K("table", t.schema, t.name))
    elif phase == "functions" and db:
        if db.functions:
            emit(sql("function", "no_body_checks"), "setting check_function_bodies", None)
        for f in db.functions:
            emit(sql("function", "create", f), f"function {_signature(f)}", None, _fkey(f), True)
            if f.comment is not None:
                emit(sql("function", "comment", f), f"function {_signature(f)}", None, _fkey(f))
    elif phase == "continuous_aggregates":
        for c in objs.caggs:
            _cagg(objs.ts, c, emit)
    elif phase == "views":
        for v in objs.views:
            _view(v, emit)
    elif phase == "triggers":
        for t in objs.tables:
            for tr in t.triggers:
                emit(sql("trigger", "create", t, tr), f"trigger {quote_ident(tr.name)} on {t.qname}", None,
                     K("trigger", t.schema, tr.name, t.name), True)
    elif phase == "seed":
        for t in objs.tables:
            if t.seed:
                emit(sql("seed", "create", t.qname, t.seed), f"seed rows of {t.qname}", None,
                     K("table", t.schema, t.name))


def _undo(phase: str, db: m.Database | None, objs: Objects, emit: Emit) -> None:
    """The rollback of one phase, in reverse order of creation. Dropping a table also drops its hypertable,
    indexes, compression settings, policies and triggers; the other phases undo what outlives it or what is
    worth undoing explicitly. No CASCADE anywhere: the order removes dependents first."""
    if phase == "extensions" and db:
        for e in reversed(db.extensions):
            emit(sql("extension", "drop", e), f"extension {quote_ident(e.name)}",
                 m.FEATURE_TIMESCALEDB if e.name == "timescaledb" else None, K("extension", "", e.name), True)
        for name in reversed(_extension_schemas(db)):
            emit(sql("schema", "drop", m.Schema(name)), f"schema {quote_ident(name)}", None, K("schema", "", name),
                 True)
    elif phase == "schemas" and db:
        kept = set(_extension_schemas(db)) | _SYSTEM_SCHEMAS
        for s in reversed(db.schemas):
            if s.name not in kept:
                emit(sql("schema", "drop", s), f"schema {quote_ident(s.name)}", None, K("schema", "", s.name), True)
            elif s.name == "public" and s.comment is not None:  # kept: its comment goes back to PostgreSQL's own
                emit(sql("schema", "comment", m.Schema(s.name, PUBLIC_COMMENT)), f"schema {quote_ident(s.name)}",
                     None)
    elif phase == "tables":
        for t in reversed(objs.tables):  # referrers first
            emit(sql("table", "drop", t), f"table {t.qname}", None, K("table", t.schema, t.name), True)
    elif phase == "indexes":
        for t in reversed(objs.tables):
            for i in reversed(t.indexes):
                emit(sql("index", "drop", t.schema, i), f"index {qualified(t.schema, i.name)}", None,
                     K("index", t.schema, i.name), True)
    elif phase == "policies":
        for t in reversed(objs.tables):
            _remove_policies(objs.ts, t.qname, t.compression, t.retention, emit, K("table", t.schema, t.name))
    elif phase == "functions" and db:
        for f in reversed(db.functions):
            emit(sql("function", "drop", f), f"function {_signature(f)}", None, _fkey(f), True)
    elif phase == "continuous_aggregates":
        for c in reversed(objs.caggs):  # aggregates built on others first; their policies go with them
            emit(sql("continuous_aggregate", "drop", c), f"continuous aggregate {c.qname}", m.FEATURE_CAGG,
                 K("continuous aggregate", c.schema, c.name), True)
    elif phase == "views":
        for v in reversed(objs.views):
            kind = "materialized view" if v.materialized else "view"
            emit(sql("view", "drop", v), f"{kind} {v.qname}", None, K(kind, v.schema, v.name), True)
    elif phase == "triggers":
        for t in reversed(objs.tables):
            for tr in reversed(t.triggers):
                emit(sql("trigger", "drop", t, tr), f"trigger {quote_ident(tr.name)} on {t.qname}", None,
                     K("trigger", t.schema, tr.name, t.name), True)
    elif phase == "seed":
        for t in reversed(objs.tables):
            if t.seed:
                emit(sql("seed", "drop", t.qname, t.seed.key, _seed_keys(t.seed)), f"seed rows of {t.qname}", None,
                     K("table", t.schema, t.name))


# What an org's rollback file undoes, in this order: the org's triggers, views, aggregates and policies go
# explicitly (so a half-applied org is cleaned too), then its tables (referrers first), then its registry row
# last: an org table may hold a foreign key to the registry, and in one transaction the order costs nothing.
ORG_UNDO = ("triggers", "views", "continuous_aggregates", "policies", "tables")


# --- scripts ------------------------------------------------------------------------------------------------------

def _collect(fill: Callable[[Emit], None], skip: frozenset[str]) -> tuple[sc.Statement, ...]:
    out: list[sc.Statement] = []

    def emit(text: str, obj: str, feature: str | None, target: m.ObjectKey | None = None,
             defines: bool = False) -> None:
        if feature not in skip:
            out.append(sc.Statement(text, obj, feature, target=target, defines=defines))

    fill(emit)
    return tuple(out)


def _org_scripts(db: m.Database, org: str, objs: Objects, row: m.OrgRow | None,
                 skip: frozenset[str], only: str | None) -> list[sc.Script]:
    reg = db.org_registry
    row = row if reg else None
    registry = qualified(reg.schema, reg.table) if reg else ""
    reg_key = K("table", reg.schema, reg.table) if reg else None

    def init(emit: Emit) -> None:
        for p in PHASES:
            _init(p.name, None, objs, emit)
        if row:
            emit(sql("org_row", "create", registry, reg.key_column, row.values), f"org row {org!r} in {registry}",
                 None, reg_key)

    def undo(emit: Emit) -> None:
        for phase in ORG_UNDO:
            _undo(phase, None, objs, emit)
        if row:
            emit(sql("org_row", "drop", registry, reg.key_column, dict(row.values)[reg.key_column]),
                 f"org row {org!r} in {registry}", None, reg_key)

    phase = f"org_{org}"
    scripts = []
    if only != "rollback":
        scripts.append(sc.Script(db.name, ORG_NUMBER, phase, _collect(init, skip), org=org))
    if only != "init":
        scripts.append(sc.Script(db.name, rollback_number(ORG_NUMBER), phase, _collect(undo, skip), org=org,
                                rollback=True))
    return scripts


def _shared_scripts(db: m.Database, objs: Objects, skip: frozenset[str], only: str | None) -> list[sc.Script]:
    scripts = []
    for p in PHASES:
        init = _collect(lambda emit, p=p: _init(p.name, db, objs, emit), skip)
        if not init:
            continue  # a phase with nothing in it has no file (its number stays reserved)
        if only != "rollback":
            scripts.append(sc.Script(db.name, p.number, p.name, init))
        if only != "init":
            undo = _collect(lambda emit, p=p: _undo(p.name, db, objs, emit), skip)
            scripts.append(sc.Script(db.name, rollback_number(p.number), p.name, undo, rollback=True))
    return scripts


def leave_out(scripts: list[sc.Script], skip: frozenset[str]) -> list[sc.Script]:
    """The init scripts render(..., skip_features=skip, only="init") gives, from init scripts rendered without
    skip: the statements of those features dropped, and a shared phase left with nothing dropped with its file."""
    if not skip:
        return scripts
    out = []
    for s in scripts:
        kept = tuple(st for st in s.statements if st.feature not in skip)
        if kept or s.org is not None:
            out.append(s if len(kept) == len(s.statements) else dataclasses.replace(s, statements=kept))
    return out


def _by_org(db: m.Database) -> dict[str | None, Objects]:
    """Each org's objects (None: the shared ones), grouped in one pass: many orgs stay linear."""
    groups: dict[str | None, tuple[list, list, list]] = {None: ([], [], [])}
    for org in db.orgs:
        groups[org] = ([], [], [])
    for i, objects in enumerate((db.tables, db.continuous_aggregates, db.views)):
        for o in objects:
            groups.setdefault(o.org, ([], [], []))[i].append(o)
    ts = extension_schema(db, "timescaledb")
    return {org: Objects(*lists, ts=ts) for org, lists in groups.items()}


def render(model: m.Model, *, database: str | None = None, orgs: Sequence[str] | None = None,
           skip_features: frozenset[str] = frozenset(), only: str | None = None) -> list[sc.Script]:
    """Init and rollback scripts of the chosen database(s) (all when None) in apply order; orgs=None renders
    everything, shared and every org; with `orgs`, only those orgs' files. Statements whose feature is in
    `skip_features` are left out. only="init" or "rollback" renders just those scripts."""
    names = [d.name for d in model.databases]
    if database is not None and database not in names:
        raise UsageError(f"unknown database {database!r}; the model has: {', '.join(names)}")
    known = [o.key for o in model.orgs]
    for org in orgs or ():
        if org not in known:
            raise UsageError(f"unknown org {org!r}; the model has: {', '.join(known) or 'no orgs'}")
    skip = frozenset(skip_features)
    scripts: list[sc.Script] = []
    for db in model.databases:
        if database is not None and db.name != database:
            continue
        groups, rows = _by_org(db), {r.org: r for r in db.org_rows}
        if orgs is None:
            scripts += _shared_scripts(db, groups[None], skip, only)
        mine = set(db.orgs)  # `in` over a tuple of 5,000 orgs, once per org, would be quadratic
        for org in (db.orgs if orgs is None else [o for o in orgs if o in mine]):
            scripts += _org_scripts(db, org, groups[org], rows.get(org), skip, only)
    return scripts


# --- text ---------------------------------------------------------------------------------------------------------

def _header(script: sc.Script, model: m.Model, body: str) -> str:
    """Four `--` comment lines, whatever the names hold: every text is escaped (a newline or CR in the model
    file's name would end the comment, and psql would run the rest: `\\! rm -rf ~`); validate refuses control
    characters in database names and org keys already, the file name is the user's."""
    digest = hashlib.sha256(body.encode()).hexdigest()
    what = f"org: {script.org}" if script.org else f"phase: {script.phase}"
    if script.rollback:
        what = f"rollback of {rollback_number(script.number):03d}_{script.phase}.sql ({what})"
    return (f"{HEADER_MARK}{__version__} from {printable(Path(model.file).name)} — do not edit.\n"
            f"-- database: {printable(script.database)}\n-- {printable(what)}\n-- sha256: {digest}\n")


def _body(script: sc.Script, model: m.Model) -> tuple[str, list[int]]:
    """The file body and, for each statement, the line within the body where it starts."""
    chunks: list[str] = ["", "BEGIN;", *prelude(model.database(script.database)), ""]
    starts: list[int] = []
    line = len(chunks)  # lines before the next chunk

    def add(*texts: str, statement: bool = False) -> None:
        nonlocal line
        if statement:
            starts.append(line + 1)
        for text in texts:
            chunks.append(text)
            line += text.count("\n") + 1

    if not script.statements:
        phase = BY_NAME.get(script.phase)
        note = phase.undo if script.rollback and phase else None
        add(f"-- Nothing to do here: {note or 'every object of this phase is left out on this server'}.", "")
    for s in script.statements:
        if s.transactional:
            add(s.sql, "", statement=True)
    add("COMMIT;")
    for s in script.statements:  # refused inside a transaction block: run on their own, after COMMIT
        if not s.transactional:
            add("", "-- Runs outside the transaction: PostgreSQL refuses it inside one.")
            add(s.sql, statement=True)
    return "\n".join(chunks) + "\n", starts


def script_text(script: sc.Script, model: m.Model) -> str:
    """The exact content of the script's file: header (with the body's sha256, no timestamp), then the body."""
    body, _ = _body(script, model)
    return _header(script, model, body) + body


def statement_lines(script: sc.Script, model: m.Model) -> list[int]:
    """The line (1-based, in script_text) where each statement starts, in the order they run: the transactional
    ones in script order, then the others."""
    body, starts = _body(script, model)
    offset = _header(script, model, body).count("\n")
    return [offset + n for n in starts]


# --- out/ (outdir.py: never through a symbolic link) -------------------------------------------------------------

def _expected(scripts: Sequence[sc.Script], model: m.Model) -> dict[str, str]:
    return {s.relpath: script_text(s, model) for s in scripts}


def write_out(scripts: Sequence[sc.Script], out_dir: Path, model: m.Model, complete: bool = True,
              all_databases: bool = False) -> list[Path]:
    """Write the scripts under out_dir, rewriting only files whose content changed; when complete (every
    script of the databases rendered, no --org), delete the schemagen files of those databases that the model
    no longer produces (an org removed, a phase emptied); with all_databases (no --database either), also those
    of a database the model no longer has, and then its emptied folders. Returns the files written."""
    return outdir.write(_expected(scripts, model), {s.database for s in scripts}, Path(out_dir), complete,
                        all_databases)


def check_out(scripts: Sequence[sc.Script], out_dir: Path, model: m.Model, complete: bool = True,
              all_databases: bool = False) -> None:
    """Return None when out_dir holds exactly what the scripts render; else raise Difference listing the stale,
    missing and (when complete) extra files."""
    outdir.check(_expected(scripts, model), {s.database for s in scripts}, Path(out_dir), complete, all_databases)
