"""Rules on the model's own types (`types:`): names (no `{org}`: a type is shared; at most 63 bytes; one namespace
with the row types of the schema's tables, views and aggregates, and for a composite, which is a relation of its
own, with every relation's name), enums (values given, each once, at most 63 bytes), composites (attribute types),
domains (base type, CHECKs on VALUE, a constant default of the base type), no type built on itself, and the
defaults and seed values of enum columns (a value of the enum).
"""
from __future__ import annotations

import re

from schemagen import model as m
from schemagen.rules.context import Context, short
from schemagen.rules.expressions import default_constant_error, expression
from schemagen.rules.types import PSEUDO_TYPES, check_type
from schemagen.sqlparse import parse_expression
from schemagen.sqltext import MAX_IDENTIFIER_BYTES, base_type

_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def types(ck: Context) -> None:
    """Every type of the database (after the relations have claimed their names)."""
    rows = {(r.schema, r.name): r for r in (*ck.db.tables, *ck.db.views, *ck.db.continuous_aggregates)}
    for t in ck.db.types:
        _name(ck, t, rows)
        if t.kind == "enum":
            _enum(ck, t)
        elif t.kind == "composite":
            _composite(ck, t)
        else:
            _domain(ck, t)
    _cycles(ck)


def _name(ck: Context, t: m.Type, rows: dict) -> None:
    found = _PLACEHOLDER.search(t.name)
    if found:
        ck.add(t.source, f"type {t.qname}: `{found[0]}` is not filled in in type names: a type is shared by every "
                         "org (only tables, views and aggregates are org templates)")
    ck.name(t.source, "type", t.name)
    row = rows.get((t.schema, t.name))
    if row is not None:
        what = "table" if isinstance(row, m.Table) else "view" if isinstance(row, m.View) else "continuous aggregate"
        ck.add(t.source, f"type {t.qname} collides with {what} {row.qname}: a {what}'s row type is a type of the "
                         "same name in its schema; rename one of them", row.org)
    elif t.kind == "composite":  # a composite type is a relation too (pg_class): indexes and sequences collide
        ck.claim(t.schema, t.name, "composite type", t.source, None)


def _enum(ck: Context, t: m.Type) -> None:
    if not t.values:
        ck.add(t.source, f"enum {t.qname} has no values: give it at least one (`enum: [a, b]`)")
    seen: set[str] = set()
    for v in t.values:
        if v in seen:
            ck.add(t.source, f"enum {t.qname} lists the value {v!r} twice: PostgreSQL refuses duplicate labels")
        seen.add(v)
        if len(v.encode()) > MAX_IDENTIFIER_BYTES:
            ck.add(t.source, f"enum {t.qname}: value {short(v)} is {len(v.encode())} bytes; PostgreSQL allows at "
                             f"most {MAX_IDENTIFIER_BYTES}")


def _composite(ck: Context, t: m.Type) -> None:
    if not t.attributes:
        ck.add(t.source, f"composite type {t.qname} has no attributes")
    for name, type_ in t.attributes:
        ck.name(t.source, "attribute", name)
        check_type(ck, t.source, type_)
        if base_type(type_) in PSEUDO_TYPES:
            ck.add(t.source, f"composite type {t.qname}: attribute {name} cannot be of the pseudo-type {type_}")


def _domain(ck: Context, t: m.Type) -> None:
    check_type(ck, t.source, t.base)
    if base_type(t.base) in PSEUDO_TYPES:
        ck.add(t.source, f"domain {t.qname} cannot be over the pseudo-type {t.base}")
    what = f"the default of domain {t.qname}"
    tree = expression(ck, t.source, what, t.default, allow_columns=False, exts=ck.exts, where="default")
    error = default_constant_error(tree, t.base) if tree is not None else None
    if error:
        ck.add(t.source, f"{what}: {error}")
    for k in t.checks:
        ck.name(k.source, "check constraint", k.name)
        expression(ck, k.source, f"the check {k.name} of domain {t.qname}", k.expression, columns={"value"},
                   exts=ck.exts, where="check")


def _cycles(ck: Context) -> None:
    """A type built on itself, through its attributes or its base (PostgreSQL refuses it)."""
    for t in ck.db.types:
        todo, seen = [base_type(d) for d in t.depends_on], set()
        while todo:
            name = todo.pop()
            if name == t.qname:
                ck.add(t.source, f"type {t.qname} is built on itself (through its attributes or base type)")
                break
            if name in seen or name not in ck.types:
                continue
            seen.add(name)
            todo += [base_type(d) for d in ck.types[name].depends_on]


def enum_of(ck: Context, type_: str) -> m.Type | None:
    """The model enum a (non-array) type is, directly or through domains."""
    seen = set()
    while not type_.endswith("]") and type_ in ck.types and type_ not in seen:
        seen.add(type_)
        t = ck.types[type_]
        if t.kind == "enum":
            return t
        if t.kind != "domain":
            return None
        type_ = t.base
    return None


def _literal(tree) -> str | None:
    """The text of `'x'` or `'x'::some_type`, else None."""
    node = tree.tree if isinstance(tree.tree, dict) else {}
    if "TypeCast" in node:
        node = node["TypeCast"].get("arg", {})
    sval = node.get("A_Const", {}).get("sval")
    return None if sval is None else sval.get("sval", "")


def enum_columns(ck: Context, t: m.Table) -> None:
    """A default or seed value of an enum column is one of the enum's values (`default: "'user'"`)."""
    for c in t.columns:
        enum = enum_of(ck, c.type)
        if enum is None:
            continue
        if c.default is not None:
            tree = ck.sql(parse_expression, c.default, c.source)
            text = _literal(tree) if tree is not None and not isinstance(tree, str) else None
            if text is not None and text not in enum.values:
                ck.add(c.source, f"the default of {t.name}.{c.name}: {text!r} is not a value of enum {enum.qname} "
                                 f"({', '.join(enum.values)})", t.org)
        if t.seed and c.name in t.seed.columns:
            k = t.seed.columns.index(c.name)
            for row, source in zip(t.seed.rows, t.seed.row_sources or [t.seed.source] * len(t.seed.rows)):
                v = row[k]
                if isinstance(v, str) and v not in enum.values:
                    ck.add(source, f"seed value {v!r} of {t.name}.{c.name} is not a value of enum {enum.qname} "
                                   f"({', '.join(enum.values)})", t.org)

