"""The page of one database: the model's objects grouped per schema (shared objects) and the org templates once,
put through templates/docs/page.md.j2."""
from __future__ import annotations

import re
from functools import cache

import jinja2

from schemagen import model as m
from schemagen.docs import mermaid, orgs, text, words
from schemagen.sqltext import qualified


def _signature(f: m.Function) -> str:
    args = ", ".join(" ".join(p for p in ((a.mode if a.mode != "in" else ""), a.name or "", a.type) if p)
                     + (f" DEFAULT {a.default}" if a.default else "") for a in f.arguments)
    return text.code(f"{text.sql_name(f.schema, f.name)}({args}) RETURNS {f.returns}")


def _hypertable(t: m.Table) -> str:
    col = t.column(t.hypertable.time_column)
    return words.hypertable(t.hypertable, col.type if col else None)


@cache
def environment() -> jinja2.Environment:
    """The docs' Jinja environment: Markdown, not HTML (escaping is the filters' job), a missing variable an
    error."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("schemagen.templates", "docs"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        text=text.text, cell=text.cell, code=text.code, cell_code=text.cell_code, names=text.names,
        fence=text.fence, span=text.span, qname=text.qname,
        qname_cell=lambda o: text.cell_code(text.sql_name(o.schema, o.name)),
        hypertable=_hypertable, compression=words.compression, retention=words.retention, refresh=words.refresh,
        foreign_key=words.foreign_key, index=words.index, trigger=words.trigger, policy=words.policy,
        row_security=words.row_security, grants=words.grants, column_default=words.column_default,
        sequence_range=words.sequence_range, signature=_signature, overrides=orgs.overrides,
    )
    return env


def _by_schema(db: m.Database) -> list[dict]:
    """The shared objects of each schema, in the model's order."""
    out = {s.name: {"schema": s, "types": [], "sequences": [], "tables": [], "caggs": [], "views": [],
                    "functions": []} for s in db.schemas}
    kinds = (("types", db.types), ("sequences", db.sequences), ("tables", orgs.shared(db.tables)),
             ("caggs", orgs.shared(db.continuous_aggregates)), ("views", orgs.shared(db.views)),
             ("functions", db.functions))
    for kind, objects in kinds:
        for o in objects:
            out.setdefault(o.schema, {"schema": m.Schema(o.schema), "types": [], "sequences": [], "tables": [],
                                      "caggs": [], "views": [], "functions": []})[kind].append(o)
    return list(out.values())


def _summary(db: m.Database, shared_tables: list, templates: dict) -> str:
    hyper = sum(1 for t in shared_tables if t.hypertable)
    counts = [text.plural(len(db.schemas), "schema"), text.plural(len(shared_tables), "table")
              + (f" ({text.plural(hyper, 'hypertable')})" if hyper else "")]
    for n, word in ((len(orgs.shared(db.continuous_aggregates)), "continuous aggregate"),
                    (len(orgs.shared(db.views)), "view"), (len(db.functions), "function"),
                    (len(db.types), "type"), (len(db.sequences), "sequence")):
        if n:
            counts.append(text.plural(n, word))
    n_templates = sum(len(v) for v in templates.values())
    if n_templates:
        counts.append(f"{text.plural(n_templates, 'org template')} stamped out for each of "
                      f"{text.plural(len(db.orgs), 'org')}")
    return ", ".join(counts[:-1]) + (" and " if len(counts) > 1 else "") + counts[-1] + "."


def _bucket(c: m.ContinuousAggregate) -> str:
    return f"({text.span(c.bucket_width)} buckets)" if c.bucket_width is not None else ""


def page(model: m.Model, db: m.Database) -> str:
    """The Markdown page of one database."""
    templates = {kind: orgs.templates(objects, model.orgs) for kind, objects in
                 (("tables", db.tables), ("caggs", db.continuous_aggregates), ("views", db.views))}
    shared_tables = orgs.shared(db.tables)
    db_orgs = [o for o in model.orgs if o.key in db.orgs]
    shown = orgs.shown_org(db_orgs, [o.key for o in db_orgs]) if db_orgs else None
    registry = db.org_registry
    context = {
        "file": model.file, "db": db, "summary": _summary(db, shared_tables, templates),
        "er": mermaid.er_diagram(shared_tables + templates["tables"]),
        "hierarchy": mermaid.hierarchy(orgs.shared(db.continuous_aggregates) + templates["caggs"], _bucket),
        "schemas": _by_schema(db), "templates": templates,
        "orgs": db_orgs if any(templates.values()) else [], "db_orgs": db_orgs,
        "orgs_intro": (f"Every org below has its own copy of each template, its key in place of `{{org}}`; where "
                       f"the copies differ (overrides), the values shown are org {text.code(shown)}'s."
                       if shown else ""),
        "registry_name": text.code(qualified(registry.schema, registry.table)) if registry else "",
    }
    body = environment().get_template("page.md.j2").render(context)
    return _tidy(body)


def _tidy(body: str) -> str:
    """No trailing spaces and at most one blank line in a row outside code blocks (a body keeps its own), one
    newline at the end."""
    out: list[str] = []
    fence = None  # the open code block's fence
    for line in body.splitlines():
        if fence is None:
            line = line.rstrip()
            if not line and out and not out[-1]:
                continue
            opened = _FENCE.match(line)
            fence = opened[1] if opened else None
        elif line == fence:
            fence = None
        out.append(line)
    return "\n".join(out).strip("\n") + "\n"


_FENCE = re.compile(r"(`{3,})[a-z]*$")


def pages(model: m.Model) -> dict[str, str]:
    """Every database's page: file name (`<database>.md`) -> Markdown."""
    return {f"{db.name}.md": page(model, db) for db in model.databases}
