"""Stage 1, load: model.yaml -> JSON Schema check -> Model (org templates stamped out) -> semantic checks.

Every problem is collected and raised at once as `ModelError`, each located at file:line:column.
"""
from __future__ import annotations

import copy
import difflib
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema

from . import model as m
from .errors import ModelError, Problem
from .sqltext import SERIAL_TYPES, Interval, canonical_type, qualified, quote_ident, quote_literal
from .yamlsrc import Document, PathT, dotted, parse_text, read

ORG = "{org}"
ORG_NAME = "{org_name}"
_REF = re.compile(r"^\s*(?:(?P<schema>[^.()\s]+)\.)?(?P<table>[^.()\s]+)\s*\(\s*(?P<col>[^()]+?)\s*\)\s*$")
_INDEX_COL = re.compile(r"^\s*(?P<col>\S+)(?:\s+(?P<order>asc|desc))?(?:\s+nulls\s+(?P<nulls>first|last))?\s*$", re.I)
_ORDER_BY = _INDEX_COL


@cache
def json_schema() -> dict:
    """The model's JSON Schema (shipped as schemagen/model.schema.json)."""
    return json.loads(resources.files("schemagen").joinpath("model.schema.json").read_text("utf-8"))


def load_model(path: str | Path) -> m.Model:
    """Read, validate and build the model; raise ModelError listing every problem."""
    return build(read(path))


def load_model_text(text: str, file: str = "model.yaml") -> m.Model:
    return build(parse_text(text, file))


def build(doc: Document) -> m.Model:
    from .validate import validate  # semantic rules, on the built model

    schema_problems = list(_schema_problems(doc))
    builder = _Builder(doc)
    if schema_problems:
        # Report the semantic problems too where the structure allows building at all: one run, every error.
        try:
            model = builder.model()
            more = builder.problems + validate(model, doc)
        except Exception:  # noqa: BLE001 - a structure the schema already refused; its errors are enough
            more = []
        seen = {(p.line, p.column) for p in schema_problems}
        raise ModelError(schema_problems + [p for p in more if (p.line, p.column) not in seen])
    model = builder.model()
    problems = builder.problems + validate(model, doc)
    if problems:
        raise ModelError(problems)
    return model


# --- JSON Schema ---------------------------------------------------------------------------------------------

def _schema_problems(doc: Document):
    validator = jsonschema.Draft202012Validator(json_schema())
    for error in validator.iter_errors(doc.data):
        error = _deepest(error)
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties":
            known = sorted(error.schema.get("properties", {}))
            extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
            for key in extra:
                hint = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                msg = f"unknown key {key!r}" + (f"; did you mean {hint[0]!r}?" if hint else
                                                  f"; expected one of: {', '.join(known)}")
                yield doc.problem(path + (key,), msg, key=True)
        elif error.validator == "required":
            yield doc.problem(path, f"missing required key: {error.message.split(' is a required')[0]}")
        elif error.validator == "propertyNames":
            yield doc.problem(path, f"invalid name: {error.message}")
        elif error.validator in ("type", "anyOf") and error.validator_value:
            want = error.validator_value if error.validator == "type" else "a valid value"
            want = " or ".join(want) if isinstance(want, list) else want
            yield doc.problem(path, f"expected {_article(want)}, got {_describe(error.instance)}")
        elif error.validator == "enum":
            choices = ", ".join(str(c) for c in error.validator_value)
            yield doc.problem(path, f"{error.instance!r} is not one of: {choices}")
        elif error.validator == "pattern" and path and path[-1] == "key":
            yield doc.problem(path, f"org key {error.instance!r} must be a lower-case identifier: a letter, then "
                                    "letters, digits or underscores ([a-z][a-z0-9_]*)")
        else:
            yield doc.problem(path, error.message)


def _deepest(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For anyOf (e.g. a column is a type string or an options mapping), report the branch meant by the data."""
    while error.validator in ("anyOf", "oneOf") and error.context:
        wanted = "object" if isinstance(error.instance, dict) else None
        branch = [e for e in error.context
                  if wanted and e.schema.get("type") == wanted or e.relative_schema_path and
                  error.validator_value[e.relative_schema_path[0]].get("type") == wanted]
        if not branch or wanted is None:
            return error
        error = max(branch, key=lambda e: len(e.absolute_path))
    return error


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({value})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})" if len(value) < 40 else "a string"
    return "a list" if isinstance(value, list) else "a mapping"


# --- building the model --------------------------------------------------------------------------------------

def default_name(table: str, columns: str | None, label: str) -> str:
    """The name PostgreSQL gives an unnamed constraint (makeObjectName): table_columns_label, with the table and
    column parts shortened, longest first, so the whole fits in 63 bytes."""
    overhead = len(label) + 1 + (1 if columns else 0)
    a, b = table.encode(), (columns or "").encode()
    avail = 63 - overhead
    la, lb = len(a), len(b)
    while la + lb > avail:
        if la > lb:
            la -= 1
        else:
            lb -= 1
    part1 = a[:la].decode("utf-8", "ignore")
    part2 = b[:lb].decode("utf-8", "ignore")
    return f"{part1}_{part2}_{label}" if columns else f"{part1}_{label}"


def _sql_scalar(value: object) -> str:
    """A default given as a YAML scalar (`default: false`, `default: 0`) becomes SQL text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _stamp(value: object, key: str, name: str) -> object:
    """Deep copy of a template's data with {org} and {org_name} filled in (keys and values)."""
    if isinstance(value, str):
        return value.replace(ORG, key).replace(ORG_NAME, name)
    if isinstance(value, dict):
        return {_stamp(k, key, name): _stamp(v, key, name) for k, v in value.items()}
    if isinstance(value, list):
        return [_stamp(v, key, name) for v in value]
    return value


class _Builder:
    def __init__(self, doc: Document):
        self.doc = doc
        self.problems: list[Problem] = []

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
            return value
        try:
            return Interval.parse(value)
        except ValueError as e:
            self.fail(path, str(e))
            return None

    def type_(self, text: str, path: PathT) -> str:
        try:
            return canonical_type(text)
        except ValueError as e:
            self.fail(path, str(e))
            return "text"

    # -- model, orgs, databases --

    def model(self) -> m.Model:
        data = self.doc.data
        orgs = tuple(
            m.Org(o["key"], o["name"], tuple(sorted((o.get("overrides") or {}).items())), self.src(("orgs", i)))
            for i, o in enumerate(data.get("orgs") or ())
        )
        dbs = tuple(self.database(name, spec or {}, orgs) for name, spec in data["databases"].items())
        return m.Model(dbs, orgs, file=Path(self.doc.file).name)

    def database(self, name: str, spec: dict, orgs: tuple[m.Org, ...]) -> m.Database:
        base: PathT = ("databases", name)
        exts = tuple(
            m.Extension(e, (o or {}).get("schema"), (o or {}).get("version"), self.src(base + ("extensions", e)))
            for e, o in (spec.get("extensions") or {}).items()
        )
        schemas, tables, views, caggs, funcs = [], [], [], [], []
        org_tables: dict[str, list[m.Table]] = {o.key: [] for o in orgs}
        org_views: dict[str, list] = {o.key: [] for o in orgs}
        org_caggs: dict[str, list] = {o.key: [] for o in orgs}
        has_templates = False
        for sname, sspec in (spec.get("schemas") or {}).items():
            sspec = sspec or {}
            spath = base + ("schemas", sname)
            schemas.append(m.Schema(sname, sspec.get("comment"), self.src(spath)))
            for kind, target, org_target in (("tables", tables, org_tables), ("views", views, org_views),
                                             ("materialized_views", views, org_views),
                                             ("continuous_aggregates", caggs, org_caggs)):
                for oname, ospec in (sspec.get(kind) or {}).items():
                    opath = spath + (kind, oname)
                    if ORG in oname:
                        has_templates = True
                        for org in orgs:
                            stamped = _stamp(ospec, org.key, org.name)
                            stamped = self._override(stamped, org) if kind == "tables" else stamped
                            org_target[org.key].append(
                                (kind, sname, oname.replace(ORG, org.key), stamped, opath, org.key, oname))
                    else:
                        target.append((kind, sname, oname, ospec, opath, None, None))
            for fname, fspec in (sspec.get("functions") or {}).items():
                funcs.append(self.function(sname, fname, fspec, spath + ("functions", fname)))
        all_tables = [self.table(*t) for t in tables] + [self.table(*t) for k in org_tables for t in org_tables[k]]
        by_name = {t.qname: t for t in all_tables}
        all_views = [self.view(*v) for v in views] + [self.view(*v) for k in org_views for v in org_views[k]]
        cagg_specs = caggs + [c for k in org_caggs for c in org_caggs[k]]
        built_caggs: dict[str, m.ContinuousAggregate] = {}
        for c in _sources_first(cagg_specs):
            agg = self.cagg(*c, by_name, built_caggs)
            built_caggs[agg.qname] = agg
        registry, rows = None, ()
        if spec.get("org_registry"):
            registry = self.registry(spec["org_registry"], base + ("org_registry",))
            rows = tuple(
                m.OrgRow(o.key, tuple((c, _stamp(t, o.key, o.name)) for c, t in registry.values)) for o in orgs
            )
        return m.Database(
            name=name, extensions=exts, schemas=tuple(schemas), tables=tuple(_fk_order(all_tables)),
            views=tuple(all_views), continuous_aggregates=tuple(built_caggs.values()), functions=tuple(funcs),
            org_registry=registry, org_rows=rows,
            orgs=tuple(o.key for o in orgs) if (has_templates or registry) else (), source=self.src(base),
        )

    @staticmethod
    def _override(spec: dict, org: m.Org) -> dict:
        over = dict(org.overrides)
        if not over:
            return spec
        spec = copy.deepcopy(spec)
        if "chunk_interval" in over and spec.get("hypertable"):
            spec["hypertable"]["chunk_interval"] = over["chunk_interval"]
        if "compress_after" in over and spec.get("compression"):
            spec["compression"]["after"] = over["compress_after"]
        if "drop_after" in over and spec.get("retention"):
            spec["retention"]["drop_after"] = over["drop_after"]
        return spec

    def registry(self, spec: dict, path: PathT) -> m.OrgRegistry:
        schema, _, table = spec["table"].rpartition(".")
        key = spec["key_column"]
        values = spec["values"]
        ordered = ([(key, values[key])] if key in values else []) + [(c, v) for c, v in values.items() if c != key]
        if key not in values:
            self.fail(path + ("values",), f"the key column {key!r} needs a value, usually \"{{org}}\"")
        return m.OrgRegistry(schema or "public", table, key, tuple(ordered), self.src(path))

    # -- tables --

    def table(self, kind, schema, name, spec, path, org, template) -> m.Table:
        spec = spec or {}
        pk_cols: list[str] = []
        pk_name = default_name(name, None, "pkey")
        uniques, fks, checks, columns = [], [], [], []
        for i, (cname, cspec) in enumerate((spec.get("columns") or {}).items()):
            cpath = path + ("columns", cname)
            if isinstance(cspec, str):
                cspec = {"type": cspec}
            raw_type = cspec["type"]
            serial = raw_type.strip().lower() in SERIAL_TYPES
            ctype = self.type_(raw_type, cpath + ("type",))
            if cspec.get("primary_key"):
                pk_cols.append(cname)
            if cspec.get("unique"):
                uniques.append(m.Unique(default_name(name, cname, "key"), (cname,), False, self.src(cpath)))
            if cspec.get("check"):
                checks.append(m.Check(default_name(name, cname, "check"), cspec["check"].strip(), self.src(cpath)))
            if cspec.get("references") is not None:
                fk = self.column_fk(name, schema, cname, cspec["references"], cpath + ("references",))
                if fk:
                    fks.append(fk)
            default = cspec.get("default")
            columns.append(m.Column(
                cname, ctype,
                not_null=bool(cspec.get("not_null") or serial or cspec.get("primary_key") or cspec.get("identity")),
                default=None if default is None else _sql_scalar(default).strip(),
                identity=cspec.get("identity"), serial=serial, comment=cspec.get("comment"), source=self.src(cpath),
            ))
        pk = spec.get("primary_key")
        if pk is not None:
            if pk_cols:
                self.fail(path + ("primary_key",), "the primary key is given both here and on columns "
                                                   f"({', '.join(pk_cols)}); keep one")
            pk_cols, pk_name = (pk, pk_name) if isinstance(pk, list) else (pk["columns"], pk.get("name", pk_name))
            columns = [c if c.name not in pk_cols else _with(c, not_null=True) for c in columns]
        primary = m.PrimaryKey(pk_name, tuple(pk_cols), self.src(path + ("primary_key",))) if pk_cols else None
        for i, u in enumerate(spec.get("unique") or ()):
            cols, uname, nnd = (u, None, False) if isinstance(u, list) else (
                u["columns"], u.get("name"), u.get("nulls_not_distinct", False))
            uniques.append(m.Unique(uname or default_name(name, "_".join(cols), "key"), tuple(cols), nnd,
                                    self.src(path + ("unique", i))))
        for i, f in enumerate(spec.get("foreign_keys") or ()):
            fpath = path + ("foreign_keys", i)
            rschema, _, rtable = f["references"]["table"].rpartition(".")
            fks.append(m.ForeignKey(
                f.get("name") or default_name(name, "_".join(f["columns"]), "fkey"), tuple(f["columns"]),
                rschema or schema, rtable, tuple(f["references"]["columns"]), f.get("on_delete", "no action"),
                f.get("on_update", "no action"), f.get("deferrable", False), f.get("initially_deferred", False),
                self.src(fpath)))
        for cname, expr in (spec.get("checks") or {}).items():
            checks.append(m.Check(cname, expr.strip(), self.src(path + ("checks", cname))))
        indexes = tuple(self.index(n, s, path + ("indexes", n)) for n, s in (spec.get("indexes") or {}).items())
        triggers = tuple(self.trigger(n, s, schema, path + ("triggers", n))
                         for n, s in (spec.get("triggers") or {}).items())
        hyper = spec.get("hypertable")
        return m.Table(
            schema, name, tuple(columns), primary, tuple(uniques), tuple(fks), tuple(checks), indexes, triggers,
            comment=spec.get("comment"),
            hypertable=self.hypertable(hyper, path + ("hypertable",)) if hyper else None,
            compression=self.compression(spec.get("compression"), path + ("compression",)),
            retention=self.retention(spec.get("retention"), path + ("retention",)),
            seed=self.seed(spec.get("seed"), primary, uniques, path + ("seed",)),
            org=org, template=template, source=self.src(path),
        )

    def column_fk(self, table, schema, column, ref, path) -> m.ForeignKey | None:
        if isinstance(ref, str):
            match = _REF.match(ref)
            if not match:
                self.fail(path, f"a reference is written schema.table(column), not {ref!r}")
                return None
            rschema, rtable, rcol, opts = match["schema"] or schema, match["table"], match["col"], {}
        else:
            opts = ref
            rschema, _, rtable = ref["table"].rpartition(".")
            rschema = rschema or schema
            rcol = ref.get("column")
        return m.ForeignKey(
            opts.get("name") or default_name(table, column, "fkey"), (column,), rschema, rtable,
            (rcol,) if rcol else (), opts.get("on_delete", "no action"), opts.get("on_update", "no action"),
            source=self.src(path))

    def index(self, name: str, spec: dict, path: PathT) -> m.Index:
        elements = []
        for i, col in enumerate(spec["columns"]):
            if isinstance(col, str):
                match = _INDEX_COL.match(col)
                if not match:
                    self.fail(path + ("columns", i), f"{col!r} is not `column [ASC|DESC] [NULLS FIRST|LAST]`; "
                                                     "use {expression: ...} for an expression")
                    continue
                order, nulls = (match["order"] or "asc").lower(), match["nulls"]
                elements.append(m.IndexElement(match["col"], None, order == "desc",
                                               None if nulls is None else nulls.lower() == "first"))
            else:
                order, nulls = (col.get("order") or "asc").lower(), col.get("nulls")
                if ("column" in col) == ("expression" in col):
                    self.fail(path + ("columns", i), "give either `column` or `expression`")
                    continue
                elements.append(m.IndexElement(
                    col.get("column"), col.get("expression", "").strip() or None, order == "desc",
                    None if nulls is None else nulls.lower() == "first", col.get("opclass")))
        with_ = tuple(sorted((k, _sql_scalar(v).lower() if isinstance(v, bool) else str(v))
                             for k, v in (spec.get("with") or {}).items()))
        return m.Index(
            name, tuple(elements), spec.get("method", "btree"), spec.get("unique", False),
            spec.get("nulls_not_distinct", False), tuple(spec.get("include") or ()),
            (spec.get("where") or "").strip() or None, with_, spec.get("comment"), self.src(path))

    def trigger(self, name: str, spec: dict, schema: str, path: PathT) -> m.Trigger:
        fschema, _, fname = spec["function"].rpartition(".")
        events = tuple(sorted(set(spec.get("events") or ["insert"])))
        return m.Trigger(name, f"{fschema or schema}.{fname}", spec.get("timing", "after"), events,
                         spec.get("for_each", "row"), (spec.get("when") or "").strip() or None,
                         tuple(spec.get("update_of") or ()), self.src(path))

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
            match = _ORDER_BY.match(text)
            if not match:
                self.fail(path + ("order_by", i), f"{text!r} is not `column [ASC|DESC] [NULLS FIRST|LAST]`")
                continue
            nulls = match["nulls"]
            order.append(m.OrderBy(match["col"], (match["order"] or "").lower() == "desc",
                                   None if nulls is None else nulls.lower() == "first"))
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

    def seed(self, spec, primary, uniques, path) -> m.SeedRows | None:
        if not spec:
            return None
        key = tuple(spec.get("key") or (primary.columns if primary else ()))
        columns: list[str] = []
        for row in spec["rows"]:
            columns += [c for c in row if c not in columns]
        rows = tuple(tuple(row.get(c, m.SEED_DEFAULT) for c in columns) for row in spec["rows"])
        return m.SeedRows(key, tuple(columns), rows, self.src(path))

    # -- views, aggregates, functions --

    def view(self, kind, schema, name, spec, path, org, template) -> m.View:
        materialized = kind == "materialized_views"
        indexes = tuple(self.index(n, s, path + ("indexes", n)) for n, s in (spec.get("indexes") or {}).items())
        return m.View(schema, name, _strip_query(spec["query"]), materialized, spec.get("with_data", True),
                      indexes, spec.get("comment"), org, template, self.src(path))

    def cagg(self, kind, schema, name, spec, path, org, template, tables, caggs) -> m.ContinuousAggregate:
        bucket = self.interval(spec["bucket"], path + ("bucket",))
        source = spec.get("source")
        source_q = None
        if source:
            sschema, _, sname = source.rpartition(".")
            source_q = qualified(sschema or schema, sname)
        query = spec.get("query")
        if query is None:
            query = self._cagg_query(spec, source_q, bucket, tables, caggs, path)
        refresh = None
        if spec.get("refresh"):
            r, rpath = spec["refresh"], path + ("refresh",)
            refresh = m.RefreshPolicy(self.interval(r.get("start_offset"), rpath + ("start_offset",)),
                                      self.interval(r.get("end_offset"), rpath + ("end_offset",)),
                                      self.interval(r["schedule_interval"], rpath + ("schedule_interval",)),
                                      self.src(rpath))
        indexes = tuple(self.index(n, s, path + ("indexes", n)) for n, s in (spec.get("indexes") or {}).items())
        return m.ContinuousAggregate(
            schema, name, _strip_query(query or "SELECT 1"), spec.get("materialized_only", True), refresh, indexes,
            self.compression(spec.get("compression"), path + ("compression",)),
            self.retention(spec.get("retention"), path + ("retention",)), spec.get("comment"),
            source_relation=source_q, bucket_width=bucket, bucket_column=spec.get("bucket_column", "bucket"), org=org, template=template, source=self.src(path))

    def _cagg_query(self, spec, source_q, bucket, tables, caggs, path) -> str | None:
        if not source_q or not spec.get("aggregates"):
            self.fail(path, "a continuous aggregate needs either `query`, or `source`, `bucket` and `aggregates`")
            return None
        if source_q in tables:
            ht = tables[source_q].hypertable
            if ht is None:
                self.fail(path + ("source",), f"the source {source_q} is not a hypertable")
                return None
            time_col = ht.time_column
        elif source_q in caggs:
            time_col = caggs[source_q].bucket_column or "bucket"
        else:
            self.fail(path + ("source",), f"unknown source {source_q}: not a hypertable or continuous aggregate "
                                          "of this database")
            return None
        width = quote_literal(str(bucket)) if isinstance(bucket, Interval) else str(bucket)
        width = f"INTERVAL {width}" if isinstance(bucket, Interval) else width
        bucket_expr = f"time_bucket({width}, {quote_ident(time_col)})"
        alias = spec.get("bucket_column", "bucket")
        group = [quote_ident(c) for c in spec.get("group_by") or ()]
        select = [f"{bucket_expr} AS {quote_ident(alias)}", *group]
        select += [f"{expr.strip()} AS {quote_ident(col)}" for col, expr in spec["aggregates"].items()]
        return (f"SELECT {', '.join(select)}\nFROM {source_q}\nGROUP BY {', '.join([bucket_expr, *group])}")

    def function(self, schema: str, name: str, spec: dict, path: PathT) -> m.Function:
        args = []
        for i, a in enumerate(spec.get("arguments") or ()):
            default = a.get("default")
            args.append(m.Argument(a.get("name"), self.type_(a["type"], path + ("arguments", i, "type")),
                                   a.get("mode", "in"), None if default is None else _sql_scalar(default)))
        returns = " ".join(spec["returns"].split())
        low = returns.lower()
        if low in ("trigger", "void", "event_trigger"):
            returns = low
        elif low.startswith("setof "):
            returns = "setof " + self.type_(returns[6:], path + ("returns",))
        elif not low.startswith("table"):
            returns = self.type_(returns, path + ("returns",))
        return m.Function(schema, name, tuple(args), returns, spec["language"].lower(), spec["body"],
                          spec.get("volatility", "volatile"), spec.get("strict", False),
                          spec.get("security_definer", False), spec.get("comment"), self.src(path))


def _with(obj, **changes):
    from dataclasses import replace

    return replace(obj, **changes)


def _strip_query(text: str) -> str:
    text = text.strip()
    return text[:-1].rstrip() if text.endswith(";") else text


def _sources_first(specs: list[tuple]) -> list[tuple]:
    """Continuous aggregates ordered so an aggregate built on another comes after it."""
    names = {(s[1], s[2]) for s in specs}
    done: set = set()
    out: list[tuple] = []
    pending = list(specs)
    while pending:
        progressed = False
        for s in list(pending):
            src = (s[3] or {}).get("source") or ""
            sschema, _, sname = src.rpartition(".")
            dep = (sschema or s[1], sname)
            if dep not in names or dep in done or dep == (s[1], s[2]):
                out.append(s)
                done.add((s[1], s[2]))
                pending.remove(s)
                progressed = True
        if not progressed:  # a cycle: validation reports it; keep the order written
            out += pending
            break
    return out


def _fk_order(tables: list[m.Table]) -> list[m.Table]:
    """Tables ordered so that every foreign key's target comes before the table that references it (a cycle
    keeps the written order; two tables of one name both stay, for validation to report)."""
    first: dict[tuple, int] = {}
    for n, t in enumerate(tables):
        first.setdefault((t.schema, t.name), n)
    out: list[m.Table] = []
    state: dict[int, int] = {}

    def visit(n: int) -> None:
        if state.get(n):
            return  # done, or on the current path (a cycle)
        state[n] = 1
        for fk in tables[n].foreign_keys:
            target = first.get((fk.ref_schema, fk.ref_table))
            if target is not None and target != n:
                visit(target)
        state[n] = 2
        out.append(tables[n])

    for n in range(len(tables)):
        visit(n)
    return out
