"""Pre-flight of apply and rollback, second part: does the role hold the privileges the run needs?

Checked under the advisory lock, before any change, from the catalog (has_*_privilege, pg_has_role): a role that
lacks something gets one error naming every missing privilege and the objects that need it, and nothing is
changed, instead of a permission error half-way (after the history schema was created, say). A superuser has
them all. What is checked, for the scripts that will run (apply skips the recorded, unchanged ones):

- creating a schema (the model's, an extension's, schemagen's own history schema): CREATE on the database;
- creating tables, indexes, functions, views, aggregates in an existing schema: USAGE and CREATE on it;
- anything done to an existing table, view, function or schema (COMMENT, CREATE INDEX, create_hypertable,
  CREATE OR REPLACE, DROP): its ownership (membership in the owning role);
- a new table's foreign key to an existing table of another owner: REFERENCES on it;
- seed and org rows: INSERT (apply), DELETE (rollback of one org) on a table of another owner;
- an extension not yet installed: a superuser, or CREATE on the database for a trusted one; dropping one: its
  ownership;
- the history: SELECT, INSERT, UPDATE (apply), DELETE (rollback) on schemagen.history, SELECT, INSERT (apply) and
  DELETE (rollback) on schemagen.objects, and their ownership when the rollback that empties it drops them.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import psycopg

from schemagen import model as m
from schemagen import scripts as sc
from schemagen.errors import MissingPrivileges
from schemagen.live import history
from schemagen.live.preflight import grouped
from schemagen.live.sql import query
from schemagen.sqltext import qualified, quote_ident

SYSTEM_SCHEMAS = frozenset({"public", "pg_catalog"})
# The phases that do something to a table after creating it, and which tables they touch.
ALTER_PHASES = {"hypertables": lambda t: t.hypertable, "indexes": lambda t: t.indexes,
                "compression": lambda t: t.compression, "policies": lambda t: t.compression or t.retention,
                "triggers": lambda t: t.triggers}

Rel = tuple[str, str]  # (schema, name)


@dataclass
class Needs:
    """What a run does to which objects; existing objects decide which privileges that takes."""

    create_schemas: set[str] = field(default_factory=set)  # created when missing: CREATE on the database
    write_schemas: set[str] = field(default_factory=set)  # objects created in them: USAGE, CREATE
    own_schemas: set[str] = field(default_factory=set)  # commented or dropped when they exist: ownership
    own: dict[Rel, str] = field(default_factory=dict)  # relation -> kind; altered or dropped when it exists
    references: dict[Rel, set[Rel]] = field(default_factory=dict)  # new table -> its foreign key targets
    insert: set[Rel] = field(default_factory=set)
    delete: set[Rel] = field(default_factory=set)
    functions: set[Rel] = field(default_factory=set)  # replaced or dropped when they exist: ownership
    extensions: list[m.Extension] = field(default_factory=list)  # created when missing
    drop_extensions: set[str] = field(default_factory=set)  # dropped when installed: ownership

    def reached(self) -> set[str]:
        """Every schema the run looks objects up in (USAGE), or creates objects in."""
        rels = [*self.own, *self.insert, *self.delete, *self.functions,
                *(r for targets in self.references.values() for r in targets)]
        return self.write_schemas | {schema for schema, _ in rels}

    def relation(self, schema: str, name: str, kind: str) -> None:
        self.write_schemas.add(schema)
        self.own[(schema, name)] = kind

    def table(self, t: m.Table, alters: bool = True) -> None:
        """A table the run creates, or alters (comments, indexes, hypertable, ...) when it exists."""
        self.write_schemas.add(t.schema)
        if alters:
            self.own[(t.schema, t.name)] = "table"
        self.references[(t.schema, t.name)] = {(f.ref_schema, f.ref_table) for f in t.foreign_keys}


def _commented(t: m.Table) -> bool:
    """COMMENT ON TABLE / COLUMN: the tables phase does more to an existing table than CREATE ... IF NOT EXISTS."""
    return t.comment is not None or any(c.comment is not None for c in t.columns)


def _name(schema: str, name: str) -> str:
    return qualified(schema, name)


# --- what a run needs ------------------------------------------------------------------------------------------

def apply_needs(db: m.Database, pending: Sequence[sc.Script]) -> Needs:
    """What the pending init scripts do, phase by phase, and each org file."""
    needs = Needs()
    phases = {s.phase for s in pending if s.org is None}
    shared = db.for_org(None)
    if "extensions" in phases:
        needs.extensions = list(db.extensions)
        needs.create_schemas |= {e.schema for e in db.extensions if e.schema} - SYSTEM_SCHEMAS
    if "schemas" in phases:
        needs.create_schemas |= {s.name for s in db.schemas} - SYSTEM_SCHEMAS
        needs.own_schemas |= {s.name for s in db.schemas if s.comment is not None}
    for t in shared.tables:
        if any(phase in phases and wants(t) for phase, wants in ALTER_PHASES.items()):
            needs.table(t)
        elif "tables" in phases:
            needs.table(t, alters=_commented(t))
    if "sequences" in phases:
        for q in db.sequences:
            needs.relation(q.schema, q.name, "sequence")
    if phases & {"early_functions", "functions"}:
        for f in db.functions:
            needs.write_schemas.add(f.schema)
            needs.functions.add((f.schema, f.name))
    if "continuous_aggregates" in phases:
        for c in shared.continuous_aggregates:
            needs.relation(c.schema, c.name, "continuous aggregate")
    if "views" in phases:
        for v in shared.views:
            needs.relation(v.schema, v.name, "materialized view" if v.materialized else "view")
    if "seed" in phases:
        needs.insert |= {(t.schema, t.name) for t in shared.tables if t.seed}
    for org in dict.fromkeys(s.org for s in pending if s.org is not None):
        part = db.for_org(org)
        for t in part.tables:
            needs.table(t, alters=_commented(t) or any(wants(t) for wants in ALTER_PHASES.values()))
        for c in part.continuous_aggregates:
            needs.relation(c.schema, c.name, "continuous aggregate")
        for v in part.views:
            needs.relation(v.schema, v.name, "materialized view" if v.materialized else "view")
        if db.org_registry:
            needs.insert.add((db.org_registry.schema, db.org_registry.table))
    return needs


def rollback_needs(db: m.Database, orgs: Sequence[str] | None) -> Needs:
    """What the rollback scripts drop: the orgs' objects (and their registry rows), or everything the model made."""
    needs = Needs()
    for part in ([db.for_org(o) for o in orgs] if orgs else [db]):
        for t in part.tables:
            needs.own[(t.schema, t.name)] = "table"
        for c in part.continuous_aggregates:
            needs.own[(c.schema, c.name)] = "continuous aggregate"
        for v in part.views:
            needs.own[(v.schema, v.name)] = "materialized view" if v.materialized else "view"
        for q in part.sequences:
            needs.own[(q.schema, q.name)] = "sequence"
    if orgs:
        if db.org_registry:
            needs.delete.add((db.org_registry.schema, db.org_registry.table))
        return needs
    needs.functions |= {(f.schema, f.name) for f in db.functions}
    needs.own_schemas |= ({s.name for s in db.schemas} | {e.schema for e in db.extensions if e.schema}) \
        - SYSTEM_SCHEMAS
    needs.drop_extensions |= {e.name for e in db.extensions}
    return needs


# --- what the role holds -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Relation:
    owned: bool
    owner: str
    select: bool
    insert: bool
    update: bool
    delete: bool
    references: bool


class Holdings:
    """The role's privileges on the objects of Needs (and the history), in five catalog queries."""

    def __init__(self, conn: psycopg.Connection, needs: Needs, extra: Sequence[Rel] = ()):
        self.role, self.superuser, self.create_db, self.database = conn.execute(query("privileges_role")).fetchone()
        if self.superuser:
            return
        rels = [*needs.own, *needs.insert, *needs.delete, *extra, *needs.references,
                *{r for t in needs.references.values() for r in t}]
        self.relations = {(r[0], r[1]): Relation(*r[2:]) for r in _rows(conn, "privileges_relations", rels)}
        names = list(needs.create_schemas | needs.reached() | needs.own_schemas | {history.SCHEMA})
        self.schemas = {r[0]: r[1:] for r in conn.execute(query("privileges_schemas"), (names,)).fetchall()}
        funcs = sorted(needs.functions)
        self.function_owners = {(r[0], r[1]): r[2] for r in _rows(conn, "privileges_functions", funcs)} \
            if funcs else {}
        wanted = [e.name for e in needs.extensions] + sorted(needs.drop_extensions)
        self.extensions = {r[0]: r[1:] for r in conn.execute(query("privileges_extensions"), (wanted,)).fetchall()} \
            if wanted else {}


def _rows(conn: psycopg.Connection, name: str, pairs: Sequence[Rel]) -> list[tuple]:
    """The rows of a query of (schema, name) pairs, passed as two arrays."""
    return conn.execute(query(name), ([s for s, _ in pairs], [n for _, n in pairs])).fetchall()

def missing(needs: Needs, held: Holdings, history_rights: Sequence[str], drop_history: bool) -> list[tuple[str, str]]:
    """(object, privilege) for every privilege the run needs and the role lacks."""
    if held.superuser:
        return []
    lacks: list[tuple[str, str]] = []
    on_db = f"CREATE on database {quote_ident(held.database)}"
    for name in sorted(needs.create_schemas - set(held.schemas)):
        if not held.create_db:
            lacks.append((f"schema {quote_ident(name)}", f"{on_db} (to create the schema)"))
    for e in needs.extensions:
        installed, _, _, trusted = held.extensions.get(e.name, (True, True, "", False))
        if installed:
            continue
        if not trusted:
            lacks.append((f"extension {quote_ident(e.name)}", "superuser (not a trusted extension: only a superuser "
                          "can create it; or create it beforehand as one)"))
        elif not held.create_db:
            lacks.append((f"extension {quote_ident(e.name)}", f"{on_db} (to create the extension)"))
    for name in sorted(needs.drop_extensions):
        installed, owned, owner, _ = held.extensions.get(name, (False, True, "", False))
        if installed and not owned:
            lacks.append((f"extension {quote_ident(name)}", f"ownership (owned by {owner})"))
    for name in sorted(needs.reached() & set(held.schemas)):  # a missing one is created by the run
        usage, create = held.schemas[name][:2]
        if not usage:
            lacks.append((f"schema {quote_ident(name)}", "USAGE on the schema (to reach the objects in it)"))
        if name in needs.write_schemas and not create:
            lacks.append((f"schema {quote_ident(name)}", "CREATE on the schema (to create objects in it)"))
    for name in sorted(needs.own_schemas):
        if name in held.schemas and not held.schemas[name][2]:
            lacks.append((f"schema {quote_ident(name)}", f"ownership (owned by {held.schemas[name][3]})"))
    for (schema, name), kind in sorted(needs.own.items()):
        rel = held.relations.get((schema, name))
        if rel is not None and not rel.owned:
            lacks.append((f"{kind} {_name(schema, name)}", f"ownership (owned by {rel.owner})"))
    for (schema, name), owner in sorted(held.function_owners.items()):
        lacks.append((f"function {_name(schema, name)}", f"ownership (owned by {owner})"))
    for table, targets in sorted(needs.references.items()):
        if table in held.relations:
            continue  # exists: CREATE TABLE IF NOT EXISTS adds no foreign key
        for target in sorted(targets):
            rel = held.relations.get(target)
            if rel is not None and not rel.owned and not rel.references:
                lacks.append((f"table {_name(*target)}", "REFERENCES (a new table's foreign key points at it)"))
    for right, tables in (("INSERT", needs.insert), ("DELETE", needs.delete)):
        for table in sorted(tables):
            rel = held.relations.get(table)
            if rel is not None and not rel.owned and not getattr(rel, right.lower()):
                lacks.append((f"table {_name(*table)}", f"{right} (seed and org rows)"))
    lacks += _history(held, history_rights, drop_history, on_db)
    return lacks


def _history(held: Holdings, rights: Sequence[str], drop: bool, on_db: str) -> list[tuple[str, str]]:
    table = (history.SCHEMA, "history")
    rel = held.relations.get(table)
    if history.SCHEMA not in held.schemas:
        return [] if held.create_db or not rights else \
            [(f"schema {history.SCHEMA}", f"{on_db} (to create the schema of schemagen's history)")]
    out = [] if held.schemas[history.SCHEMA][0] or not rights else \
        [(f"schema {history.SCHEMA}", "USAGE on the schema (schemagen's history)")]
    if rel is None:
        return out
    lacking = [r for r in rights if not rel.owned and not getattr(rel, r.lower())]
    out += [("table schemagen.history", f"{', '.join(lacking)} (schemagen's history)")] if lacking else []
    objects = held.relations.get((history.SCHEMA, "objects"))  # what schemagen created: read, and written with
    wants = {"SELECT": "SELECT", "INSERT": "INSERT", "UPDATE": "INSERT", "DELETE": "DELETE"}  # each script's row
    lacking = sorted({wants[r] for r in rights if objects is not None and not objects.owned
                      and not getattr(objects, wants[r].lower())})
    out += [("table schemagen.objects", f"{', '.join(lacking)} (schemagen's record of the objects it created)")] \
        if lacking else []
    if drop:
        out += [(f"{kind} {name}", f"ownership (owned by {owner}; the rollback that empties it drops it)")
                for kind, name, owned, owner in (
                    ("schema", history.SCHEMA, held.schemas[history.SCHEMA][2], held.schemas[history.SCHEMA][3]),
                    ("table", "schemagen.history", rel.owned, rel.owner),
                    ("table", "schemagen.preexisting_extensions", *_owner(held, "preexisting_extensions")),
                    ("table", "schemagen.objects", *_owner(held, "objects")))
                if not owned]
    return out


def _owner(held: Holdings, table: str) -> tuple[bool, str]:
    rel = held.relations.get((history.SCHEMA, table))
    return (True, "") if rel is None else (rel.owned, rel.owner)


def _refuse(held: Holdings, lacks: list[tuple[str, str]], what: str) -> None:
    if lacks:
        raise MissingPrivileges(
            f"role {quote_ident(held.role)} lacks {len(lacks)} privilege(s) this {what} needs; nothing was "
            f"changed.\n{grouped(lacks, 10)}\nGrant them, or run it as a role that has them (the objects' owner, "
            "or a superuser).")


# --- the checks apply and rollback run ---------------------------------------------------------------------------

def _history_access(conn: psycopg.Connection) -> tuple[bool, bool, bool]:
    """(the history exists, the role can read it, and its list of preexisting extensions), from the catalog:
    looking schemagen.history up by name fails for a role without USAGE on its schema."""
    row = conn.execute(query("privileges_history")).fetchone()
    return (bool(row[0]), bool(row[1]), bool(row[2])) if row else (False, False, False)


def check_apply(conn: psycopg.Connection, db: m.Database, scripts: Sequence[sc.Script]) -> None:
    """Before any change, under the lock: MissingPrivileges (exit 3) when the role cannot run the scripts that
    will run (those not recorded unchanged in the history)."""
    if conn.execute(query("privileges_role")).fetchone()[1]:
        return  # a superuser: the common case costs one query
    exists, readable, _ = _history_access(conn)
    done = history.read(conn, db.name) if exists and readable else {}
    pending = [s for s in scripts if s.filename not in done
               or done[s.filename].checksum != s.checksum]
    if not pending:
        return
    needs = apply_needs(db, pending)
    held = Holdings(conn, needs, extra=[(history.SCHEMA, "history"), (history.SCHEMA, "objects")])
    _refuse(held, missing(needs, held, ("SELECT", "INSERT", "UPDATE"), drop_history=False), "apply")


def check_rollback(conn: psycopg.Connection, db: m.Database, orgs: Sequence[str] | None) -> None:
    """Before any change, under the lock: MissingPrivileges (exit 3) when the role cannot drop what the rollback
    scripts drop. Extensions installed before schemagen's first apply are kept, so they need nothing."""
    if conn.execute(query("privileges_role")).fetchone()[1]:
        return
    needs = rollback_needs(db, orgs)
    exists, readable, extensions_readable = _history_access(conn)
    before = history.preexisting_extensions(conn) if extensions_readable and not orgs else None
    needs.drop_extensions = {e for e in needs.drop_extensions if before is not None and e not in before}
    empties = not orgs and exists and readable and not conn.execute(
        query("privileges_other_databases"), (db.name,)).fetchone()[0]
    held = Holdings(conn, needs, extra=[(history.SCHEMA, "history"), (history.SCHEMA, "preexisting_extensions"),
                                        (history.SCHEMA, "objects")])
    lacks = missing(needs, held, ("SELECT", "DELETE") if exists else (), drop_history=empties)
    if exists and not orgs and not extensions_readable:  # which extensions to keep
        lacks.append(("table schemagen.preexisting_extensions", "SELECT (schemagen's history)"))
    _refuse(held, lacks, "rollback")
