"""Org templates: the names an object gets per org, and stamping a built object out for each org.

A table, view or aggregate whose name contains `{org}` is built once; `compile_stamp` turns it into a function
that makes each org's copy by replacing `{org}` in every string of it, sharing whatever does not mention it, so
5,000 orgs cost 5,000 shallow copies rather than 5,000 builds. Default constraint names are worked out per org
(PostgreSQL shortens the real name, not the template's), and quoting decisions are made for the real names.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

from schemagen import model as m
from schemagen.naming import default_name
from schemagen.sqltext import Interval, quote_ident

ORG = "{org}"
ORG_NAME = "{org_name}"


class _DefaultName(str):
    """An org template's default constraint name, worked out per org: PostgreSQL shortens the real name
    (`values_acme_..._fkey`), not the template's."""

    def __new__(cls, table: str, columns: str | None, label: str):
        self = super().__new__(cls, default_name(table, columns, label))
        self.parts = (table, columns, label)
        return self


def default_name_for(table: str, columns: str | None, label: str) -> str:
    """default_name, or for a template's name one worked out per org when it is stamped."""
    if ORG in table or (columns and ORG in columns):
        return _DefaultName(table, columns, label)
    return default_name(table, columns, label)


def quote_template(name: str) -> str:
    """quote_ident for a name that may hold `{org}`: quoted exactly when the stamped name will need quotes
    (org keys are lower-case identifiers that are not keywords)."""
    if ORG not in name:
        return quote_ident(name)
    probe = name.replace(ORG, "x")
    return name if quote_ident(probe) == probe else quote_ident(name)


def qualified_template(schema: str, name: str) -> str:
    return f"{quote_template(schema)}.{quote_template(name)}"


# --- stamping ------------------------------------------------------------------------------------------------

Stamp = Callable[[str, str], object]


def compile_stamp(obj: object, comment: bool = False, skip_comments: bool = False) -> Stamp | None:
    """A function (org key, org name) -> obj with `{org}` filled in, or None when obj does not mention `{org}`.
    `{org_name}` is filled in comments only (it is free text; in SQL it could be anything)."""
    if isinstance(obj, _DefaultName):
        table, columns, label = obj.parts
        return lambda k, n: default_name(table.replace(ORG, k), columns.replace(ORG, k) if columns else columns,
                                         label)
    if isinstance(obj, str):
        if comment and ORG_NAME in obj:
            return lambda k, n: obj.replace(ORG, k).replace(ORG_NAME, n)
        return (lambda k, n: obj.replace(ORG, k)) if ORG in obj else None
    if isinstance(obj, tuple):
        parts = [compile_stamp(x, skip_comments=skip_comments) for x in obj]
        if not any(parts):
            return None
        return lambda k, n: tuple(p(k, n) if p else x for p, x in zip(parts, obj))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, (m.Source, Interval, type)):
        changes = [(f.name, s) for f in dataclasses.fields(obj)
                   if not (skip_comments and f.name == "comment")
                   and (s := compile_stamp(getattr(obj, f.name), f.name == "comment", skip_comments))]
        if not changes:
            return None

        def stamp(k: str, n: str) -> object:
            new = object.__new__(type(obj))
            new.__dict__.update(obj.__dict__)
            for name, s in changes:
                object.__setattr__(new, name, s(k, n))
            return new

        return stamp
    return None


def fill(template: str, org: m.Org) -> str:
    return template.replace(ORG, org.key).replace(ORG_NAME, org.name)


__all__ = ["ORG", "ORG_NAME", "default_name", "default_name_for", "compile_stamp", "quote_template",
           "qualified_template", "fill", "Stamp"]
