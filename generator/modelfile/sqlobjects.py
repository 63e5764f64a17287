"""Views (plain and materialized) and functions: the objects defined by SQL text, a query or a body.

The text is kept as written (trimmed); its types (arguments, return type) are made canonical like column types.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.document import PathT
from schemagen.modelfile.context import Context, comment_of
from schemagen.modelfile.indexes import indexes
from schemagen.modelfile.security import grants


def view(ctx: Context, kind: str, schema: str, name: str, spec: dict, path: PathT) -> m.View:
    """`kind`: the key it is written under, `views` or `materialized_views`."""
    materialized = kind == "materialized_views"
    return m.View(schema, name, ctx.sql(spec["query"], statement=True), materialized,
                  spec.get("with_data", True), indexes(ctx, spec.get("indexes"), path), comment_of(spec),
                  source=ctx.src(path),
                  grants=grants(ctx, spec, "materialized view" if materialized else "view", path))


def function(ctx: Context, schema: str, name: str, spec: dict, path: PathT) -> m.Function:
    args = []
    for i, a in enumerate(spec.get("arguments") or ()):
        default = a.get("default")
        args.append(m.Argument(a.get("name"), ctx.type_(str(a["type"]), path + ("arguments", i, "type")),
                               (a.get("mode") or "in").lower(), None if default is None else ctx.sql(default)))
    return m.Function(schema, name, tuple(args), _returns(ctx, spec["returns"], path), spec["language"].lower(),
                      spec["body"], spec.get("volatility", "volatile"), spec.get("strict", False),
                      spec.get("security_definer", False), comment_of(spec), ctx.src(path),
                      grants=grants(ctx, spec, "function", path))


def _returns(ctx: Context, written: object, path: PathT) -> str:
    """The return type: a pseudo-type in lower case, `setof <type>`, `table(...)` as written, or a type."""
    returns = " ".join(str(written).split())
    low = returns.lower()
    if low in ("trigger", "void", "event_trigger", "record"):
        return low
    if low.startswith("setof "):
        return "setof " + ctx.type_(returns[6:], path + ("returns",))
    if low.startswith("table"):
        return "table" + returns[5:]  # `TABLE(...)` as PostgreSQL writes it is the model's `table(...)`
    return ctx.type_(returns, path + ("returns",))
