"""The model's own types (`types:` of a schema): enums, composites and domains, and how a type written elsewhere
(a column's, an argument's, an attribute's, a domain's base) names one of them.

A type the model declares is canonical as `schema.name` (quoted where PostgreSQL needs it, array brackets kept):
`chat_role` written in schema `app` is `app.chat_role`, as format_type prints it off the search_path and as render
writes it, so both sides of the drift check compare it alike.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.document import PathT
from schemagen.modelfile.context import comment_of, sql_scalar
from schemagen.order import dependency_order
from schemagen.sqltext import base_type


def type_(ctx, schema: str, name: str, spec: dict, path: PathT) -> m.Type:
    """One entry of `types:`: exactly one of `enum`, `composite`, `domain` (the JSON Schema says so)."""
    comment = comment_of(spec)
    if "enum" in spec:
        return m.Type(schema, name, "enum", tuple(str(v) for v in spec["enum"] or ()), comment=comment,
                      source=ctx.src(path))
    if "composite" in spec:
        attrs = tuple((str(a), ctx.type_(str(t), path + ("composite", a)))
                      for a, t in (spec["composite"] or {}).items())
        return m.Type(schema, name, "composite", attributes=attrs, comment=comment, source=ctx.src(path))
    checks = spec.get("checks") or {}
    if spec.get("check") is not None:
        checks = {f"{name}_check": spec["check"], **checks}
    default = spec.get("default")
    return m.Type(schema, name, "domain", base=ctx.type_(str(spec["domain"]), path + ("domain",)),
                  not_null=bool(spec.get("not_null", False)),
                  default=None if default is None else ctx.sql(sql_scalar(default)),
                  checks=tuple(m.Check(str(k), ctx.sql(sql_scalar(v)), ctx.src(path + ("checks", k)
                                                                                if k in (spec.get("checks") or {})
                                                                                else path + ("check",)))
                               for k, v in checks.items()),
                  comment=comment, source=ctx.src(path))


def in_order(types: list[m.Type]) -> tuple[m.Type, ...]:
    """Types after the model types they are built on (a composite's attributes, a domain's base)."""
    return tuple(dependency_order(types, lambda t: t.qname, lambda t: [base_type(d) for d in t.depends_on]))
