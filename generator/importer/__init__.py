"""Stage import (offline): a live database as inspect read it (model.Database) -> model.yaml text.

Interface:
- recognise(db, orgs=True) -> Plan: the mappings of every object, the org templates recognised, and the shared
  tables that could be the org registry (their rows are data: the caller reads them, live/ does).
- write(plan, rows) -> Imported: the YAML text, the notes (what the model cannot express, object by object, each
  also a comment in the text at its place) and what was recognised, in words. rows: (schema, table) -> the rows
  of each registry candidate, as dicts.
Nothing here talks to a server; the text is the same for the same input.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from schemagen import model as m
from schemagen.importer import caggs, objects, orgs, registry
from schemagen.importer.yamltext import Commented, dump

KINDS = ("types", "sequences", "tables", "views", "materialized_views", "continuous_aggregates", "functions")
RELATIONS = ("tables", "views", "materialized_views", "continuous_aggregates")


@dataclass
class Plan:
    db: m.Database
    schemas: dict[str, dict[str, dict]]  # schema -> kind -> name -> mapping
    notes: dict[tuple[str, str, str], list[str]]  # (schema, kind, name) -> what the model cannot say of it
    found: orgs.Recognised = field(default_factory=orgs.Recognised)
    candidates: list[registry.Candidate] = field(default_factory=list)  # tables that could be the org registry
    loose: list[str] = field(default_factory=list)  # notes of objects the model has no place for


@dataclass
class Imported:
    text: str
    notes: list[str]  # "core.f: ..." one line each
    recognised: list[str]


def _serial_sequences(db: m.Database) -> set[tuple[str, str]]:
    """Sequences a serial column owns: `serial` says them."""
    return {(t.schema, f"{t.name}_{c.name}_seq") for t in db.tables for c in t.columns if c.serial}


def _objects(db: m.Database, plan: Plan) -> None:
    def put(schema: str, kind: str, name: str, spec: dict, notes=()) -> None:
        plan.schemas.setdefault(schema, {}).setdefault(kind, {})[name] = spec
        if notes:
            plan.notes.setdefault((schema, kind, name), []).extend(notes)

    for ty in db.types:
        put(ty.schema, "types", ty.name, objects.type_(ty))
    implied = _serial_sequences(db)
    for q in db.sequences:
        if (q.schema, q.name) not in implied:
            put(q.schema, "sequences", q.name, objects.sequence(q))
    for t in db.tables:
        put(t.schema, "tables", t.name, objects.table(t))
    for v in db.views:
        put(v.schema, "materialized_views" if v.materialized else "views", v.name, objects.view(v))
    for c in db.continuous_aggregates:
        spec, notes = caggs.cagg(c)
        put(c.schema, "continuous_aggregates", c.name, spec, notes)
    for f in db.functions:
        if f.name in plan.schemas.get(f.schema, {}).get("functions", {}):
            plan.notes.setdefault((f.schema, "functions", f.name), []).append(
                f"overloaded: {f.qname}{f.signature} is left out (the model has one function of a name per schema)")
            continue
        put(f.schema, "functions", f.name, objects.function(f))


def recognise(db: m.Database, *, find_orgs: bool = True) -> Plan:
    plan = Plan(db, {}, {})
    _objects(db, plan)
    if find_orgs:
        relations = {(s, kind, name): spec for s, kinds in plan.schemas.items() for kind in RELATIONS
                     for name, spec in kinds.get(kind, {}).items()}
        plan.found = orgs.recognise(relations)
        plan.candidates = registry.candidates(db, plan.found)
    return plan


_SAID = {"grants": "privileges or owner (grants are not imported yet)",
         "security": "row-level security, a rule or a setting the model does not import",
         "objects": "an object of a kind the model has no place for"}


def unexpressed(plan: Plan, grants: list[dict], security: list[dict], others: list[dict]) -> None:
    """The drift check's behaviour rows (live/behaviour.py: what differs from PostgreSQL's defaults) that the
    model cannot say yet: each a note at its object (or of the schema when no object of the model has its name)."""
    for what, rows in (("grants", grants), ("security", security), ("objects", others)):
        for r in rows:
            schema, name = r.get("schema") or "", r.get("name") or ""
            detail = ", ".join(f"{k} {v}" for k, v in r.items() if v is not None and k not in ("schema", "name")
                               and not k.startswith("?"))
            kinds = plan.schemas.get(schema, {})
            kind = next((k for k in KINDS if name in kinds.get(k, {})), None)
            text = f"{_SAID[what]}: {detail}"
            if kind:
                plan.notes.setdefault((schema, kind, name), []).append(text)
            else:
                plan.loose.append(f"{schema + '.' if schema else ''}{name}: {text}")


def _stamped(plan: Plan) -> None:
    """The org templates in place of their members (at the first member's place)."""
    for (schema, kind, template), members in plan.found.members.items():
        specs = plan.schemas[schema][kind]
        rebuilt = {}
        for name, spec in specs.items():
            if name in members.values():
                if template not in rebuilt:
                    rebuilt[template] = plan.found.templates[(schema, kind, template)]
                    for key, real in members.items():
                        for note in plan.notes.pop((schema, kind, real), []):
                            plan.notes.setdefault((schema, kind, template), []).append(f"{key}: {note}")
            else:
                rebuilt[name] = spec
        plan.schemas[schema][kind] = rebuilt


def _schemas(plan: Plan) -> dict:
    out = {}
    db = plan.db
    comments = {s.name: s.comment for s in db.schemas}
    for s in db.schemas:
        kinds = plan.schemas.get(s.name, {})
        if s.name == "public" and not kinds:
            continue  # every database has it: the model names it when it holds something
        spec: dict = {}
        if s.comment is not None and not (s.name == "public" and s.comment == "standard public schema"):
            spec["comment"] = comments[s.name]
        for kind in KINDS:
            if kinds.get(kind):
                spec[kind] = {name: _noted(plan, s.name, kind, name, value) for name, value in kinds[kind].items()}
        out[s.name] = spec
    return out


def _noted(plan: Plan, schema: str, kind: str, name: str, value):
    notes = plan.notes.get((schema, kind, name))
    return Commented(value, tuple(f"schemagen import: {n}" for n in notes)) if notes else value


def _extensions(db: m.Database) -> dict:
    return {e.name: ({"schema": e.schema} if e.schema and e.schema != "public" else None)
            for e in db.extensions if e.name != "plpgsql"}


def write(plan: Plan, rows: dict[tuple[str, str], list[dict]], *, source: str = "") -> Imported:
    found = plan.found
    reg = registry.pick(plan.candidates, rows, found) if found.keys else None
    _stamped(plan)
    names = reg.names if reg else {}
    document: dict = {"version": 1}
    if found.keys:
        document["orgs"] = [{"key": k, "name": names.get(k, k),
                             **({"overrides": found.overrides[k]} if found.overrides.get(k) else {})}
                            for k in found.keys]
    database: dict = {}
    extensions = _extensions(plan.db)
    if extensions:
        database["extensions"] = extensions
    if reg:
        database["org_registry"] = reg.spec
    database["schemas"] = _schemas(plan)
    document["databases"] = {plan.db.name: database}
    notes = [f"{schema}.{name}: {n}" for (schema, _, name), ns in sorted(plan.notes.items()) for n in ns]
    notes += plan.loose
    notes += [f"org_registry {reg.spec['table']}: {n}" for n in reg.notes] if reg else []
    recognised = _recognised(found, reg)
    header = ("yaml-language-server: $schema=./model.schema.json",
              "", f"Imported by `schemagen import`{' from ' + source if source else ''}: review it, then adopt "
                  "(README: adopting a live database).",
              *(f"schemagen import: not expressed: {n}" for n in plan.loose))
    return Imported(dump(document, header), notes, recognised)


def _recognised(found: orgs.Recognised, reg) -> list[str]:
    out = []
    if found.keys:
        out.append(f"orgs: {', '.join(found.keys)}")
        for (schema, _, template), members in found.members.items():
            out.append(f"template {schema}.{template}: {', '.join(members.values())}")
        for key, over in found.overrides.items():
            out.append(f"org {key} overrides " + ", ".join(f"{k} = {v}" for k, v in over.items()))
        if reg:
            out.append(f"org registry: {reg.spec['table']} (key column {reg.spec['key_column']})")
    out += [f"not an org template: {why}" for why in found.left]
    return out
