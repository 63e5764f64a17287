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

from collections.abc import Iterator
from dataclasses import dataclass, field

from schemagen.sqltext import Interval, qualified

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


@dataclass(frozen=True)
class Retention:
    drop_after: Interval | int
    schedule_interval: Interval | None = None
    source: Source = _src()


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

    @property
    def qname(self) -> str:
        return qualified(self.schema, self.name)


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

    @property
    def qname(self) -> str:
        return qualified(self.schema, self.name)

    @property
    def signature(self) -> str:
        """"(integer, text)": the input argument types, the way DROP FUNCTION names the function (OUT arguments
        are not part of it); the signature of its ObjectKey, for ownership and the drift check alike."""
        return "(" + ", ".join(a.type for a in self.arguments if a.mode != "out") + ")"


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
    org_rows: tuple[OrgRow, ...] = ()
    orgs: tuple[str, ...] = field(default=(), compare=False)  # keys of the orgs stamped into this database
    source: Source = _src()

    @property
    def uses_timescaledb(self) -> bool:
        return any(e.name == "timescaledb" for e in self.extensions)

    def objects(self) -> Iterator[tuple[str, str, object]]:
        """Every named object as (kind, qualified name, object): the keys the differ compares on."""
        for e in self.extensions:
            yield "extension", e.name, e
        for s in self.schemas:
            yield "schema", qualified(None, s.name), s
        for t in self.tables:
            yield "table", t.qname, t
        for v in self.views:
            yield ("materialized view" if v.materialized else "view"), v.qname, v
        for c in self.continuous_aggregates:
            yield "continuous aggregate", c.qname, c
        for f in self.functions:
            yield "function", f.qname, f

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
        )


@dataclass(frozen=True)
class Model:
    databases: tuple[Database, ...]
    orgs: tuple[Org, ...] = ()
    file: str = field(default="model.yaml", compare=False)  # the model file's name, for headers and errors

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
COMMUNITY_FEATURES = frozenset({FEATURE_COMPRESSION, FEATURE_POLICY, FEATURE_CAGG})


@dataclass(frozen=True, order=True)
class ObjectKey:
    """An object schemagen may create: kind ("schema", "extension", "table", "view", "materialized view",
    "continuous aggregate", "index", "function", "trigger"), schema ("" for schemas and extensions), name, and
    signature: a function's argument types "(integer, text)", a trigger's table name; "" otherwise."""

    kind: str
    schema: str
    name: str
    signature: str = ""


