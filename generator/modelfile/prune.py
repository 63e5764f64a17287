"""The model file without what the JSON Schema refused, so the semantic rules can still run in the same pass.

validate reports every error at once: when the structure is wrong in one place (a misspelt key, a list where a
mapping belongs), the rest of the file is still built and checked. The refused pieces are cut out of a copy of the
document (data and positions together, so every line number stays right): an unknown key alone, otherwise the
value the error is about, and, when a required key is missing, the object that lacks it. The names of what was cut
are returned (`s.t` for a schema's object, else `'name'`, as messages write them) so that a semantic error that
only follows from the cut ("unknown table s.t", "unknown column 'x'") is not reported.
"""
from __future__ import annotations

import copy

from schemagen.document import Document, PathT
from schemagen.modelfile.schema import refused

MAX_ROUNDS = 5  # cutting a value can leave its parent incomplete: cut again, a few times at most


def pruned(doc: Document) -> tuple[Document, set[str]] | None:
    """A copy of doc that the JSON Schema accepts, and the names it lost; None when none is found in a few rounds."""
    doc = Document(doc.file, copy.deepcopy(doc.data), copy.deepcopy(doc.pos))
    lost: set[str] = set()
    for _ in range(MAX_ROUNDS):
        cuts = sorted(set(refused(doc.data)), key=_order, reverse=True)  # deepest and last first: indexes hold
        if not cuts:
            return doc, lost
        for path, keys in cuts:
            if not path and not keys:
                return None  # the whole file is refused
            _cut(doc, path, keys, lost)
    return None


def _order(cut: tuple[PathT, tuple[str, ...]]) -> tuple:
    path, _ = cut
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in path)


def _cut(doc: Document, path: PathT, keys: tuple[str, ...], lost: set[str]) -> None:
    """Remove the unknown keys of the object at path, or (no keys) the value at path from its parent."""
    if keys:
        parent, pos = doc.data_at(path), _pos_at(doc, path)
        for k in keys:
            _remove(parent, pos, k, lost)
        return
    if not path:
        return
    parent, pos = doc.data_at(path[:-1]), _pos_at(doc, path[:-1])
    if len(path) >= 2 and path[-2] in COLLECTIONS and isinstance(path[-1], str):  # `tables: {gone: ...}`
        lost.add(_qualified(path))
    _remove(parent, pos, path[-1], lost)


def _qualified(path: PathT) -> str:
    """`schemas.s.tables.t` -> `s.t` (as messages name it); an object outside a schema by its quoted name."""
    if len(path) >= 4 and path[-4] == "schemas" and isinstance(path[-3], str):
        return f"{path[-3]}.{path[-1]}"
    return f"'{path[-1]}'"


def _remove(parent, pos, part, lost: set[str]) -> None:
    if isinstance(parent, dict) and part in parent:
        _names(parent[part], lost)
        del parent[part]
        if pos is not None and isinstance(pos.children, dict):
            pos.children.pop(part, None)
    elif isinstance(parent, list) and isinstance(part, int) and 0 <= part < len(parent):
        _names(parent[part], lost)
        del parent[part]
        if pos is not None and isinstance(pos.children, list) and part < len(pos.children):
            del pos.children[part]


COLLECTIONS = frozenset({"databases", "schemas", "tables", "columns", "indexes", "functions", "views", "types",
                         "sequences", "continuous_aggregates", "orgs", "templates"})


def _names(value, lost: set[str]) -> None:
    """The names a removed value defined: its `name`, and the named objects of its collections, at any depth."""
    if isinstance(value, dict):
        if isinstance(value.get("name"), str):
            lost.add(f"'{value['name']}'")
        for k, v in value.items():
            if k in COLLECTIONS and isinstance(v, dict):
                lost.update(f"'{n}'" for n in v if isinstance(n, str))
            if k in COLLECTIONS and isinstance(v, (dict, list)):
                for item in (v.values() if isinstance(v, dict) else v):
                    _names(item, lost)


def _pos_at(doc: Document, path: PathT):
    node = doc.pos
    for part in path:
        kids = node.children if node is not None else None
        if isinstance(kids, dict) and part in kids:
            node = kids[part]
        elif isinstance(kids, list) and isinstance(part, int) and 0 <= part < len(kids):
            node = kids[part]
        else:
            return None
    return node
