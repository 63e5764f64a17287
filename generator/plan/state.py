"""A database's fingerprint: the sha256 of its canonical form, what a plan file says it starts from.

Apart from the planner so that `apply --plan`, which checks a database's fingerprint before it runs a plan, loads
this and not the operations and their templates.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json

from schemagen import model as m


@functools.cache
def _compared(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.compare)


def _canonical(obj: object) -> object:
    """A database as plain JSON values, only what is compared (no source positions, no spelling)."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, (tuple, list)):
        return [_canonical(x) for x in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {"": type(obj).__name__} | {name: _canonical(getattr(obj, name)) for name in _compared(type(obj))}
    return repr(obj)


def fingerprint(db: m.Database) -> str:
    text = json.dumps(_canonical(db), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
