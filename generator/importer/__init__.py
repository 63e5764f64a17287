"""Stage import (offline): a live database as inspect read it (model.Database) -> model.yaml text.

Interface:
- recognise(db, find_orgs=True, live=Behaviour(...)) -> Plan: the mappings of every object (with their grants and
  row-level security, from the drift check's behaviour rows), the org templates recognised, the shared tables that
  could be the org registry (their rows are data: the caller reads them, live/ does), and notes of what the behaviour
  rows say that the model cannot.
- write(plan, rows, seed_rows=...) -> Imported: the YAML text, the notes (what the model cannot express, object by
  object, each also a comment in the text at its place) and what was recognised, in words. rows: (schema, table)
  -> the rows of each registry candidate, as dicts; seed_rows: (schema, table) -> the rows of each lookup table
  (plan.lookups) holding few enough, as record texts (seeds.py).
Nothing here talks to a server; the text is the same for the same input.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from schemagen import model as m
from schemagen.importer import caggs, objects, orgs, registry, security, seeds
from schemagen.importer.objects import SERIAL_TYPES
from schemagen.importer.yamltext import Commented, dump
from schemagen.naming import default_name
from schemagen.sqltext import qualified, quote_literal

KINDS = ("types", "sequences", "tables", "views", "materialized_views", "continuous_aggregates", "functions")
RELATIONS = ("tables", "views", "materialized_views", "continuous_aggregates")


@dataclass(frozen=True)
class Behaviour:
    """The rows live/behaviour.py reads for the drift check (security, grants, objects) and import_policies.sql's."""

    security: list[dict] = field(default_factory=list)
    grants: list[dict] = field(default_factory=list)
    objects: list[dict] = field(default_factory=list)
    policies: list[dict] = field(default_factory=list)
    default_privileges: list[dict] = field(default_factory=list)  # import_default_privileges.sql's rows


@dataclass
class Plan:
    db: m.Database
    schemas: dict[str, dict[str, dict]]  # schema -> kind -> name -> mapping
    notes: dict[tuple[str, str, str], list[str]]  # (schema, kind, name) -> what the model cannot say of it
    found: orgs.Recognised = field(default_factory=orgs.Recognised)
    candidates: list[registry.Candidate] = field(default_factory=list)  # tables that could be the org registry
    loose: list[str] = field(default_factory=list)  # notes of objects the model has no place for
    schema_grants: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # schema -> its own grants
    lookups: list[seeds.Candidate] = field(default_factory=list)  # tables whose rows may be seed rows


@dataclass
class Imported:
    text: str
    notes: list[str]  # "core.f: ..." one line each
    recognised: list[str]


def _serials(db: m.Database, granted: set[tuple[str, str]]) -> tuple[set[tuple[str, str]],
                                                                     dict[tuple[str, str, str], str]]:
    """The sequences `serial` says (a NOT NULL integer column owning `<table>_<column>_seq` through its default),
    and the default of each other column owning a sequence so: it keeps its nextval(), the sequence is declared
    with `owned_by` (serial would make the column NOT NULL, or name another sequence, or the sequence has grants
    of its own: `granted`, which only a declared sequence can say)."""
    owned = {(q.schema, *q.owned_by): q for q in db.sequences if q.owned_by}
    implied, defaults = set(), {}
    for t in db.tables:
        for c in t.columns:
            q = owned.get((t.schema, t.name, c.name)) if c.serial else None
            if q is None:
                continue
            if c.not_null and c.type in SERIAL_TYPES and q.name == default_name(t.name, c.name, "seq") \
                    and (q.schema, q.name) not in granted:
                implied.add((q.schema, q.name))
            else:
                name = quote_literal(qualified(q.schema, q.name))
                defaults[(t.schema, t.name, c.name)] = f"nextval({name}::regclass)"
    return implied, defaults


def _unserial(t: m.Table, defaults: dict[tuple[str, str, str], str]) -> m.Table:
    if not any((t.schema, t.name, c.name) in defaults for c in t.columns):
        return t
    return replace(t, columns=tuple(replace(c, serial=False, default=defaults[(t.schema, t.name, c.name)])
                                    if (t.schema, t.name, c.name) in defaults else c for c in t.columns))


def _objects(db: m.Database, plan: Plan, granted: set[tuple[str, str]]) -> None:
    def put(schema: str, kind: str, name: str, spec: dict, notes=()) -> None:
        plan.schemas.setdefault(schema, {}).setdefault(kind, {})[name] = spec
        if notes:
            plan.notes.setdefault((schema, kind, name), []).extend(notes)

    for ty in db.types:
        put(ty.schema, "types", ty.name, objects.type_(ty))
    implied, defaults = _serials(db, granted)
    for q in db.sequences:
        if (q.schema, q.name) not in implied:
            put(q.schema, "sequences", q.name, objects.sequence(q))
    for t in db.tables:
        put(t.schema, "tables", t.name, objects.table(_unserial(t, defaults)))
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


def recognise(db: m.Database, *, find_orgs: bool = True, live: Behaviour | None = None) -> Plan:
    plan, live = Plan(db, {}, {}), live or Behaviour()
    _objects(db, plan, {(r["schema"], r["name"]) for r in live.grants
                        if r["class"] == "relation" and r["kind"] == "S" and r["fact"] == "privileges"})
    _security(plan, live)
    if find_orgs:
        plan.found = orgs.recognise(_relations(plan))
        plan.candidates = registry.candidates(db, plan.found)
    org_tables = {(s, n) for (s, kind, _), names in plan.found.members.items() if kind == "tables"
                  for n in names.values()}
    plan.lookups = seeds.candidates(db, org_tables)
    return plan


def _relations(plan: Plan) -> dict[orgs.Rel, dict]:
    return {(s, kind, name): spec for s, kinds in plan.schemas.items() for kind in RELATIONS
            for name, spec in kinds.get(kind, {}).items()}


def _security(plan: Plan, live: Behaviour) -> None:
    """Grants and row-level security into the objects' mappings (before orgs are recognised: an org table's are
    part of its template); the rest of the behaviour rows are notes."""
    kinds = {(s, name): kind for s, ks in plan.schemas.items() for kind in (*RELATIONS, "sequences")
             for name in ks.get(kind, {})}
    overloaded = {k for k, n in Counter((f.schema, f.name) for f in plan.db.functions).items() if n > 1}
    found = security.read(live.grants, live.security, live.policies, kinds, overloaded)
    for (schema, kind, name), granted in found.grants.items():
        if kind == "schema":
            plan.schema_grants[schema] = granted
        else:
            plan.schemas[schema][kind][name]["grants"] = granted
    # a trigger's state (`enabled:`) is the model's, read by inspect; a constraint's internal triggers' is not
    triggers = {(t.schema, t.name, f"trigger {g.name}") for t in plan.db.tables for g in t.triggers}
    left = [r for r in live.security if r["fact"] not in security.RLS_FACTS
            and not (r["fact"] == "trigger enabled" and (r["schema"], r["name"], r["part"]) in triggers)]
    for (schema, name), spec in found.row_security.items():
        table = plan.schemas.get(schema, {}).get("tables", {}).get(name)
        if table is None:
            left += [r for r in live.security if (r["schema"], r["name"]) == (schema, name)
                     and r["fact"] in security.RLS_FACTS]
        else:
            table["row_level_security"] = spec
    for where, notes in found.notes.items():
        plan.notes.setdefault(where, []).extend(notes)
    unexpressed(plan, found.left, left, live.objects)
    plan.loose += [security.default_privileges(r) for r in live.default_privileges]


_SAID = {"grants": "privileges or owner of an object the model has no place for",
         "security": "a rule or a setting the model does not import",
         "objects": "an object of a kind the model has no place for"}


def unexpressed(plan: Plan, grants: list[dict], security: list[dict], others: list[dict]) -> None:
    """The drift check's behaviour rows (live/behaviour.py: what differs from PostgreSQL's defaults) that the
    model cannot say: each a note at its object (or of the file when no object of the model has its name)."""
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
        kinds, granted = plan.schemas.get(s.name, {}), plan.schema_grants.get(s.name)
        if s.name == "public" and not kinds and not granted:
            # every database has it: the model names it when it holds something (its notes go to the header)
            plan.loose += [f"schema public: {n}" for n in plan.notes.pop((s.name, "schema", s.name), [])]
            continue
        spec: dict = {}
        if s.comment is not None and not (s.name == "public" and s.comment == "standard public schema"):
            spec["comment"] = comments[s.name]
        if granted:
            spec["grants"] = granted
        for kind in KINDS:
            if kinds.get(kind):
                spec[kind] = {name: _noted(plan, s.name, kind, name, value) for name, value in kinds[kind].items()}
        out[s.name] = _noted(plan, s.name, "schema", s.name, spec)
    return out


def _noted(plan: Plan, schema: str, kind: str, name: str, value):
    notes = plan.notes.get((schema, kind, name))
    return Commented(value, tuple(f"schemagen import: {n}" for n in notes)) if notes else value


def _extensions(db: m.Database) -> dict:
    return {e.name: ({"schema": e.schema} if e.schema and e.schema != "public" else None)
            for e in db.extensions if e.name != "plpgsql"}


def _seeded(plan: Plan, rows: dict[tuple[str, str], list[str]], registry_table: str | None) -> list[str]:
    """Each lookup table's rows (those read: at most the limit) as its `seed:`; what was seeded, in words."""
    tables = {(t.schema, t.name): t for t in plan.db.tables}
    members = {(s, n) for (s, kind, _), names in plan.found.members.items() if kind == "tables"
               for n in names.values()}
    chosen = {(s, n) for s, n, _ in plan.lookups if rows.get((s, n)) and f"{s}.{n}" != registry_table
              and (s, n) not in members}
    said = []
    for (schema, name), target in seeds.unreferenced(tables, chosen):
        said.append(f"seed rows: {schema}.{name}: not written, as the table it references, {target}, has none")
    for schema, name, _ in plan.lookups:
        if (schema, name) in chosen:
            t = tables[(schema, name)]
            found = seeds.rows_of(t, rows[(schema, name)])
            plan.schemas[schema]["tables"][name]["seed"] = seeds.seed(t, found)
            said.append(f"seed rows: {schema}.{name}: {len(found)} (a lookup table: foreign keys reference it)")
    return said


def write(plan: Plan, rows: dict[tuple[str, str], list[dict]], *, source: str = "",
          seed_rows: dict[tuple[str, str], list[str]] | None = None) -> Imported:
    """seed_rows: the rows of the lookup tables (plan.lookups) to write as seed rows, by table, each its record's
    text output (live/sql/import_seed_rows.sql)."""
    found = plan.found
    reg = registry.pick(plan.candidates, rows, found) if found.keys else None
    if reg and any(reg.names.get(k, k) != k for k in found.keys):
        # a second look with the orgs' names: comments that name the org (`for Acme Corp`) are then alike
        again = orgs.recognise(_relations(plan), reg.names)
        if again.keys == found.keys:
            plan.found = found = again
    seeded = _seeded(plan, seed_rows or {}, reg.spec["table"] if reg else None)
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
    notes = [f"{'schema ' + name if kind == 'schema' else schema + '.' + name}: {n}"
             for (schema, kind, name), ns in sorted(plan.notes.items()) for n in ns]
    notes += plan.loose
    notes += [f"org_registry {reg.spec['table']}: {n}" for n in reg.notes] if reg else []
    recognised = _recognised(found, reg) + seeded
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
