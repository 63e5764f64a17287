"""A continuous aggregate as model.yaml writes it: its query as the server prints it, with the `bucket:` and
`source:` the model needs beside a query (refresh windows and nested aggregates are checked against them), read
from that query's first time_bucket(...) call and its FROM."""
from __future__ import annotations

import re

from schemagen import model as m
from schemagen import sqlparse
from schemagen.importer import objects
from schemagen.sqltext import Interval

# time_bucket('01:00:00'::interval, "timestamp") AS hour, or time_bucket(60, ts) AS bucket
_BUCKET = re.compile(r"""time_bucket\(\s*(?:'([^']*)'(?:::interval)?|(-?\d+)(?:::\w+)?)\s*,[^)]*\)\s+AS\s+
                         ("(?:[^"]|"")*"|\w+)""", re.I | re.X)


def bucket(query: str) -> tuple[Interval | int | None, str | None]:
    """The bucket width and the bucket column's name of an aggregate's printed query (None, None if not found)."""
    found = _BUCKET.search(query)
    if not found:
        return None, None
    width: Interval | int | None
    try:
        width = Interval.parse(found[1]) if found[1] is not None else int(found[2])
    except ValueError:
        width = None
    column = found[3]
    if column.startswith('"'):
        column = column[1:-1].replace('""', '"')
    return width, column


def source(query: str, here: str) -> str | None:
    relations = sqlparse.query_relations(query)
    if not relations:
        return None
    schema, name = relations[0]
    return objects.relation_name(schema or here, name, here)


def cagg(c: m.ContinuousAggregate) -> tuple[dict, list[str]]:
    """The aggregate's mapping, and what of it the model cannot say."""
    notes = []
    width, column = bucket(c.query)
    spec: dict = {}
    src = source(c.query, c.schema)
    if src:
        spec["source"] = src
    if width is None:
        notes.append("its time_bucket width could not be read from the query: `bucket:` is a guess of 1 hour")
    spec["bucket"] = objects.interval(width) if width is not None else "1 hour"
    if column and column != "bucket":
        spec["bucket_column"] = column
    spec["query"] = c.query.strip()
    if not c.materialized_only:
        spec["materialized_only"] = False
    windows = [objects.refresh(r) for r in c.refreshes]
    if windows:
        spec["refresh"] = windows[0] if len(windows) == 1 else windows
    if c.indexes:
        spec["indexes"] = objects.indexes(c.indexes)
    if c.compression:
        spec["compression"] = objects.compression(c.compression)
    if c.retention:
        spec["retention"] = objects.retention(c.retention)
    if c.comment is not None:
        spec["comment"] = c.comment
    return spec, notes
