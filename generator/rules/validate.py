"""Semantic rules: what the server would reject late, or worse accept and get silently wrong.

Runs on the built model (org templates already stamped out), so it sees the names PostgreSQL will see. Each rule
adds a Problem at the object's source line; nothing stops at the first one. A problem of an org template repeats
for every org: it is reported once, naming the first org and how many others it hits. Free-form SQL is checked
with PostgreSQL's own parser (sqlcheck); TimescaleDB's rules are in validate_ts.py.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from functools import lru_cache

from schemagen import model as m
from schemagen.document import Document, clip
from schemagen.errors import Problem, did_you_mean
from schemagen.naming import default_name
from schemagen.rules.validate_index import index_rules
from schemagen.rules.validate_names import database_names, names
from schemagen.rules.validate_rows import registry, seed, unique_keys, value_error
from schemagen.rules.validate_sql import (
    default_constant_error,
    expression_kind_error,
    foreign_key_orgs,
    function,
    reads,
    trigger,
    unknown_sequences,
)
from schemagen.sqlparse import (
    Parsed,
    TooMuchSql,
    calls,
    column_refs,
    has_subquery,
    parse_expression,
    parse_select,
    reset_budget,
    row_refs,
    type_error,
)
from schemagen.sqltext import _NEEDS_QUOTES, INTEGER_TYPES, MAX_IDENTIFIER_BYTES, TYPE_ALIASES, base_type

BUILTIN_TYPES = frozenset({
    "smallint", "integer", "bigint", "numeric", "real", "double precision", "money", "text", "character varying",
    "character", "bytea", "boolean", "date", "interval", "uuid", "json", "jsonb", "xml", "inet", "cidr", "macaddr",
    "macaddr8", "point", "line", "lseg", "box", "path", "polygon", "circle", "tsvector", "tsquery", "bit",
    "bit varying", "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange", "int4multirange",
    "int8multirange", "nummultirange", "tsmultirange", "tstzmultirange", "datemultirange", "oid", "regclass",
    "regtype", "regproc", "regprocedure", "name", "pg_lsn", "pg_snapshot", "jsonpath", "record", "void", "trigger",
    "anyelement", "anyarray", "timestamp with time zone", "timestamp without time zone", "time with time zone",
    "time without time zone", '"char"',
})
EXTENSION_TYPES = {"vector": "vector", "halfvec": "vector", "sparsevec": "vector", "citext": "citext",
                   "hstore": "hstore", "ltree": "ltree", "lquery": "ltree", "ltxtquery": "ltree",
                   "geometry": "postgis", "geography": "postgis"}
EXTENSION_FUNCTIONS = {"uuid_generate_v1": "uuid-ossp", "uuid_generate_v1mc": "uuid-ossp",
                       "uuid_generate_v3": "uuid-ossp", "uuid_generate_v4": "uuid-ossp",
                       "uuid_generate_v5": "uuid-ossp", "gen_random_bytes": "pgcrypto", "crypt": "pgcrypto",
                       "gen_salt": "pgcrypto", "digest": "pgcrypto", "hmac": "pgcrypto",
                       "time_bucket": "timescaledb"}
# Types whose modifier PostgreSQL accepts, and the range it accepts (outside it: an error, or for time
# precisions a warning and a silently different type).
TYPMODS = {"character varying": (1, 10_485_760), "character": (1, 10_485_760), "numeric": (1, 1000),
           "bit": (1, 83_886_080), "bit varying": (1, 83_886_080), "timestamp with time zone": (0, 6),
           "timestamp without time zone": (0, 6), "time with time zone": (0, 6), "time without time zone": (0, 6),
           "interval": (0, 6), "vector": (1, 16_000), "halfvec": (1, 16_000), "sparsevec": (1, 1_000_000_000)}
GIN_TYPES = ("jsonb", "tsvector", "hstore")
MAX_COLUMNS = 1600  # columns of a table
MAX_INDEX_KEYS = 32  # columns of an index, a key or a foreign key (INDEX_MAX_KEYS)
# Types a function may take or return but no column may have ("column x has pseudo-type record").
PSEUDO_TYPES = frozenset({"record", "void", "trigger", "anyelement", "anyarray"})
_MODS = re.compile(r"\(([^)]*)\)")
_INTERVAL_FIELDS = re.compile(r"interval (?:year|month|day|hour|minute|second)"
                              r"(?: to (?:month|hour|minute|second))?")


def comparable_type(canonical: str) -> str:
    """A type without length or precision, keeping array brackets: what a foreign key's types must share."""
    return _MODS.sub("", canonical).strip()


class Checker:
    """Collects problems; one per template problem however many orgs repeat it."""

    def __init__(self, model: m.Model, doc: Document | None):
        self.model = model
        self.problems: list[Problem] = []
        self.per_org: dict[tuple, list] = {}
        self.file = doc.file if doc else model.file
        self.doc = doc  # validate_names walks it for control characters in names
        self.weight = 1  # how many orgs the object being checked stands for
        self.templates: dict[tuple, int] = {}  # (kind, schema, template) -> number of stamped copies
        self.checked: set[tuple] = set()
        self.flagged: set[tuple] = set()  # positions of org templates where the first org had a problem
        self.light = False  # checking a later org of a template: only what may differ per org
        self.overridden = {o.key for o in model.orgs if o.overrides}
        self.sql_exhausted = False
        self._relations: dict[str, str] | None = None
        reset_budget()

    def sql(self, check, text: str, source: m.Source):
        """check(text), or None once the model's SQL has used up the parse budget (reported once)."""
        if self.sql_exhausted:
            return None
        try:
            return check(text)
        except TooMuchSql as e:
            self.sql_exhausted = True
            self.add(source, str(e))
            return None

    @contextmanager
    def once(self, obj, phase: str = ""):
        """Full rules for shared objects and for the first org of each template; a template's later orgs differ
        only in names (checked for each of them) and in SQL text (parsed for each), except that an org with
        overrides gets TimescaleDB's rules again (phase "timescaledb"). Keeps 5,000 orgs fast."""
        if obj.org is None:
            yield True
            return
        key = (type(obj).__name__, obj.schema, obj.template)
        first = (phase, key) not in self.checked
        self.checked.add((phase, key))
        again = not first and phase == "timescaledb" and obj.org in self.overridden
        # The first org's problems stand for every org of the template; a later org's repeat of one is not
        # counted again (weight 0), a problem only it has counts once.
        self.weight = self.templates.get(key, 1) if first else 0
        self.light = not (first or again)
        try:
            yield first or again
        finally:
            self.weight, self.light = 1, False

    def add(self, source: m.Source, message: str, org: str | None = None, rule: str | None = None) -> None:
        """A problem. For an org object, `rule` (or the message with the org key taken out) identifies it across
        orgs, so that it is reported once with the number of orgs it hits."""
        if org:
            where = (source.line, source.column, source.path)
            if self.light and where in self.flagged:
                return  # a later org repeating what its template's first org already showed here
            if self.weight:
                self.flagged.add(where)
            key = (*where, rule or _placeholder(org).sub("{org}", message))
            if key in self.per_org:
                self.per_org[key][1] += self.weight
                return
            self.per_org[key] = [len(self.problems), max(self.weight, 1), org]
        self.problems.append(Problem(source.file or self.file, source.line or 1, source.column or 1,
                                     clip(source.path), clip(message)))

    def finish(self) -> list[Problem]:
        out = list(self.problems)
        for index, count, org in self.per_org.values():
            p = out[index]
            more = f"; and {count - 1} other org(s)" if count > 1 else ""
            out[index] = Problem(p.file, p.line, p.column, p.path, clip(f"{p.message} (org {org}{more})"))
        return out

    # -- building blocks --

    def name(self, source: m.Source, what: str, name: str, org: str | None = None) -> None:
        size = len(name.encode())
        if size > MAX_IDENTIFIER_BYTES:
            self.add(source, f"{what} name {_short(name)} is {size:,} bytes; PostgreSQL cuts names to "
                             f"{MAX_IDENTIFIER_BYTES} bytes silently (to {_cut(name)!r})", org, f"long {what}")

    def type_(self, source: m.Source, type_: str, exts: set[str], org: str | None = None) -> None:
        error = self.sql(type_error, type_, source)
        if error:
            self.add(source, error, org)
            return
        base = base_type(type_)
        bare = base.rpartition(".")[2] if '"' not in base else base
        if base in BUILTIN_TYPES or bare in BUILTIN_TYPES or _INTERVAL_FIELDS.fullmatch(base):
            pass
        elif bare in EXTENSION_TYPES:
            if EXTENSION_TYPES[bare] not in exts:
                self.add(source, f"type {type_} needs the extension `{EXTENSION_TYPES[bare]}` under "
                                 "`extensions:`", org)
        else:
            relation = self.relation_named(base)
            if relation:
                self.add(source, f"unknown type {type_!r}: the model creates no types, and schemagen does not use "
                                 f"the row type of {relation} as a column type (use jsonb, or a foreign key to "
                                 f"{relation})", org)
                return
            hint = _type_hint(base)
            self.add(source, f"unknown type {type_!r}" + (f"; did you mean {hint!r}?" if hint else
                                                           " (a column takes a built-in type or one of a declared "
                                                           "extension; the model creates no composite, enum or "
                                                           "domain types)"), org)
            return
        mods = _MODS.search(type_)
        if mods:
            self.typmods(source, type_, bare, mods.group(1), org)

    def relation_named(self, name: str) -> str | None:
        """The table or view of the model that `name` (schema.name, or a name in public) names, if any."""
        if self._relations is None:
            self._relations = {}
            for db in self.model.databases:
                for r in (*db.tables, *db.views, *db.continuous_aggregates):
                    self._relations.setdefault(f"{r.schema}.{r.name}", r.qname)
                    if r.schema == "public":
                        self._relations.setdefault(r.name, r.qname)
        return self._relations.get(name)

    def typmods(self, source: m.Source, type_: str, base: str, mods: str, org: str | None) -> None:
        if base not in TYPMODS:
            self.add(source, f"type {base} takes no length or precision ({type_})", org)
            return
        low, high = TYPMODS[base]
        numbers = [int(x) for x in mods.split(",") if x.strip().isdigit()]
        if base == "numeric" and len(numbers) == 2 and numbers[1] > 1000:
            self.add(source, f"{type_}: the scale of numeric must be at most 1000", org)
        elif len(numbers) != (len(mods.split(",")) if base == "numeric" else 1) or len(numbers) > 2:
            self.add(source, f"{type_}: {base} takes {'a precision and a scale' if base == 'numeric' else 'one'} "
                             "modifier", org)
        elif not low <= numbers[0] <= high:
            self.add(source, f"{type_}: the {'precision' if high <= 1000 else 'length'} of {base} must be "
                             f"between {low} and {high:,}", org)

    def expression(self, source: m.Source, what: str, text: str | None, org: str | None = None,
                   columns: set[str] | None = None, allow_columns: bool = True, exts: set[str] | None = None,
                   where: str | None = None, table: m.Table | None = None):
        """One SQL expression: it parses alone, reads only columns of its table (when given), has no subquery,
        and nothing its place refuses (`where`: default, check, index, when; see validate_sql)."""
        if text is None:
            return None
        tree = self.sql(parse_expression, text, source)
        if tree is None:
            return None
        if isinstance(tree, str):
            self.add(source, f"{what} {tree}: {_short(text)}", org)
            return None
        if has_subquery(tree):
            self.add(source, f"{what} cannot use a subquery (PostgreSQL refuses it): {_short(text)}", org)
            return tree
        kind = expression_kind_error(tree, where) if where else None
        if kind:
            self.add(source, f"{what} {kind}: {_short(text)}", org)
        refs = column_refs(tree)
        if refs and not allow_columns:
            ref = sorted(refs)[0]
            self.add(source, f"{what} cannot read columns, but {_short(text)} reads column {ref!r}; for a string write "
                             f"it quoted in SQL: \"'{ref}'\"", org)
        elif columns is not None:
            for ref in sorted(refs - columns):
                self.add(source, f"{what} reads unknown column {ref!r}: {_short(text)}", org)
            for name in sorted(row_refs(tree) - ({table.name, table.schema} if table else set())):
                self.add(source, f"{what} names {name!r} in {name}.<column>: it can read only columns of its "
                                 f"own table (write them without a table name): {_short(text)}", org)
        if exts is not None:
            for fn in sorted(calls(tree)):
                ext = EXTENSION_FUNCTIONS.get(fn)
                if ext == "uuid-ossp" and ext not in exts:
                    self.add(source, "uuid_generate_v*() needs the extension `uuid-ossp` (or use gen_random_uuid(), "
                                     "built into PostgreSQL 13+)", org)
                elif ext and ext not in exts:
                    self.add(source, f"{fn}() needs the extension `{ext}` under `extensions:`", org)
        return tree

    # -- the rules --

    def run(self) -> list[Problem]:
        keys: dict[str, m.Org] = {}
        for org in self.model.orgs:
            if org.key in keys:
                self.add(org.source, f"org key {org.key!r} is given twice (first on line {keys[org.key].source.line})")
            keys.setdefault(org.key, org)
            if org.key in _NEEDS_QUOTES:
                self.add(org.source, f"org key {org.key!r} is an SQL keyword; pick another (it becomes part of "
                                     "names and queries)")
        database_names(self, self.model)
        for db in self.model.databases:
            self.database(db)
        return self.finish()

    def database(self, db: m.Database) -> None:
        from schemagen.rules.validate_ts import timescale_rules

        self.name(db.source, "database", db.name)
        self.checked.clear()
        self.templates = {}
        for obj in db.tables + db.views + db.continuous_aggregates:
            if obj.org is not None:
                key = (type(obj).__name__, obj.schema, obj.template)
                self.templates[key] = self.templates.get(key, 0) + 1
        exts = {e.name for e in db.extensions}
        tables = {(t.schema, t.name): t for t in db.tables}
        funcs = {(f.schema, f.name): f for f in db.functions}
        relations: dict[tuple[str, str], str] = {}  # (schema, name) -> what: one namespace per schema

        def claim(schema: str, name: str, what: str, source: m.Source, org: str | None) -> None:
            self.name(source, what, name, org)
            key = (schema, _cut(name))
            if key in relations:
                hint = "; give one of them an explicit `name:`" if what in ("primary key", "unique constraint") \
                    else ""
                self.add(source, f"{what} {schema}.{name} collides with {relations[key]}: tables, views, "
                                 f"indexes, sequences and aggregates share one namespace per schema{hint}", org,
                         f"collides {what}")
            else:
                relations[key] = f"{what} {schema}.{name}"

        names(self, db)
        for e in db.extensions:
            self.name(e.source, "extension", e.name)
        for s in db.schemas:
            self.name(s.source, "schema", s.name)
            if s.name.startswith("pg_"):
                self.add(s.source, f"schema name {s.name!r}: the prefix pg_ is reserved for system schemas")
        for t in db.tables:
            claim(t.schema, t.name, "table", t.source, t.org)
        for v in db.views:
            claim(v.schema, v.name, "materialized view" if v.materialized else "view", v.source, v.org)
        for c in db.continuous_aggregates:
            claim(c.schema, c.name, "continuous aggregate", c.source, c.org)
        known = _relations(db)
        unknown_sequences(self, db, known)
        for t in db.tables:
            self.table_names(t, claim)
            foreign_key_orgs(self, t, tables)
            with self.once(t) as first:
                if first:
                    self.table(t, tables, funcs, exts)
                else:
                    self.table_sql(t)
                    if t.seed:  # seed values may hold {org}: their lengths differ per org
                        seed(self, t, {c.name: c for c in t.columns})
        for v in db.views:
            reads(self, db, v, self.query(v.source, v.query, v.org), known)
            for ix in v.indexes:
                claim(v.schema, ix.name, "index", ix.source, v.org)
                self.index(ix, None, exts, v.org)
        for f in db.functions:
            function(self, f, exts)
        outputs = timescale_rules(self, db, tables, exts, claim)
        for c in db.continuous_aggregates:
            reads(self, db, c, outputs.get(c.qname), known)
        if db.org_registry:
            registry(self, db, tables)

    def query(self, source: m.Source, text: str, org: str | None) -> Parsed | None:
        parsed = self.sql(parse_select, text, source)
        if isinstance(parsed, str):
            self.add(source, f"the query {parsed}", org)
            return None
        return parsed

    def table_names(self, t: m.Table, claim) -> None:
        """The names a table brings: columns, constraints (one namespace per table; primary keys and unique
        constraints are indexes too), indexes, serial sequences, triggers. Checked for every org."""
        org = t.org
        for c in t.columns:
            self.name(c.source, "column", c.name, org)
            if c.serial:
                claim(t.schema, default_name(t.name, c.name, "seq"), "sequence", c.source, org)
        constraint_names: dict[str, str] = {}
        constraints = ([(t.primary_key, "primary key", True)] if t.primary_key else []) + \
            [(u, "unique constraint", True) for u in t.uniques] + [(k, "check constraint", False) for k in t.checks] \
            + [(f, "foreign key", False) for f in t.foreign_keys]
        for obj, what, backed_by_index in constraints:
            cut = _cut(obj.name)
            if cut in constraint_names:
                self.add(obj.source, f"{what} {obj.name!r} has the same name as {constraint_names[cut]} on "
                                     f"{t.qname}", org, "constraint name")
            constraint_names[cut] = f"{what} {obj.name!r}"
            if backed_by_index:
                claim(t.schema, obj.name, what, obj.source, org)
            else:
                self.name(obj.source, what, obj.name, org)
        for ix in t.indexes:
            claim(t.schema, ix.name, "index", ix.source, org)
        for tr in t.triggers:
            self.name(tr.source, "trigger", tr.name, org)

    def table_sql(self, t: m.Table) -> None:
        """Only that each piece of SQL parses: for the orgs after the first of a template (cached by text)."""
        texts = [(c.source, f"the default of {t.name}.{c.name}", c.default) for c in t.columns]
        texts += [(k.source, f"the check {k.name}", k.expression) for k in t.checks]
        texts += [(i.source, f"the WHERE of index {i.name}", i.where) for i in t.indexes]
        texts += [(i.source, f"an expression of index {i.name}", e.expression) for i in t.indexes for e in i.elements]
        texts += [(tr.source, f"the WHEN of trigger {tr.name}", tr.when) for tr in t.triggers]
        for source, what, text in texts:
            error = None if text is None else self.sql(parse_expression, text, source)
            if isinstance(error, str):
                self.add(source, f"{what} {error}: {_short(text)}", t.org)

    def table(self, t: m.Table, tables, funcs, exts) -> None:
        """Every rule of a table except its names (table_names)."""
        org = t.org
        cols = {c.name: c for c in t.columns}
        names = set(cols)
        if not t.columns:
            self.add(t.source, f"table {t.qname} has no columns", org)
        elif len(t.columns) > MAX_COLUMNS:
            self.add(t.source, f"table {t.qname} has {len(t.columns):,} columns; PostgreSQL allows at most "
                               f"{MAX_COLUMNS:,}", org)
        keyed = [(t.primary_key.source, "the primary key", len(t.primary_key.columns))] if t.primary_key else []
        keyed += [(u.source, f"unique constraint {u.name}", len(u.columns)) for u in t.uniques]
        keyed += [(fk.source, f"foreign key {fk.name}", len(fk.columns)) for fk in t.foreign_keys]
        keyed += [(i.source, f"index {i.name}", len(i.elements) + len(i.include)) for i in t.indexes]
        for source, what, count in keyed:
            if count > MAX_INDEX_KEYS:
                self.add(source, f"{what} has {count} columns; PostgreSQL allows at most {MAX_INDEX_KEYS} in a key "
                                 "or an index (INCLUDE counted)", org)
        for c in t.columns:
            self.column(t, c, exts)

        def need_columns(listed, what: str, source: m.Source) -> None:
            for n in listed:
                if n not in cols:
                    hint = did_you_mean(n, list(cols))
                    self.add(source, f"{what} names unknown column {n!r} of {t.qname}"
                             + (f"; did you mean {hint!r}?" if hint else ""), org)
            twice = sorted({n for n in listed if list(listed).count(n) > 1})
            if twice:
                self.add(source, f"{what} lists column {twice[0]!r} twice", org)

        if t.primary_key:
            need_columns(t.primary_key.columns, "the primary key", t.primary_key.source)
        for u in t.uniques:
            need_columns(u.columns, "a unique constraint", u.source)
        # CREATE TABLE keeps one of two identical key constraints (the primary key, else the first) and drops the
        # other without a word: the model would expect a constraint the database never has.
        keys = [(t.primary_key.columns, False, "the primary key")] if t.primary_key else []
        for u in t.uniques:
            same = next((what for cols, nnd, what in keys if cols == u.columns and nnd == u.nulls_not_distinct), None)
            if same:
                self.add(u.source, f"unique constraint {u.name} on ({', '.join(u.columns)}) repeats {same}: "
                                   "PostgreSQL keeps only one of them; drop it", org)
            keys.append((u.columns, u.nulls_not_distinct, f"unique constraint {u.name}"))
        for ck in t.checks:
            self.expression(ck.source, f"the check {ck.name}", ck.expression, org, names, exts=exts, where="check",
                            table=t)
        for fk in t.foreign_keys:
            need_columns(fk.columns, f"foreign key {fk.name}", fk.source)
            self.foreign_key(t, fk, cols, tables)
        for ix in t.indexes:
            need_columns([e.column for e in ix.elements if e.column], f"index {ix.name}", ix.source)
            need_columns(ix.include, f"index {ix.name} (include)", ix.source)
            self.index(ix, cols, exts, org, t)
        for tr in t.triggers:
            trigger(self, t, tr, funcs, need_columns)
        if t.seed:
            seed(self, t, cols)

    def column(self, t: m.Table, c: m.Column, exts: set[str]) -> None:
        org = t.org
        self.type_(c.source, c.type, exts, org)
        if base_type(c.type) in PSEUDO_TYPES:
            self.add(c.source, f"column {c.name} cannot be of type {c.type}: it is a pseudo-type, which only "
                               "functions take or return (PostgreSQL refuses it in a table)", org)
        what = f"the default of {t.name}.{c.name}"
        tree = self.expression(c.source, what, c.default, org, allow_columns=False, exts=exts, where="default")
        error = default_constant_error(tree, c.type) if tree is not None else None
        if error:
            self.add(c.source, f"{what}: {error}", org)
        if c.serial and c.default is not None:
            self.add(c.source, f"column {c.name} is serial: it has its own default (nextval); drop `default`", org)
        if c.identity:
            if c.serial or c.default is not None:
                self.add(c.source, f"column {c.name}: an identity column has no serial type and no default", org)
            if base_type(c.type) not in INTEGER_TYPES or c.type.endswith("]"):
                self.add(c.source, f"column {c.name}: an identity column must be smallint, integer or bigint, "
                                   f"not {c.type}", org)

    def foreign_key(self, t: m.Table, fk: m.ForeignKey, cols: dict, tables: dict) -> None:
        org = t.org
        target = tables.get((fk.ref_schema, fk.ref_table))
        if target is None:
            hint = ""
            if "{org}" in fk.ref_table:
                hint = " (a shared table cannot reference an org table)"
            else:
                close = did_you_mean(fk.ref_table, [n for s, n in tables if s == fk.ref_schema])
                hint = f"; did you mean {fk.ref_schema}.{close}?" if close else ""
            self.add(fk.source, f"foreign key {fk.name}: unknown table {fk.ref_schema}.{fk.ref_table}{hint}", org)
            return
        if not fk.ref_columns and not target.primary_key:
            self.add(fk.source, f"foreign key {fk.name}: {target.qname} has no primary key; name the "
                                "referenced column(s)", org)
            return
        ref_cols = fk.ref_columns or target.primary_key.columns
        if len(ref_cols) != len(fk.columns):
            self.add(fk.source, f"foreign key {fk.name}: {len(fk.columns)} column(s) reference {len(ref_cols)} "
                                f"column(s) of {target.qname}; a reference to a composite key needs every key "
                                "column", org)
            return
        tcols = {c.name: c for c in target.columns}
        for mine, theirs in zip(fk.columns, ref_cols):
            if theirs not in tcols:
                self.add(fk.source, f"foreign key {fk.name}: {target.qname} has no column {theirs!r}", org)
            elif mine in cols and comparable_type(cols[mine].type) != comparable_type(tcols[theirs].type):
                self.add(fk.source, f"foreign key {fk.name}: {t.name}.{mine} is {cols[mine].type} but "
                                    f"{target.name}.{theirs} is {tcols[theirs].type}; the types must match", org)
        if not any(set(k) == set(ref_cols) for k in unique_keys(target)):
            self.add(fk.source, f"foreign key {fk.name}: ({', '.join(ref_cols)}) of {target.qname} is not its "
                                "primary key or a unique constraint, which PostgreSQL requires", org)

    def index(self, ix: m.Index, cols: dict | None, exts: set[str], org: str | None, table: m.Table | None = None
              ) -> None:
        """An index's rules; its name is claimed in the schema's namespace by the caller."""
        names = set(cols) if cols is not None else None
        for e in ix.elements:
            self.expression(ix.source, f"an expression of index {ix.name}", e.expression, org, names, exts=exts,
                            where="index", table=table)
        self.expression(ix.source, f"the WHERE of index {ix.name}", ix.where, org, names, exts=exts, where="index",
                        table=table)
        index_rules(self, ix, cols, org)
        if ix.method in ("hnsw", "ivfflat") and "vector" not in exts:
            self.add(ix.source, f"index method {ix.method} needs the extension `vector`", org)
        if ix.unique and ix.method != "btree":
            self.add(ix.source, f"index {ix.name}: only btree indexes can be unique, not {ix.method}", org)
        if ix.include and ix.method not in ("btree", "gist", "spgist"):
            self.add(ix.source, f"index {ix.name}: {ix.method} indexes cannot INCLUDE columns", org)
        if ix.method not in ("btree",) and any(e.descending or e.nulls_first is not None for e in ix.elements):
            self.add(ix.source, f"index {ix.name}: {ix.method} indexes have no order (ASC/DESC, NULLS)", org)
        if ix.nulls_not_distinct and not ix.unique:
            self.add(ix.source, f"index {ix.name}: nulls_not_distinct needs `unique: true`", org)
        if ix.method == "gin" and cols is not None:
            for e in ix.elements:
                col = cols.get(e.column) if e.column else None
                if col and not e.opclass and not (col.type.endswith("]") or base_type(col.type) in GIN_TYPES):
                    self.add(ix.source, f"index {ix.name}: gin has no default operator class for {col.type} "
                                        f"(column {e.column}); give `opclass:` or use btree", org)


# --- helpers -------------------------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def _placeholder(org: str) -> re.Pattern:
    """The org key where it stands as a name part (`values_acme_x`), not inside a word (`t-a-ble` for key a)."""
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(org)}(?![A-Za-z0-9])")


def _relations(db: m.Database) -> dict[tuple[str, str], object]:
    """Every relation a query may read: tables, their serial sequences, views, aggregates; by (schema, name)."""
    known: dict[tuple[str, str], object] = {}
    for t in db.tables:
        known[(t.schema, t.name)] = t
        for c in t.columns:
            if c.serial:
                known[(t.schema, default_name(t.name, c.name, "seq"))] = t
    for obj in db.views + db.continuous_aggregates:
        known[(obj.schema, obj.name)] = obj
    return known


_TYPE_NAMES = sorted(BUILTIN_TYPES - PSEUDO_TYPES | set(TYPE_ALIASES) | set(EXTENSION_TYPES))


@lru_cache(4096)
def _type_hint(base: str) -> str | None:
    return did_you_mean(base, _TYPE_NAMES)


def _short(text: str) -> str:
    """SQL quoted in a message: the first line, at most 60 characters."""
    line = text.strip().split("\n")[0] if text.strip() else ""  # not splitlines(): U+2028 ends no line here
    return repr(line if len(line) <= 60 and line == text.strip() else line[:57] + "...")


def _cut(name: str) -> str:
    """The name as PostgreSQL stores it: at most 63 bytes, never half a character."""
    raw = name.encode()
    return name if len(raw) <= MAX_IDENTIFIER_BYTES else raw[:MAX_IDENTIFIER_BYTES].decode("utf-8", "ignore")


def validate(model: m.Model, doc: Document | None = None) -> list[Problem]:
    """Every semantic problem of the model (empty when it is sound)."""
    return Checker(model, doc).run()


__all__ = ["validate", "value_error", "comparable_type", "Checker"]
