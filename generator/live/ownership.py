"""Ownership: what schemagen created, object by object, and what it therefore may replace, alter or drop.

Every statement names its object (model.Statement.target, an ObjectKey); each applied script records the objects
it created in schemagen.objects (history.claim), in its own transaction. Apply looks up, before the first script,
which objects of the scripts to run already exist: one that exists and is not recorded as schemagen's is another's
(a user's function or view of a model name, a foreign table), and apply refuses to touch it unless told to adopt it
(--adopt), which records it as schemagen's; its differences are then drift like any other. Extensions are the
exception: CREATE EXTENSION IF NOT EXISTS leaves an installed one as it is, and one schemagen did not create is
never recorded, so rollback keeps it. Rollback runs only the statements on objects schemagen recorded (or that do
not exist: guarded drops), leaves the others, and says so.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import psycopg

from schemagen import model as m
from schemagen import scripts as sc
from schemagen.errors import DatabaseError
from schemagen.live import history, sql
from schemagen.sqltext import qualified, quote_ident

RELATIONS = frozenset({"table", "view", "materialized view", "continuous aggregate", "index", "sequence"})


class ForeignObjects(DatabaseError):
    """Objects of model names exist that schemagen did not create (exit 3)."""


def label(key: m.ObjectKey) -> str:
    """`table s.t`, `function s.f(integer)`, `trigger t_audit on s.t`, `schema s`: for messages."""
    if key.kind in ("schema", "extension"):
        return f"{key.kind} {quote_ident(key.name)}"
    if key.kind == "trigger":
        return f"trigger {quote_ident(key.name)} on {qualified(key.schema, key.signature)}"
    return f"{key.kind} {qualified(key.schema, key.name)}{key.signature}"


def targets(scripts: Iterable[sc.Script]) -> list[m.ObjectKey]:
    """Every object the scripts act on, once each, in order."""
    return list(dict.fromkeys(st.target for s in scripts for st in s.statements if st.target))


def defined(statements: Iterable[sc.Statement]) -> list[m.ObjectKey]:
    return list(dict.fromkeys(st.target for st in statements if st.target and st.defines))


def existing(conn: psycopg.Connection, keys: Sequence[m.ObjectKey]) -> dict[m.ObjectKey, str]:
    """The keys' objects that exist -> their owner, in one catalog query (sql/ownership_existing.sql)."""
    if not keys:
        return {}
    args = [json.dumps([t.strip() for t in _split_types(k.signature)]) if k.kind == "function" else None
            for k in keys]
    rows = conn.execute(sql.query("ownership_existing"), {
        "kinds": [k.kind for k in keys], "schemas": [k.schema for k in keys], "names": [k.name for k in keys],
        "signatures": [k.signature for k in keys], "args": args}).fetchall()
    return {keys[i - 1]: owner for i, owner in rows}


def _split_types(signature: str) -> list[str]:
    """The argument types of "(numeric(10, 2), text)": split at the commas outside parentheses."""
    inner, out, depth, current = signature[1:-1], [], 0, ""
    for ch in inner:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            out.append(current)
            current = ""
        else:
            current += ch
    return out + [current] if current.strip() else out


@dataclass
class Survey:
    """What the database holds of the scripts' objects, read before any change."""

    owned: dict[m.ObjectKey, str]  # recorded as schemagen's -> the script that created it
    live: dict[m.ObjectKey, str]  # exist -> owner
    gone: set[m.ObjectKey] = field(default_factory=set)  # recorded, but dropped out of band
    inferred: bool = False  # owned read from an older history's script records, not from schemagen.objects

    def foreign(self, scripts: Iterable[sc.Script]) -> dict[m.ObjectKey, str]:
        """The scripts' objects that exist and schemagen did not create (extensions excepted) -> owner."""
        return {k: self.live[k] for k in targets(scripts)
                if k in self.live and k not in self.owned and k.kind != "extension"}

    def missing_in(self, script: sc.Script) -> list[m.ObjectKey]:
        return [k for k in targets([script]) if k in self.gone]

    def to_claim(self, statements: Iterable[sc.Statement], adopted: set[m.ObjectKey]) -> list[m.ObjectKey]:
        """What a script records as schemagen's: what it created (did not exist before), kept, or adopted; never
        an extension (or anything) that was there before and not adopted."""
        return [k for k in defined(statements) if k not in self.live or k in self.owned or k in adopted]


def survey(conn: psycopg.Connection, database: str, scripts: Sequence[sc.Script]) -> Survey:
    keys = targets(scripts)
    owned = history.owned(conn, database)
    live = existing(conn, keys)
    inferred = not owned
    if inferred:
        owned = _recorded_before_objects(history.read(conn, database), scripts, live)
    return Survey(owned, live, {k for k in keys if k in owned and k not in live}, inferred and bool(owned))


def record_inferred(conn: psycopg.Connection, database: str, found: Survey) -> None:
    """Write down what an older history's records made schemagen's (see _recorded_before_objects)."""
    if found.inferred:
        with conn.transaction():
            for script in dict.fromkeys(found.owned.values()):
                history.claim(conn, database, script, [k for k, s in found.owned.items() if s == script])


def init_name(script: sc.Script) -> str:
    """The init script's file name of a script: itself, or the one a rollback script undoes (rollback/970_tables.sql
    undoes 030_tables.sql, rollback/100_org_acme.sql undoes 900_org_acme.sql)."""
    name = script.relpath.rsplit("/", 1)[-1]
    if "/rollback/" not in f"/{script.relpath}":
        return name
    number, rest = name.split("_", 1)
    return f"{1000 - int(number):03d}_{rest}"


def _recorded_before_objects(done: dict[str, history.Entry], scripts: Sequence[sc.Script],
                             live: dict[m.ObjectKey, str]) -> dict[m.ObjectKey, str]:
    """A history written by a schemagen from before object records (scripts recorded, no object of this database):
    what those recorded scripts define and what exists is taken as theirs, so that upgrading schemagen neither
    refuses a database it built nor leaves it behind on rollback. The next apply records them."""
    return {k: init_name(s) for s in scripts if init_name(s) in done
            for k in defined(s.statements) if k in live}


def refuse_foreign(foreign: dict[m.ObjectKey, str]) -> None:
    """ForeignObjects (exit 3) listing each object with its kind and owner."""
    if foreign:
        lines = "\n".join(f"  {label(k)} (owner {owner})" for k, owner in sorted(foreign.items()))
        raise ForeignObjects(
            f"{len(foreign)} object(s) of the model's names exist that schemagen did not create; nothing was "
            f"changed:\n{lines}\nschemagen would replace, alter or later drop them. Rename or drop them, or rerun "
            "with --adopt to record them as schemagen's (then `schemagen diff` shows how they differ from the "
            "model, and rollback drops them).")


def adopt(conn: psycopg.Connection, database: str, scripts: Sequence[sc.Script], foreign: dict[m.ObjectKey, str],
          say: Callable[[str], None]) -> None:
    """Record the foreign objects as schemagen's (--adopt), each under the script that acts on it first."""
    first: dict[m.ObjectKey, str] = {}
    for s in scripts:
        for k in targets([s]):
            first.setdefault(k, s.relpath.split("/", 1)[1])
    with conn.transaction():
        for script in dict.fromkeys(first[k] for k in foreign):
            history.claim(conn, database, script, [k for k in foreign if first[k] == script])
    say(f"adopted {len(foreign)} existing object(s) as schemagen's (--adopt):\n"
        + "\n".join(f"  {label(k)} (owner {owner})" for k, owner in sorted(foreign.items())))


def occupied(conn: psycopg.Connection, schemas: Sequence[str]) -> set[str]:
    """Of these schemas, those still holding objects (another's, left by rollback)."""
    if not schemas:
        return set()
    return {r[0] for r in conn.execute(sql.query("ownership_occupied"), (list(schemas),))}
