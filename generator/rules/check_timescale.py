"""TimescaleDB's rules: hypertables, compression, retention and continuous aggregates.

Each rule is something a TimescaleDB server refuses (checked on 2.19 and 2.23 where noted), or accepts and then
gets silently wrong: a retention policy that drops raw data an aggregate still refreshes from, a policy job on an
integer time column that fails at every run, a chunk interval below zero.
"""
from __future__ import annotations

from collections.abc import Callable

from schemagen import model as m
from schemagen.rules.context import Context
from schemagen.rules.values import INTEGER_RANGES
from schemagen.sqlparse import Parsed, aliases, calls, column_refs, output_columns
from schemagen.sqltext import INTEGER_TYPES, TIME_TYPES, Interval, base_type

# The rule of one index (check_indexes.index): an aggregate's indexes are checked against its query's columns.
IndexRule = Callable[[Context, m.Index, "dict | None", "str | None"], None]


def timescale_rules(ck: Context, index: IndexRule) -> dict[str, Parsed | None]:
    """TimescaleDB's rules; returns each aggregate's query, parsed (by qualified name)."""
    db = ck.db
    if "timescaledb" not in ck.exts:
        for what, source, org in ([("a hypertable", t.hypertable.source, t.org) for t in db.tables if t.hypertable]
                                  + [("a continuous aggregate", c.source, c.org) for c in db.continuous_aggregates]):
            ck.add(source, f"{what} needs the extension `timescaledb`: add `timescaledb:` under `extensions:`", org)
    outputs: dict[str, Parsed | None] = {}  # qualified name of each aggregate -> its query, parsed
    built_on: dict[str, list[m.ContinuousAggregate]] = {}
    for c in db.continuous_aggregates:
        built_on.setdefault(c.source_relation or "", []).append(c)
    for t in db.tables:
        with ck.once(t, "timescaledb") as first:
            if not first:
                continue
            if t.hypertable:
                hypertable(ck, t)
                if t.retention:
                    for c in built_on.get(t.qname, ()):
                        retention_vs_refresh(ck, t.retention, t.qname, c, t.org)
            elif t.compression or t.retention:
                ck.add((t.compression or t.retention).source, f"compression and retention need a hypertable: "
                                                              f"add `hypertable:` to {t.qname}", t.org)
    by_qname = {t.qname: t for t in db.tables}
    caggs = {c.qname: c for c in db.continuous_aggregates}
    for c in db.continuous_aggregates:
        for ix in c.indexes:  # names differ per org: claimed for each
            ck.claim(c.schema, ix.name, "index", ix.source, c.org)
        with ck.once(c) as first:
            if first:
                outputs[c.qname] = aggregate(ck, c, by_qname, caggs, outputs, index)
            else:  # a later org of a template: only that its query still parses
                outputs[c.qname] = ck.query(c.source, c.query, c.org) if c.query else None
    return outputs


def _positive(ck: Context, source: m.Source, what: str, value: Interval | int | None, org: str | None) -> None:
    total = value.total if isinstance(value, Interval) else value
    if total is not None and total <= 0:
        ck.add(source, f"{what} must be positive, not {value}", org)


def _time_kind(ck: Context, source: m.Source, what: str, value, integer_time: bool, column: str, org) -> None:
    """Intervals for time columns, integers for integer time columns."""
    if value is None:
        return
    if integer_time and isinstance(value, Interval):
        ck.add(source, f"{what} must be an integer: the time column {column} is an integer", org)
    elif not integer_time and isinstance(value, int):
        ck.add(source, f"{what} must be an interval such as '7 days', not the number {value}", org)


def hypertable(ck: Context, t: m.Table) -> None:
    ht, org = t.hypertable, t.org
    cols = {c.name: c for c in t.columns}
    time = cols.get(ht.time_column)
    if time is None:
        ck.add(ht.source, f"the time column {ht.time_column!r} is not a column of {t.qname}", org)
        return
    btype = base_type(time.type)
    if btype not in TIME_TYPES and btype not in INTEGER_TYPES or time.type.endswith("]"):
        ck.add(ht.source, f"the time column {time.name} is {time.type}; it must be timestamptz, timestamp, date "
                          "or an integer type", org)
        return
    if not time.not_null:
        ck.add(ht.source, f"the time column {time.name} must be NOT NULL (add `not_null: true`): TimescaleDB "
                          "makes it so anyway, and the model would differ from the database", org)
    integer_time = btype in INTEGER_TYPES
    values = [("chunk_interval", ht.chunk_interval, ht.source)]
    if t.compression:
        values += [("compression after", t.compression.after, t.compression.source)]
    if t.retention:
        values += [("retention drop_after", t.retention.drop_after, t.retention.source)]
    for what, value, source in values:
        _time_kind(ck, source, what, value, integer_time, time.name, org)
        _positive(ck, source, what, value, org)
        if integer_time and isinstance(value, int) and value >= INTEGER_RANGES[btype]:
            ck.add(source, f"{what} {value} does not fit the {btype} time column {time.name}", org)
    if integer_time and ht.integer_now is None:  # checked: add_retention_policy refuses; compression fails
        for what, policy in (("compression", t.compression if t.compression and t.compression.after else None),
                             ("retention", t.retention)):
            if policy is not None:
                ck.add(policy.source, f"a {what} policy on the integer time column {time.name} needs an "
                                      "integer_now function (set_integer_now_func): add `integer_now: "
                                      "<schema>.<function>` under hypertable:", org)
    part_cols = [ht.time_column]
    for d in ht.dimensions:
        if d.column in part_cols:
            ck.add(ht.source, f"dimension column {d.column!r} is already a dimension of {t.qname} (TimescaleDB "
                              "refuses a second one on a column)", org)
        part_cols.append(d.column)
        if d.column not in cols:
            ck.add(ht.source, f"dimension column {d.column!r} is not a column of {t.qname}", org)
        if (d.partitions is None) == (d.interval is None):
            ck.add(ht.source, f"dimension {d.column}: give either `partitions` (hash) or `interval` (range)", org)
    keys = [("the primary key", t.primary_key.columns, t.primary_key.source)] if t.primary_key else []
    keys += [(f"unique constraint {u.name}", u.columns, u.source) for u in t.uniques]
    keys += [(f"unique index {i.name}", tuple(e.column for e in i.elements), i.source) for i in t.indexes if i.unique]
    for what, key_cols, source in keys:
        missing = [c for c in part_cols if c not in key_cols]
        if missing:
            ck.add(source, f"{what} of hypertable {t.qname} must include the partitioning column(s) "
                           f"{', '.join(missing)}: TimescaleDB refuses unique keys without them", org)
    if t.compression:
        compression(ck, t.compression, t.qname, set(cols), org)
    if t.retention:
        _positive(ck, t.retention.source, "schedule_interval", t.retention.schedule_interval, org)


def compression(ck: Context, comp: m.Compression, qname: str, columns: set[str] | None, org: str | None) -> None:
    if columns is not None:
        for what, names in (("segment_by", comp.segment_by), ("order_by", [o.column for o in comp.order_by])):
            for n in names:
                if n not in columns:
                    ck.add(comp.source, f"compression {what} names unknown column {n!r} of {qname}", org)
    both = sorted(set(comp.segment_by) & {o.column for o in comp.order_by})
    if both:
        ck.add(comp.source, f"compression: column {both[0]!r} cannot be both in segment_by and in order_by "
                            "(TimescaleDB refuses it)", org)
    _positive(ck, comp.source, "compression schedule_interval", comp.schedule_interval, org)


def aggregate(ck: Context, c: m.ContinuousAggregate, tables: dict, caggs: dict, outputs: dict,
              index: IndexRule) -> Parsed | None:
    """The aggregate's rules; returns its query parsed (None when it cannot be)."""
    org = c.org
    if not c.query:  # the builder could not write it, and said why
        return None
    select = ck.query(c.source, c.query, org)
    source_cols, integer_time = _source(ck, c, tables, caggs, outputs)
    columns = output_columns(select) if select is not None else None
    if select is not None:
        _query(ck, c, select, columns, source_cols)
    width = c.bucket_width
    _positive(ck, c.source, "bucket", width, org)
    _time_kind(ck, c.source, "bucket", width, integer_time, "of the source", org)
    for ix in c.indexes:
        index(ck, ix, dict.fromkeys(columns) if columns is not None else None, org)
        if ix.comment is not None:
            ck.add(ix.source, f"index {ix.name} of continuous aggregate {c.qname} takes no comment: TimescaleDB "
                              "builds it on the aggregate's materialization hypertable in its own schema, where "
                              f"COMMENT ON INDEX {c.schema}.{ix.name} finds no index (remove the comment)", org)
        if columns is not None:
            for e in ix.elements:
                if e.column and e.column not in columns:
                    ck.add(ix.source, f"index {ix.name} names unknown column {e.column!r} of {c.qname}", org)
    _policies(ck, c, columns, integer_time, integer_time and _integer_now(c, tables, caggs) is None)
    return select


def _integer_now(c: m.ContinuousAggregate, tables: dict, caggs: dict) -> str | None:
    """The integer_now function of the hypertable under an aggregate (through aggregates built on aggregates)."""
    seen = set()
    while c.source_relation in caggs and c.source_relation not in seen:
        seen.add(c.source_relation)
        c = caggs[c.source_relation]
    t = tables.get(c.source_relation or "")
    return t.hypertable.integer_now if t is not None and t.hypertable else None


def _source(ck: Context, c: m.ContinuousAggregate, tables: dict, caggs: dict, outputs: dict
            ) -> tuple[list[str] | None, bool]:
    """The aggregate's source: a hypertable, or another aggregate it can be built on. Returns the source's columns
    (None when unknown) and whether its time is an integer."""
    org = c.org
    source_table = tables.get(c.source_relation or "")
    source_cagg = caggs.get(c.source_relation or "")
    if source_table is not None:
        source_cols = [col.name for col in source_table.columns]
        if not source_table.hypertable:
            ck.add(c.source, f"the source {source_table.qname} is not a hypertable: add `hypertable:` to it", org)
            return source_cols, False
        time = source_table.column(source_table.hypertable.time_column)
        return source_cols, bool(time and base_type(time.type) in INTEGER_TYPES)
    if source_cagg is not None:
        parsed = outputs.get(source_cagg.qname)
        if source_cagg.qname == c.qname:
            ck.add(c.source, "a continuous aggregate cannot be built on itself", org)
        else:
            _nested_width(ck, c, source_cagg, org)
        return (output_columns(parsed) if parsed is not None else None), isinstance(source_cagg.bucket_width, int)
    if c.source_relation:
        ck.add(c.source, f"unknown source {c.source_relation}: not a hypertable or continuous aggregate of this "
                         "database", org)
    return None, False


def _query(ck: Context, c: m.ContinuousAggregate, select: Parsed, columns: list[str],
           source_cols: list[str] | None) -> None:
    """What TimescaleDB requires of the aggregate's query."""
    org = c.org
    if "time_bucket" not in calls(select):
        ck.add(c.source, "the query must group by time_bucket(...): TimescaleDB refuses an aggregate without a time "
                         "bucket", org)
    if not select.tree.get("groupClause"):
        ck.add(c.source, "the query of a continuous aggregate needs GROUP BY", org)
    for problem in query_problems(select, c.bucket_width):
        ck.add(c.source, problem, org)
    twice = sorted({n for n in columns if columns.count(n) > 1 and n != "?column?"})
    if twice:
        ck.add(c.source, f"the aggregate names column {twice[0]!r} twice", org)
    from_ = select.tree.get("fromClause", [])
    if source_cols is not None and len(from_) == 1 and "RangeVar" in from_[0] and "withClause" not in select.tree:
        _source_columns(ck, c, select, source_cols, org)


def _policies(ck: Context, c: m.ContinuousAggregate, columns: list[str] | None, integer_time: bool,
              needs_now: bool) -> None:
    """The aggregate's compression, retention and refresh policies (needs_now: of an integer time column without
    an integer_now function)."""
    org = c.org
    if c.compression:
        compression(ck, c.compression, c.qname, set(columns) if columns is not None else None, org)
        _time_kind(ck, c.compression.source, "compression after", c.compression.after, integer_time, "", org)
        _positive(ck, c.compression.source, "compression after", c.compression.after, org)
    if c.retention:
        _time_kind(ck, c.retention.source, "retention drop_after", c.retention.drop_after, integer_time, "", org)
        _positive(ck, c.retention.source, "retention drop_after", c.retention.drop_after, org)
        retention_vs_refresh(ck, c.retention, c.qname, c, org)
    for r in c.refreshes:
        refresh(ck, c, r, integer_time)
    if needs_now and (c.refresh or c.compression and c.compression.after or c.retention):
        ck.add(c.source, "policies on an aggregate of an integer time column need an integer_now function "
                         "(set_integer_now_func): add `integer_now: <schema>.<function>` under the source "
                         "hypertable's hypertable:", org)


def _source_columns(ck: Context, c: m.ContinuousAggregate, select: Parsed, source_cols: list[str], org) -> None:
    """Every column the query reads is a column of its source (for a structured aggregate: group_by and the
    aggregates' arguments, and the bucket column of a source aggregate); GROUP BY may also name its own output
    columns (GROUP BY bucket), the select list may not (`time_bucket(..., bucket) AS bucket` reads the source's)."""
    tree = select.tree
    reads = column_refs([tree.get(k) for k in ("targetList", "whereClause", "havingClause")])
    reads |= column_refs(tree.get("groupClause", [])) - aliases(select)
    for ref in sorted(reads - set(source_cols)):
        hint = ""
        if c.source_relation and ref == "bucket":
            hint = " (when the source aggregate's own query names its time bucket otherwise, give that name as its " \
                   "`bucket_column`)"
        ck.add(c.source, f"the aggregate reads unknown column {ref!r} of its source {c.source_relation}{hint}", org)


def query_problems(select: Parsed, declared: Interval | int | None) -> list[str]:
    """What TimescaleDB refuses in an aggregate's SELECT, or what would make `bucket:` wrong: a window function,
    a plain column neither grouped nor aggregated, a time_bucket width other than the declared bucket."""
    out = []
    if '"over":' in select.json:
        out.append("a continuous aggregate cannot use window functions (OVER)")
    tree = select.tree
    groups = tree.get("groupClause", [])
    targets = [t["ResTarget"] for t in tree.get("targetList", [])]
    if all(set(g) <= {"ColumnRef", "A_Const", "FuncCall"} for g in groups):
        grouped = {_last(g["ColumnRef"]["fields"]) for g in groups if "ColumnRef" in g}
        positions = {g["A_Const"].get("ival", {}).get("ival") for g in groups if "A_Const" in g}
        for n, target in enumerate(targets, 1):
            ref = target.get("val", {}).get("ColumnRef")
            name = _last(ref["fields"]) if ref else None
            if name and name not in grouped and target.get("name") not in grouped and n not in positions:
                out.append(f"column {name} of the query is neither in GROUP BY nor inside an aggregate such as "
                           f"avg({name}); TimescaleDB refuses it")
    widths = [w for w in _bucket_widths(tree) if w is not None]
    if declared is not None and widths and all(w != declared for w in widths):
        out.append(f"the query buckets by {widths[0]}, but `bucket:` says {declared}; they must agree (refresh "
                   "windows and nested aggregates are checked against `bucket`)")
    return out


def _last(fields: list) -> str | None:
    names = [f["String"]["sval"] for f in fields if "String" in f]
    return names[-1] if names else None


def _bucket_widths(node) -> list[Interval | int | None]:
    """The first argument of each time_bucket(...) call, when it is a constant: '15 minutes', INTERVAL '1 h', 60."""
    out: list = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, list):
            stack += n
        elif isinstance(n, dict):
            call = n.get("FuncCall")
            if call and _last(call.get("funcname", [])) == "time_bucket" and call.get("args"):
                out.append(_constant_width(call["args"][0]))
            stack += n.values()
    return out


def _constant_width(arg: dict) -> Interval | int | None:
    if "TypeCast" in arg:
        arg = arg["TypeCast"].get("arg", {})
    const = arg.get("A_Const", {})
    try:
        if "sval" in const:
            return Interval.parse(const["sval"].get("sval", ""))
        if "ival" in const:
            return int(const["ival"].get("ival", 0))
    except ValueError:
        return None
    return None


def _nested_width(ck: Context, c: m.ContinuousAggregate, src: m.ContinuousAggregate, org) -> None:
    """An aggregate on an aggregate: its bucket must be a whole multiple of the source's (TimescaleDB refuses
    `90 minutes` on `1 hour`: "incompatible bucket width")."""
    a, b = c.bucket_width, src.bucket_width
    if isinstance(a, Interval) and isinstance(b, Interval):
        if b.months and not a.months:  # checked on 2.23: "fixed-width bucket on top of one using variable-width"
            ck.add(c.source, f"the bucket {a} is a fixed width, but its source {src.qname} buckets by {b}, whose "
                             "length varies: TimescaleDB refuses it (use months or years here too)", org)
            return
        a, b = a.total, b.total  # a month counts as 30 days, as TimescaleDB compares them ("1 month" on "7 days")
    if isinstance(a, int) and isinstance(b, int) and b > 0 and (a < b or a % b):
        ck.add(c.source, f"the bucket {c.bucket_width} must be a whole multiple of the bucket {src.bucket_width} "
                         f"of its source {src.qname}", org)


def refresh(ck: Context, c: m.ContinuousAggregate, r: m.RefreshPolicy, integer_time: bool) -> None:
    width, org = c.bucket_width, c.org
    _positive(ck, r.source, "refresh schedule_interval", r.schedule_interval, org)
    for what, value in (("refresh start_offset", r.start_offset), ("refresh end_offset", r.end_offset)):
        _time_kind(ck, r.source, what, value, integer_time, "of the source", org)
    start, end = r.start_offset, r.end_offset
    if start is None or width is None or type(start) is not type(width):
        return
    total = (lambda v: v.total) if isinstance(start, Interval) else (lambda v: v)
    end_total = total(end) if end is not None and type(end) is type(start) else 0
    if end is not None and end_total >= total(start):
        ck.add(r.source, f"refresh start_offset ({start}) must be larger than end_offset ({end}): the window "
                         "runs from start_offset ago to end_offset ago", org)
    elif total(start) - end_total < 2 * total(width):
        ck.add(r.source, f"the refresh window from start_offset {start} to end_offset {end} covers less than two "
                         f"{width} buckets; TimescaleDB refuses it (\"policy refresh window too small\")", org)


def retention_vs_refresh(ck: Context, ret: m.Retention, qname: str, c: m.ContinuousAggregate, org) -> None:
    """Retention must not drop what a refresh still reads: the refresh would then empty the aggregate's buckets
    for the dropped range (raw data) or recompute what was dropped (the aggregate's own retention)."""
    drop = ret.drop_after
    starts = [r.start_offset for r in c.refreshes if isinstance(r.start_offset, Interval)]
    if not starts or not isinstance(drop, Interval):
        return
    # start_offset null refreshes from the hypertable's oldest remaining data: nothing to compare
    r = max((r for r in c.refreshes if r.start_offset in starts), key=lambda r: r.start_offset.total)
    if drop.total <= r.start_offset.total:
        if qname == c.qname:
            ck.add(ret.source, f"retention of {c.qname} ({drop}) must exceed its refresh start_offset "
                               f"({r.start_offset}): the refresh would recompute what retention drops", org)
        else:
            ck.add(ret.source, f"retention drops data of {qname} older than {drop}, but aggregate {c.qname} still "
                               f"refreshes from {r.start_offset} back: raise drop_after above the refresh "
                               "start_offset", org)

