"""Orgs: the model's `orgs:` with their overrides, org templates stamped out per org, the org registry's rows.

An org template (a table, view or aggregate whose name contains `{org}`) is built once, then stamped per org by
`stamp.compile_stamp`; an org's overrides (chunk_interval, compress_after, drop_after) replace the template's
values in that org's copies of tables. An override that no org table can use is a problem.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.document import PathT
from schemagen.model import replace
from schemagen.modelfile.context import Context, sql_scalar
from schemagen.modelfile.stamp import ORG, Stamp, compile_stamp, fill

OVERRIDES = {"chunk_interval": "hypertable", "compress_after": "compression", "drop_after": "retention"}

Template = tuple[str, object, Stamp]  # (kind: tables, views or caggs; the built template; its stamp)


class Orgs:
    """The orgs in the order written, each one's overrides (intervals) and where its drop_after is written."""

    def __init__(self, ctx: Context, written: list | None):
        self.ctx = ctx
        self.orgs = tuple(
            m.Org(o["key"], o["name"], tuple(sorted((o.get("overrides") or {}).items())), ctx.src(("orgs", i)))
            for i, o in enumerate(written or ())
        )
        self.overrides = {o.key: {k: ctx.interval(v, ("orgs", i, "overrides", k)) for k, v in o.overrides}
                          for i, o in enumerate(self.orgs)}
        ctx.org_keys = [o.key for o in self.orgs]
        self.drop_sources = {o.key: ctx.src(("orgs", i, "overrides", "drop_after")) for i, o in enumerate(self.orgs)}
        self.used: set[str] = set()  # overrides some org table has the part for

    def stamp(self, templates: list[Template]) -> dict[str, list]:
        """Every org's copy of every template, grouped per org in the orgs' order, overrides applied."""
        stamped: dict[str, list] = {"tables": [], "views": [], "caggs": []}
        for org in self.orgs:
            for kind, template, stamp in templates:
                obj = stamp(org.key, org.name)  # never None: the name itself holds {org}
                object.__setattr__(obj, "org", org.key)
                object.__setattr__(obj, "template", template.name)
                if kind == "tables" and self.overrides[org.key]:
                    obj = override(obj, self.overrides[org.key], self.drop_sources[org.key])
                stamped[kind].append(obj)
        for kind, template, _ in templates:
            if kind == "tables":
                self.used.update(k for k, part in OVERRIDES.items() if getattr(template, part))
        return stamped

    def check_used(self) -> None:
        """After every database: an override no org table has the part for changes nothing."""
        for i, org in enumerate(self.orgs):
            for key, _ in org.overrides:
                if key not in self.used:
                    self.ctx.fail(("orgs", i, "overrides", key), f"override {key} changes nothing: no org table "
                                                                 f"has `{OVERRIDES[key]}:`")


def place(ctx: Context, obj, kind: str, name: str, path: PathT, shared: dict, templates: list[Template]) -> None:
    """A built object joins the templates (its name holds `{org}`) or the shared objects of its kind."""
    if ORG in name:
        templates.append((kind, obj, compile_stamp(obj)))
        return
    # the written data without `{org}` (str() of plain data is cheap): nothing to look for in the built object
    if ORG in f"{path}{ctx.doc.data_at(path)}" and compile_stamp(obj, skip_comments=True) is not None:
        ctx.fail(path, f"`{{org}}` is filled in only for objects whose own name contains it; {name} is shared, "
                       "so `{org}` would stay in it literally")
    shared[kind].append(obj)


def override(t: m.Table, over: dict, drop_source: m.Source) -> m.Table:
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


def registry(ctx: Context, spec: dict, path: PathT) -> m.OrgRegistry:
    schema, _, table = spec["table"].rpartition(".")
    key = spec["key_column"]
    values = {c: sql_scalar(v) for c, v in spec["values"].items()}
    ordered = ([(key, values[key])] if key in values else []) + [(c, v) for c, v in values.items() if c != key]
    if key not in values:
        ctx.fail(path + ("values",), f"the key column {key!r} needs a value, usually \"{{org}}\"")
    return m.OrgRegistry(schema or "public", table, key, tuple(ordered), ctx.src(path))


def org_rows(reg: m.OrgRegistry, orgs: tuple[m.Org, ...]) -> tuple[m.OrgRow, ...]:
    """Each org's row in the registry table: its values with `{org}` and `{org_name}` filled in."""
    return tuple(m.OrgRow(o.key, tuple((c, fill(t, o)) for c, t in reg.values)) for o in orgs)
