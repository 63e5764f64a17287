"""Pre-flight of apply: what the server can do, checked before any change.

Reads server_version, whether TimescaleDB is available and installed, its version and license
(connect.server_info), and the extensions on offer. A model that needs something the server refuses stops here,
naming each object and why, unless --skip-unsupported asks to leave those objects out. The role's privileges
are checked next, under the advisory lock (privileges.py).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import psycopg

from schemagen import model as m
from schemagen import scripts as sc
from schemagen.errors import DatabaseError, UnsupportedFeatures
from schemagen.live.connect import ServerInfo, server_info
from schemagen.live.sql import query
from schemagen.scripts import extension_schema
from schemagen.sqltext import quote_ident


@dataclass(frozen=True)
class Plan:
    """What pre-flight decided: the server, the features to leave out, and the objects they take with them."""

    server: ServerInfo
    skip: frozenset[str] = frozenset()
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (object, why), in apply order


def unsupported_objects(scripts: Sequence[sc.Script], refused: dict[str, str]) -> list[tuple[str, str]]:
    """(object, why) for every statement whose feature the server refuses, in apply order, without repeats."""
    seen: dict[tuple[str, str], None] = {}
    for script in scripts:
        for st in script.statements:
            if st.feature in refused:
                seen.setdefault((st.object, refused[st.feature]))
    return list(seen)


def grouped(objects: list[tuple[str, str]], limit: int) -> str:
    """The objects under their reason, at most `limit` named per reason (1,000 orgs make 5,000 of them)."""
    out = []
    for why in dict.fromkeys(w for _, w in objects):
        names = [o for o, w in objects if w == why]
        out.append(f"{why}:")
        out += [f"  {o}" for o in names[:limit]]
        if len(names) > limit:
            out.append(f"  ... and {len(names) - limit} more")
    return "\n".join(out)


def _missing_extensions(conn: psycopg.Connection, wanted: Sequence[m.Extension]) -> list[str]:
    """The model's extensions (and pinned versions) this server does not offer, as readable phrases."""
    if not wanted:
        return []
    rows = conn.execute(query("preflight_extension_versions"), ([e.name for e in wanted],)).fetchall()
    versions: dict[str, set[str]] = {}
    for name, version in rows:
        versions.setdefault(name, set()).add(version)
    missing = []
    for e in wanted:
        if e.name not in versions:
            missing.append(f"extension {e.name} is not available on this server")
        elif e.version and e.version not in versions[e.name]:
            missing.append(f"extension {e.name} version {e.version} is not available on this server "
                           f"(it offers {', '.join(sorted(versions[e.name]))})")
    return missing


def _misplaced_extensions(conn: psycopg.Connection, wanted: Sequence[m.Extension], db: m.Database) -> list[str]:
    """The model's extensions installed in another schema than the model's (the one it names, else public): the
    scripts call TimescaleDB's functions qualified with that schema and put it on their search_path, so they would
    fail, or reach what another role created in the schema the model names."""
    if not wanted:
        return []
    rows = conn.execute(query("preflight_extension_schemas"), ([e.name for e in wanted],)).fetchall()
    out = []
    for name, schema in rows:
        expected = extension_schema(db, name)
        if schema != expected:
            where = next((e.source for e in wanted if e.name == name), None)
            at = f"{where}: " if where and getattr(where, "line", None) else ""
            out.append(f"{at}extension {name} is installed in schema {schema}, the model expects it in {expected}: "
                       f"write `schema: {schema}` under extensions: {name} in the model (or move the extension)")
    return out


def model_roles(db: m.Database) -> list[str]:
    """Every role the model's grants and policies name (PUBLIC, the pseudo-role, is no role), in model order."""
    named: dict[str, None] = {}
    objects = [*db.schemas, *db.tables, *db.views, *db.continuous_aggregates, *db.functions, *db.sequences]
    for o in objects:
        for role, _ in o.grants:
            named.setdefault(role)
    for t in db.tables:
        for p in t.row_security.policies if t.row_security else ():
            for role in p.roles:
                named.setdefault(role)
    named.pop("PUBLIC", None)
    return list(named)


def _missing_roles(conn: psycopg.Connection, db: m.Database) -> list[str]:
    """Roles are the cluster's: schemagen never creates one, and refuses a model naming one that is not there."""
    roles = model_roles(db)
    if not roles:
        return []
    return [f"role {quote_ident(r)} does not exist (schemagen never creates roles: CREATE ROLE it first)"
            for (r,) in conn.execute(query("preflight_roles"), (roles,)).fetchall()]


def check(conn: psycopg.Connection, dsn: str, db: m.Database, scripts: Sequence[sc.Script],
          orgs: Sequence[str] | None, skip_unsupported: bool) -> Plan:
    """Raise UnsupportedFeatures (exit 3) before any change when the server cannot run `scripts` (the init
    scripts rendered without skipping anything), or with skip_unsupported the rest of them; otherwise the plan.
    Changes nothing."""
    info = server_info(conn, dsn)
    refused = info.unsupported()
    left_out = unsupported_objects(scripts, refused) if refused else []
    if left_out and not skip_unsupported:
        raise UnsupportedFeatures(
            f"this server ({info.describe()}) cannot create {len(left_out)} object(s) of the model; nothing was "
            "changed.\n" + grouped(left_out, 20) + "\nUse --skip-unsupported to apply the rest.")
    # Only the features the model uses: the history records them, and diff expects their objects to be absent.
    skip = frozenset(st.feature for s in scripts for st in s.statements
                     if st.feature in refused) if skip_unsupported else frozenset()
    needed = db.extensions if not orgs else ()  # an org's file creates no extension
    if m.FEATURE_TIMESCALEDB in skip:
        needed = tuple(e for e in needed if e.name != "timescaledb")
    placed = tuple(e for e in db.extensions if e.name != "timescaledb" or m.FEATURE_TIMESCALEDB not in skip)
    missing = _missing_extensions(conn, needed) + _misplaced_extensions(conn, placed, db) + _missing_roles(conn, db)
    if missing:
        raise UnsupportedFeatures("; ".join(missing) + "; nothing was changed")
    return Plan(info, skip, left_out)


class UnsafeSearchPath(DatabaseError):
    """Another role can plant what the scripts' search_path reaches (exit 3)."""


def safe_search_path(conn: psycopg.Connection, path: Sequence[str]) -> None:
    """Raise UnsafeSearchPath, before any change, when a role other than the current one (and not a superuser) can
    create in, or owns a function, operator or type in, a schema of the scripts' search_path after pg_catalog.
    pg_catalog first is not enough: an operator of an exact signature there (`=(varchar, varchar)`) beats the
    built-in reached through a cast, and would run as the applying role (CVE-2018-1058's pattern)."""
    schemas = [s for s in path if s not in ("pg_catalog", "pg_temp")]
    if not schemas:
        return
    rows = conn.execute(query("preflight_search_path"), {"schemas": schemas}).fetchall()
    if rows:
        lines = "\n".join(f"  schema {quote_ident(s)}: role {role} {what}" for s, role, what in rows[:20])
        more = f"\n  ... and {len(rows) - 20} more" if len(rows) > 20 else ""
        raise UnsafeSearchPath(
            f"the scripts' search_path ({', '.join(map(quote_ident, path))}) reaches schemas where other roles can "
            "put functions, operators or types that schemagen's statements and the model's unqualified names would "
            f"then run as this role; nothing was changed:\n{lines}{more}\nRevoke their CREATE (`REVOKE CREATE ON "
            "SCHEMA public FROM PUBLIC`, PostgreSQL 15's default), drop their objects there or give them to a "
            "trusted owner, or install the model's extensions in a schema only trusted roles create in "
            "(`schema:` under the extension in the model).")
