"""Stage 5c, what changes behaviour though the model does not describe it: the drift check's second half.

The model says nothing of rules, row-level security, policies, grants, owners, UNLOGGED tables, replica
identities, view options (security_invoker, security_barrier, check_option), triggers that no longer fire, nor of
sequences, types, domains, procedures, aggregates, operators, collations or foreign tables. So what it expects of
those is PostgreSQL's default for an object created by the role that applies: none of them set, privileges as
acldefault() or ALTER DEFAULT PRIVILEGES give them, the owner of schemagen.history (the applying role) as owner,
and a serial or identity column reading the sequence `<table>_<column>_seq`. Four catalog queries
(generator/sql/{security,grants,objects,sequences}.sql) return only what differs from that, for every managed
schema at once, so the count stays fixed and the rows few. Settings of objects the model does not name are not
reported: the object itself is extra already. Left out on purpose (they change performance, not results or
access): storage parameters, statistics targets, column storage, a table's tablespace.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from schemagen import model as m
from schemagen.live.inspect import Catalog
from schemagen.naming import default_name
from schemagen.sqltext import qualified, quote_ident

BEHAVIOUR_QUERIES = ("security", "grants", "objects", "sequences")

# (schema, name) -> (kind, qualified name, org) of the model objects a live row can be about
_Index = dict[tuple[str, str], tuple[str, str, str]]
# what the differ turns into a Change: (org, kind, object, change, attribute, expected, actual)
Found = tuple[str, str, str, str, str, "str | None", "str | None"]

# security.sql's facts: the attribute reported, and what the model expects (PostgreSQL's default)
_DEFAULTS = {"row level security": "disabled", "force row level security": "disabled", "persistence": "logged",
             "replica identity": "default"}


@dataclass(frozen=True)
class Live:
    """The rows of the four queries, as read in the drift check's snapshot."""

    security: list[dict]
    grants: list[dict]
    objects: list[dict]
    sequences: list[dict]


def read(cat: Catalog, schemas: list[str] | None) -> Live:
    """Run the four queries (in the caller's transaction, through its Catalog, so that they are counted)."""
    p = {"schemas": None if schemas is None else sorted(schemas)}
    return Live(*(cat.rows(name, **p) for name in BEHAVIOUR_QUERIES))


def _index(expected: m.Database) -> tuple[_Index, _Index, _Index]:
    """Relations (tables, views, aggregates), functions and schemas of the expected side by catalog name."""
    relations: _Index = {}
    for kind, name, obj in expected.objects():
        if kind in ("table", "view", "materialized view", "continuous aggregate"):
            relations[(obj.schema, obj.name)] = (kind, name, obj.org or "")
    functions = {(f.schema, f.name): ("function", f.qname, "") for f in expected.functions}
    schemas = {(s.name, s.name): ("schema", qualified(None, s.name), "") for s in expected.schemas}
    return relations, functions, schemas


def _security(rows: list[dict], relations: _Index) -> Iterator[Found]:
    for r in rows:
        target = relations.get((r["schema"], r["name"]))
        if target is None:
            continue
        kind, name, org = target
        fact, part, actual = r["fact"], r["part"], r["actual"]
        if fact in ("rule", "policy"):  # the model has none: each is an extra part, shown with its definition
            yield org, kind, name, "extra", f"{fact} {part}", None, re.sub(r"\n\s*", " ", actual)
        elif fact == "trigger enabled":  # part: "trigger <name>" or "constraint <name>" (its internal triggers)
            yield org, kind, name, "changed", f"{part}: enabled", "enabled", actual
        elif fact == "option":
            yield org, kind, name, "changed", f"option {part}", None, actual
        else:
            yield org, kind, name, "changed", fact, _DEFAULTS[fact], actual


def _grants(rows: list[dict], relations: _Index, functions: _Index, schemas: _Index) -> Iterator[Found]:
    """Owners and privileges: a sequence's and a column's are reported on their table."""
    for r in rows:
        cls, prefix, key = r["class"], "", (r["schema"], r["name"])
        if cls == "relation" and r["kind"] == "S":
            if r["part"] is None or r["fact"] == "owner":
                continue  # a sequence no column owns is an extra object; an owned one has its table's owner
            prefix, key = f"sequence {quote_ident(r['name'])}: ", (r["schema"], r["part"])
        elif cls == "column":
            prefix = f"column {r['part']}: "
        if cls == "function" and r["kind"] != "f":
            continue  # procedures and aggregates are extra objects
        target = (functions if cls == "function" else schemas if cls == "schema" else relations).get(key)
        if target is None:
            continue
        kind, name, org = target
        if r["fact"] == "owner":
            yield org, kind, name, "changed", f"{prefix}owner", r["expected"], r["actual"]
        else:
            grantee = "PUBLIC" if r["grantee"] == "PUBLIC" else quote_ident(r["grantee"] or "?")
            yield org, kind, name, "changed", f"{prefix}privileges of {grantee}", r["expected"], r["actual"]


def _sequences(rows: list[dict], expected: m.Database) -> Iterator[Found]:
    """A serial or identity column of the model whose sequence is not `<table>_<column>_seq`, or a serial
    column whose default reads another sequence than the one it owns."""
    columns = {(t.schema, t.name, c.name): (t, c) for t in expected.tables for c in t.columns
               if c.serial or c.identity}
    for r in rows:
        found = columns.get((r["schema"], r["table"], r["column"]))
        if found is None:
            continue
        t, c = found
        attribute = f"column {c.name}: "
        want = default_name(t.name, c.name, "seq")
        if r["sequence"] != want:
            yield (t.org or "", "table", t.qname, "changed", attribute + "sequence", qualified(t.schema, want),
                   qualified(r["schema"], r["sequence"]))
        if c.serial and r["default_sequence"] and (r["default_schema"], r["default_sequence"]) != (
                r["schema"], r["sequence"]):
            yield (t.org or "", "table", t.qname, "changed", attribute + "default sequence",
                   qualified(r["schema"], r["sequence"]), qualified(r["default_schema"], r["default_sequence"]))


def _extra_objects(rows: list[dict]) -> Iterator[Found]:
    for r in rows:
        if r["kind"] == "operator":  # operator names are never quoted: shop.=== (integer, integer)
            name = f"{quote_ident(r['schema'])}.{r['name']} ({r['arguments']})"
        else:
            name = qualified(r["schema"], r["name"]) + ("" if r["arguments"] is None else f"({r['arguments']})")
        yield "", r["kind"], name, "extra", "", None, None


def changes(expected: m.Database, live: Live, *, extra_objects: bool = True) -> list[Found]:
    """What differs from the defaults on the expected side's objects (with --org, expected holds that org's
    objects only), and, with extra_objects, the objects of kinds the model does not describe."""
    relations, functions, schemas = _index(expected)
    out = [*_security(live.security, relations), *_grants(live.grants, relations, functions, schemas),
           *_sequences(live.sequences, expected)]
    if extra_objects:
        out += _extra_objects(live.objects)
    return out
