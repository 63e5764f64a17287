"""Stage 3, render: Model -> numbered init and rollback scripts, through one Jinja template per object kind.

Python decides what is created and in which order (PHASES below); the templates hold only SQL, one statement per
macro. Every identifier passes through sqltext's quoting (the `ident`/`qname` filters), every literal through
`literal`, every body through `dollar`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

import jinja2

from . import __version__
from . import model as m
from .errors import Difference, UsageError
from .sqltext import Interval, dollar_quote, qualified, quote_ident, quote_literal

# --- the phases: the order of the numbered files ----------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    number: int
    name: str
    why: str


# Apply order. Numbers are fixed per phase, so a phase that gains its first object adds a file and renumbers
# nothing; rollback files are numbered 1000 - number, so `ls rollback/` is the order to undo.
PHASES = (
    Phase(10, "extensions", "everything else may use their types and functions (timescaledb, vector, ...)"),
    Phase(20, "schemas", "tables, views and functions live in them"),
    Phase(30, "tables", "columns and constraints; foreign key targets come before the tables that reference them"),
    Phase(40, "hypertables", "create_hypertable wants the table, and is best run before its indexes"),
    Phase(50, "indexes", "on tables and hypertables (TimescaleDB builds them on every chunk)"),
    Phase(60, "compression", "compression settings need the hypertable"),
    Phase(70, "policies", "compression and retention policies need the hypertable and its compression settings"),
    Phase(80, "functions", "bodies are not checked here (check_function_bodies = off), so they may name anything"),
    Phase(90, "continuous_aggregates", "they read hypertables and may call functions; sources before aggregates"),
    Phase(100, "views", "views and materialized views may read tables, aggregates and functions"),
    Phase(110, "triggers", "they need their table and their function"),
    Phase(120, "seed", "rows last among shared objects: tables, defaults and triggers all exist"),
)
ORG_NUMBER = 900  # one file per org after every shared phase: org objects may use every shared object


# --- Jinja ------------------------------------------------------------------------------------------------------

def _interval(value: Interval | int | None) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, Interval):
        return f"INTERVAL {quote_literal(str(value))}"
    return str(int(value))


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


def _function_name(name: str) -> str:
    schema, _, fn = name.rpartition(".")
    return qualified(schema or None, fn)


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


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("schemagen.templates", "."),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(
        ident=quote_ident,
        idents=lambda names: ", ".join(quote_ident(n) for n in names),
        qname=lambda obj: qualified(obj.schema, obj.name),
        literal=_literal,
        dollar=dollar_quote,
        interval=_interval,
        column_type=_column_type,
        param=_param,
        signature=_signature,
        function_name=_function_name,
        orderby=_orderby,
    )
    return env


@cache
def _macros(kind: str):
    return environment().get_template(f"{kind}.sql.j2").module


def sql(kind: str, macro: str, *args) -> str:
    """One statement from macro `macro` of templates/<kind>.sql.j2."""
    return str(getattr(_macros(kind), macro)(*args)).strip()


# --- statements per object kind ---------------------------------------------------------------------------------

Emit = Callable[[str, str, str | None], None]  # (sql, object, feature)


def _table_create(t: m.Table, emit: Emit) -> None:
    emit(sql("table", "create", t), f"table {t.qname}", None)
    if t.comment is not None:
        emit(sql("table", "comment", t), f"table {t.qname}", None)
    for c in t.columns:
        if c.comment is not None:
            emit(sql("table", "comment_column", t, c), f"column {t.qname}.{quote_ident(c.name)}", None)


def _hypertable(t: m.Table, emit: Emit) -> None:
    if not t.hypertable:
        return
    emit(sql("hypertable", "create", t), f"hypertable {t.qname}", m.FEATURE_TIMESCALEDB)
    if t.hypertable.chunk_interval is not None:
        emit(sql("hypertable", "chunk_interval", t), f"hypertable {t.qname}", m.FEATURE_TIMESCALEDB)
    for d in t.hypertable.dimensions:
        emit(sql("hypertable", "dimension", t, d), f"dimension {t.qname}.{quote_ident(d.column)}",
             m.FEATURE_TIMESCALEDB)


def _indexes(schema: str, relation: str, indexes: Iterable[m.Index], emit: Emit, feature: str | None = None):
    for i in indexes:
        what = f"index {qualified(schema, i.name)}"
        emit(sql("index", "create", schema, relation, i), what, feature)
        if i.comment is not None:
            emit(sql("index", "comment", schema, i), what, feature)


def _compression(kind: str, qname: str, c: m.Compression | None, emit: Emit) -> None:
    if c:
        emit(sql("compression", "enable", kind, qname, c), f"compression of {qname}", m.FEATURE_COMPRESSION)


def _policies(qname: str, c: m.Compression | None, r: m.Retention | None, emit: Emit) -> None:
    if c and c.after is not None:
        emit(sql("policy", "compression", qname, c), f"compression policy of {qname}", m.FEATURE_POLICY)
    if r:
        emit(sql("policy", "retention", qname, r), f"retention policy of {qname}", m.FEATURE_POLICY)


def _cagg_create(c: m.ContinuousAggregate, emit: Emit) -> None:
    emit(sql("continuous_aggregate", "create", c), f"continuous aggregate {c.qname}", m.FEATURE_CAGG)
    if c.comment is not None:
        emit(sql("continuous_aggregate", "comment", c), f"continuous aggregate {c.qname}", m.FEATURE_CAGG)
    _indexes(c.schema, c.name, c.indexes, emit, m.FEATURE_CAGG)
    _compression("MATERIALIZED VIEW", c.qname, c.compression, emit)
    if c.refresh:
        emit(sql("policy", "refresh", c.qname, c.refresh), f"refresh policy of {c.qname}", m.FEATURE_POLICY)
    _policies(c.qname, c.compression, c.retention, emit)


def _view_create(v: m.View, emit: Emit) -> None:
    what = f"{'materialized view' if v.materialized else 'view'} {v.qname}"
    emit(sql("view", "create", v), what, None)
    if v.comment is not None:
        emit(sql("view", "comment", v), what, None)
    _indexes(v.schema, v.name, v.indexes, emit)


def _triggers(t: m.Table, emit: Emit) -> None:
    for tr in t.triggers:
        emit(sql("trigger", "create", t, tr), f"trigger {quote_ident(tr.name)} on {t.qname}", None)


def _seed(t: m.Table, emit: Emit) -> None:
    if t.seed:
        emit(sql("seed", "create", t.qname, t.seed), f"seed rows of {t.qname}", None)


def _registry_seed(db: m.Database, row: m.OrgRow) -> tuple[str, m.SeedRows]:
    reg = db.org_registry
    seed = m.SeedRows((reg.key_column,), tuple(c for c, _ in row.values), (tuple(v for _, v in row.values),))
    return qualified(reg.schema, reg.table), seed


def _seed_keys(s: m.SeedRows) -> list[tuple]:
    index = [s.columns.index(k) for k in s.key]
    return [tuple(row[i] for i in index) for row in s.rows]


# --- init and rollback per phase ----------------------------------------------------------------------------------

def _init_phase(phase: str, db: m.Database, emit: Emit) -> None:
    """The statements of one shared phase (org objects are in their org file)."""
    if phase == "extensions":
        for e in db.extensions:
            emit(sql("extension", "create", e), f"extension {quote_ident(e.name)}",
                 m.FEATURE_TIMESCALEDB if e.name == "timescaledb" else None)
    elif phase == "schemas":
        for s in db.schemas:
            if s.name != "public":
                emit(sql("schema", "create", s), f"schema {quote_ident(s.name)}", None)
            if s.comment is not None:
                emit(sql("schema", "comment", s), f"schema {quote_ident(s.name)}", None)
    elif phase == "functions":
        if db.functions:
            emit(sql("function", "no_body_checks"), "setting check_function_bodies", None)
        for f in db.functions:
            emit(sql("function", "create", f), f"function {_signature(f)}", None)
            if f.comment is not None:
                emit(sql("function", "comment", f), f"function {_signature(f)}", None)
    else:
        _objects_phase(phase, db.tables, db.continuous_aggregates, db.views, emit)


def _objects_phase(phase: str, tables, caggs, views, emit: Emit) -> None:
    """Tables, aggregates and views: shared ones in their phase files, an org's all in its org file."""
    for t in tables:
        if phase == "tables":
            _table_create(t, emit)
        elif phase == "hypertables":
            _hypertable(t, emit)
        elif phase == "indexes":
            _indexes(t.schema, t.name, t.indexes, emit)
        elif phase == "compression":
            _compression("TABLE", t.qname, t.compression, emit)
        elif phase == "policies":
            _policies(t.qname, t.compression, t.retention, emit)
        elif phase == "triggers":
            _triggers(t, emit)
        elif phase == "seed":
            _seed(t, emit)
    if phase == "continuous_aggregates":
        for c in caggs:
            _cagg_create(c, emit)
    elif phase == "views":
        for v in views:
            _view_create(v, emit)


def _rollback_phase(phase: str, db: m.Database, emit: Emit) -> None:
    if phase == "extensions":
        for e in reversed(db.extensions):
            emit(sql("extension", "drop", e), f"extension {quote_ident(e.name)}",
                 m.FEATURE_TIMESCALEDB if e.name == "timescaledb" else None)
    elif phase == "schemas":
        for s in reversed(db.schemas):
            if s.name != "public":
                emit(sql("schema", "drop", s), f"schema {quote_ident(s.name)}", None)
    elif phase == "functions":
        for f in reversed(db.functions):
            emit(sql("function", "drop", f), f"function {_signature(f)}", None)
    else:
        _objects_rollback(phase, db.tables, db.continuous_aggregates, db.views, emit)


def _objects_rollback(phase: str, tables, caggs, views, emit: Emit) -> None:
    # Dropping a table also drops its hypertable, indexes, compression settings and policies; those phases only
    # undo what outlives the table. No CASCADE anywhere: the order removes dependents first.
    if phase == "tables":
        for t in reversed(tables):
            emit(sql("table", "drop", t), f"table {t.qname}", None)
    elif phase == "indexes":
        for t in reversed(tables):
            for i in reversed(t.indexes):
                emit(sql("index", "drop", t.schema, i), f"index {qualified(t.schema, i.name)}", None)
    elif phase == "policies":
        for t in reversed(tables):
            if t.retention:
                emit(sql("policy", "remove", "retention", t.qname), f"retention policy of {t.qname}",
                     m.FEATURE_POLICY)
            if t.compression and t.compression.after is not None:
                emit(sql("policy", "remove", "compression", t.qname), f"compression policy of {t.qname}",
                     m.FEATURE_POLICY)
    elif phase == "continuous_aggregates":
        for c in reversed(caggs):  # aggregates built on others first
            emit(sql("continuous_aggregate", "drop", c), f"continuous aggregate {c.qname}", m.FEATURE_CAGG)
    elif phase == "views":
        for v in reversed(views):
            emit(sql("view", "drop", v), f"view {v.qname}", None)
    elif phase == "triggers":
        for t in reversed(tables):
            for tr in reversed(t.triggers):
                emit(sql("trigger", "drop", t, tr), f"trigger {quote_ident(tr.name)} on {t.qname}", None)
    elif phase == "seed":
        for t in reversed(tables):
            if t.seed:
                emit(sql("seed", "drop", t.qname, t.seed.key, _seed_keys(t.seed)), f"seed rows of {t.qname}", None)


_NOTHING_TO_UNDO = {
    "hypertables": "dropping the tables (rollback/970_tables.sql) removes the hypertables and their chunks",
    "compression": "dropping the tables removes their compression settings",
}


# --- scripts ------------------------------------------------------------------------------------------------------

def _collect(fill: Callable[[Emit], None], skip: frozenset[str]) -> tuple[m.Statement, ...]:
    out: list[m.Statement] = []

    def emit(text: str, obj: str, feature: str | None) -> None:
        if feature not in skip:
            out.append(m.Statement(text, obj, feature))

    fill(emit)
    return tuple(out)


def _org_file(db: m.Database, org: str, rollback: bool, skip: frozenset[str]) -> m.Script:
    part = db.for_org(org)
    row = next((r for r in db.org_rows if r.org == org), None)

    def fill(emit: Emit) -> None:
        if rollback:
            if row and db.org_registry:
                qname, seed = _registry_seed(db, row)
                emit(sql("seed", "drop", qname, seed.key, _seed_keys(seed)), f"org row {org!r} in {qname}", None)
            for phase in ("views", "continuous_aggregates", "tables"):
                _objects_rollback(phase, part.tables, part.continuous_aggregates, part.views, emit)
            return
        for p in PHASES:
            _objects_phase(p.name, part.tables, part.continuous_aggregates, part.views, emit)
        if row and db.org_registry:
            qname, seed = _registry_seed(db, row)
            emit(sql("seed", "create", qname, seed), f"org row {org!r} in {qname}", None)

    number = 1000 - ORG_NUMBER if rollback else ORG_NUMBER
    return m.Script(db.name, number, f"org_{org}", _collect(fill, skip), org=org, rollback=rollback)


def _shared_files(db: m.Database, skip: frozenset[str]) -> list[m.Script]:
    scripts = []
    shared = db.for_org(None)
    for p in PHASES:
        init = _collect(lambda emit, p=p: _init_phase(p.name, shared, emit), skip)
        if not init:
            continue  # a phase with nothing in it has no file (its number stays reserved)
        undo = _collect(lambda emit, p=p: _rollback_phase(p.name, shared, emit), skip)
        scripts.append(m.Script(db.name, p.number, p.name, init))
        scripts.append(m.Script(db.name, 1000 - p.number, p.name, undo, rollback=True))
    return scripts


def render(model: m.Model, *, database: str | None = None, orgs: Sequence[str] | None = None,
           skip_features: frozenset[str] = frozenset()) -> list[m.Script]:
    """Init and rollback scripts of the chosen database(s); with `orgs`, only those orgs' files."""
    names = [d.name for d in model.databases]
    if database is not None and database not in names:
        raise UsageError(f"unknown database {database!r}; the model has: {', '.join(names)}")
    known = [o.key for o in model.orgs]
    for org in orgs or ():
        if org not in known:
            raise UsageError(f"unknown org {org!r}; the model has: {', '.join(known) or 'no orgs'}")
    skip = frozenset(skip_features)
    scripts: list[m.Script] = []
    for db in model.databases:
        if database is not None and db.name != database:
            continue
        if orgs is None:
            scripts += _shared_files(db, skip)
        for org in (orgs if orgs is not None else db.orgs):
            if org in db.orgs:
                scripts += [_org_file(db, org, False, skip), _org_file(db, org, True, skip)]
    return scripts


# --- text ---------------------------------------------------------------------------------------------------------

def _header(script: m.Script, model: m.Model, body: str) -> str:
    digest = hashlib.sha256(body.encode()).hexdigest()
    what = f"rollback of {script.phase}" if script.rollback else script.phase
    if script.org:
        what = f"{'rollback of ' if script.rollback else ''}org {script.org}"
    return (f"-- Generated by schemagen {__version__} from {model.file}. Do not edit: change the model and run "
            f"`schemagen render`.\n-- database: {script.database} | {what}\n-- sha256: {digest}\n")


def _body(script: m.Script) -> tuple[str, list[int]]:
    """The file body and, for each statement, the line within the body where it starts."""
    chunks = ["", "BEGIN;", ""]
    starts = []
    line = len(chunks)  # lines before the next chunk

    def add(*texts: str, statement: bool = False) -> None:
        nonlocal line
        if statement:
            starts.append(line + 1)
        for text in texts:
            chunks.append(text)
            line += text.count("\n") + 1

    note = _NOTHING_TO_UNDO.get(script.phase) if script.rollback else None
    if not script.statements:
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


def script_text(script: m.Script, model: m.Model) -> str:
    body, _ = _body(script)
    return _header(script, model, body) + body


def statement_lines(script: m.Script, model: m.Model) -> list[int]:
    """The line (1-based, in script_text) where each statement starts, in the order of script.statements
    (transactional ones first, as they run)."""
    body, starts = _body(script)
    offset = _header(script, model, body).count("\n")
    return [offset + n for n in starts]


# --- out/ ---------------------------------------------------------------------------------------------------------

def _is_ours(path: Path) -> bool:
    name = path.name
    return path.suffix == ".sql" and len(name) > 4 and name[:3].isdigit() and name[3] == "_"


def _expected(scripts: Sequence[m.Script], model: m.Model) -> dict[str, str]:
    return {s.relpath: script_text(s, model) for s in scripts}


def _extra(out_dir: Path, scripts: Sequence[m.Script], expected: dict[str, str]) -> list[str]:
    extra = []
    for database in sorted({s.database for s in scripts}):
        for folder in (out_dir / database, out_dir / database / "rollback"):
            if folder.is_dir():
                for f in sorted(folder.iterdir()):
                    rel = f.relative_to(out_dir).as_posix()
                    if f.is_file() and _is_ours(f) and rel not in expected:
                        extra.append(rel)
    return extra


def write_out(scripts: Sequence[m.Script], out_dir: Path, model: m.Model, complete: bool = True) -> list[Path]:
    """Write the scripts under out_dir (only files whose content changed); when complete, delete schemagen files
    the model no longer produces (an org removed, a phase emptied). Returns the files written."""
    out_dir = Path(out_dir)
    expected = _expected(scripts, model)
    written = []
    for rel, text in expected.items():
        path = out_dir / rel
        if path.is_file() and path.read_text("utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        written.append(path)
    if complete:
        for rel in _extra(out_dir, scripts, expected):
            (out_dir / rel).unlink()
    return written


def check_out(scripts: Sequence[m.Script], out_dir: Path, model: m.Model, complete: bool = True) -> None:
    """Raise Difference listing stale, missing and (when complete) extra files of out_dir."""
    out_dir = Path(out_dir)
    expected = _expected(scripts, model)
    problems = []
    for rel, text in expected.items():
        path = out_dir / rel
        if not path.is_file():
            problems.append(f"missing: {out_dir / rel}")
        elif path.read_text("utf-8") != text:
            problems.append(f"stale: {out_dir / rel}")
    if complete:
        problems += [f"extra: {out_dir / rel}" for rel in _extra(out_dir, scripts, expected)]
    if problems:
        raise Difference(f"{out_dir} is not what the model renders ({len(problems)} file(s)); run "
                         "`schemagen render` (or `make sql`) and commit:\n  " + "\n  ".join(problems))
