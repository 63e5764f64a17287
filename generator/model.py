"""The model: frozen dataclasses that every stage speaks.

`load` builds them from model.yaml (org templates already stamped out per org), `inspect` builds them from a
live database's catalogs, `render` turns them into SQL, `diff` compares two of them keyed by qualified name.

Conventions:
- Types are canonical (`sqltext.canonical_type`: what format_type() prints), intervals are `sqltext.Interval`
  (compared by length), names are the real names (unquoted; quoting happens only when rendering).
- Fields that carry no meaning for the database (source location, the template an org object came from, the
  user's original spelling) are `compare=False`, so `==` means "the same in the database".
- Tuples, never lists, so every object is hashable and immutable.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from schemagen.sqltext import Interval, qualified

_T = TypeVar("_T")
_FIELDS: dict[type, frozenset[str]] = {}


def replace(obj: _T, **changes) -> _T:
    """dataclasses.replace for these frozen dataclasses, about five times faster: the fields copied, then the
    changes, without running __init__ again (none of them has a __post_init__). The drift check of 1,000 orgs
    makes some 7,000 of them. Any other dataclass goes through dataclasses.replace."""
    cls = obj.__class__
    names = _FIELDS.get(cls)
    if names is None:
        plain = not hasattr(cls, "__post_init__") and hasattr(obj, "__dict__")
        names = _FIELDS[cls] = frozenset(f.name for f in dataclasses.fields(cls)) if plain else frozenset()
    if not names or not names.issuperset(changes):
        return dataclasses.replace(obj, **changes)  # its TypeError names a field that is not there
    new = object.__new__(cls)
    new.__dict__.update(obj.__dict__)
    new.__dict__.update(changes)
    return new

# Free-form SQL (defaults, CHECK expressions, view queries, function bodies, index expressions and predicates)
# is kept as text. The loader parses it (exactly one expression / statement of the right kind); the differ asks
# the server to normalise it before comparing, so it is never compared as raw text.
SqlText = str


@dataclass(frozen=True)
class Source:
    """Where an object was written: file, line, column and dotted path in the model. Never compared."""

    file: str = ""
    line: int = 0
    column: int = 0
    path: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.path}" if self.file else self.path


NOWHERE = Source()


def _src() -> Source:
    return field(default=NOWHERE, compare=False, repr=False)  # type: ignore[return-value]


# Grants: (role, privileges) per role the model names, in the model's order; privileges lower-case SQL words
# (`select`, `usage`, `all`, ...), sorted; "PUBLIC" is the pseudo-role. Compared by compare/security.py, not as a
# fact of the object (the catalogs' privileges are read apart): so compare=False wherever it is a field.
Grants = tuple[tuple[str, tuple[str, ...]], ...]


def _grants() -> Grants:
    return field(default=(), compare=False)  # type: ignore[return-value]


@dataclass(frozen=True)
class Extension:
    name: str
    schema: str | None = None
    version: str | None = None  # None: whatever the server installs by default (not compared then)
    source: Source = _src()


@dataclass(frozen=True)
class Schema:
    name: str
    comment: str | None = None
    source: Source = _src()
    grants: Grants = _grants()


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # canonical, e.g. "character varying(50)", "timestamp with time zone", "vector(1536)"
    not_null: bool = False
    default: SqlText | None = None  # None for serial columns: their nextval() default is implied
    identity: str | None = None  # "always" | "by default"
    serial: bool = False  # serial/bigserial/smallserial: an owned sequence and a nextval() default
    comment: str | None = None
    source: Source = _src()
    renamed_from: str | None = field(default=None, compare=False)  # a plan renames this column (plan/renames.py)


@dataclass(frozen=True)
class PrimaryKey:
    name: str
    columns: tuple[str, ...]
    source: Source = _src()


@dataclass(frozen=True)
class Unique:
    name: str
    columns: tuple[str, ...]
    nulls_not_distinct: bool = False
    source: Source = _src()


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_schema: str
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "no action"  # "no action" | "restrict" | "cascade" | "set null" | "set default"
    on_update: str = "no action"
    deferrable: bool = False
    initially_deferred: bool = False
    source: Source = _src()


@dataclass(frozen=True)
class Check:
    name: str
    expression: SqlText
    source: Source = _src()


@dataclass(frozen=True)
class IndexElement:
    """One key of an index: a column or an expression, with order, nulls placement and operator class."""

    column: str | None = None
    expression: SqlText | None = None
    descending: bool = False
    nulls_first: bool | None = None  # None: the default for the direction (last for ASC, first for DESC)
    opclass: str | None = None


@dataclass(frozen=True)
class Index:
    name: str
    elements: tuple[IndexElement, ...]
    method: str = "btree"  # btree | hash | gin | gist | spgist | brin | hnsw | ivfflat
    unique: bool = False
    nulls_not_distinct: bool = False
    include: tuple[str, ...] = ()
    where: SqlText | None = None
    with_: tuple[tuple[str, str], ...] = ()  # storage parameters, sorted by name, values as text
    comment: str | None = None
    source: Source = _src()
    renamed_from: str | None = field(default=None, compare=False)  # a plan renames this index


@dataclass(frozen=True)
class Dimension:
    """An extra hypertable dimension: hash-partitioned (partitions) or range (interval)."""

    column: str
    partitions: int | None = None
    interval: Interval | int | None = None


@dataclass(frozen=True)
class Hypertable:
    time_column: str
    chunk_interval: Interval | int | None = None  # int for integer time columns; None: TimescaleDB's default
    dimensions: tuple[Dimension, ...] = ()
    create_default_indexes: bool = field(default=True, compare=False)
    source: Source = _src()
    integer_now: str | None = None  # "schema.function" (set_integer_now_func): integer time columns only


@dataclass(frozen=True)
class OrderBy:
    column: str
    descending: bool = False
    nulls_first: bool | None = None


@dataclass(frozen=True)
class Compression:
    """Compression settings, and the compression policy when `after` is set."""

    segment_by: tuple[str, ...] = ()
    order_by: tuple[OrderBy, ...] = ()
    after: Interval | int | None = None  # compress chunks older than this (the policy)
    schedule_interval: Interval | None = None  # None: TimescaleDB's default (not compared then)
    source: Source = _src()
    chunk_time_interval: Interval | None = None  # compress_chunk_time_interval; None: not set (not compared then)
    initial_start: str | None = None  # of the policy's job (jobs.py); None: not compared
    scheduled: bool = True  # False: the policy's job is paused (alter_job(scheduled => false))


@dataclass(frozen=True)
class Retention:
    drop_after: Interval | int
    schedule_interval: Interval | None = None
    source: Source = _src()
    initial_start: str | None = None
    scheduled: bool = True


class _SeedDefault:
    """A seed row that does not name a column: the INSERT writes DEFAULT there."""

    def __repr__(self) -> str:
        return "DEFAULT"

    def __reduce__(self):
        return "SEED_DEFAULT"


SEED_DEFAULT = _SeedDefault()


@dataclass(frozen=True)
class SeedRows:
    """Rows inserted idempotently (ON CONFLICT (key) DO NOTHING) and removed by key on rollback."""

    key: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]  # YAML scalars (SEED_DEFAULT where a row omits a column), by `columns`
    source: Source = _src()
    row_sources: tuple[Source, ...] = field(default=(), compare=False, repr=False)  # where each row was written


@dataclass(frozen=True)
class Trigger:
    name: str
    function: str  # qualified function name, schema.name (no arguments: trigger functions take none)
    timing: str = "after"  # before | after | instead of
    events: tuple[str, ...] = ("insert",)  # insert | update | delete | truncate, sorted
    for_each: str = "row"  # row | statement
    when: SqlText | None = None
    update_of: tuple[str, ...] = ()
    source: Source = _src()
    enabled: str = "enabled"  # enabled | disabled | replica | always (pg_trigger.tgenabled O, D, R, A)


@dataclass(frozen=True)
class Policy:
    """A row-level security policy (CREATE POLICY)."""

    name: str
    command: str = "all"  # all | select | insert | update | delete
    roles: tuple[str, ...] = ("PUBLIC",)
    using: SqlText | None = None
    with_check: SqlText | None = None
    permissive: bool = True  # False: RESTRICTIVE
    source: Source = _src()


@dataclass(frozen=True)
class RowSecurity:
    """A table's row_level_security: ENABLE / FORCE ROW LEVEL SECURITY and its policies."""

    enabled: bool = True
    forced: bool = False
    policies: tuple[Policy, ...] = ()
    source: Source = _src()


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[Column, ...]
    primary_key: PrimaryKey | None = None
    uniques: tuple[Unique, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = ()
    indexes: tuple[Index, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    comment: str | None = None
    hypertable: Hypertable | None = None
    compression: Compression | None = None
    retention: Retention | None = None
    seed: SeedRows | None = None
    org: str | None = field(default=None, compare=False)  # the org this table was stamped out for
    template: str | None = field(default=None, compare=False)  # e.g. "values_{org}"
    source: Source = _src()
    grants: Grants = _grants()
    row_security: RowSecurity | None = field(default=None, compare=False)  # compared by compare/security.py
    renamed_from: str | None = field(default=None, compare=False)  # a plan renames this table (same schema)

    @property
    def qname(self) -> str:
        return qualified(self.schema, self.name)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class RefreshPolicy:
    start_offset: Interval | int | None  # None: refresh from the beginning of time
    end_offset: Interval | int | None  # None: up to now
    schedule_interval: Interval
    source: Source = _src()
    initial_start: str | None = None
    scheduled: bool = True


@dataclass(frozen=True)
class ContinuousAggregate:
    schema: str
    name: str
    query: SqlText  # the SELECT, built from source/bucket/group_by/aggregates when those were given
    materialized_only: bool = True
    refresh: RefreshPolicy | None = None
    indexes: tuple[Index, ...] = ()
    compression: Compression | None = None
    retention: Retention | None = None
    comment: str | None = None
    # What the query is built on and its bucket width: needed by validation (refresh window >= 2 buckets,
    # retention vs refresh window) and by render ordering (aggregates on aggregates). Not compared: the query is.
    source_relation: str | None = field(default=None, compare=False)  # qualified name of the source
    bucket_width: Interval | int | None = field(default=None, compare=False)
    bucket_column: str | None = field(default=None, compare=False)
    org: str | None = field(default=None, compare=False)
    template: str | None = field(default=None, compare=False)
    source: Source = _src()
    refresh_windows: tuple[RefreshPolicy, ...] = ()  # the refresh policies after the first (TimescaleDB 2.21+)
    grants: Grants = _grants()  # on the aggregate's view, as a view's

    @property
    def qname(self) -> str:
        return qualified(self.schema, self.name)

    @property
    def refreshes(self) -> tuple[RefreshPolicy, ...]:
        """Every refresh policy: `refresh` first, then the other windows."""
        return ((self.refresh,) if self.refresh else ()) + self.refresh_windows


@dataclass(frozen=True)
class View:
    schema: str
    name: str
    query: SqlText
    materialized: bool = False
    with_data: bool = field(default=True, compare=False)  # materialized views only
    indexes: tuple[Index, ...] = ()  # materialized views only
    comment: str | None = None
    org: str | None = field(default=None, compare=False)
    template: str | None = field(default=None, compare=False)
    source: Source = _src()
    grants: Grants = _grants()

    @property
    def qname(self) -> str:
        return qualified(self.schema, self.name)


@dataclass(frozen=True)
class Argument:
    name: str | None
    type: str  # canonical
    mode: str = "in"  # in | out | inout | variadic
    default: SqlText | None = None


@dataclass(frozen=True)
class Function:
    schema: str
    name: str
    arguments: tuple[Argument, ...]
    returns: str  # canonical type, "trigger", "void", "setof <type>" or "table(<col> <type>, ...)"
    language: str
    body: str
    volatility: str = "volatile"  # immutable | stable | volatile
    strict: bool = False
    security_definer: bool = False
    comment: str | None = None
    source: Source = _src()
    grants: Grants = _grants()

    @property
    def qname(self) -> str:
        return qualified(self.schema, self.name)

    @property
    def signature(self) -> str:
        """"(integer, text)": the input argument types, the way DROP FUNCTION names the function (OUT arguments
        are not part of it); the signature of its ObjectKey, for ownership and the drift check alike."""
        return "(" + ", ".join(a.type for a in self.arguments if a.mode != "out") + ")"


SEQUENCE_TYPES = {"smallint": (-2 ** 15, 2 ** 15 - 1), "integer": (-2 ** 31, 2 ** 31 - 1),
                  "bigint": (-2 ** 63, 2 ** 63 - 1)}  # a sequence's `as` type -> its range


@dataclass(frozen=True)
class Sequence:
    """A sequence of its own (`sequences:`), with every setting resolved to PostgreSQL's value: the builder fills
    in the defaults CREATE SEQUENCE would pick, so the model and the catalog compare field by field."""

    schema: str
    name: str
    as_type: str = "bigint"  # smallint | integer | bigint
    start: int = 1
    increment: int = 1
    min: int = 1
    max: int = 2 ** 63 - 1
    cache: int = 1
    cycle: bool = False
    owned_by: tuple[str, str] | None = None  # (table, column) of the same schema: ALTER SEQUENCE ... OWNED BY
    comment: str | None = None
    source: Source = _src()
    grants: Grants = _grants()

    org = None  # sequences are shared objects (`{org}` is refused in their names)

    @property
    def qname(self) -> str:
        return qualified(self.schema, self.name)


@dataclass(frozen=True)
class Type:
    """A type of the model's own (`types:` of a schema): an enum (values in order), a composite (attributes in
    order) or a domain (base type, NOT NULL, default, CHECKs). Column, argument and attribute types that name it
    are canonical as `schema.name` (quoted where needed), the way format_type prints it off the search_path."""

    schema: str
    name: str
    kind: str  # "enum" | "composite" | "domain"
    values: tuple[str, ...] = ()  # enum
    attributes: tuple[tuple[str, str], ...] = ()  # composite: (name, canonical type)
    base: str | None = None  # domain: canonical base type
    not_null: bool = False  # domain
    default: SqlText | None = None  # domain
    checks: tuple[Check, ...] = ()  # domain
    comment: str | None = None
    source: Source = _src()

    @property
    def qname(self) -> str:
        return qualified(self.schema, self.name)

    @property
    def depends_on(self) -> tuple[str, ...]:
        """The canonical types it is built on (a composite's attributes, a domain's base)."""
        return tuple(t for _, t in self.attributes) + ((self.base,) if self.base else ())


@dataclass(frozen=True)
class Org:
    key: str  # a safe lower-case identifier: [a-z][a-z0-9_]*
    name: str
    overrides: tuple[tuple[str, object], ...] = ()  # chunk_interval, compress_after, drop_after
    source: Source = _src()


@dataclass(frozen=True)
class OrgRegistry:
    """The table that holds one row per org (the Haystack system's core.org), and what goes in each column.
    Values are templates: `{org}` is the org key, `{org_name}` its name."""

    schema: str
    table: str
    key_column: str
    values: tuple[tuple[str, str], ...]  # (column, template), key column first
    source: Source = _src()


@dataclass(frozen=True)
class OrgRow:
    """One org's row in the registry table, as rendered (templates filled in)."""

    org: str
    values: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Database:
    name: str
    extensions: tuple[Extension, ...] = ()
    schemas: tuple[Schema, ...] = ()
    tables: tuple[Table, ...] = ()  # shared tables first, then org tables; FK targets before referrers
    views: tuple[View, ...] = ()  # plain and materialized
    continuous_aggregates: tuple[ContinuousAggregate, ...] = ()  # sources before aggregates built on them
    functions: tuple[Function, ...] = ()
    org_registry: OrgRegistry | None = None
    sequences: tuple[Sequence, ...] = ()  # shared only
    org_rows: tuple[OrgRow, ...] = ()
    orgs: tuple[str, ...] = field(default=(), compare=False)  # keys of the orgs stamped into this database
    source: Source = _src()
    types: tuple[Type, ...] = ()  # enums, composites, domains: what they are built on first

    @property
    def uses_timescaledb(self) -> bool:
        return any(e.name == "timescaledb" for e in self.extensions)

    def objects(self) -> Iterator[tuple[str, str, object]]:
        """Every named object as (kind, qualified name, object): the keys the differ compares on."""
        for e in self.extensions:
            yield "extension", e.name, e
        for s in self.schemas:
            yield "schema", qualified(None, s.name), s
        for ty in self.types:
            yield "type", ty.qname, ty
        for t in self.tables:
            yield "table", t.qname, t
        for v in self.views:
            yield ("materialized view" if v.materialized else "view"), v.qname, v
        for c in self.continuous_aggregates:
            yield "continuous aggregate", c.qname, c
        for f in self.functions:
            yield "function", f.qname, f
        for q in self.sequences:
            yield "sequence", q.qname, q

    def for_org(self, org: str | None) -> Database:
        """The objects of one org only (org=None: the shared objects only)."""
        def keep(o) -> bool:
            return o.org == org

        return Database(
            name=self.name,
            extensions=self.extensions if org is None else (),
            schemas=self.schemas if org is None else (),
            tables=tuple(filter(keep, self.tables)),
            views=tuple(filter(keep, self.views)),
            continuous_aggregates=tuple(filter(keep, self.continuous_aggregates)),
            functions=self.functions if org is None else (),
            org_registry=self.org_registry,
            org_rows=tuple(r for r in self.org_rows if r.org == org),
            orgs=self.orgs if org is None else (org,),
            source=self.source,
            types=self.types if org is None else (),
            sequences=self.sequences if org is None else (),
        )


@dataclass(frozen=True)
class Model:
    databases: tuple[Database, ...]
    orgs: tuple[Org, ...] = ()
    file: str = field(default="model.yaml", compare=False)  # the model file's name, for headers and errors
    # `lint: {ignore: [...]}` of the model and of its objects: (dotted path of the object, "" for the whole model;
    # the codes or prefixes written; line and column of the `ignore:`), in the order written. Only lint reads them.
    lint_ignores: tuple[tuple[str, tuple[str, ...], int, int], ...] = field(default=(), compare=False)

    def database(self, name: str) -> Database:
        for d in self.databases:
            if d.name == name:
                return d
        raise KeyError(name)


# --- Rendered scripts ----------------------------------------------------------------------------------------
# What `render` produces and `apply` runs. The text written to out/ is `Script.text`; apply runs the same
# statements from memory, so what is applied is byte for byte what a reviewer read in out/.

# Features a statement needs from the server, checked before apply (see apply's pre-flight):
FEATURE_TIMESCALEDB = "timescaledb"  # hypertables, time_bucket: any TimescaleDB edition
FEATURE_COMPRESSION = "compression"  # ALTER TABLE ... SET (timescaledb.compress): community license
FEATURE_POLICY = "policy"  # add_*_policy, jobs: community license
FEATURE_CAGG = "continuous aggregate"  # CREATE MATERIALIZED VIEW ... WITH (timescaledb.continuous): community
# a continuous aggregate's refresh policies after its first: community license, and TimescaleDB 2.21+
FEATURE_REFRESH_WINDOWS = "several refresh policies"
COMMUNITY_FEATURES = frozenset({FEATURE_COMPRESSION, FEATURE_POLICY, FEATURE_CAGG, FEATURE_REFRESH_WINDOWS})


# Plan steps (plan/, by their `op`) that create, or drop, the object of their own key: a plan run records the one
# as schemagen's and the other no longer (live/planrun.py); a live plan may create them without owning anything.
PLAN_CREATES_OBJECT = ("create_table", "create_function", "create_view", "create_aggregate", "create_schema",
                       "create_type", "create_sequence", "create_extension", "create_materialized_view")
PLAN_DROPS_OBJECT = ("drop_table", "drop_function", "drop_view", "drop_aggregate", "drop_schema", "drop_type",
                     "drop_sequence", "drop_extension", "drop_materialized_view")


@dataclass(frozen=True, order=True)
class ObjectKey:
    """An object schemagen may create: kind ("schema", "extension", "type", "table", "view", "materialized view",
    "continuous aggregate", "index", "function", "trigger", "sequence"), schema ("" for schemas and extensions),
    name, and signature: a function's argument types "(integer, text)", a trigger's table name; "" otherwise."""

    kind: str
    schema: str
    name: str
    signature: str = ""


