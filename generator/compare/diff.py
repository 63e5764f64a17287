"""The comparison: two model.Database objects in, Changes out (no server, no output).

In the drift check (commands/drift.py) the expected side comes from the loader, its free-form SQL and types
printed by the server (live/normalize.py), the actual one from the catalogs (live/inspect.py). Objects are keyed
by kind and name (keys.py); drift is set arithmetic on those keys: missing = expected - actual, extra = actual -
expected (only in the schemas the model manages), changed = keys in both whose objects differ. Functions are
matched by name, and by signature where a name has several (overloads): one function's drift is never another's.
A changed object is flattened into facts (facts.py) and each differing fact is one Change with the expected and
the actual value.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from schemagen import model as m
from schemagen.changes import Change, Part
from schemagen.compare.facts import cagg_facts, compare_facts, function_facts, table_facts, view_facts
from schemagen.compare.keys import object_key, signature
from schemagen.compare.orgs import Template, org_of, templates
from schemagen.compare.sequences import not_extra, sequence_facts
from schemagen.compare.types import type_facts
from schemagen.model import replace

Found = tuple[str, Part, object, object]  # (change, part, expected, actual)


def _without_default_indexes(expected: m.Table, actual: m.Table) -> m.Table:
    """create_hypertable adds `<table>_<time column>_idx` (and `<table>_<space column>_<time column>_idx` per
    hash dimension): TimescaleDB's, not drift, unless the model names an index so or turned them off."""
    ht = expected.hypertable
    if not ht or not ht.create_default_indexes or not actual.hypertable:
        return actual
    own = {f"{actual.name}_{ht.time_column}_idx"}
    own |= {f"{actual.name}_{d.column}_{ht.time_column}_idx" for d in ht.dimensions if d.partitions}
    own -= {i.name for i in expected.indexes}
    return replace(actual, indexes=tuple(i for i in actual.indexes if i.name not in own))


def _same_table(e: m.Table, a: m.Table) -> bool:
    """A quick check that no fact of the table differs (most tables of a drift check): `==` of the parts is
    stricter than the facts (order, optional values), so False only means "compare the facts"."""
    return (e.columns == a.columns and e.primary_key == a.primary_key and e.comment == a.comment
            and e.hypertable == a.hypertable and e.compression == a.compression and e.retention == a.retention
            and set(e.uniques) == set(a.uniques) and set(e.foreign_keys) == set(a.foreign_keys)
            and set(e.checks) == set(a.checks) and set(e.indexes) == set(a.indexes)
            and set(e.triggers) == set(a.triggers))


def _table_changes(e: m.Table, a: m.Table) -> Iterator[Found]:
    a = _without_default_indexes(e, a)
    if _same_table(e, a):
        return
    common = {c.name for c in e.columns} & {c.name for c in a.columns}
    want, have = (tuple(c.name for c in t.columns if c.name in common) for t in (e, a))
    if want != have:
        yield "changed", ("column order",), want, have
    yield from compare_facts(table_facts(e), table_facts(a))


def _object_changes(kind: str, e, a) -> Iterator[Found]:
    """What differs between two versions of one object."""
    if kind == "extension":
        if e.version and e.version != a.version:
            yield "changed", ("version",), e.version, a.version
        if e.schema and e.schema != a.schema:
            yield "changed", ("schema",), e.schema, a.schema
    elif kind == "schema":  # `public` has a comment of its own: compared only when the model gives one
        if (e.comment is not None or e.name != "public") and e.comment != a.comment:
            yield "changed", ("comment",), e.comment, a.comment
    elif kind == "table":
        yield from _table_changes(e, a)
    elif kind in ("view", "materialized view"):
        yield from compare_facts(view_facts(e), view_facts(a))
    elif kind == "continuous aggregate":
        yield from compare_facts(cagg_facts(e), cagg_facts(a))
    elif kind == "type":
        yield from compare_facts(type_facts(e), type_facts(a))
    elif kind == "sequence":
        yield from compare_facts(sequence_facts(e), sequence_facts(a))
    else:
        yield from compare_facts(function_facts(e), function_facts(a))


# --- pairing the objects of both sides -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Pair:
    kind: str  # the expected side's kind (a view that became a materialized view is one change)
    expected: object | None
    actual: object | None
    overloaded: bool = False  # a function whose name has several signatures on a side


def _by_name(d: m.Database) -> dict[tuple[str, str, str], tuple[str, object]]:
    """(group, schema, name) -> (kind, object), functions left out; views and materialized views share a group so
    that a view that became a materialized view is one change, not a missing and an extra object."""
    out = {}
    for kind, _, obj in d.objects():
        if kind != "function":
            key = object_key(kind, obj)
            out[("view" if kind == "materialized view" else kind, key.schema, key.name)] = (kind, obj)
    return out


def _function_pairs(want: Iterable[m.Function], have: Iterable[m.Function]) -> Iterator[_Pair]:
    """By name where each side has at most one function of that name (a changed argument list is a change of
    it), else by signature."""
    names: dict[tuple[str, str], tuple[list[m.Function], list[m.Function]]] = {}
    for side, functions in enumerate((want, have)):
        for f in functions:
            names.setdefault((f.schema, f.name), ([], []))[side].append(f)
    for e_side, a_side in names.values():
        if len(e_side) <= 1 and len(a_side) <= 1:
            yield _Pair("function", next(iter(e_side), None), next(iter(a_side), None))
            continue
        e_by, a_by = ({signature(f): f for f in fs} for fs in (e_side, a_side))
        for sig in e_by.keys() | a_by.keys():
            yield _Pair("function", e_by.get(sig), a_by.get(sig), overloaded=True)


def _pairs(expected: m.Database, actual: m.Database) -> Iterator[_Pair]:
    want, have = _by_name(expected), _by_name(actual)
    for group in want.keys() | have.keys():
        (kind, e), (akind, a) = want.get(group, (None, None)), have.get(group, (None, None))
        yield _Pair(kind or akind, e, a)
    yield from _function_pairs(expected.functions, actual.functions)


# --- comparing databases -------------------------------------------------------------------------------------

def _org(e, a, patterns: list[Template], orgs: tuple[str, ...]) -> str:
    """The expected side's org, or the one a live object's name says."""
    return getattr(e, "org", None) or (
        org_of(a.schema, a.name, patterns, orgs) if isinstance(a, (m.Table, m.View, m.ContinuousAggregate))
        else "") or ""


def diff(expected: m.Database, actual: m.Database, *, managed_schemas: Iterable[str] | None = None,
         known_orgs: Iterable[str] | None = None) -> list[Change]:
    """Every difference between two databases, sorted. Extra objects count only in the managed schemas (default:
    the expected side's schemas); an org object's org is the expected side's, or inferred from its name."""
    out: list[Change] = []
    patterns = templates(expected)
    orgs = tuple(expected.orgs if known_orgs is None else known_orgs)
    managed = {s.name for s in expected.schemas} if managed_schemas is None else set(managed_schemas)
    for p in _pairs(expected, actual):
        e, a = p.expected, p.actual
        key = object_key(p.kind, e if e is not None else a)
        org = _org(e, a, patterns, orgs)
        if a is None:
            found: Iterable[Found] = [("missing", (), None, None)]
        elif e is None:
            # extensions the model does not name (plpgsql, ...) and schemas it does not manage are not its business
            extra = p.kind != "extension" and (a.name if p.kind == "schema" else a.schema) in managed \
                and not (p.kind == "sequence" and not_extra(a))
            found = [("extra", (), None, None)] if extra else []
        else:
            found = _object_changes(p.kind, e, a)
        out += [Change(expected.name, org, key, change, part, value, actual_value, p.overloaded)
                for change, part, value, actual_value in found]
    return sorted(out, key=Change.sort_key)
