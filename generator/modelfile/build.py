"""Building the Model from the model file's data: canonical types, intervals and names, org templates stamped out.

The data has passed the JSON Schema, so its shape is known; what can still be wrong here (a type that is no type,
an interval that does not parse, a reference written wrongly) is collected as a Problem at its line. Semantic rules
come after, in validate.py, on the built model.

This module walks the model (orgs, databases, schemas) and puts the objects in their order; the objects are built
by `tables` (with `indexes`), `timescale` (hypertable parts, continuous aggregates), `sqlobjects` (views,
functions) and `orgs` (templates stamped per org, overrides, the org registry), all sharing one `Context`.

An org template (a table, view or aggregate whose name contains `{org}`) is built once, then stamped per org by
replacing `{org}` in every string of the built object, sharing whatever does not mention it: 5,000 orgs cost
5,000 shallow copies, not 5,000 builds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from schemagen import model as m
from schemagen.document import Document, PathT
from schemagen.modelfile import orgs as org_templates
from schemagen.modelfile import security, sequences, sqlobjects, tables, timescale, types
from schemagen.modelfile.context import Context, comment_of, str_or_none
from schemagen.modelfile.lintconf import lint_ignores
from schemagen.modelfile.orgs import Orgs, Template
from schemagen.modelfile.stamp import ORG, qualified_template
from schemagen.modelfile.typenames import declared
from schemagen.order import build_order_of_aggregates, build_order_of_tables, sources_first


class Builder:
    """Data -> Model. `problems` collects what cannot be built (bad types, intervals, references)."""

    def __init__(self, doc: Document):
        self.ctx = Context(doc)
        self.doc = doc
        self.problems = self.ctx.problems

    def model(self) -> m.Model:
        data = self.doc.data
        orgs = Orgs(self.ctx, data.get("orgs"))
        dbs = tuple(self.database(name, spec or {}, orgs) for name, spec in data["databases"].items())
        orgs.check_used()
        return m.Model(dbs, orgs.orgs, file=Path(self.doc.file).name, lint_ignores=lint_ignores(self.doc))

    def database(self, name: str, spec: dict, orgs: Orgs) -> m.Database:
        ctx, base = self.ctx, ("databases", name)
        exts = tuple(
            m.Extension(e, (o or {}).get("schema"), str_or_none((o or {}).get("version")),
                        ctx.src(base + ("extensions", e)))
            for e, o in (spec.get("extensions") or {}).items()
        )
        parts = _Parts()
        ctx.model_types = declared(spec)  # before any column: `chat_role` may name a type of a later schema
        for sname, sspec in (spec.get("schemas") or {}).items():
            self._schema(sname, sspec or {}, base + ("schemas", sname), parts)
        stamped = orgs.stamp(parts.templates)
        registry, rows = None, ()
        if spec.get("org_registry"):
            registry = org_templates.registry(ctx, spec["org_registry"], base + ("org_registry",))
            rows = org_templates.org_rows(registry, orgs.orgs)
        return m.Database(
            name=name, extensions=exts, schemas=tuple(parts.schemas),
            tables=tuple(build_order_of_tables(parts.shared["tables"] + stamped["tables"])),
            views=tuple(parts.shared["views"] + stamped["views"]),
            continuous_aggregates=tuple(build_order_of_aggregates(parts.shared["caggs"] + stamped["caggs"])),
            functions=tuple(parts.functions), org_registry=registry, org_rows=rows, sequences=tuple(parts.sequences),
            orgs=tuple(o.key for o in orgs.orgs) if (parts.templates or registry) else (), source=ctx.src(base),
            types=types.in_order(parts.types),
        )

    def _schema(self, sname: str, sspec: dict, spath: PathT, parts: _Parts) -> None:
        """One schema's objects, in the order of the model file: tables, views, aggregates (sources first),
        functions; each shared or a template."""
        ctx = self.ctx
        parts.schemas.append(m.Schema(sname, comment_of(sspec), ctx.src(spath),
                                    grants=security.grants(ctx, sspec, "schema", spath)))
        for yname, yspec in (sspec.get("types") or {}).items():
            parts.types.append(types.type_(ctx, sname, yname, yspec or {}, spath + ("types", yname)))
        for tname, tspec in (sspec.get("tables") or {}).items():
            t = tables.table(ctx, sname, tname, tspec or {}, spath + ("tables", tname))
            parts.tables[t.qname if ORG not in tname else qualified_template(sname, tname)] = t
            self._place(t, "tables", tname, spath + ("tables", tname), parts)
        for kind in ("views", "materialized_views"):
            for vname, vspec in (sspec.get(kind) or {}).items():
                v = sqlobjects.view(ctx, kind, sname, vname, vspec, spath + (kind, vname))
                self._place(v, "views", vname, spath + (kind, vname), parts)
        cagg_specs = list((sspec.get("continuous_aggregates") or {}).items())
        for cname, cspec in sources_first(sname, cagg_specs):
            cpath = spath + ("continuous_aggregates", cname)
            c = timescale.cagg(ctx, sname, cname, cspec, cpath, parts.tables, parts.caggs)
            parts.caggs[c.qname if ORG not in cname else qualified_template(sname, cname)] = c
            self._place(c, "caggs", cname, cpath, parts)
        for fname, fspec in (sspec.get("functions") or {}).items():
            parts.functions.append(sqlobjects.function(ctx, sname, fname, fspec, spath + ("functions", fname)))
        names = set(sspec.get("tables") or ())
        for qname, qspec in (sspec.get("sequences") or {}).items():
            parts.sequences.append(sequences.sequence(ctx, sname, qname, qspec or {}, spath + ("sequences", qname),
                                                      names))

    def _place(self, obj, kind: str, name: str, path: PathT, parts: _Parts) -> None:
        org_templates.place(self.ctx, obj, kind, name, path, parts.shared, parts.templates)


@dataclass
class _Parts:
    """One database's objects as they are built."""

    schemas: list[m.Schema] = field(default_factory=list)
    functions: list[m.Function] = field(default_factory=list)
    types: list[m.Type] = field(default_factory=list)
    sequences: list[m.Sequence] = field(default_factory=list)
    shared: dict[str, list] = field(default_factory=lambda: {"tables": [], "views": [], "caggs": []})
    templates: list[Template] = field(default_factory=list)
    tables: dict[str, m.Table] = field(default_factory=dict)  # by qualified name, templates included: cagg sources
    caggs: dict[str, m.ContinuousAggregate] = field(default_factory=dict)
