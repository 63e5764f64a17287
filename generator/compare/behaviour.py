"""What changes behaviour though the model does not describe it: the drift check's second half, compared.

The model says nothing of rules, row-level security, policies, grants, owners, UNLOGGED tables, replica
identities, view options, triggers that no longer fire, nor of sequences, types, domains, procedures, aggregates,
operators, collations or foreign tables; what it expects of those is PostgreSQL's default for an object created by
the role that applies. live/behaviour.py reads only what differs from that (four catalog queries); this turns its
rows into Changes on the model's objects. Settings of objects the model does not name are not reported: the object
itself is extra already.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from schemagen import model as m
from schemagen.changes import Change, Part
from schemagen.compare import security
from schemagen.compare.keys import object_key
from schemagen.compare.sequences import owned_columns
from schemagen.naming import default_name
from schemagen.sqltext import qualified

# (schema, name) -> (key, org) of the model objects a live row can be about
_Index = dict[tuple[str, str], tuple[m.ObjectKey, str]]
# what a row says about an object: (key, org, change, part, expected, actual)
_Found = tuple[m.ObjectKey, str, str, Part, "str | None", "str | None"]

# security.sql's facts: the attribute reported, and what the model expects (PostgreSQL's default)
_DEFAULTS = {"row level security": "disabled", "force row level security": "disabled", "persistence": "logged",
             "replica identity": "default"}


class LiveRows(Protocol):
    """The rows of live/behaviour.py's four queries."""

    security: list[dict]
    grants: list[dict]
    objects: list[dict]
    sequences: list[dict]


def _index(expected: m.Database) -> tuple[_Index, _Index, _Index]:
    """Relations (tables, views, aggregates), functions and schemas of the expected side by catalog name."""
    relations: _Index = {}
    for kind, _, obj in expected.objects():
        if kind in ("table", "view", "materialized view", "continuous aggregate", "sequence"):
            relations[(obj.schema, obj.name)] = (object_key(kind, obj), obj.org or "")
    # the catalog rows name a function without its arguments; the model has one function per name
    functions = {(f.schema, f.name): (object_key("function", f), "") for f in expected.functions}
    schemas = {(s.name, s.name): (object_key("schema", s), "") for s in expected.schemas}
    return relations, functions, schemas


def _security(rows: list[dict], relations: _Index, triggers: dict[tuple[str, str], set[str]]) -> Iterator[_Found]:
    for r in rows:
        target = relations.get((r["schema"], r["name"]))
        if target is None:
            continue
        key, org = target
        fact, part, actual = r["fact"], r["part"], r["actual"]
        if fact in ("rule", "policy"):  # the model has none: each is an extra part, shown with its definition
            yield key, org, "extra", (fact, part), None, re.sub(r"\n\s*", " ", actual)
        elif fact == "trigger enabled":  # part: "trigger <name>" or "constraint <name>" (its internal triggers)
            what, name = part.split(" ", 1)
            if what == "trigger" and name in triggers.get((r["schema"], r["name"]), ()):
                continue  # the model's own trigger: its `enabled:` is compared with the table (compare/facts.py)
            yield key, org, "changed", (what, name, "enabled"), "enabled", actual
        elif fact == "option":
            yield key, org, "changed", ("option", part), None, actual
        else:
            yield key, org, "changed", (fact,), _DEFAULTS[fact], actual


def _grants(rows: list[dict], relations: _Index, functions: _Index, schemas: _Index) -> Iterator[_Found]:
    """Owners and privileges: a sequence's and a column's are reported on their table."""
    for r in rows:
        cls, prefix, key = r["class"], (), (r["schema"], r["name"])
        if cls == "relation" and r["kind"] == "S" and (r["schema"], r["name"]) in relations:
            pass  # a declared sequence (`sequences:`): its owner and grants are its own
        elif cls == "relation" and r["kind"] == "S":
            if r["part"] is None or r["fact"] == "owner":
                continue  # a sequence no column owns is an extra object; an owned one has its table's owner
            prefix, key = ("sequence", r["name"]), (r["schema"], r["part"])
        elif cls == "column":
            prefix = ("column", r["part"])
        if cls == "function" and r["kind"] != "f":
            continue  # procedures and aggregates are extra objects
        target = (functions if cls == "function" else schemas if cls == "schema" else relations).get(key)
        if target is None:
            continue
        obj, org = target
        if r["fact"] == "owner":
            yield obj, org, "changed", (*prefix, "owner"), r["expected"], r["actual"]
        else:
            yield obj, org, "changed", (*prefix, "privileges of", r["grantee"] or ""), r["expected"], r["actual"]


def _sequences(rows: list[dict], expected: m.Database) -> Iterator[_Found]:
    """A serial or identity column of the model whose sequence is not `<table>_<column>_seq`, or a serial
    column whose default reads another sequence than the one it owns."""
    columns = {(t.schema, t.name, c.name): (t, c) for t in expected.tables for c in t.columns
               if c.serial or c.identity}
    declared = owned_columns(expected)  # a column owning a declared sequence reads as serial when owned so
    tables = {(t.schema, t.name): t for t in expected.tables} if declared else {}
    for r in rows:
        where = (r["schema"], r["table"], r["column"])
        found = columns.get(where)
        if where in declared:  # owned by another sequence: the column's default and the sequence's owned_by say so
            found = (tables[where[:2]], m.Column(r["column"], "", serial=True)) \
                if r["sequence"] == declared[where].name and where[:2] in tables else None
        if found is None:
            continue
        t, c = found
        key, org = object_key("table", t), t.org or ""
        want = declared[where].name if where in declared else default_name(t.name, c.name, "seq")
        if r["sequence"] != want:
            yield (key, org, "changed", ("column", c.name, "sequence"), qualified(t.schema, want),
                   qualified(r["schema"], r["sequence"]))
        if c.serial and r["default_sequence"] and (r["default_schema"], r["default_sequence"]) != (
                r["schema"], r["sequence"]):
            yield (key, org, "changed", ("column", c.name, "default sequence"), qualified(r["schema"], r["sequence"]),
                   qualified(r["default_schema"], r["default_sequence"]))


def _extra_objects(rows: list[dict]) -> Iterator[_Found]:
    """Objects of kinds the model has none of; a procedure's, aggregate's or operator's key has its arguments."""
    for r in rows:
        signature = "" if r["arguments"] is None else f"({r['arguments']})"
        yield m.ObjectKey(r["kind"], r["schema"], r["name"], signature), "", "extra", (), None, None


def changes(expected: m.Database, live: LiveRows, *, extra_objects: bool = True,
            printed: security.Printed | None = None) -> list[Change]:
    """What differs from the defaults on the expected side's objects (with --org, expected holds that org's
    objects only), and, with extra_objects, the objects of kinds the model does not describe."""
    relations, functions, schemas = _index(expected)
    # the model's grants and row_level_security replace the defaults for what they name (compare/security.py)
    rls_rows, grant_rows = security.unclaimed(expected, live.security, live.grants)
    triggers = {(t.schema, t.name): {tr.name for tr in t.triggers} for t in expected.tables}
    found = [*_security(rls_rows, relations, triggers), *_grants(grant_rows, relations, functions, schemas),
             *_sequences(live.sequences, expected),
             *security.grant_changes(expected, getattr(live, "model_grants", [])),
             *security.rls_changes(expected, live.security, printed or {})]
    if extra_objects:
        found += _extra_objects(live.objects)
    return [Change(expected.name, org, key, change, part, value, actual)
            for key, org, change, part, value, actual in found]
