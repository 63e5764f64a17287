"""Sequences of their own (a schema's `sequences:`): every setting resolved to the value PostgreSQL's CREATE
SEQUENCE would pick when it is not written, so that render writes each one out and the drift check compares them
field by field with pg_sequence.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.document import PathT
from schemagen.modelfile.context import Context, comment_of
from schemagen.modelfile.security import grants


def resolved(as_type: str, increment: int, start: int | None, minimum: int | None, maximum: int | None) -> \
        tuple[int, int, int]:
    """(start, min, max) as PostgreSQL fills them in: an ascending sequence from 1 to its type's maximum, a
    descending one from its type's minimum to -1, starting at its min (ascending) or max (descending)."""
    low, high = m.SEQUENCE_TYPES.get(as_type, m.SEQUENCE_TYPES["bigint"])
    if minimum is None:
        minimum = 1 if increment > 0 else low
    if maximum is None:
        maximum = high if increment > 0 else -1
    if start is None:
        start = minimum if increment > 0 else maximum
    return start, minimum, maximum


def owned_by(written: str, tables: set[str]) -> tuple[str, str]:
    """`table.column` -> (table, column): split at the first dot whose left side is a table of the schema (a table
    name may hold dots), else at the first dot. A text without a dot is (text, "") and is refused by the rules."""
    for i, ch in enumerate(written):
        if ch == "." and written[:i] in tables:
            return written[:i], written[i + 1:]
    table, _, column = written.partition(".")
    return table, column


def sequence(ctx: Context, schema: str, name: str, spec: dict, path: PathT, tables: set[str]) -> m.Sequence:
    as_type = str(spec.get("as") or "bigint").lower()
    increment = spec.get("increment", 1)
    start, minimum, maximum = resolved(as_type, increment, spec.get("start"), spec.get("min"), spec.get("max"))
    owner = spec.get("owned_by")
    return m.Sequence(schema, name, as_type, start, increment, minimum, maximum, spec.get("cache", 1),
                      bool(spec.get("cycle", False)), None if owner is None else owned_by(str(owner), tables),
                      comment_of(spec), ctx.src(path), grants(ctx, spec, "sequence", path))
