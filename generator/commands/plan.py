"""`schemagen plan`: the steps that take a database to the model, from a live database or from an older model.

Interface:
- plan_live(dsn, model, *, database=None, orgs=None, skip_unsupported=False, say) -> Plan: the live database
  read as the drift check reads it (commands/drift.compare_live: the same catalog queries), its differences from
  the model planned (plan/), with the rows that each new constraint would refuse counted (live/violations).
  What schemagen did not create (schemagen.objects) is never altered or dropped: its
  changes are listed as not planned. The plan's fingerprint is that of the live state it starts from.
- plan_offline(old, new, *, database=None) -> Plan: both models' databases as the drift check expects them
  (compare/expected), diffed database against database (compare/diff), planned (plan/). No server.
- output(plan, new, fmt) -> str: text, sql or json (the plan file, docs/plan.md).
- write(path, text): the output into a file (-o).
The CLI prints the output and exits 1 when the plan has steps or differences it could not plan, 0 when there is
nothing to do.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from schemagen import model as m
from schemagen import plan as planning
from schemagen.compare.orgs import org_of, templates
from schemagen.compare.security import with_live_grants
from schemagen.errors import UsageError

FORMATS = ("text", "sql", "json")


def _database(old: m.Model, new: m.Model, database: str | None) -> str:
    names = list(dict.fromkeys([d.name for d in new.databases] + [d.name for d in old.databases]))
    if database is None:
        if len(names) != 1:
            raise UsageError(f"the models have several databases: pass --database ({', '.join(names)})")
        return names[0]
    if database not in names:
        raise UsageError(f"unknown database {database!r}; the models have: {', '.join(names)}")
    return database


def plan_live(dsn: str, model: m.Model, *, database: str | None = None, orgs: Sequence[str] | None = None,
              skip_unsupported: bool = False, say: Callable[[str], None] = lambda text: None) -> planning.Plan:
    """The plan that takes the live database on dsn to the model's database (named, or the only one)."""
    # the server's side loads here, not with the module: `plan --from` and `lint` never talk to a server
    from schemagen.commands import drift
    from schemagen.live import drift as live_drift
    from schemagen.live import history, violations
    from schemagen.live.connect import check_orgs, connection, is_pglite, pick_database, server_info

    db = pick_database(model, database)
    check_orgs(model, db, orgs)
    with connection(dsn) as conn, live_drift.server_errors(dsn):
        skip = drift.skipped(conn, dsn, skip_unsupported, say)
        report = drift.Report([])
        changes = drift.compare_live(conn, model, db, orgs=orgs, skip=skip, report=report)
        owned = history.owned(conn, db.name)
        refused = _refused(server_info(conn, dsn), is_pglite(conn))
        ts = any(e.name == "timescaledb" for e in report.actual.extensions)
        chunks = violations.chunks(conn) if ts else {}
        actual, expected = _with_policies(conn, db, report.actual, changes), report.expected
        # the rollback of a drop creates the object again with the privileges the model's roles held on it
        actual = with_live_grants(actual, report.model_grants, report.model_roles)
        seen = planning.declared_renames(expected, actual).actual  # an org table renamed is still its org's
        # an org is onboarded when any of its objects is there: an org's templates may be views only
        found = (*seen.tables, *seen.views, *seen.continuous_aggregates)
        patterns = templates(expected)
        live_orgs = {o for o in (org_of(t.schema, t.name, patterns, db.orgs) for t in found) if o}
        live_orgs |= _registered(db, actual, changes)
        onboard = {o: planning.Onboard(m.ObjectKey("org", "", o), o, model, db.name, frozenset(skip))
                   for o in (orgs or db.orgs) if o not in live_orgs}
        return planning.plan_changes(changes, actual, expected, db, onboard, f"database {db.name} (live)",
                                     f"model {Path(model.file).name}", planning.fingerprint(actual),
                                     owned=lambda op: _not_ours(op, owned),
                                     count=lambda t, kind, k: violations.count(conn, t, kind, k), refused=refused,
                                     chunks=chunks)


# operations that make a new object: nothing of anyone's is altered (a trigger alters its table: not one of them)
CREATES = (*m.PLAN_CREATES_OBJECT, "own_sequence", "onboard_org")  # own_sequence: of a sequence the plan creates


def _with_policies(conn, db: m.Database, actual: m.Database, changes) -> m.Database:
    """The live tables with their policies in parts, read (one more catalog query) only when the plan drops or
    changes a policy: its rollback creates the policy again as it was. Not compared: row_security is the plan's."""
    if not any(c.part[:1] == ("policy",) and c.change != "missing" for c in changes):
        return actual
    from schemagen import render
    from schemagen.live import drift as live_drift
    from schemagen.live import security as live_security
    from schemagen.live.inspect import Catalog

    with live_drift.snapshot(conn, render.prelude(db)):
        found = live_security.policies_in_parts(Catalog(conn), [s.name for s in db.schemas])
    return replace(actual, tables=tuple(replace(t, row_security=m.RowSecurity(policies=found[(t.schema, t.name)]))
                                        if (t.schema, t.name) in found else t for t in actual.tables))


def _registered(db: m.Database, actual: m.Database, changes) -> set[str]:
    """The orgs whose registry row the live database has (the drift check reports none of them missing): an org
    there already is not onboarded again, even when none of its tables is (its new tables are created instead)."""
    reg = db.org_registry
    table = next((t for t in actual.tables if (t.schema, t.name) == (reg.schema, reg.table)), None) if reg else None
    needed = {c for r in db.org_rows for c, _ in r.values}
    if table is None or not needed <= {c.name for c in table.columns}:
        return set()  # no registry there yet (or not one whose rows the drift check can read)
    missing = {c.org for c in changes if c.kind == "org row" and c.change == "missing"}
    return {r.org for r in db.org_rows} - missing


def _refused(info, pglite: bool) -> dict[str, str]:
    """What this server cannot run -> why: the features it lacks (its license, its version, no TimescaleDB), a
    change of compression settings while chunks are compressed before TimescaleDB 2.14, a unique key added to a
    hypertable with compression before 2.23 (where it was not shown to work), and on PGlite every CONCURRENTLY
    statement (its index steps run in transactions there)."""
    out = dict(info.unsupported())
    if pglite:
        out[planning.CONCURRENTLY] = "PGlite refuses every CONCURRENTLY statement"
    if info.timescaledb_version and info.older_than(2, 14):
        out[planning.CHANGED_WITH_CHUNKS] = (f"TimescaleDB {info.timescaledb_version} refuses to change compression "
                                             "settings while chunks are compressed (2.14+ allows it)")
    if info.timescaledb_version and info.older_than(2, 23):
        out[planning.KEY_WITH_CHUNKS] = (f"a UNIQUE or PRIMARY KEY added to a hypertable with compression is planned "
                                         f"from TimescaleDB 2.23, where it was checked to work (this server has "
                                         f"{info.timescaledb_version})")
    return out


def _not_ours(op: planning.Op, owned: dict[m.ObjectKey, str]) -> str | None:
    """Why an operation must be left alone: it alters or drops an object schemagen did not create."""
    if op.op in CREATES or op.key in owned or m.ObjectKey(op.key.kind, op.key.schema, op.key.name) in owned:
        return None
    return (f"{op.object} was not created by schemagen (schemagen.objects has no record of it): left alone; "
            "`schemagen apply --adopt` records it as schemagen's")


def plan_offline(old: m.Model, new: m.Model, *, database: str | None = None) -> planning.Plan:
    """The plan from the old model's database to the new model's (named, or the only one)."""
    return planning.plan(old, new, _database(old, new, database))


def output(plan: planning.Plan, new: m.Model, fmt: str) -> str:
    if fmt == "json":
        return planning.format_json(plan)
    if fmt == "sql":
        db = next((d for d in new.databases if d.name == plan.database), m.Database(plan.database))
        return planning.format_sql(plan, db)
    if fmt == "text":
        return planning.format_text(plan)
    raise UsageError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")


def write(path: Path, text: str) -> None:
    """The output into a file (-o); a file that cannot be written is a usage error, not a traceback."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror or e}") from None
