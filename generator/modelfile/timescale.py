"""The TimescaleDB objects: hypertables, compression and retention (of tables and aggregates), continuous aggregates.

A continuous aggregate is written either as its `query`, or as `source`, `bucket` and `aggregates` (with optional
`group_by`), from which its query is built here: its source must be a hypertable or an aggregate built before it.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.document import PathT
from schemagen.modelfile import jobs
from schemagen.modelfile.context import Context, comment_of, parse_ordered
from schemagen.modelfile.indexes import indexes
from schemagen.modelfile.security import grants
from schemagen.modelfile.stamp import ORG, qualified_template, quote_template
from schemagen.sqlparse import TooMuchSql, expression_error
from schemagen.sqltext import Interval, quote_literal


def hypertable(ctx: Context, spec: dict, path: PathT, schema: str = "") -> m.Hypertable:
    dims = tuple(
        m.Dimension(d["column"], d.get("partitions"), ctx.interval(d.get("interval"), path + ("dimensions", i)))
        for i, d in enumerate(spec.get("dimensions") or ()))
    now = spec.get("integer_now")
    if now is not None:  # unqualified: the table's schema
        now = now.removesuffix("()") if "." in now else f"{schema}.{now.removesuffix('()')}"
    return m.Hypertable(spec["time_column"], ctx.interval(spec.get("chunk_interval"), path + ("chunk_interval",)),
                        dims, spec.get("create_default_indexes", True), ctx.src(path), integer_now=now)


def compression(ctx: Context, spec: dict | None, path: PathT) -> m.Compression | None:
    if spec is None:
        return None
    order = []
    for i, text in enumerate(spec.get("order_by") or ()):
        parsed = parse_ordered(text)
        if parsed is None:
            ctx.fail(path + ("order_by", i), f"{text!r} is not `column [ASC|DESC] [NULLS FIRST|LAST]`")
            continue
        order.append(m.OrderBy(*parsed))
    return m.Compression(tuple(spec.get("segment_by") or ()), tuple(order),
                         ctx.interval(spec.get("after"), path + ("after",)),
                         ctx.interval(spec.get("schedule_interval"), path + ("schedule_interval",)),
                         ctx.src(path),
                         chunk_time_interval=ctx.interval(spec.get("chunk_time_interval"),
                                                          path + ("chunk_time_interval",)),
                         **jobs.settings(ctx, spec, path))


def retention(ctx: Context, spec: dict | None, path: PathT) -> m.Retention | None:
    if spec is None:
        return None
    return m.Retention(ctx.interval(spec["drop_after"], path + ("drop_after",)),
                       ctx.interval(spec.get("schedule_interval"), path + ("schedule_interval",)),
                       ctx.src(path), **jobs.settings(ctx, spec, path))


# --- continuous aggregates ---------------------------------------------------------------------------------------

def cagg(ctx: Context, schema: str, name: str, spec: dict, path: PathT, tables: dict, caggs: dict
         ) -> m.ContinuousAggregate:
    """`tables` and `caggs`: those of the database built so far, by qualified name (templates included)."""
    bucket = ctx.interval(spec["bucket"], path + ("bucket",))
    source_q = None
    if spec.get("source"):
        sschema, _, sname = spec["source"].rpartition(".")
        source_q = qualified_template(sschema or schema, sname)
    bucket_column = spec.get("bucket_column", "bucket")
    if spec.get("query") is not None:
        query = ctx.sql(spec["query"], statement=True)
    else:
        # "" when it cannot be built: the builder said why, validation leaves the query alone
        query = _query(ctx, spec, source_q, bucket, bucket_column, tables, caggs, path) or ""
    refresh, *windows = jobs.refresh_policies(ctx, spec.get("refresh"), path + ("refresh",)) or (None,)
    return m.ContinuousAggregate(
        schema, name, query, spec.get("materialized_only", True), refresh,
        indexes(ctx, spec.get("indexes"), path),
        compression(ctx, spec.get("compression"), path + ("compression",)),
        retention(ctx, spec.get("retention"), path + ("retention",)), comment_of(spec),
        source_relation=source_q, bucket_width=bucket, bucket_column=bucket_column, source=ctx.src(path),
        refresh_windows=tuple(windows), grants=grants(ctx, spec, "continuous aggregate", path))


def _query(ctx: Context, spec, source_q, bucket, bucket_column, tables, caggs, path) -> str | None:
    """SELECT time_bucket(<width>, <time column>) AS <bucket>, <group_by>, <aggregate> AS <name>, ...
    FROM <source> GROUP BY time_bucket(...), <group_by>."""
    if not source_q or not spec.get("aggregates"):
        ctx.fail(path, "a continuous aggregate needs either `query`, or `source`, `bucket` and `aggregates`")
        return None
    time_col = _time_column(ctx, source_q, tables, caggs, path)
    if time_col is None or bucket is None:
        return None
    width = f"INTERVAL {quote_literal(str(bucket))}" if isinstance(bucket, Interval) else str(bucket)
    bucket_expr = f"time_bucket({width}, {quote_template(time_col)})"
    for col, expr in spec["aggregates"].items():
        try:
            error = expression_error(ctx.sql(expr), ctx.budget)
        except TooMuchSql:
            error = None  # validation reports the budget
        if error:
            ctx.fail(path + ("aggregates", col), f"aggregate {col} {error}")
            return None
    group = [quote_template(c) for c in spec.get("group_by") or ()]
    select = [f"{bucket_expr} AS {quote_template(bucket_column)}", *group]
    select += [f"{ctx.sql(expr)} AS {quote_template(col)}" for col, expr in spec["aggregates"].items()]
    return f"SELECT {', '.join(select)}\nFROM {source_q}\nGROUP BY {', '.join([bucket_expr, *group])}"


def _time_column(ctx: Context, source_q: str, tables: dict, caggs: dict, path: PathT) -> str | None:
    """The column the source's buckets are made from: a hypertable's time column, an aggregate's bucket."""
    if source_q in tables:
        ht = tables[source_q].hypertable
        if ht is None:
            ctx.fail(path + ("source",), f"the source {source_q} is not a hypertable: add `hypertable:` to it")
            return None
        return ht.time_column
    if source_q in caggs:
        return caggs[source_q].bucket_column or "bucket"
    copy = next((k for k in [*tables, *caggs] if any(k.replace(ORG, o) == source_q for o in ctx.org_keys)), 0)
    ctx.fail(path + ("source",), f"{source_q} is one org's copy of {copy}: a shared aggregate cannot read it "
                                 "(org objects are created after the shared ones); put `{org}` in this "
                                 f"aggregate's name and read {copy}" if copy else
             f"unknown source {source_q}: not a hypertable or continuous aggregate of this database (an "
             "aggregate must come after its source)")
    return None
