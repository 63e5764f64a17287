"""TimescaleDB settings around the policies: a hypertable's integer_now function, compression's chunk_time_interval,
several refresh windows of a continuous aggregate.

integer_now (set_integer_now_func) is what lets policies on an integer time column know "now": TimescaleDB refuses
a function with arguments or of another return type than the column's ("invalid custom time function"), and one
that is VOLATILE; the rule names the model function it must be. Refresh windows of one aggregate must not overlap
(add_continuous_aggregate_policy: "refresh interval overlaps with an existing continuous aggregate policy").
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.rules.context import Context
from schemagen.sqltext import INTEGER_TYPES, Interval, base_type


def _function(db: m.Database, qname: str) -> m.Function | None:
    schema, _, name = qname.rpartition(".")
    return next((f for f in db.functions if f.schema == schema and f.name == name), None)


def integer_now(ck: Context, t: m.Table) -> None:
    """The hypertable's integer_now: a model function with no arguments, STABLE or IMMUTABLE, returning the type
    of the integer time column."""
    ht, org = t.hypertable, t.org
    if ht is None or ht.integer_now is None:
        return
    time = t.column(ht.time_column)
    if time is None:
        return  # the hypertable rule says so
    what = f"integer_now {ht.integer_now} of hypertable {t.qname}"
    if base_type(time.type) not in INTEGER_TYPES:
        ck.add(ht.source, f"{what}: integer_now is for integer time columns; {time.name} is {time.type}", org)
        return
    f = _function(ck.db, ht.integer_now)
    if f is None:
        ck.add(ht.source, f"{what}: no such function; declare it under `functions:` of its schema (no arguments, "
                          f"STABLE, returning {time.type})", org)
        return
    if any(a.mode != "out" for a in f.arguments):
        ck.add(ht.source, f"{what}: the function takes arguments {f.signature}; TimescaleDB calls it with none", org)
    if f.returns != time.type:
        ck.add(ht.source, f"{what}: the function returns {f.returns}, but the time column {time.name} is "
                          f"{time.type}; TimescaleDB refuses it (\"invalid custom time function\")", org)
    if f.volatility == "volatile":
        ck.add(ht.source, f"{what}: the function is VOLATILE; TimescaleDB needs it STABLE or IMMUTABLE "
                          "(add `volatility: stable`)", org)


def compress_chunk_interval(ck: Context, t: m.Table) -> None:
    """compression chunk_time_interval: for time columns (TimescaleDB reads the option as an interval even on an
    integer time column, so the model refuses it there), positive."""
    c, ht, org = t.compression, t.hypertable, t.org
    if c is None or c.chunk_time_interval is None:
        return
    value = c.chunk_time_interval
    time = t.column(ht.time_column) if ht else None
    if time is not None and base_type(time.type) in INTEGER_TYPES:
        ck.add(c.source, f"compression chunk_time_interval of {t.qname}: not supported on the integer time column "
                         f"{time.name} (TimescaleDB reads it as an interval of time)", org)
    elif not isinstance(value, Interval):
        ck.add(c.source, f"compression chunk_time_interval must be an interval such as '7 days', not {value}", org)
    elif value.total <= 0:
        ck.add(c.source, f"compression chunk_time_interval must be positive, not {value}", org)
    elif isinstance(ht.chunk_interval, Interval) and ht.chunk_interval.total > 0 \
            and value.total % ht.chunk_interval.total:
        ck.add(c.source, f"compression chunk_time_interval {value} of {t.qname} must be a whole multiple of its "
                         f"chunk_interval {ht.chunk_interval}", org)


def cagg_compress_chunk_interval(ck: Context, c: m.ContinuousAggregate) -> None:
    if c.compression and c.compression.chunk_time_interval is not None:
        ck.add(c.compression.source, f"compression chunk_time_interval of continuous aggregate {c.qname}: only "
                                     "hypertables take it here", c.org)


def _span(r: m.RefreshPolicy) -> tuple[float, float] | None:
    """A window as (newest, oldest) offsets in one unit; None when its offsets are of mixed kinds."""
    def total(v, none: float) -> float | None:
        if v is None:
            return none
        return float(v.total if isinstance(v, Interval) else v)
    end, start = total(r.end_offset, float("-inf")), total(r.start_offset, float("inf"))
    return None if end is None or start is None else (end, start)


def refresh_windows(ck: Context, c: m.ContinuousAggregate) -> None:
    """Several refresh policies: windows that do not overlap (touching ends are fine: TimescaleDB accepts a window
    ending at 1 day next to one starting at 1 day)."""
    windows = c.refreshes
    if len(windows) < 2:
        return
    kinds = {type(v) for r in windows for v in (r.start_offset, r.end_offset) if v is not None}
    if len(kinds) > 1:
        return  # the refresh rule reports intervals given for integers and the reverse
    spans = [(_span(r), r) for r in windows]
    for i, (a, ra) in enumerate(spans):
        for b, rb in spans[:i]:
            if a and b and max(a[0], b[0]) < min(a[1], b[1]):
                ck.add(ra.source, f"refresh window from {ra.start_offset} to {ra.end_offset} of {c.qname} overlaps "
                                  f"the window from {rb.start_offset} to {rb.end_offset}; TimescaleDB refuses "
                                  "overlapping refresh policies", c.org)
