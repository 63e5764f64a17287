"""Building the Model from the model file's data: canonical types, intervals and names, org templates stamped out.

The data has passed the JSON Schema, so its shape is known; what can still be wrong here (a type that is no type,
an interval that does not parse, a reference written wrongly) is collected as a Problem at its line. Semantic rules
come after, in validate.py, on the built model.

An org template (a table, view or aggregate whose name contains `{org}`) is built once, then stamped per org by
replacing `{org}` in every string of the built object, sharing whatever does not mention it: 5,000 orgs cost
5,000 shallow copies, not 5,000 builds.
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from schemagen import model as m
from schemagen.document import Document, PathT, dotted
from schemagen.errors import Problem
from schemagen.modelfile.stamp import (
    ORG,
    Stamp,
    compile_stamp,
    default_name_for,
    fill,
    qualified_template,
    quote_template,
)
from schemagen.order import build_order_of_aggregates, build_order_of_tables, sources_first
from schemagen.sqlparse import Budget, TooMuchSql, expression_error, trim
from schemagen.sqltext import SERIAL_TYPES, Interval, canonical_type, quote_literal

_FLOAT_P = re.compile(r"\s*float\s*\(\s*(\d+)\s*\)(\s*(?:\[\s*\]\s*)*)$", re.I | re.A)
_QUOTED = re.compile(r'\s*"((?:[^"]|"")+)"(?=\s|$)')
MAX_SEED_CELLS = 4_000_000  # rows x distinct columns of one table's seed (the YAML holds at most 250,000 values)
OVERRIDES = {"chunk_interval": "hypertable", "compress_after": "compression", "drop_after": "retention"}


def _sql_scalar(value: object) -> str:
    """A default given as a YAML scalar (`default: false`, `default: 0`) becomes SQL text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- the builder ---------------------------------------------------------------------------------------------

class Builder:
    """Data -> Model. `problems` collects what cannot be built (bad types, intervals, references)."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.problems: list[Problem] = []
        self.used_overrides: set[str] = set()
        self.override_sources: dict[str, m.Source] = {}
        self.org_keys: list[str] = []
        self.budget = Budget()  # the parse work of the aggregates' expressions (validation has its own)

    def fail(self, path: PathT, message: str) -> None:
        self.problems.append(self.doc.problem(path, message, key=True))

    def src(self, path: PathT) -> m.Source:
        """Where an object is: the line of its name (its key), else of its value."""
        line, col = self.doc.where(path, key=True)
        return m.Source(self.doc.file, line, col, dotted(path))

    def interval(self, value, path: PathT) -> Interval | int | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            if not -2 ** 63 <= value < 2 ** 63:
                self.fail(path, f"{value} is out of range: an integer interval must fit in a bigint")
                return None
            return value
        if isinstance(value, float):
            return None  # the JSON Schema reports it (an integer or a string): one message per problem
        try:
            parsed = Interval.parse(value)
        except ValueError as e:
            self.fail(path, str(e))
            return None
        if max(abs(parsed.months), abs(parsed.days)) >= 2 ** 31 or abs(parsed.usecs) >= 2 ** 63:
            self.fail(path, f"interval {value!r} is out of range: PostgreSQL refuses it")
            return None
        return parsed

    def type_(self, text: str, path: PathT) -> str:
        float_p = _FLOAT_P.match(text)
        if float_p:  # float(p): PostgreSQL's real for p <= 24, double precision above (format_type prints that)
            text = ("real" if int(float_p[1]) <= 24 else "double precision") + float_p[2]
        try:
            return canonical_type(text)
        except ValueError:
            self.fail(path, f"{text!r} is not a type (write it as in SQL: integer, varchar(50), timestamptz, "
                            "numeric(18,8), text[])")
            return "text"

    def sql(self, text: object, statement: bool = False) -> str:
        return trim(_sql_scalar(text), statement)

    # -- model, orgs, databases --

    def model(self) -> m.Model:
        data = self.doc.data
        orgs = tuple(
            m.Org(o["key"], o["name"], tuple(sorted((o.get("overrides") or {}).items())), self.src(("orgs", i)))
            for i, o in enumerate(data.get("orgs") or ())
        )
        overrides = {o.key: self.overrides(o, i) for i, o in enumerate(orgs)}
        self.org_keys = [o.key for o in orgs]
        self.override_sources = {o.key: self.src(("orgs", i, "overrides", "drop_after")) for i, o in enumerate(orgs)}
        dbs = tuple(self.database(name, spec or {}, orgs, overrides) for name, spec in data["databases"].items())
        for i, org in enumerate(orgs):
            for key, _ in org.overrides:
                if key not in self.used_overrides:
                    self.fail(("orgs", i, "overrides", key), f"override {key} changes nothing: no org table has "
                                                             f"`{OVERRIDES[key]}:`")
        return m.Model(dbs, orgs, file=Path(self.doc.file).name)

    def overrides(self, org: m.Org, i: int) -> dict:
        return {k: self.interval(v, ("orgs", i, "overrides", k)) for k, v in org.overrides}

    def database(self, name: str, spec: dict, orgs: tuple[m.Org, ...], overrides: dict) -> m.Database:
        base: PathT = ("databases", name)
        exts = tuple(
            m.Extension(e, (o or {}).get("schema"), _str_or_none((o or {}).get("version")),
                        self.src(base + ("extensions", e)))
            for e, o in (spec.get("extensions") or {}).items()
        )
        schemas, funcs = [], []
        shared: dict[str, list] = {"tables": [], "views": [], "caggs": []}
        templates: list[tuple[str, object, Stamp]] = []
        tables: dict[str, m.Table] = {}  # by qualified name, templates included: cagg sources resolve here
        caggs: dict[str, m.ContinuousAggregate] = {}
        for sname, sspec in (spec.get("schemas") or {}).items():
            sspec = sspec or {}
            spath = base + ("schemas", sname)
            schemas.append(m.Schema(sname, _comment(sspec), self.src(spath)))
            for tname, tspec in (sspec.get("tables") or {}).items():
                t = self.table(sname, tname, tspec or {}, spath + ("tables", tname))
                tables[t.qname if ORG not in tname else qualified_template(sname, tname)] = t
                self._place(t, "tables", tname, spath + ("tables", tname), shared, templates)
            for kind in ("views", "materialized_views"):
                for vname, vspec in (sspec.get(kind) or {}).items():
                    v = self.view(kind, sname, vname, vspec, spath + (kind, vname))
                    self._place(v, "views", vname, spath + (kind, vname), shared, templates)
            cagg_specs = list((sspec.get("continuous_aggregates") or {}).items())
            for cname, cspec in sources_first(sname, cagg_specs):
                c = self.cagg(sname, cname, cspec, spath + ("continuous_aggregates", cname), tables, caggs)
                caggs[c.qname if ORG not in cname else qualified_template(sname, cname)] = c
                self._place(c, "caggs", cname, spath + ("continuous_aggregates", cname), shared, templates)
            for fname, fspec in (sspec.get("functions") or {}).items():
                funcs.append(self.function(sname, fname, fspec, spath + ("functions", fname)))
        stamped: dict[str, list] = {"tables": [], "views": [], "caggs": []}
        for org in orgs:  # grouped per org, in the orgs' order
            for kind, template, stamp in templates:
                obj = stamp(org.key, org.name)  # never None: the name itself holds {org}
                object.__setattr__(obj, "org", org.key)
                object.__setattr__(obj, "template", template.name)
                if kind == "tables" and overrides[org.key]:
                    obj = self._override(obj, overrides[org.key], self.override_sources[org.key])
                stamped[kind].append(obj)
        for kind, template, _ in templates:
            if kind == "tables":
                self.used_overrides.update(k for k, part in OVERRIDES.items() if getattr(template, part))
        registry, rows = None, ()
        if spec.get("org_registry"):
            registry = self.registry(spec["org_registry"], base + ("org_registry",))
            rows = tuple(m.OrgRow(o.key, tuple((c, fill(t, o)) for c, t in registry.values)) for o in orgs)
        return m.Database(
            name=name, extensions=exts, schemas=tuple(schemas),
            tables=tuple(build_order_of_tables(shared["tables"] + stamped["tables"])),
            views=tuple(shared["views"] + stamped["views"]),
            continuous_aggregates=tuple(build_order_of_aggregates(shared["caggs"] + stamped["caggs"])),
            functions=tuple(funcs), org_registry=registry, org_rows=rows,
            orgs=tuple(o.key for o in orgs) if (templates or registry) else (), source=self.src(base),
        )

    def _place(self, obj, kind: str, name: str, path: PathT, shared: dict, templates: list) -> None:
        if ORG in name:
            templates.append((kind, obj, compile_stamp(obj)))
            return
        # the written data without `{org}` (str() of plain data is cheap): nothing to look for in the built object
        if ORG in f"{path}{self.doc.data_at(path)}" and compile_stamp(obj, skip_comments=True) is not None:
            self.fail(path, f"`{{org}}` is filled in only for objects whose own name contains it; {name} is shared, "
                            "so `{org}` would stay in it literally")
        shared[kind].append(obj)

    @staticmethod
    def _override(t: m.Table, over: dict, drop_source: m.Source) -> m.Table:
        """An org's overrides on its copy of a template. A retention is then the override's own (its problems
        point at the override); the hypertable and compression keep the template's line."""
        changes = {}
        if t.hypertable and over.get("chunk_interval") is not None:
            changes["hypertable"] = replace(t.hypertable, chunk_interval=over["chunk_interval"])
        if t.compression and over.get("compress_after") is not None:
            changes["compression"] = replace(t.compression, after=over["compress_after"])
        if t.retention and over.get("drop_after") is not None:
            changes["retention"] = replace(t.retention, drop_after=over["drop_after"], source=drop_source)
        return replace(t, **changes) if changes else t

    def registry(self, spec: dict, path: PathT) -> m.OrgRegistry:
        schema, _, table = spec["table"].rpartition(".")
        key = spec["key_column"]
        values = {c: _sql_scalar(v) for c, v in spec["values"].items()}
        ordered = ([(key, values[key])] if key in values else []) + [(c, v) for c, v in values.items() if c != key]
        if key not in values:
            self.fail(path + ("values",), f"the key column {key!r} needs a value, usually \"{{org}}\"")
        return m.OrgRegistry(schema or "public", table, key, tuple(ordered), self.src(path))

    # -- tables --

    def table(self, schema: str, name: str, spec: dict, path: PathT) -> m.Table:
        pk_cols: list[str] = []
        pk_path = path + ("primary_key",)
        uniques, fks, checks, columns = [], [], [], []
        for cname, cspec in (spec.get("columns") or {}).items():
            cpath = path + ("columns", cname)
            if not isinstance(cspec, dict):
                cspec = {"type": cspec}
            raw_type = str(cspec["type"])
            serial = raw_type.strip().lower() in SERIAL_TYPES
            if not serial and raw_type.strip().lower().rstrip("[] ") in SERIAL_TYPES:
                self.fail(cpath + ("type",), f"{raw_type}: PostgreSQL has no arrays of serial")
            ctype = self.type_(raw_type, cpath + ("type",))
            if cspec.get("primary_key"):
                pk_cols.append(cname)
                pk_path = cpath + ("primary_key",)
            if cspec.get("unique"):
                uniques.append(m.Unique(default_name_for(name, cname, "key"), (cname,), False,
                                        self.src(cpath + ("unique",))))
            if cspec.get("check") is not None:
                checks.append(m.Check(default_name_for(name, cname, "check"), self.sql(cspec["check"]),
                                      self.src(cpath + ("check",))))
            if cspec.get("references") is not None:
                fk = self.column_fk(name, schema, cname, cspec["references"], cpath + ("references",))
                if fk:
                    fks.append(fk)
            default = cspec.get("default")
            columns.append(m.Column(
                cname, ctype,
                not_null=bool(cspec.get("not_null") or serial or cspec.get("primary_key") or cspec.get("identity")),
                default=None if default is None else self.sql(default),
                identity=cspec.get("identity"), serial=serial, comment=_comment(cspec), source=self.src(cpath),
            ))
        pk_name = default_name_for(name, None, "pkey")
        pk = spec.get("primary_key")
        if pk is not None:
            if pk_cols:
                self.fail(path + ("primary_key",), "the primary key is given both here and on columns "
                                                   f"({', '.join(pk_cols)}); keep one")
            pk_cols, pk_name = (pk, pk_name) if isinstance(pk, list) else (pk["columns"], pk.get("name") or pk_name)
            pk_path = path + ("primary_key",)
            columns = [c if c.name not in pk_cols else replace(c, not_null=True) for c in columns]
        primary = m.PrimaryKey(pk_name, tuple(pk_cols), self.src(pk_path)) if pk_cols else None
        for i, u in enumerate(spec.get("unique") or ()):
            cols, uname, nnd = (u, None, False) if isinstance(u, list) else (
                u["columns"], u.get("name"), u.get("nulls_not_distinct", False))
            uniques.append(m.Unique(uname or default_name_for(name, "_".join(cols), "key"), tuple(cols), nnd,
                                    self.src(path + ("unique", i))))
        for i, f in enumerate(spec.get("foreign_keys") or ()):
            ref = f["references"]
            rschema, _, rtable = ref["table"].rpartition(".")
            fks.append(m.ForeignKey(
                f.get("name") or default_name_for(name, "_".join(f["columns"]), "fkey"), tuple(f["columns"]),
                rschema or schema, rtable, tuple(ref["columns"]), f.get("on_delete", "no action"),
                f.get("on_update", "no action"), f.get("deferrable", False), f.get("initially_deferred", False),
                self.src(path + ("foreign_keys", i))))
        for cname, expr in (spec.get("checks") or {}).items():
            checks.append(m.Check(cname, self.sql(expr), self.src(path + ("checks", cname))))
        hyper = spec.get("hypertable")
        return m.Table(
            schema, name, tuple(columns), primary, tuple(uniques), tuple(fks), tuple(checks),
            self.indexes(spec.get("indexes"), path), self.triggers(spec.get("triggers"), schema, path),
            comment=_comment(spec),
            hypertable=self.hypertable(hyper, path + ("hypertable",)) if hyper else None,
            compression=self.compression(spec.get("compression"), path + ("compression",)),
            retention=self.retention(spec.get("retention"), path + ("retention",)),
            seed=self.seed(spec.get("seed"), primary, path + ("seed",)),
            source=self.src(path),
        )

    def column_fk(self, table: str, schema: str, column: str, ref, path: PathT) -> m.ForeignKey | None:
        if isinstance(ref, str):
            rschema, rtable, rcol = _parse_reference(ref)
            if rtable is None:
                self.fail(path, f"a reference is written schema.table(column) or table(column), not {ref!r}")
                return None
            opts: dict = {}
        else:
            opts = ref
            rschema, _, rtable = ref["table"].rpartition(".")
            rcol = ref.get("column")
        return m.ForeignKey(
            opts.get("name") or default_name_for(table, column, "fkey"), (column,), rschema or schema, rtable,
            (rcol,) if rcol else (), opts.get("on_delete", "no action"), opts.get("on_update", "no action"),
            opts.get("deferrable", False), opts.get("initially_deferred", False), source=self.src(path))

    def indexes(self, spec: dict | None, path: PathT) -> tuple[m.Index, ...]:
        return tuple(self.index(n, s, path + ("indexes", n)) for n, s in (spec or {}).items())

    def index(self, name: str, spec: dict, path: PathT) -> m.Index:
        elements = []
        for i, col in enumerate(spec["columns"]):
            if isinstance(col, str):
                parsed = _parse_ordered(col)
                if parsed is None:
                    self.fail(path + ("columns", i), f"{col!r} is not `column [ASC|DESC] [NULLS FIRST|LAST]`; "
                                                     "use {expression: ...} for an expression, {column: ..., "
                                                     "opclass: ...} for an operator class")
                    continue
                elements.append(m.IndexElement(parsed[0], None, parsed[1], parsed[2]))
            else:
                if ("column" in col) == ("expression" in col):
                    self.fail(path + ("columns", i), "give either `column` or `expression`")
                    continue
                nulls = col.get("nulls")
                elements.append(m.IndexElement(
                    col.get("column"), self.sql(col["expression"]) if "expression" in col else None,
                    (col.get("order") or "asc").lower() == "desc",
                    None if nulls is None else nulls.lower() == "first", col.get("opclass")))
        with_ = tuple(sorted((k, _sql_scalar(v).lower() if isinstance(v, bool) else str(v))
                             for k, v in (spec.get("with") or {}).items()))
        where = spec.get("where")
        return m.Index(
            name, tuple(elements), spec.get("method", "btree"), spec.get("unique", False),
            spec.get("nulls_not_distinct", False), tuple(spec.get("include") or ()),
            None if where is None else self.sql(where), with_, _comment(spec), self.src(path))

    def triggers(self, spec: dict | None, schema: str, path: PathT) -> tuple[m.Trigger, ...]:
        out = []
        for name, t in (spec or {}).items():
            fschema, _, fname = t["function"].rpartition(".")
            fschema, fname = fschema or schema, fname.removesuffix("()")
            events = tuple(sorted(set(t.get("events") or ["insert"])))
            when = t.get("when")
            out.append(m.Trigger(name, f"{fschema}.{fname}", t.get("timing", "after"), events,
                                 t.get("for_each", "row"), None if when is None else self.sql(when),
                                 tuple(t.get("update_of") or ()), self.src(path + ("triggers", name))))
        return tuple(out)

    def hypertable(self, spec: dict, path: PathT) -> m.Hypertable:
        dims = tuple(
            m.Dimension(d["column"], d.get("partitions"), self.interval(d.get("interval"), path + ("dimensions", i)))
            for i, d in enumerate(spec.get("dimensions") or ()))
        return m.Hypertable(spec["time_column"], self.interval(spec.get("chunk_interval"), path + ("chunk_interval",)),
                            dims, spec.get("create_default_indexes", True), self.src(path))

    def compression(self, spec: dict | None, path: PathT) -> m.Compression | None:
        if spec is None:
            return None
        order = []
        for i, text in enumerate(spec.get("order_by") or ()):
            parsed = _parse_ordered(text)
            if parsed is None:
                self.fail(path + ("order_by", i), f"{text!r} is not `column [ASC|DESC] [NULLS FIRST|LAST]`")
                continue
            order.append(m.OrderBy(*parsed))
        return m.Compression(tuple(spec.get("segment_by") or ()), tuple(order),
                             self.interval(spec.get("after"), path + ("after",)),
                             self.interval(spec.get("schedule_interval"), path + ("schedule_interval",)),
                             self.src(path))

    def retention(self, spec: dict | None, path: PathT) -> m.Retention | None:
        if spec is None:
            return None
        return m.Retention(self.interval(spec["drop_after"], path + ("drop_after",)),
                           self.interval(spec.get("schedule_interval"), path + ("schedule_interval",)),
                           self.src(path))

    def seed(self, spec: dict | None, primary: m.PrimaryKey | None, path: PathT) -> m.SeedRows | None:
        if not spec:
            return None
        key = tuple(spec.get("key") or (primary.columns if primary else ()))
        named: dict[str, None] = {}
        for row in spec["rows"]:
            for c in row:
                named.setdefault(c)
        columns = tuple(named)
        sources = tuple(self.src(path + ("rows", i)) for i in range(len(spec["rows"])))
        if len(columns) * len(spec["rows"]) > MAX_SEED_CELLS:  # rows each naming other columns: a memory bomb
            self.fail(path + ("rows",), f"{len(spec['rows']):,} seed rows name {len(columns):,} different columns"
                                        + (": more than a table can have (1,600)" if len(columns) > 1600 else
                                           ", too many to check") + "; check the column names")
            return m.SeedRows(key, (), (), self.src(path))
        rows = tuple(tuple(row.get(c, m.SEED_DEFAULT) for c in columns) for row in spec["rows"])
        return m.SeedRows(key, columns, rows, self.src(path), sources)

    # -- views, aggregates, functions --

    def view(self, kind: str, schema: str, name: str, spec: dict, path: PathT) -> m.View:
        materialized = kind == "materialized_views"
        return m.View(schema, name, self.sql(spec["query"], statement=True), materialized,
                      spec.get("with_data", True), self.indexes(spec.get("indexes"), path), _comment(spec),
                      source=self.src(path))

    def cagg(self, schema: str, name: str, spec: dict, path: PathT, tables: dict, caggs: dict
             ) -> m.ContinuousAggregate:
        bucket = self.interval(spec["bucket"], path + ("bucket",))
        source_q = None
        if spec.get("source"):
            sschema, _, sname = spec["source"].rpartition(".")
            source_q = qualified_template(sschema or schema, sname)
        bucket_column = spec.get("bucket_column", "bucket")
        if spec.get("query") is not None:
            query = self.sql(spec["query"], statement=True)
        else:
            # "" when it cannot be built: the builder said why, validation leaves the query alone
            query = self._cagg_query(spec, source_q, bucket, bucket_column, tables, caggs, path) or ""
        refresh = None
        if spec.get("refresh"):
            r, rpath = spec["refresh"], path + ("refresh",)
            refresh = m.RefreshPolicy(self.interval(r.get("start_offset"), rpath + ("start_offset",)),
                                      self.interval(r.get("end_offset"), rpath + ("end_offset",)),
                                      self.interval(r["schedule_interval"], rpath + ("schedule_interval",)),
                                      self.src(rpath))
        return m.ContinuousAggregate(
            schema, name, query, spec.get("materialized_only", True), refresh,
            self.indexes(spec.get("indexes"), path),
            self.compression(spec.get("compression"), path + ("compression",)),
            self.retention(spec.get("retention"), path + ("retention",)), _comment(spec),
            source_relation=source_q, bucket_width=bucket, bucket_column=bucket_column, source=self.src(path))

    def _cagg_query(self, spec, source_q, bucket, bucket_column, tables, caggs, path) -> str | None:
        """SELECT time_bucket(<width>, <time column>) AS <bucket>, <group_by>, <aggregate> AS <name>, ...
        FROM <source> GROUP BY time_bucket(...), <group_by>."""
        if not source_q or not spec.get("aggregates"):
            self.fail(path, "a continuous aggregate needs either `query`, or `source`, `bucket` and `aggregates`")
            return None
        if source_q in tables:
            ht = tables[source_q].hypertable
            if ht is None:
                self.fail(path + ("source",), f"the source {source_q} is not a hypertable: add `hypertable:` to it")
                return None
            time_col = ht.time_column
        elif source_q in caggs:
            time_col = caggs[source_q].bucket_column or "bucket"
        else:
            copy = next((k for k in [*tables, *caggs] if any(k.replace(ORG, o) == source_q for o in self.org_keys)), 0)
            self.fail(path + ("source",), f"{source_q} is one org's copy of {copy}: a shared aggregate cannot read it "
                                          "(org objects are created after the shared ones); put `{org}` in this "
                                          f"aggregate's name and read {copy}" if copy else
                      f"unknown source {source_q}: not a hypertable or continuous aggregate of this database (an "
                      "aggregate must come after its source)")
            return None
        if bucket is None:
            return None
        width = f"INTERVAL {quote_literal(str(bucket))}" if isinstance(bucket, Interval) else str(bucket)
        bucket_expr = f"time_bucket({width}, {quote_template(time_col)})"
        for col, expr in spec["aggregates"].items():
            try:
                error = expression_error(self.sql(expr), self.budget)
            except TooMuchSql:
                error = None  # validation reports the budget
            if error:
                self.fail(path + ("aggregates", col), f"aggregate {col} {error}")
                return None
        group = [quote_template(c) for c in spec.get("group_by") or ()]
        select = [f"{bucket_expr} AS {quote_template(bucket_column)}", *group]
        select += [f"{self.sql(expr)} AS {quote_template(col)}" for col, expr in spec["aggregates"].items()]
        return f"SELECT {', '.join(select)}\nFROM {source_q}\nGROUP BY {', '.join([bucket_expr, *group])}"

    def function(self, schema: str, name: str, spec: dict, path: PathT) -> m.Function:
        args = []
        for i, a in enumerate(spec.get("arguments") or ()):
            default = a.get("default")
            args.append(m.Argument(a.get("name"), self.type_(str(a["type"]), path + ("arguments", i, "type")),
                                   (a.get("mode") or "in").lower(), None if default is None else self.sql(default)))
        returns = " ".join(str(spec["returns"]).split())
        low = returns.lower()
        if low in ("trigger", "void", "event_trigger", "record"):
            returns = low
        elif low.startswith("setof "):
            returns = "setof " + self.type_(returns[6:], path + ("returns",))
        elif low.startswith("table"):
            returns = "table" + returns[5:]  # `TABLE(...)` as PostgreSQL writes it is the model's `table(...)`
        else:
            returns = self.type_(returns, path + ("returns",))
        return m.Function(schema, name, tuple(args), returns, spec["language"].lower(), spec["body"],
                          spec.get("volatility", "volatile"), spec.get("strict", False),
                          spec.get("security_definer", False), _comment(spec), self.src(path))


# --- helpers -------------------------------------------------------------------------------------------------

def _comment(spec: dict) -> str | None:
    """A comment; an empty one is none: PostgreSQL's COMMENT ON ... IS '' removes the comment."""
    return spec.get("comment") or None


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _parse_reference(text: str) -> tuple[str | None, str | None, str | None]:
    """`schema.table(column)` or `table(column)` -> (schema, table, column); (None, None, None) if malformed."""
    text = text.strip()
    if not text.endswith(")") or "(" not in text:
        return None, None, None
    head, _, col = text[:-1].partition("(")
    head, col = head.strip(), col.strip()
    schema, _, table = head.rpartition(".")
    if not table or not col or "(" in col or ")" in col:
        return None, None, None
    return (schema or None), table, col


def _parse_ordered(text: str) -> tuple[str, bool, bool | None] | None:
    """`name [ASC|DESC] [NULLS FIRST|LAST]` -> (name, descending, nulls_first); None if malformed. A name with
    blanks is written in double quotes, as in SQL: `"my time" DESC`."""
    quoted = _QUOTED.match(text)
    words = ([quoted[1].replace('""', '"')] + text[quoted.end():].split()) if quoted else text.split()
    if not words:
        return None
    name, rest = words[0], [w.lower() for w in words[1:]]
    descending = False
    if rest[:1] in (["asc"], ["desc"]):
        descending = rest.pop(0) == "desc"
    nulls = None
    if rest[:1] == ["nulls"] and len(rest) == 2 and rest[1] in ("first", "last"):
        nulls = rest[1] == "first"
        rest = []
    return None if rest else (name, descending, nulls)
