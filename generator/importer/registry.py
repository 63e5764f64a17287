"""The org registry recognised: a shared table with a text key column (its primary key or unique) holding one row
per org, that key in each. Each of its columns becomes a template of the registry's values when it reads the
same for every org once the key is written `{org}` (`values_{org}`); the first text column left whose values
differ is the orgs' names (`{org_name}`, preferring a column called name). Columns with a default or NULL in
every row are left to the table."""
from __future__ import annotations

from dataclasses import dataclass, field

from schemagen import model as m
from schemagen.importer.orgs import ORG, Recognised, templated

TEXT = ("text", "character varying", "character", "name")


@dataclass
class Registry:
    spec: dict
    names: dict[str, str]
    notes: list[str] = field(default_factory=list)


def _text(t: str) -> bool:
    """A text type (not an array of one: `character varying(10)[]`)."""
    return t.split("(")[0] in TEXT and not t.endswith("]")


Candidate = tuple[str, str, str, frozenset[str]]  # schema, table, key column, the columns with a default


def candidates(db: m.Database, found: Recognised) -> list[Candidate]:
    """(schema, table, key column, columns with a default) of each shared table that could be the registry."""
    if not found.keys:
        return []
    members = {(s, n) for (s, kind, _), names in found.members.items() if kind == "tables" for n in names.values()}
    out = []
    for t in db.tables:
        if (t.schema, t.name) in members:
            continue
        keys = [u.columns for u in t.uniques] + ([t.primary_key.columns] if t.primary_key else [])
        for cols in keys:
            column = t.column(cols[0]) if len(cols) == 1 else None
            if column and _text(column.type):
                out.append((t.schema, t.name, column.name, frozenset(
                    c.name for c in t.columns if c.default is not None or c.serial or c.identity)))
                break
    return out


def pick(cands: list[Candidate], rows: dict[tuple[str, str], list[dict]],
         found: Recognised) -> Registry | None:
    for schema, table, key, defaults in cands:
        found_rows = rows.get((schema, table)) or []
        by_key = {r.get(key): r for r in found_rows}
        if len(found_rows) == len(found.keys) and set(by_key) == set(found.keys):
            return _registry(schema, table, key, by_key, found, defaults)
    return None


def _registry(schema: str, table: str, key: str, by_key: dict[str, dict], found: Recognised,
              defaults: frozenset[str]) -> Registry:
    values: dict[str, str] = {key: ORG}
    names: dict[str, str] = {}
    notes = []
    name_column = None
    first = by_key[found.keys[0]]
    columns = sorted((c for c in first if c != key), key=lambda c: (c != "name", list(first).index(c)))
    for column in columns:
        seen = {k: by_key[k].get(column) for k in found.keys}
        if all(v is None for v in seen.values()):
            continue
        shapes = {templated(v, k) if isinstance(v, str) else v for k, v in seen.items()}
        if len(shapes) == 1 and isinstance(next(iter(shapes)), str) and ORG in next(iter(shapes)):
            values[column] = next(iter(shapes))
        elif name_column is None and all(isinstance(v, str) and v for v in seen.values()):
            name_column, names = column, dict(seen)
            values[column] = "{org_name}"
        elif column not in defaults:
            notes.append(f"column {column}: its values per org follow no template; left to the table")
    order = list(first)
    spec = {"table": f"{schema}.{table}", "key_column": key,
            "values": dict(sorted(values.items(), key=lambda kv: order.index(kv[0])))}
    return Registry(spec, names, notes)
