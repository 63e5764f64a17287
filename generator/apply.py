"""Stage 4, apply: run the rendered scripts on a live database, and roll them back, never half-way.

- Pre-flight before any change: server version, TimescaleDB and its license; features the server refuses stop the
  apply (or are left out with --skip-unsupported).
- One transaction per script, its history row written in the same transaction: a failure or a kill leaves whole
  scripts only. One transaction per org file also keeps lock slots bounded (max_locks_per_transaction = 64 cannot
  hold hundreds of new hypertables at once).
- A session advisory lock keeps two applies, or an apply and a rollback, from interleaving.
- Statements PostgreSQL refuses inside a transaction block (Statement.transactional = False: CREATE INDEX
  CONCURRENTLY, CALL refresh_continuous_aggregate, a continuous aggregate created WITH DATA) run on their own after
  their script's transaction. The renderer emits none today: aggregates are created WITH NO DATA.
"""
from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence, TextIO

import psycopg
from psycopg import sql as psql

from . import history
from . import model as m
from . import render
from .connect import ServerInfo, check_orgs, connection, pick_database, server_info, server_message
from .errors import DatabaseError, Difference, UnsupportedFeatures, UsageError

PROGRESS_EVERY = 100  # with more scripts than this, print a progress line instead of one line per unchanged script


@dataclass
class ScriptRun:
    name: str
    status: str  # "new" | "changed" | "unchanged" | "applied" | "rolled back"
    statements: int = 0
    ms: int = 0


@dataclass
class Result:
    database: str
    server: ServerInfo | None = None
    scripts: list[ScriptRun] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (object, why) left out as unsupported

    def count(self, status: str) -> int:
        return sum(1 for s in self.scripts if s.status == status)


def _reporter(out: TextIO | None) -> Callable[[str], None]:
    stream = out or sys.stderr

    def say(text: str) -> None:
        print(text, file=stream, flush=True)

    return say


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _init_scripts(model, db, orgs, skip) -> list[m.Script]:
    return [s for s in render.render(model, database=db.name, orgs=orgs, skip_features=skip) if not s.rollback]


def unsupported_objects(model: m.Model, db: m.Database, orgs, info: ServerInfo) -> list[tuple[str, str]]:
    """(object, why) for every statement this server would refuse, in apply order, without duplicates."""
    refused = info.unsupported()
    if not refused:
        return []
    seen: dict[tuple[str, str], None] = {}
    for script in _init_scripts(model, db, orgs, frozenset()):
        for st in script.statements:
            if st.feature in refused:
                seen.setdefault((st.object, refused[st.feature]))
    return list(seen)


def _grouped(refused: list[tuple[str, str]], limit: int) -> str:
    """The refused objects under their reason, at most `limit` named per reason."""
    out = []
    for why in dict.fromkeys(w for _, w in refused):
        objs = [o for o, w in refused if w == why]
        out.append(f"{why}:")
        out += [f"  {o}" for o in objs[:limit]]
        if len(objs) > limit:
            out.append(f"  ... and {len(objs) - limit} more")
    return "\n".join(out)


def _preflight(conn, dsn, model, db, orgs, skip_unsupported, say):
    info = server_info(conn, dsn)
    say(f"server: {info.describe()}")
    refused = unsupported_objects(model, db, orgs, info)
    if refused and not skip_unsupported:
        raise UnsupportedFeatures(
            f"this server cannot create {len(refused)} object(s) of the model; nothing was changed.\n"
            + _grouped(refused, 20) + "\nUse --skip-unsupported to apply the rest.")
    skip = frozenset(info.unsupported()) if skip_unsupported else frozenset()
    wanted = {e.name for e in db.extensions} - ({"timescaledb"} if m.FEATURE_TIMESCALEDB in skip else set())
    available = {r[0] for r in conn.execute("SELECT name FROM pg_available_extensions")}
    missing = sorted(wanted - available)
    if missing:
        raise UnsupportedFeatures(f"extension(s) {', '.join(missing)} are not available on this server; "
                                  "nothing was changed")
    return info, skip, refused


def _run_script(conn: psycopg.Connection, script: m.Script, model: m.Model, text: str, skip, lock_timeout: float):
    """Run one script in one transaction with its history row; on failure nothing of it stays."""
    lines = render.statement_lines(script, model)
    ordered = [s for s in script.statements if s.transactional] + [s for s in script.statements if not s.transactional]
    started = time.monotonic()
    current = None
    try:
        with conn.transaction():
            # A DDL statement waiting on a lock held by a running query must not hang the deploy.
            conn.execute(psql.SQL("SET LOCAL lock_timeout = {}").format(psql.Literal(f"{int(lock_timeout * 1000)}")))
            for current, line in zip(ordered, lines):
                if not current.transactional:
                    break
                conn.execute(current.sql)
            else:
                current = None
            if current is None:
                history.record(conn, script.relpath.split("/", 1)[1], checksum(text), len(script.statements),
                               int((time.monotonic() - started) * 1000), tuple(sorted(skip)))
        for current, line in zip(ordered, lines):
            if current.transactional:
                continue
            conn.execute(current.sql)  # autocommit: outside any transaction block
        if any(not s.transactional for s in ordered):
            with conn.transaction():
                history.record(conn, script.relpath.split("/", 1)[1], checksum(text), len(script.statements),
                               int((time.monotonic() - started) * 1000), tuple(sorted(skip)))
    except psycopg.Error as e:
        where = ""
        if current is not None:
            line = lines[ordered.index(current)]
            where = f", line {line} ({current.object})"
        raise DatabaseError(f"{script.relpath}{where}: {server_message(e)}; the script was rolled back") from None
    return int((time.monotonic() - started) * 1000)


def apply(dsn: str, model: m.Model, *, database: str | None = None, orgs: Sequence[str] | None = None,
          dry_run: bool = False, lock_timeout: float = 60.0, skip_unsupported: bool = False,
          out: TextIO | None = None, check_drift: bool = True) -> Result:
    """Apply the model's init scripts to the database at dsn. See the module docstring."""
    say = _reporter(out)
    db = pick_database(model, database)
    check_orgs(model, db, orgs)
    result = Result(db.name)
    with connection(dsn) as conn:
        try:
            info, skip, refused = _preflight(conn, dsn, model, db, orgs, skip_unsupported, say)
        except psycopg.Error as e:
            raise DatabaseError(f"pre-flight failed: {server_message(e, dsn)}") from None
        result.server, result.skipped = info, refused
        if refused:
            say(f"left out {len(refused)} object(s) this server cannot create (--skip-unsupported).\n"
                + _grouped(refused, 3))
        scripts = _init_scripts(model, db, orgs, skip)
        try:
            if dry_run:
                done = history.read(conn)
                for s in scripts:
                    name = s.relpath.split("/", 1)[1]
                    text = render.script_text(s, model)
                    status = "new" if name not in done else (
                        "unchanged" if done[name].checksum == checksum(text) else "changed")
                    result.scripts.append(ScriptRun(name, status, len(s.statements)))
                    say(f"{status:>9}  {name}  ({len(s.statements)} statements)")
                say(f"dry run: {result.count('new')} new, {result.count('changed')} changed, "
                    f"{result.count('unchanged')} unchanged; nothing was changed")
                return result
            history.acquire(conn, db.name, lock_timeout, say)
            try:
                _apply_scripts(conn, model, db, scripts, orgs, skip, lock_timeout, result, say)
            finally:
                history.release(conn, db.name)
        except psycopg.Error as e:
            raise DatabaseError(server_message(e, dsn)) from None
        if check_drift:
            _after_apply_drift(conn, model, db, orgs, skip, say)
    return result


def _apply_scripts(conn, model, db, scripts, orgs, skip, lock_timeout, result, say) -> None:
    history.ensure(conn)
    done = history.read(conn)
    if orgs:
        shared = [n for n in done if not n.startswith(f"{render.ORG_NUMBER:03d}_org_")]
        if not shared:
            raise UsageError(f"database {db.name} has none of the model's shared objects yet: apply the shared "
                             "scripts first (schemagen apply without --org)")
    total, started, quiet = len(scripts), time.monotonic(), len(scripts) > PROGRESS_EVERY
    for n, script in enumerate(scripts, 1):
        name = script.relpath.split("/", 1)[1]
        text = render.script_text(script, model)
        if name in done and done[name].checksum == checksum(text):
            result.scripts.append(ScriptRun(name, "unchanged", len(script.statements)))
            if not quiet:
                say(f"unchanged  {name}")
        else:
            ms = _run_script(conn, script, model, text, skip, lock_timeout)
            result.scripts.append(ScriptRun(name, "applied", len(script.statements), ms))
            if not quiet or name[:3] != f"{render.ORG_NUMBER:03d}":
                say(f"  applied  {name}  {len(script.statements)} statements  {ms} ms")
        if quiet and (n % PROGRESS_EVERY == 0 or n == total):
            say(f"progress: {n}/{total} scripts, {time.monotonic() - started:.1f} s")
    say(f"{db.name}: {result.count('applied')} script(s) applied, {result.count('unchanged')} unchanged, "
        f"{time.monotonic() - started:.1f} s")


def _after_apply_drift(conn, model, db, orgs, skip, say) -> None:
    """What init scripts cannot reconcile (a column added to an existing table, a changed policy) shows here."""
    try:
        from .diff import compare_live
    except ImportError:  # the differ is optional for apply
        return
    changes = compare_live(conn, model, db, orgs=orgs, skip=skip)
    if changes:
        lines = [f"  {c.summary()}" for c in changes[:10]]
        if len(changes) > 10:
            lines.append(f"  ... and {len(changes) - 10} more")
        raise Difference(f"applied, but the database still differs from the model in {len(changes)} way(s) that "
                         "init scripts cannot change:\n" + "\n".join(lines) +
                         "\nRun `schemagen diff` for the details.")


# --- rollback -----------------------------------------------------------------------------------------------------

def _rows_query(tables: list[m.Table], db: m.Database, orgs) -> psql.Composed:
    """One query: for each table to drop, the rows that are not the model's own seed or org rows."""
    parts = []
    for t in tables:
        ident = psql.Identifier(t.schema, t.name)
        keep = []
        if t.seed:
            keep.append((t.seed.key, render._seed_keys(t.seed)))
        reg = db.org_registry
        if reg and (reg.schema, reg.table) == (t.schema, t.name):
            keep.append(((reg.key_column,), [(r.org,) for r in db.org_rows if r.org in (orgs or db.orgs)]))
        where = psql.SQL("true")
        for key, values in keep:
            if values:
                cols = psql.SQL(", ").join(psql.Identifier(k) for k in key)
                vals = psql.SQL(", ").join(
                    psql.SQL("({})").format(psql.SQL(", ").join(psql.Literal(_plain(v)) for v in row))
                    for row in values)
                where = psql.SQL("{} AND ({}) NOT IN ({})").format(where, cols, vals)
        parts.append(psql.SQL("SELECT {name}, (SELECT count(*) FROM {t} WHERE {w}) WHERE to_regclass({name}) "
                              "IS NOT NULL").format(name=psql.Literal(t.qname), t=ident, w=where))
    return psql.SQL(" UNION ALL ").join(parts)


def _plain(value):
    return None if value is m.SEED_DEFAULT else value


def _present(conn, tables: list[m.Table]) -> list[m.Table]:
    names = [t.qname for t in tables]
    rows = conn.execute("SELECT n FROM unnest(%s::text[]) n WHERE to_regclass(n) IS NOT NULL", (names,)).fetchall()
    present = {r[0] for r in rows}
    return [t for t in tables if t.qname in present]


def rollback(dsn: str, model: m.Model, *, database: str | None = None, orgs: Sequence[str] | None = None,
             yes: bool = False, lock_timeout: float = 60.0, out: TextIO | None = None) -> Result:
    """Run the rollback scripts (one org's with orgs); refuse without `yes` when tables to drop hold rows."""
    say = _reporter(out)
    db = pick_database(model, database)
    check_orgs(model, db, orgs)
    result = Result(db.name)
    with connection(dsn) as conn:
        try:
            info = server_info(conn, dsn)
            skip = frozenset(info.unsupported())
            scripts = [s for s in render.render(model, database=db.name, orgs=orgs, skip_features=skip) if s.rollback]
            scripts.sort(key=lambda s: s.filename)  # ls order is the order to undo
            history.acquire(conn, db.name, lock_timeout, say)
            try:
                tables = [t for t in db.tables if t.org in orgs] if orgs else list(db.tables)
                present = _present(conn, tables)
                if present and not yes:
                    counts = [(n, c) for n, c in conn.execute(_rows_query(present, db, orgs)).fetchall() if c]
                    if counts:
                        listing = "\n".join(f"  {n}: {c} row(s)" for n, c in counts)
                        raise Difference(f"refusing to drop {len(counts)} table(s) that hold rows:\n{listing}\n"
                                         "Rerun with --yes to drop them and their rows.")
                keep = history.preexisting_extensions(conn)
                for script in scripts:
                    _rollback_script(conn, model, script, keep, lock_timeout, result, say)
                if not orgs and history.drop_if_empty(conn):
                    say("removed the schemagen history schema")
            finally:
                history.release(conn, db.name)
        except psycopg.Error as e:
            raise DatabaseError(server_message(e, dsn)) from None
    say(f"{db.name}: {len(result.scripts)} rollback script(s) run")
    return result


def _rollback_script(conn, model, script, keep_extensions, lock_timeout, result, say) -> None:
    statements = tuple(s for s in script.statements
                       if not (s.object.startswith("extension ") and s.object.split(" ", 1)[1].strip('"')
                               in keep_extensions))
    if len(statements) < len(script.statements):
        say("keeping extension(s) that existed before schemagen's first apply")
    script = m.Script(script.database, script.number, script.phase, statements, script.org, True)
    init_name = f"{1000 - script.number:03d}_{script.phase}.sql"
    started = time.monotonic()
    current = None
    try:
        with conn.transaction():
            conn.execute(psql.SQL("SET LOCAL lock_timeout = {}").format(psql.Literal(f"{int(lock_timeout * 1000)}")))
            for st in statements:
                current = st
                conn.execute(st.sql)
            history.forget(conn, init_name)
    except psycopg.Error as e:
        what = f" ({current.object})" if current else ""
        raise DatabaseError(f"rollback/{script.filename}{what}: {server_message(e)}; this script "
                            "was rolled back, the ones before it stay undone") from None
    ms = int((time.monotonic() - started) * 1000)
    result.scripts.append(ScriptRun(f"rollback/{script.filename}", "rolled back", len(statements), ms))
    say(f"  undone  rollback/{script.filename}  {len(statements)} statements  {ms} ms")
