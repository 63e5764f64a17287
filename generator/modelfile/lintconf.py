"""`lint: {ignore: [...]}` wherever the model file allows it: the codes `schemagen lint` leaves out there.

Read along the model's own structure (a database's schemas, a schema's tables, a table's columns and indexes, ...),
never by looking for a key named `lint` anywhere: a column or an index may well be called `lint`. Each setting is
kept with the dotted path of the object it is written on ("" for the model's own `lint:`), the path the object's
`Source` carries, so that a finding is ignored by the setting of its object or of any object around it.
"""
from __future__ import annotations

from collections.abc import Iterator

from schemagen.document import Document, PathT, dotted

Setting = tuple[str, tuple[str, ...], int, int]  # (dotted path of the object, codes, line and column of `ignore:`)

# A schema's objects by kind, and the parts of each kind that take their own `lint:` (mappings and lists).
_SCHEMA_KINDS = ("tables", "views", "materialized_views", "continuous_aggregates", "functions", "sequences")
_MAPPINGS = {"tables": ("columns", "indexes"), "materialized_views": ("indexes",),
             "continuous_aggregates": ("indexes",)}
_LISTS = {"tables": ("foreign_keys", "unique")}
_PARTS = {"tables": ("hypertable", "compression", "retention"), "continuous_aggregates": ("compression", "retention")}


def lint_ignores(doc: Document) -> tuple[Setting, ...]:
    """Every `lint: {ignore: [...]}` of the model file, in the order written."""
    return tuple((dotted(path), codes, *doc.where(path + ("lint", "ignore"), key=True))
                 for path, codes in _walk(doc.data))


Found = tuple[PathT, tuple[str, ...]]


def _walk(data: object) -> Iterator[Found]:
    yield from _own(data, ())
    for dname, db in _items(data, "databases"):
        dpath = ("databases", dname)
        yield from _own(db, dpath)
        for sname, schema in _items(db, "schemas"):
            spath = dpath + ("schemas", sname)
            yield from _own(schema, spath)
            for kind in _SCHEMA_KINDS:
                for oname, obj in _items(schema, kind):
                    yield from _object(kind, obj, spath + (kind, oname))


def _object(kind: str, obj: object, path: PathT) -> Iterator[Found]:
    yield from _own(obj, path)
    for part in _PARTS.get(kind, ()):
        yield from _own(_get(obj, part), path + (part,))
    for key in _MAPPINGS.get(kind, ()):
        for name, sub in _items(obj, key):
            yield from _own(sub, path + (key, name))
    for key in _LISTS.get(kind, ()):
        items = _get(obj, key)
        for i, sub in enumerate(items if isinstance(items, list) else ()):
            yield from _own(sub, path + (key, i))


def _own(obj: object, path: PathT) -> Iterator[Found]:
    codes = _get(_get(obj, "lint"), "ignore")
    if isinstance(codes, list):
        yield path, tuple(str(c) for c in codes)


def _get(obj: object, key: str) -> object:
    return obj.get(key) if isinstance(obj, dict) else None


def _items(obj: object, key: str) -> Iterator[tuple[str, object]]:
    found = _get(obj, key)
    if isinstance(found, dict):
        yield from found.items()
