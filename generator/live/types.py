"""The model's kinds of types read from a live database (sql/types.sql: enums, composites, domains), and the one
canonical spelling of a type that names one of them.

format_type prints a type unqualified when its schema is on the search_path (`chat_role` for `public.chat_role`
under the scripts' path) and qualified otherwise; the model writes it `schema.name` always. `qualify` rewrites
the printed forms (columns, function arguments and results, attributes, domain bases) to the qualified one, on
both sides of the drift check, so the comparison never depends on the path.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.model import replace
from schemagen.sqltext import base_type, canonical_type, qualified


def _canonical(printed: str | None) -> str | None:
    if printed is None:
        return None
    try:
        return canonical_type(printed)
    except ValueError:
        return printed


def read(rows: list[dict]) -> tuple[tuple[m.Type, ...], dict[str, str]]:
    """The types of the rows, and {printed: qualified} for those format_type prints unqualified."""
    names = {r["printed"]: qualified(r["schema"], r["name"]) for r in rows
             if r["printed"] != qualified(r["schema"], r["name"])}
    out = []
    for r in rows:
        checks = tuple(m.Check(n, d.removeprefix("CHECK ")) for n, d in zip(r["check_names"], r["check_definitions"]))
        out.append(m.Type(r["schema"], r["name"], r["kind"], tuple(r["values"]),
                          tuple(zip(r["attribute_names"], map(_canonical, r["attribute_types"]))),
                          _canonical(r["base"]), r["not_null"], r["default"], checks, r["comment"]))
    return tuple(qualify_type(t, names) for t in out), names


def _q(type_: str | None, names: dict[str, str]) -> str | None:
    """One type (canonical, `setof <type>` or an argument list's type) with a printed model type qualified."""
    if not type_ or not names:
        return type_
    if type_.startswith("setof "):
        return "setof " + _q(type_[6:], names)
    base = base_type(type_)
    return names[base] + type_[len(base):] if base in names and type_.startswith(base) else type_


def qualify_type(t: m.Type, names: dict[str, str]) -> m.Type:
    if not names:
        return t
    return replace(t, attributes=tuple((a, _q(ty, names)) for a, ty in t.attributes), base=_q(t.base, names))


def qualify(db: m.Database, names: dict[str, str]) -> m.Database:
    """The database with every type that names a model type printed unqualified written `schema.name`."""
    if not names:
        return db
    tables = tuple(replace(t, columns=tuple(replace(c, type=_q(c.type, names)) for c in t.columns))
                   for t in db.tables)
    functions = tuple(replace(f, returns=_q(f.returns, names),
                              arguments=tuple(replace(a, type=_q(a.type, names)) for a in f.arguments))
                      for f in db.functions)
    return replace(db, tables=tables, functions=functions, types=tuple(qualify_type(t, names) for t in db.types))
