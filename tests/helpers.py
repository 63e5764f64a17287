"""Shared test helpers: models from text, the CLI in-process, catalog snapshots of a live database."""
from __future__ import annotations

import io
import textwrap
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from schemagen.cli import main
from schemagen.load import load_model, load_model_text

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "model.yaml"


def model_from(text: str, file: str = "model.yaml"):
    return load_model_text(textwrap.dedent(text), file)


def haystack(orgs: int | None = None):
    """The root model; with `orgs`, that many generated orgs instead of its own."""
    if orgs is None:
        return load_model(MODEL)
    text = MODEL.read_text()
    head, rest = text.split("\norgs:\n", 1)
    body = rest[rest.index("\ndatabases:"):]
    lines = "\n".join(f"  - {{key: org{n:05d}, name: Org {n}}}" for n in range(orgs))
    return load_model_text(f"{head}\norgs:\n{lines}\n{body}", "model.yaml")


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run `schemagen ARGS` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def planned_case(db, case: Path, rows: str, plan: Path) -> dict:
    """A plan corpus case's before model applied to db, `rows` (SQL) run, then the after model planned into plan
    (--format json): the plan file's content."""
    import json

    code, _, err = run_cli("apply", "--dsn", db.dsn, "-m", str(case / "before.yaml"))
    assert code == 0, err
    with db.connect() as c:
        c.execute(rows)
    code, _, err = run_cli("plan", "--dsn", db.dsn, "-m", str(case / "after.yaml"), "--format", "json", "-o", str(plan))
    assert code == 1, err
    return json.loads(plan.read_text())


SNAPSHOT = """
SELECT 'rel ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text
       || coalesce(' acl ' || ({acl}), '')
       || CASE WHEN c.relrowsecurity THEN ' rls' ELSE '' END
       || CASE WHEN c.relforcerowsecurity THEN ' force' ELSE '' END
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%%'
   AND n.nspname NOT LIKE '\\_timescaledb%%' AND n.nspname NOT LIKE 'timescaledb\\_%%'
UNION ALL SELECT 'schema ' || nspname || coalesce(' acl ' || ({nspacl}), '') FROM pg_namespace
UNION ALL SELECT 'policy ' || polrelid::regclass::text || ' ' || polname FROM pg_policy
UNION ALL SELECT 'ext ' || extname FROM pg_extension
UNION ALL SELECT 'proc ' || p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE '\\_timescaledb%%'
   AND n.nspname NOT LIKE 'timescaledb\\_%%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
UNION ALL SELECT 'type ' || t.oid::regtype::text || ' ' || t.typtype::text FROM pg_type t
  JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE t.typtype IN ('e', 'd') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE '\\_timescaledb%%' AND n.nspname NOT LIKE 'timescaledb\\_%%'
ORDER BY 1
"""
# The privileges of PUBLIC and of the tests' grantees (TEST_ROLES) in an ACL, as "role:PRIVILEGE,...": what a
# model's grants change and its rollback must put back (other tests' roles are granted to by those tests themselves)
_ACL = """SELECT pg_catalog.string_agg(coalesce(r.rolname, 'PUBLIC') || ':' || a.privilege_type, ',' ORDER BY 1)
  FROM pg_catalog.aclexplode({acl}) a LEFT JOIN pg_roles r ON r.oid = a.grantee
 WHERE a.grantee = 0 OR r.rolname IN ('sg_reader', 'sg_writer', 'sg odd "role" ü')"""
SNAPSHOT = SNAPSHOT.replace("{acl}", _ACL.format(acl="c.relacl")).replace("{nspacl}", _ACL.format(acl="nspacl"))
SNAPSHOT_JOBS = "SELECT 'job ' || proc_name || ' ' || coalesce(hypertable_name, '') " \
                "FROM timescaledb_information.jobs " \
                "WHERE job_id >= 1000 ORDER BY 1"


# The roles the tests' grants and policies name (tests/golden/rich.yaml, test_security.py): cluster-wide, created
# once per server by conftest (schemagen never creates roles), never dropped (other tests' databases may use them).
TEST_ROLES = ("sg_reader", "sg_writer", 'sg odd "role" ü')


def ensure_roles(dsn: str) -> None:
    """CREATE ROLE each of TEST_ROLES that the server does not have yet (NOLOGIN)."""
    import contextlib

    import psycopg
    from psycopg import sql

    with psycopg.connect(dsn, autocommit=True) as c:
        for role in TEST_ROLES:
            if not c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                with contextlib.suppress(psycopg.errors.DuplicateObject):  # another test run made it meanwhile
                    c.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))


def snapshot(db) -> list[str]:
    """What a database holds, as sorted lines: relations, schemas, extensions, functions, triggers, jobs."""
    with db.connect() as c:
        rows = [r[0] for r in c.execute(SNAPSHOT).fetchall()]
        if c.execute("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'").fetchone()[0]:
            rows += [r[0] for r in c.execute(SNAPSHOT_JOBS).fetchall()]
    return rows


def live_changes(db, model) -> list[str]:
    """The drift check of model's first database against db: each change's summary."""
    from schemagen.commands import drift
    from schemagen.live.connect import connection

    with connection(db.dsn) as conn:
        return [c.summary() for c in drift.compare_live(conn, model, model.databases[0])]


def drift_then_rollback(db, path: Path, expected: str, before: list[str]) -> None:
    """`diff` exits 1 reporting `expected`; `rollback --yes` of the model at path leaves db as `before`
    (its snapshot)."""
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", str(path))
    assert code == 1 and expected in out, out + err
    code, out, err = run_cli("rollback", "--dsn", db.dsn, "-m", str(path), "--yes")
    assert code == 0, out + err
    assert snapshot(db) == before


def applied(db, path: Path, text: str):
    """The model text written at path and applied to db, with no drift after: (db's snapshot before, the model)."""
    path.write_text(text)
    before, model = snapshot(db), model_from(text)
    code, out, err = run_cli("apply", "--dsn", db.dsn, "-m", str(path))
    assert code == 0, out + err
    assert live_changes(db, model) == []
    return before, model
