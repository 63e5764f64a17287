"""What the drift check compares: the model's side as the live database should hold it, and the live side cut to
the same orgs."""
from __future__ import annotations

from collections.abc import Sequence

from schemagen import model as m
from schemagen.compare.orgs import org_of, templates
from schemagen.model import replace
from schemagen.order import views_reading


def _for_orgs(db: m.Database, orgs: Sequence[str]) -> m.Database:
    parts = [db.for_org(o) for o in orgs]
    return replace(db, extensions=(), schemas=(), functions=(), types=(), sequences=(),
                   tables=tuple(t for p in parts for t in p.tables), views=tuple(v for p in parts for v in p.views),
                   continuous_aggregates=tuple(c for p in parts for c in p.continuous_aggregates),
                   org_rows=tuple(r for p in parts for r in p.org_rows))


def _no_policy(c: m.Compression | None) -> m.Compression | None:
    return c and replace(c, after=None, schedule_interval=None)


def expected_database(db: m.Database, orgs: Sequence[str] | None, skip: frozenset[str]) -> m.Database:
    """What the live database should hold: those orgs' objects only (with orgs), and without what the server
    cannot have (skip: the FEATURE_* it refuses)."""
    if orgs:
        db = _for_orgs(db, orgs)
    tables, caggs = db.tables, db.continuous_aggregates
    if m.FEATURE_TIMESCALEDB in skip:
        tables = tuple(t if t.hypertable is None else replace(t, hypertable=None) for t in tables)
        db = replace(db, extensions=tuple(e for e in db.extensions if e.name != "timescaledb"))
    if m.FEATURE_COMPRESSION in skip:
        tables, caggs = ([o if o.compression is None else replace(o, compression=None) for o in objs]
                         for objs in (tables, caggs))
    if m.FEATURE_POLICY in skip:
        tables = [t if t.retention is None and (t.compression is None or t.compression.after is None)
                  else replace(t, retention=None, compression=_no_policy(t.compression)) for t in tables]
        caggs = [replace(c, refresh=None, retention=None, compression=_no_policy(c.compression), refresh_windows=())
                 for c in caggs]
    if m.FEATURE_REFRESH_WINDOWS in skip:
        caggs = [replace(c, refresh_windows=()) for c in caggs]
    views = db.views
    if m.FEATURE_CAGG in skip:  # and the views that read them, directly or through other views
        gone = views_reading(views, [c.qname for c in db.continuous_aggregates])
        caggs, views = (), tuple(v for v in views if v.qname not in gone)
    return replace(db, tables=tuple(tables), continuous_aggregates=tuple(caggs), views=views)


def scope(actual: m.Database, expected: m.Database, orgs: Sequence[str] | None) -> m.Database:
    """With orgs (--org), only the live objects that belong to those orgs."""
    if not orgs:
        return actual
    patterns = templates(expected)
    def keep(o) -> bool:
        return org_of(o.schema, o.name, patterns, orgs) in orgs

    return replace(actual, extensions=(), schemas=(), functions=(), types=(), sequences=(),
                   tables=tuple(filter(keep, actual.tables)),
                   views=tuple(filter(keep, actual.views)),
                   continuous_aggregates=tuple(filter(keep, actual.continuous_aggregates)))
