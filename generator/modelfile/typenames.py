"""A type written in the model that names one of the model's own types (`types:`): its canonical form.

`chat_role` written in schema `app` is `app.chat_role` (quoted where PostgreSQL needs it, array brackets kept), as
format_type prints it off the search_path and as render writes it.
"""
from __future__ import annotations

import re

from schemagen.sqltext import base_type, qualified

_PART = re.compile(r'\s*(?:"((?:[^"]|"")+)"|([^".\s]+))\s*')


def declared(spec: dict) -> set[tuple[str, str]]:
    """(schema, name) of every type a database's spec declares: known before any column is built."""
    out = set()
    for sname, sspec in (spec.get("schemas") or {}).items():
        for tname in ((sspec or {}).get("types") or {}):
            out.add((sname, tname))
    return out


def _parts(base: str) -> list[str] | None:
    """`app.chat_role` -> ["app", "chat_role"], `"My Schema"."T"` -> ["My Schema", "T"]; None if not a name."""
    out, pos = [], 0
    while pos <= len(base):
        found = _PART.match(base, pos)
        if not found:
            return None
        out.append(found[1].replace('""', '"') if found[1] is not None else found[2])
        pos = found.end()
        if pos == len(base):
            return out
        if base[pos] != ".":
            return None
        pos += 1
    return None


def resolve(canonical: str, schema: str | None, types: set[tuple[str, str]]) -> str:
    """A canonical type naming a model type (unqualified: one of `schema`'s) as `schema.name[]`; others as is."""
    if not types:
        return canonical
    base = base_type(canonical)
    parts = _parts(base)
    if not parts or len(parts) > 2 or canonical[len(base):].strip("[] "):
        return canonical
    key = (parts[0], parts[1]) if len(parts) == 2 else (schema, parts[0])
    if key not in types:
        return canonical
    return qualified(*key) + "[]" * canonical.count("[]")


_ARRAYS = re.compile(r"(\s*\[\s*\]\s*)*$")


def written(text: str, schema: str | None, types: set[tuple[str, str]]) -> str | None:
    """A type as written that names a model type (quoted names may hold any character: `"Kind ☃"[]`), as
    `schema.name[]`; None when it names none."""
    arrays = _ARRAYS.search(text)
    parts = _parts(text[:arrays.start()].strip())
    if not parts or len(parts) > 2:
        return None
    key = (parts[0], parts[1]) if len(parts) == 2 else (schema, parts[0])
    return qualified(*key) + "[]" * arrays[0].count("[") if key in types else None
