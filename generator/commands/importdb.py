"""`schemagen import`: a live database written as a model file (the offline part: schemagen.importer).

The catalogs are read by inspect and live/behaviour.py (the queries `schemagen diff` runs, a fixed number of
them), import_default_privileges.sql, and import_policies.sql when there are row-level security policies, in one
snapshot rolled back at the end, printed under the search_path the rendered scripts pin; with orgs recognised,
the rows of each table that could be the org registry are read too (one query each, at most one row more than
there are orgs), and those of each lookup table (importer/seeds.py: one query each, at most --seed-rows + 1
rows). The file is written whole (a temporary file renamed into place) and never over an existing one without
force; then it is validated as `schemagen validate` would.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from schemagen import importer, render
from schemagen import model as m
from schemagen.commands import Say, silent
from schemagen.errors import ModelError, UsageError, printable
from schemagen.live import behaviour as live_behaviour
from schemagen.live import drift as live_drift
from schemagen.live import sql as queries
from schemagen.live.connect import connection
from schemagen.live.inspect import Catalog, inspect

SEED_ROWS = 100  # a lookup table with more rows than this holds data, not seed rows (--seed-rows)


@dataclass
class ImportResult:
    text: str
    notes: list[str]  # what the model cannot express, object by object
    recognised: list[str]
    catalog_queries: int
    data_queries: int
    problems: list[str]  # validate's, when the written model does not validate (a bug of the import)


def _rows(conn, candidates, limit: int) -> tuple[dict[tuple[str, str], list[dict]], int]:
    out = {}
    for schema, table, *_ in candidates:
        with conn.transaction(force_rollback=True):
            text = queries.compose("import_rows", table=(schema, table))
            found = conn.execute(text, {"limit": limit + 1}).fetchall()
        out[(schema, table)] = [json.loads(r[0]) for r in found]
    return out, len(candidates)


def _seed_rows(conn, lookups, limit: int) -> tuple[dict[tuple[str, str], list[str]], int]:
    """The rows of each lookup table holding at most limit rows (one more is read: a table with more is data)."""
    out = {}
    for schema, table, key in lookups if limit > 0 else ():
        with conn.transaction(force_rollback=True):
            conn.execute(queries.query("import_seed_session"))
            text = queries.compose("import_seed_rows", table=(schema, table), key=list(key))
            found = conn.execute(text, {"limit": limit + 1}).fetchall()
        if len(found) <= limit:
            out[(schema, table)] = [r[0] for r in found]  # record texts: importer/seeds.py reads them
    return out, len(lookups) if limit > 0 else 0


def read(dsn: str, *, database: str | None = None, schemas: Collection[str] | None = None,
         orgs: bool = True, seed_limit: int = SEED_ROWS) -> tuple[importer.Plan, dict, dict, int, int]:
    """The live database on dsn, inspected, with its org templates recognised, registry candidates and lookup
    tables read."""
    with connection(dsn, purpose="schemagen import") as conn, live_drift.server_errors(dsn):
        name = database or conn.info.dbname
        catalog = Catalog(conn)
        probe = m.Database(name, schemas=(m.Schema("public"),))
        managed = sorted(schemas) if schemas else None
        with live_drift.snapshot(conn, render.prelude(probe)):
            db = inspect(conn, schemas=managed, name=name, catalog=catalog)
            live = live_behaviour.read(catalog, managed)
            # the parts of each policy, read only when there are policies (security.sql has a row for each)
            policies = catalog.rows("import_policies", schemas=managed) \
                if any(r["fact"] == "policy" for r in live.security) else []
            defaults = catalog.rows("import_default_privileges", schemas=managed)
            behaviour = importer.Behaviour(live.security, live.grants, live.objects, policies, defaults)
            plan = importer.recognise(db, find_orgs=orgs, live=behaviour)
            rows, data = _rows(conn, plan.candidates, len(plan.found.keys))
            seeded, more = _seed_rows(conn, plan.lookups, seed_limit)
    return plan, rows, seeded, catalog.queries, data + more


def write_file(path: Path, text: str, *, force: bool) -> None:
    """text into path, whole or not at all; an existing file only with force (never through a link)."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise UsageError(f"{path}: not a regular file; give another -o")
    if path.exists() and not force:
        raise UsageError(f"{path} exists: pass --force to overwrite it, or give another -o")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _problems(path: Path | None, text: str) -> list[str]:
    from schemagen.load import load_model

    with tempfile.TemporaryDirectory() as folder:
        target = path if path is not None else Path(folder) / "model.yaml"
        if path is None:
            target.write_text(text, encoding="utf-8")
        try:
            load_model(target)
        except ModelError as e:
            return [str(p) for p in e.problems]
    return []


def import_database(dsn: str, out: Path | None, *, database: str | None = None,
                    schemas: Collection[str] | None = None, orgs: str = "auto", force: bool = False,
                    seed_rows: int = SEED_ROWS, say: Say = silent) -> ImportResult:
    """`schemagen import`: write the model of the live database on dsn to out (None: return the text only)."""
    if orgs not in ("auto", "none"):
        raise UsageError(f"--orgs {orgs!r}: give auto or none")
    if out is not None and out.exists() and not force:
        raise UsageError(f"{out} exists: pass --force to overwrite it, or give another -o")
    if seed_rows < 0:
        raise UsageError(f"--seed-rows {seed_rows}: give 0 (no seed rows) or more")
    plan, rows, seeded, catalog_queries, data_queries = read(dsn, database=database, schemas=schemas,
                                                             orgs=orgs == "auto", seed_limit=seed_rows)
    imported = importer.write(plan, rows, seed_rows=seeded)
    for line in imported.recognised:
        say(printable(f"recognised {line}"))
    for note in imported.notes:
        say(printable(f"not expressed: {note}"))
    if out is not None:
        write_file(out, imported.text, force=force)
        say(printable(f"{out}: written ({catalog_queries} catalog queries, {data_queries} data queries)"))
    problems = _problems(out, imported.text)
    return ImportResult(imported.text, imported.notes, imported.recognised, catalog_queries, data_queries, problems)
