"""Keys: tables without a primary key, foreign keys no index serves, unique constraints that NULLs slip through."""
from __future__ import annotations

import re
from collections.abc import Iterator

from schemagen import model as m
from schemagen.lint.findings import Scope, name_of, rule

Found = Iterator[tuple[m.Source, str, str]]


@rule("SG101", "warning", "table-without-primary-key",
      "add `primary_key: [...]` (a natural key, or an identity column)")
def table_without_primary_key(scope: Scope) -> Found:
    """A plain table with no primary key and no unique key over NOT NULL columns: rows cannot be told apart,
    updated or deleted one by one, nor replicated logically. Hypertables are left alone: measurements often have
    no natural key, and any key of theirs must include the time column."""
    for t in scope.tables:
        if t.primary_key or t.hypertable or any(_not_null(t, cols) for cols in unique_keys(t)):
            continue
        yield t.source, name_of(t), f"table {name_of(t)} has no primary key"


@rule("SG102", "warning", "foreign-key-without-index",
      "add an index whose leading columns are the foreign key's columns")
def foreign_key_without_index(scope: Scope) -> Found:
    """Deleting or updating a referenced row scans the referencing table for its rows when no index leads with the
    foreign key's columns (and ON DELETE CASCADE does so for every deleted row)."""
    for t in scope.tables:
        leading = [cols for cols, partial in btree_keys(t) if not partial]
        for fk in t.foreign_keys:
            n = len(fk.columns)
            if not any(len(cols) >= n and set(cols[:n]) == set(fk.columns) for cols in leading):
                yield fk.source, f"{name_of(t)}.{fk.name}", (
                    f"foreign key {fk.name} ({', '.join(fk.columns)}) of {name_of(t)} has no index that leads with "
                    "its columns")


@rule("SG103", "error", "unique-over-nullable-columns",
      "make the nullable columns NOT NULL, or add `nulls_not_distinct: true` (PostgreSQL 15+)")
def unique_over_nullable(scope: Scope) -> Found:
    """A unique constraint or index over several columns, one of them nullable: NULLs are distinct, so any number
    of rows with the same other values and a NULL there pass. (A single nullable column is left alone: many rows
    without a value is what such a column usually means.)"""
    for t in scope.tables:
        for cols, source, what, nnd, where in _uniques(t):
            nullable = [c for c in cols if _nullable(t, c) and not _excluded_by(where, c)]
            if len(cols) > 1 and nullable and not nnd:
                yield source, f"{name_of(t)}.{what}", (
                    f"unique {what} ({', '.join(cols)}) of {name_of(t)}: {', '.join(nullable)} may be NULL, so "
                    "duplicates with a NULL there pass")


def _uniques(t: m.Table):
    for u in t.uniques:
        yield u.columns, u.source, u.name, u.nulls_not_distinct, None
    for ix in t.indexes:
        cols = columns_of(ix)
        if ix.unique and cols is not None:
            yield cols, ix.source, ix.name, ix.nulls_not_distinct, ix.where


def columns_of(ix: m.Index) -> tuple[str, ...] | None:
    """The index's key columns, None when one of its keys is an expression."""
    if any(e.column is None for e in ix.elements):
        return None
    return tuple(e.column for e in ix.elements)


def unique_keys(t: m.Table) -> list[tuple[str, ...]]:
    """The column lists the table's unique constraints and whole (non-partial) unique indexes enforce."""
    out = [u.columns for u in t.uniques]
    out += [cols for ix in t.indexes if ix.unique and not ix.where and (cols := columns_of(ix)) is not None]
    return out


def btree_keys(t: m.Table) -> list[tuple[tuple[str, ...], bool]]:
    """The column lists of the table's btree indexes, its primary key's and unique constraints' (each with whether
    it is partial): what can find rows by their leading columns."""
    out = [(t.primary_key.columns, False)] if t.primary_key else []
    out += [(u.columns, False) for u in t.uniques]
    out += [(cols, bool(ix.where)) for ix in t.indexes
            if ix.method == "btree" and (cols := columns_of(ix)) is not None]
    return out


def _nullable(t: m.Table, column: str) -> bool:
    c = t.column(column)
    pk = t.primary_key.columns if t.primary_key else ()
    return c is not None and not c.not_null and column not in pk


def _not_null(t: m.Table, cols: tuple[str, ...]) -> bool:
    return not any(_nullable(t, c) for c in cols)


def _excluded_by(where: str | None, column: str) -> bool:
    """The partial index's predicate keeps NULLs of column out (`col IS NOT NULL`)."""
    return bool(where) and re.search(rf'(?<![\w"]){re.escape(column)}"?\s+is\s+not\s+null', where, re.I) is not None
