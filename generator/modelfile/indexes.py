"""Indexes of tables, views and continuous aggregates: their elements (columns, expressions), method and options."""
from __future__ import annotations

from schemagen import model as m
from schemagen.document import PathT
from schemagen.modelfile.context import Context, comment_of, parse_ordered, sql_scalar


def indexes(ctx: Context, spec: dict | None, path: PathT) -> tuple[m.Index, ...]:
    """The indexes of a table, view or aggregate."""
    return tuple(index(ctx, n, s, path + ("indexes", n)) for n, s in (spec or {}).items())


def index(ctx: Context, name: str, spec: dict, path: PathT) -> m.Index:
    elements = []
    for i, col in enumerate(spec["columns"]):
        element = _index_element(ctx, col, path + ("columns", i))
        if element is not None:
            elements.append(element)
    with_ = tuple(sorted((k, sql_scalar(v).lower() if isinstance(v, bool) else str(v))
                         for k, v in (spec.get("with") or {}).items()))
    where = spec.get("where")
    return m.Index(
        name, tuple(elements), spec.get("method", "btree"), spec.get("unique", False),
        spec.get("nulls_not_distinct", False), tuple(spec.get("include") or ()),
        None if where is None else ctx.sql(where), with_, comment_of(spec), ctx.src(path),
        renamed_from=spec.get("renamed_from"))


def _index_element(ctx: Context, col, path: PathT) -> m.IndexElement | None:
    """`column [ASC|DESC] [NULLS FIRST|LAST]`, or {column|expression, order, nulls, opclass}; None if malformed."""
    if isinstance(col, str):
        parsed = parse_ordered(col)
        if parsed is None:
            ctx.fail(path, f"{col!r} is not `column [ASC|DESC] [NULLS FIRST|LAST]`; use {{expression: ...}} for an "
                           "expression, {column: ..., opclass: ...} for an operator class")
            return None
        return m.IndexElement(parsed[0], None, parsed[1], parsed[2])
    if ("column" in col) == ("expression" in col):
        ctx.fail(path, "give either `column` or `expression`")
        return None
    nulls = col.get("nulls")
    return m.IndexElement(
        col.get("column"), ctx.sql(col["expression"]) if "expression" in col else None,
        (col.get("order") or "asc").lower() == "desc",
        None if nulls is None else nulls.lower() == "first", col.get("opclass"))
