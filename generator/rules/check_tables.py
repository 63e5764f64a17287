"""Rules on a table and its columns: columns at all and not too many, keys of known columns within PostgreSQL's
limit of 32, unique constraints that repeat a key (PostgreSQL silently keeps one), checks that read only the
table's columns, column types, defaults, serial and identity columns.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.rules.context import Context, short
from schemagen.rules.expressions import default_constant_error, expression
from schemagen.rules.types import PSEUDO_TYPES, check_type
from schemagen.sqlparse import parse_expression
from schemagen.sqltext import INTEGER_TYPES, base_type

MAX_COLUMNS = 1600  # columns of a table
MAX_INDEX_KEYS = 32  # columns of an index, a key or a foreign key (INDEX_MAX_KEYS)


def table(ck: Context, t: m.Table) -> None:
    """Every rule of the table itself (its names: check_namespace; foreign keys, indexes, triggers and seed rows:
    their own rules)."""
    _size(ck, t)
    for c in t.columns:
        column(ck, t, c)
    _keys(ck, t)
    names = {c.name for c in t.columns}
    for k in t.checks:
        expression(ck, k.source, f"the check {k.name}", k.expression, t.org, names, exts=ck.exts, where="check",
                   table=t)


def _size(ck: Context, t: m.Table) -> None:
    org = t.org
    if not t.columns:
        ck.add(t.source, f"table {t.qname} has no columns", org)
    elif len(t.columns) > MAX_COLUMNS:
        ck.add(t.source, f"table {t.qname} has {len(t.columns):,} columns; PostgreSQL allows at most "
                         f"{MAX_COLUMNS:,}", org)
    keyed = [(t.primary_key.source, "the primary key", len(t.primary_key.columns))] if t.primary_key else []
    keyed += [(u.source, f"unique constraint {u.name}", len(u.columns)) for u in t.uniques]
    keyed += [(fk.source, f"foreign key {fk.name}", len(fk.columns)) for fk in t.foreign_keys]
    keyed += [(i.source, f"index {i.name}", len(i.elements) + len(i.include)) for i in t.indexes]
    for source, what, count in keyed:
        if count > MAX_INDEX_KEYS:
            ck.add(source, f"{what} has {count} columns; PostgreSQL allows at most {MAX_INDEX_KEYS} in a key or an "
                           "index (INCLUDE counted)", org)


def _keys(ck: Context, t: m.Table) -> None:
    """The primary key and unique constraints name columns of the table; none repeats another: CREATE TABLE keeps
    one of two identical key constraints (the primary key, else the first) and drops the other without a word,
    and the model would expect a constraint the database never has."""
    cols = {c.name: c for c in t.columns}
    if t.primary_key:
        ck.need_columns(t, cols, t.primary_key.columns, "the primary key", t.primary_key.source)
    for u in t.uniques:
        ck.need_columns(t, cols, u.columns, "a unique constraint", u.source)
    keys = [(t.primary_key.columns, False, "the primary key")] if t.primary_key else []
    for u in t.uniques:
        same = next((what for columns, nnd, what in keys if columns == u.columns and nnd == u.nulls_not_distinct),
                    None)
        if same:
            ck.add(u.source, f"unique constraint {u.name} on ({', '.join(u.columns)}) repeats {same}: PostgreSQL "
                             "keeps only one of them; drop it", t.org)
        keys.append((u.columns, u.nulls_not_distinct, f"unique constraint {u.name}"))


def column(ck: Context, t: m.Table, c: m.Column) -> None:
    org = t.org
    check_type(ck, c.source, c.type, org)
    if base_type(c.type) in PSEUDO_TYPES:
        ck.add(c.source, f"column {c.name} cannot be of type {c.type}: it is a pseudo-type, which only functions "
                         "take or return (PostgreSQL refuses it in a table)", org)
    what = f"the default of {t.name}.{c.name}"
    tree = expression(ck, c.source, what, c.default, org, allow_columns=False, exts=ck.exts, where="default")
    error = default_constant_error(tree, c.type) if tree is not None else None
    if error:
        ck.add(c.source, f"{what}: {error}", org)
    if c.serial and c.default is not None:
        ck.add(c.source, f"column {c.name} is serial: it has its own default (nextval); drop `default`", org)
    if c.identity:
        if c.serial or c.default is not None:
            ck.add(c.source, f"column {c.name}: an identity column has no serial type and no default", org)
        if base_type(c.type) not in INTEGER_TYPES or c.type.endswith("]"):
            ck.add(c.source, f"column {c.name}: an identity column must be smallint, integer or bigint, not "
                             f"{c.type}", org)


def sql_parses(ck: Context, t: m.Table) -> None:
    """Only that each piece of SQL parses: for the orgs after the first of a template (cached by text)."""
    texts = [(c.source, f"the default of {t.name}.{c.name}", c.default) for c in t.columns]
    texts += [(k.source, f"the check {k.name}", k.expression) for k in t.checks]
    texts += [(i.source, f"the WHERE of index {i.name}", i.where) for i in t.indexes]
    texts += [(i.source, f"an expression of index {i.name}", e.expression) for i in t.indexes for e in i.elements]
    texts += [(tr.source, f"the WHEN of trigger {tr.name}", tr.when) for tr in t.triggers]
    for source, what, text in texts:
        error = None if text is None else ck.sql(parse_expression, text, source)
        if isinstance(error, str):
            ck.add(source, f"{what} {error}: {short(text)}", t.org)
