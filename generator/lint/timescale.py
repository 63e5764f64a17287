"""TimescaleDB: hypertables that grow forever uncompressed, continuous aggregates whose refresh reads raw data that
retention drops (the refresh then empties their buckets for it)."""
from __future__ import annotations

from collections.abc import Iterator

from schemagen import model as m
from schemagen.lint.findings import Scope, name_of, rule
from schemagen.sqltext import Interval

Found = Iterator[tuple[m.Source, str, str]]


@rule("SG131", "warning", "hypertable-without-compression-or-retention",
      "add `compression:` with `after:` or `retention:` with `drop_after:` (or ignore SG131 with the reason)")
def hypertable_without_lifecycle(scope: Scope) -> Found:
    """A hypertable with neither compression nor retention keeps every chunk uncompressed for ever: storage grows
    without bound, at about ten times the size compressed chunks would take."""
    for t in scope.tables:
        if t.hypertable and not t.compression and not t.retention:
            yield t.hypertable.source, name_of(t), f"hypertable {name_of(t)} has neither compression nor retention"


@rule("SG132", "error", "refresh-reads-dropped-data",
      "give the refresh policy a start_offset below the source's drop_after")
def refresh_reads_dropped_data(scope: Scope) -> Found:
    """A refresh policy that reaches back past the source's retention: the refresh reads the dropped range as empty
    and deletes the aggregate's buckets there. A start_offset of null (from the beginning) always does; an
    integer start_offset at or above an integer drop_after too (validate compares the intervals)."""
    seen = set()
    for c in scope.db.continuous_aggregates:  # every org's copy: an org's overrides may change the retention
        src = scope.by_qname.get(c.source_relation or "") or scope.caggs_by_qname.get(c.source_relation or "")
        ret = src.retention if src else None
        if ret is None:
            continue
        for r in c.refreshes:
            why = _reads_dropped(r, ret.drop_after)
            if why and (r.source.line, r.source.column) not in seen:
                seen.add((r.source.line, r.source.column))
                org = f" (org {c.org})" if c.org else ""
                yield r.source, name_of(c), (
                    f"the refresh of {name_of(c)}{org} {why}, but retention drops {name_of(src)} data older than "
                    f"{ret.drop_after}: each refresh empties the aggregate's buckets there")


def _reads_dropped(r: m.RefreshPolicy, drop: Interval | int) -> str | None:
    if r.start_offset is None:
        return "starts at the beginning (start_offset null)"
    if isinstance(r.start_offset, Interval) and isinstance(drop, Interval):
        return f"reaches back {r.start_offset}" if r.start_offset.total >= drop.total else None
    if isinstance(r.start_offset, int) and isinstance(drop, int) and r.start_offset >= drop:
        return f"reaches back {r.start_offset}"
    return None
