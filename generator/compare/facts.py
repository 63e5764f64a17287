"""An object flattened into facts: part path -> value, for comparing two versions of it one fact at a time.

A part of an object (a column, an index, a constraint, a policy) is a fact of its own, marked as a part: a missing
or extra part is one change, its facts folded in. Paths are tuples (changes.Part): ("column", "id", "type").
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from schemagen import model as m
from schemagen.changes import Part, part_text, value_text
from schemagen.sqltext import Interval, qualified, quote_ident


@dataclass(frozen=True)
class Fact:
    value: object
    optional: bool = False  # compared only when the model says something (None on the expected side: any value)
    part: bool = False  # the path names a part of the object (a column, an index), not a value


class Facts(dict[Part, Fact]):
    def part(self, *path) -> None:
        self[path] = Fact(None, part=True)

    def put(self, *path, value, optional: bool = False) -> None:
        self[path] = Fact(value, optional)


def _order(descending: bool, nulls_first: bool | None) -> str:
    """`DESC`, `ASC NULLS FIRST`, ...: NULLS only when it is not the direction's default (LAST for ASC)."""
    text = "DESC" if descending else "ASC"
    if nulls_first is not None and nulls_first != descending:
        text += " NULLS FIRST" if nulls_first else " NULLS LAST"
    return text


def _index_facts(f: Facts, i: m.Index) -> None:
    p = ("index", i.name)
    f.part(*p)
    f.put(*p, "keys", value=len(i.elements))
    for k, e in enumerate(i.elements, 1):
        f.put(*p, f"key {k}", value=quote_ident(e.column) if e.column else e.expression)
        f.put(*p, f"key {k} order", value=_order(e.descending, e.nulls_first))
        # the catalog names an operator class without its schema (the model may write ext.gin_trgm_ops)
        f.put(*p, f"key {k} operator class", value=e.opclass and e.opclass.rsplit(".", 1)[-1].strip('"'),
              optional=True)
    for attr in ("method", "unique", "nulls_not_distinct", "include", "where", "with_", "comment"):
        value = getattr(i, attr)  # a boolean stays one: false is a value, not an absence
        f.put(*p, attr.rstrip("_").replace("_", " "), value=value if isinstance(value, bool) else value or None)


def _compression_facts(f: Facts, c: m.Compression | None) -> None:
    if c:
        f.part("compression")
        f.put("compression", "segment_by", value=c.segment_by or None, optional=True)
        f.put("compression", "order_by", value=tuple(
            f"{quote_ident(o.column)} {_order(o.descending, o.nulls_first)}" for o in c.order_by) or None,
            optional=True)
        f.put("compression", "chunk_time_interval", value=c.chunk_time_interval, optional=True)
    if c and c.after is not None:
        f.part("compression policy")
        f.put("compression policy", "compress_after", value=c.after)
        f.put("compression policy", "schedule_interval", value=c.schedule_interval, optional=True)
        _job_facts(f, ("compression policy",), c)


def _job_facts(f: Facts, p: tuple, job: m.Compression | m.Retention | m.RefreshPolicy) -> None:
    """What every policy's job says besides its arguments: when it first runs, and whether it is paused."""
    f.put(*p, "initial_start", value=job.initial_start, optional=True)
    f.put(*p, "scheduled", value=job.scheduled)


def _retention_facts(f: Facts, r: m.Retention | None) -> None:
    if r:
        f.part("retention policy")
        f.put("retention policy", "drop_after", value=r.drop_after)
        f.put("retention policy", "schedule_interval", value=r.schedule_interval, optional=True)
        _job_facts(f, ("retention policy",), r)


def _column_facts(f: Facts, c: m.Column) -> None:
    p = ("column", c.name)
    f.part(*p)
    for attr in ("type", "not_null", "default", "identity", "serial", "comment"):
        f.put(*p, attr.replace("_", " "), value=getattr(c, attr))


def _constraint_facts(f: Facts, t: m.Table) -> None:
    if t.primary_key:
        f.part("primary key", t.primary_key.name)
        f.put("primary key", t.primary_key.name, "columns", value=t.primary_key.columns)
    for u in t.uniques:
        f.part("unique", u.name)
        f.put("unique", u.name, "columns", value=u.columns)
        f.put("unique", u.name, "nulls not distinct", value=u.nulls_not_distinct)
    for k in t.foreign_keys:
        p = ("foreign key", k.name)
        f.part(*p)
        f.put(*p, "columns", value=k.columns)
        f.put(*p, "references", value=f"{qualified(k.ref_schema, k.ref_table)} ({', '.join(k.ref_columns)})")
        f.put(*p, "on delete", value=k.on_delete)
        f.put(*p, "on update", value=k.on_update)
        f.put(*p, "deferrable", value="initially deferred" if k.initially_deferred else k.deferrable)
    for k in t.checks:
        f.part("check", k.name)
        f.put("check", k.name, "expression", value=k.expression)


def _hypertable_facts(f: Facts, ht: m.Hypertable | None) -> None:
    if not ht:
        return
    f.part("hypertable")
    f.put("hypertable", "time column", value=ht.time_column)
    f.put("hypertable", "chunk_interval", value=ht.chunk_interval, optional=True)
    f.put("hypertable", "integer_now", value=ht.integer_now)
    for d in ht.dimensions:
        f.part("hypertable", "dimension", d.column)
        f.put("hypertable", "dimension", d.column, "partitions", value=d.partitions)
        f.put("hypertable", "dimension", d.column, "interval", value=d.interval)


def table_facts(t: m.Table) -> Facts:
    f = Facts()
    f.put("comment", value=t.comment)
    for c in t.columns:
        _column_facts(f, c)
    _constraint_facts(f, t)
    for i in t.indexes:
        _index_facts(f, i)
    for tr in t.triggers:
        p = ("trigger", tr.name)
        f.part(*p)
        f.put(*p, "definition", value=f"{tr.timing} {' or '.join(tr.events)} for each {tr.for_each} "
                                      f"execute {tr.function}()")
        f.put(*p, "when", value=tr.when)
        f.put(*p, "update of", value=tr.update_of or None)
        f.put(*p, "enabled", value=tr.enabled)
    _hypertable_facts(f, t.hypertable)
    _compression_facts(f, t.compression)
    _retention_facts(f, t.retention)
    return f


def view_facts(v: m.View) -> Facts:
    f = Facts()
    f.put("materialized", value=v.materialized)
    f.put("definition", value=v.query)
    f.put("comment", value=v.comment)
    for i in v.indexes:
        _index_facts(f, i)
    return f


def cagg_facts(c: m.ContinuousAggregate) -> Facts:
    f = Facts()
    f.put("definition", value=c.query)
    f.put("materialized_only", value=c.materialized_only)
    f.put("comment", value=c.comment)
    windows = _newest_first(c.refreshes)
    for n, r in enumerate(windows, 1):  # one policy: "refresh policy"; several: "refresh policy 1" (newest), ...
        p = ("refresh policy",) if len(windows) == 1 else (f"refresh policy {n}",)
        f.part(*p)
        f.put(*p, "start_offset", value=r.start_offset)
        f.put(*p, "end_offset", value=r.end_offset)
        f.put(*p, "schedule_interval", value=r.schedule_interval, optional=True)
        _job_facts(f, p, r)
    for i in c.indexes:
        _index_facts(f, i)
    _compression_facts(f, c.compression)
    _retention_facts(f, c.retention)
    return f


def _newest_first(windows: tuple[m.RefreshPolicy, ...]) -> list[m.RefreshPolicy]:
    """Refresh windows in one order on both sides: by end_offset, newest (none: up to now) first."""
    def key(r: m.RefreshPolicy) -> tuple:
        end = r.end_offset
        return (end is not None, end.total if isinstance(end, Interval) else end or 0)
    return sorted(windows, key=key)


def _argument(a: m.Argument) -> str:
    """An argument as pg_get_function_arguments prints it: `OUT c text`, `b integer DEFAULT 1`."""
    mode = a.mode.upper() if a.mode != "in" else ""
    name = quote_ident(a.name) if a.name else ""
    return " ".join(filter(None, (mode, name, a.type, f"DEFAULT {a.default}" if a.default else "")))


def body_text(body: str) -> str:
    """A function body as compared: without blanks at its ends and at the end of each line. PostgreSQL keeps the
    body exactly as written, but trailing blanks carry no meaning to SQL or PL/pgSQL (outside a string literal
    spanning lines, the one case this does not see), so they are no drift; any other difference is."""
    return "\n".join(line.rstrip() for line in body.strip().splitlines())


def function_facts(fn: m.Function) -> Facts:
    f = Facts()
    f.put("arguments", value=", ".join(_argument(a) for a in fn.arguments))
    f.put("returns", value=fn.returns)
    f.put("language", value=fn.language)
    f.put("volatility", value=fn.volatility)
    f.put("strict", value=fn.strict)
    f.put("security definer", value=fn.security_definer)
    f.put("body", value=body_text(fn.body))
    f.put("comment", value=fn.comment)
    return f


def _folded(path: Part, parts: set[Part]) -> bool:
    """True when path lies inside one of parts (a missing or extra part, reported as one change)."""
    return any(path[:n] in parts for n in range(1, len(path)))


def part_value(facts: Facts, key: Part) -> dict[str, str] | None:
    """What a part holds, as its facts read (`{"drop_after": "30 days", "schedule_interval": "1 day"}` for a
    retention policy): the actual value of an extra part, so a report shows what is there. None when it holds no
    fact of its own (a column's facts are all set, so a column has one)."""
    n = len(key)
    value = {part_text(path[n:]): value_text(fact.value) for path, fact in facts.items()
             if len(path) > n and path[:n] == key and not fact.part and fact.value is not None}
    return value or None


def compare_facts(expected: Facts, actual: Facts) -> Iterator[tuple[str, Part, object, object]]:
    """(change, part path, expected, actual): a missing or extra part is one change, its facts folded in."""
    want = {k for k, fact in expected.items() if fact.part}
    have = {k for k, fact in actual.items() if fact.part}
    folded = want ^ have
    for key in want - have:
        yield "missing", key, None, None
    for key in have - want:
        yield "extra", key, None, part_value(actual, key)
    absent = Fact(None)
    for key in (expected.keys() | actual.keys()) - want - have:
        if folded and _folded(key, folded):
            continue
        e, a = expected.get(key, absent), actual.get(key, absent)
        if not (e.optional and e.value is None) and e.value != a.value:
            yield "changed", key, e.value, a.value
