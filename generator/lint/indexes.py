"""Indexes: those that duplicate a key or another index, those that are a prefix of another, and those on a column
of few distinct values (a boolean, an enum, a short CHECK-ed set), which a sequential scan beats."""
from __future__ import annotations

from collections.abc import Iterator

from schemagen import model as m
from schemagen.lint.findings import Scope, name_of, rule
from schemagen.lint.sqlbits import in_list_length

Found = Iterator[tuple[m.Source, str, str]]
Key = tuple[str, tuple[tuple[str, str | None, bool], ...], str | None]  # (method, keys: opclass, order; predicate)

MANY_VALUES = 10  # a CHECK (col IN (...)) of more values than this is not "few"


def _key(ix: m.Index) -> Key:
    """What finds the same rows the same way: method, keys (a btree reads both ways: the directions only as
    relative to the first key's), predicate."""
    first = ix.elements[0].descending if ix.elements else False
    keys = tuple((e.column or f"({e.expression})", e.opclass, e.descending != first) if ix.method == "btree"
                 else (e.column or f"({e.expression})", e.opclass, e.descending) for e in ix.elements)
    return ix.method, keys, ix.where


def _constraint_key(columns: tuple[str, ...]) -> Key:
    return "btree", tuple((c, None, False) for c in columns), None


def _keys(t: m.Table) -> list[tuple[str, Key]]:
    """The table's primary key and unique constraints as the btree indexes PostgreSQL builds for them."""
    out = [(f"primary key {t.primary_key.name}", _constraint_key(t.primary_key.columns))] if t.primary_key else []
    return out + [(f"unique constraint {u.name}", _constraint_key(u.columns)) for u in t.uniques]


def _indexed(scope: Scope) -> Iterator[tuple[m.Table, list[m.Index]]]:
    for t in scope.tables:
        if t.indexes:
            yield t, list(t.indexes)


@rule("SG111", "warning", "duplicate-index", "drop the index: the one it duplicates serves every query it serves")
def duplicate_index(scope: Scope) -> Found:
    """An index with the keys, method and predicate of the primary key, a unique constraint or an earlier index:
    it costs every write and serves nothing the other does not."""
    for t, indexes in _indexed(scope):
        seen = _keys(t)
        for ix in sorted(indexes, key=lambda ix: not ix.unique):  # unique ones first: a plain twin is the spare
            twin = next((what for what, key in seen if key == _key(ix)), None)
            if twin:
                yield ix.source, f"index {t.schema}.{ix.name}", (
                    f"index {ix.name} of {name_of(t)} duplicates {twin}")
            seen.append((f"index {ix.name}", _key(ix)))


@rule("SG112", "warning", "prefix-index",
      "drop the index: the longer one, with the same leading columns, serves its queries")
def prefix_index(scope: Scope) -> Found:
    """A plain btree index whose keys are the leading keys of another btree index, the primary key or a unique
    constraint (same predicate): the longer one finds the same rows, for little more reading."""
    for t, indexes in _indexed(scope):
        others = _keys(t) + [(f"index {ix.name}", _key(ix)) for ix in indexes if ix.method == "btree"]
        for ix in indexes:
            if ix.method != "btree" or ix.unique:
                continue
            method, keys, where = _key(ix)
            longer = next((what for what, (om, okeys, owhere) in others
                           if len(okeys) > len(keys) and okeys[:len(keys)] == keys and owhere == where), None)
            if longer:
                yield ix.source, f"index {t.schema}.{ix.name}", (
                    f"index {ix.name} of {name_of(t)} is a prefix of {longer}")


@rule("SG113", "warning", "low-cardinality-index",
      "drop it, or make it a partial index on the rare value (`where: NOT archived`)")
def low_cardinality_index(scope: Scope) -> Found:
    """A whole (non-partial) btree or hash index on one column of few values: each value matches a large share of
    the rows, where a sequential scan is cheaper than the index; every write still pays for it."""
    for t, indexes in _indexed(scope):
        for ix in indexes:
            if ix.method not in ("btree", "hash") or ix.where or ix.unique or len(ix.elements) != 1:
                continue
            column = t.column(ix.elements[0].column or "")
            few = column and _few_values(scope, t, column)
            if few:
                yield ix.source, f"index {t.schema}.{ix.name}", (
                    f"index {ix.name} of {name_of(t)} is on {column.name}, {few}")


def _few_values(scope: Scope, t: m.Table, column: m.Column) -> str | None:
    if column.type == "boolean":
        return "a boolean"
    if column.type in scope.enums:
        return f"an enum ({column.type})"
    for ck in t.checks:
        n = in_list_length(ck.expression, column.name)
        if n is not None and n <= MANY_VALUES:
            return f"one of {n} values (CHECK {ck.name})"
    return None
