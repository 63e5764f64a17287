"""Rules on indexes (of tables, materialized views and continuous aggregates) that the server would refuse late:
columns and expressions of the relation, what each method can do (unique, INCLUDE, order, gin's operator classes),
pgvector's methods (an operator class, at most 2,000 dimensions), storage parameters each method knows and the
ranges it takes, operator class names.
"""
from __future__ import annotations

import re

from schemagen import model as m
from schemagen.rules.context import Context
from schemagen.rules.expressions import expression
from schemagen.sqltext import base_type

GIN_TYPES = ("jsonb", "tsvector", "hstore")

# Storage parameters of each method: name -> (lowest, highest) for numbers, None for on/off/auto words.
PARAMETERS: dict[str, dict[str, tuple[int, int] | None]] = {
    "btree": {"fillfactor": (10, 100), "deduplicate_items": None},
    "hash": {"fillfactor": (10, 100)},
    "gist": {"fillfactor": (10, 100), "buffering": None},
    "spgist": {"fillfactor": (10, 100)},
    "gin": {"fastupdate": None, "gin_pending_list_limit": (64, 2_147_483_647)},
    "brin": {"pages_per_range": (1, 131_072), "autosummarize": None},
    "hnsw": {"m": (2, 100), "ef_construction": (4, 1000)},
    "ivfflat": {"lists": (1, 32_768)},
}
_WORDS = {"on", "off", "true", "false", "yes", "no", "1", "0", "auto"}
# pgvector: the types each method indexes, and the most dimensions it takes (pgvector 0.8).
VECTOR_LIMITS = {"vector": 2000, "halfvec": 4000, "bit": 64_000, "sparsevec": None}
_DIMENSIONS = re.compile(r"\((\d+)\)", re.A)
# A whole number as the server reads a storage parameter: ASCII digits (str.isdigit() and int() also take
# Arabic-Indic and full-width ones, which PostgreSQL refuses)
_WHOLE = re.compile(r"-?[0-9]+", re.A)
_OPCLASS = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?\Z")


def table_indexes(ck: Context, t: m.Table) -> None:
    """A table's indexes: the columns they name, and each index's rules."""
    cols = {c.name: c for c in t.columns}
    for ix in t.indexes:
        ck.need_columns(t, cols, [e.column for e in ix.elements if e.column], f"index {ix.name}", ix.source)
        ck.need_columns(t, cols, ix.include, f"index {ix.name} (include)", ix.source)
        index(ck, ix, cols, t.org, t)


def index(ck: Context, ix: m.Index, cols: dict | None, org: str | None, table: m.Table | None = None) -> None:
    """An index's rules (`cols`: the columns of its relation by name, None when unknown); its name is claimed in
    the schema's namespace by the caller."""
    names = set(cols) if cols is not None else None
    for e in ix.elements:
        expression(ck, ix.source, f"an expression of index {ix.name}", e.expression, org, names, exts=ck.exts,
                   where="index", table=table)
    expression(ck, ix.source, f"the WHERE of index {ix.name}", ix.where, org, names, exts=ck.exts, where="index",
               table=table)
    _names(ck, ix, org)
    _parameters(ck, ix, org)
    if ix.method in ("hnsw", "ivfflat"):
        _vector(ck, ix, cols, org)
    _method(ck, ix, cols, org)


def _method(ck: Context, ix: m.Index, cols: dict | None, org: str | None) -> None:
    """What the index's method can do."""
    if ix.method in ("hnsw", "ivfflat") and "vector" not in ck.exts:
        ck.add(ix.source, f"index method {ix.method} needs the extension `vector`", org)
    if ix.unique and ix.method != "btree":
        ck.add(ix.source, f"index {ix.name}: only btree indexes can be unique, not {ix.method}", org)
    if ix.include and ix.method not in ("btree", "gist", "spgist"):
        ck.add(ix.source, f"index {ix.name}: {ix.method} indexes cannot INCLUDE columns", org)
    if ix.method not in ("btree",) and any(e.descending or e.nulls_first is not None for e in ix.elements):
        ck.add(ix.source, f"index {ix.name}: {ix.method} indexes have no order (ASC/DESC, NULLS)", org)
    if ix.nulls_not_distinct and not ix.unique:
        ck.add(ix.source, f"index {ix.name}: nulls_not_distinct needs `unique: true`", org)
    if ix.method == "gin" and cols is not None:
        for e in ix.elements:
            col = cols.get(e.column) if e.column else None
            if col and not e.opclass and not (col.type.endswith("]") or base_type(col.type) in GIN_TYPES):
                ck.add(ix.source, f"index {ix.name}: gin has no default operator class for {col.type} (column "
                                  f"{e.column}); give `opclass:` or use btree", org)


def _names(ck: Context, ix: m.Index, org: str | None) -> None:
    for e in ix.elements:
        if e.opclass and not _OPCLASS.match(e.opclass):
            ck.add(ix.source, f"index {ix.name}: {e.opclass!r} is not an operator class name (`name` or "
                              "`schema.name`)", org)


def _parameters(ck: Context, ix: m.Index, org: str | None) -> None:
    known = PARAMETERS.get(ix.method, {})
    values = dict(ix.with_)
    for name, value in ix.with_:
        if name not in known:
            ck.add(ix.source, f"index {ix.name}: {ix.method} indexes have no storage parameter {name!r}"
                              + (f" (they take: {', '.join(known)})" if known else ""), org)
            continue
        limits = known[name]
        if limits is None:
            if value.lower() not in _WORDS:
                ck.add(ix.source, f"index {ix.name}: {name} takes on or off, not {value!r}", org)
        elif not _WHOLE.fullmatch(value) or not limits[0] <= int(value) <= limits[1]:
            ck.add(ix.source, f"index {ix.name}: {name} must be a whole number from {limits[0]:,} to "
                              f"{limits[1]:,}, not {value!r}", org)
    m_, ef = values.get("m", "16"), values.get("ef_construction", "64")
    if ix.method == "hnsw" and _WHOLE.fullmatch(m_) and _WHOLE.fullmatch(ef) and int(ef) < 2 * int(m_):
        ck.add(ix.source, f"index {ix.name}: hnsw needs ef_construction ({ef}) of at least twice m ({m_})", org)


def _vector(ck: Context, ix: m.Index, cols: dict | None, org: str | None) -> None:
    """pgvector has no default operator class for hnsw (nor for ivfflat on anything but vector), and indexes at
    most 2,000 dimensions of vector (4,000 of halfvec)."""
    for e in ix.elements:
        column = cols.get(e.column) if cols and e.column else None
        type_ = getattr(column, "type", None) if column is not None else None
        base = base_type(type_) if type_ else None
        what = f"index {ix.name} ({ix.method})"
        if base is not None and (base not in VECTOR_LIMITS or type_.endswith("]")):
            ck.add(ix.source, f"{what}: column {e.column} is {type_}; {ix.method} indexes vector, halfvec, bit or "
                              "sparsevec columns", org)
            continue
        if not e.opclass and not (ix.method == "ivfflat" and base == "vector"):
            ck.add(ix.source, f"{what}: give the operator class (`{{column: {e.column or '...'}, opclass: "
                              f"{base or 'vector'}_cosine_ops}}`, or _l2_ops, _ip_ops): pgvector has no default "
                              f"one for {ix.method}", org)
        if base is None:
            continue
        dims = _DIMENSIONS.search(type_)
        limit = VECTOR_LIMITS[base]
        if dims is None and base != "sparsevec":
            ck.add(ix.source, f"{what}: column {e.column} is {type_} without dimensions; an index needs them, "
                              f"as in {base}(1536)", org)
        elif dims and limit and int(dims[1]) > limit:
            ck.add(ix.source, f"{what}: column {e.column} has {int(dims[1]):,} dimensions; {ix.method} indexes at "
                              f"most {limit:,} of {base}" + (" (halfvec takes up to 4,000)" if base == "vector"
                                                             else ""), org)
