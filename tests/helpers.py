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


SNAPSHOT = """
SELECT 'rel ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%%'
   AND n.nspname NOT LIKE '\\_timescaledb%%' AND n.nspname NOT LIKE 'timescaledb\\_%%'
UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
UNION ALL SELECT 'ext ' || extname FROM pg_extension
UNION ALL SELECT 'proc ' || p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE '\\_timescaledb%%'
   AND n.nspname NOT LIKE 'timescaledb\\_%%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
ORDER BY 1
"""
SNAPSHOT_JOBS = "SELECT 'job ' || proc_name || ' ' || coalesce(hypertable_name, '') " \
                "FROM timescaledb_information.jobs " \
                "WHERE job_id >= 1000 ORDER BY 1"


def snapshot(db) -> list[str]:
    """What a database holds, as sorted lines: relations, schemas, extensions, functions, triggers, jobs."""
    with db.connect() as c:
        rows = [r[0] for r in c.execute(SNAPSHOT).fetchall()]
        if c.execute("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'").fetchone()[0]:
            rows += [r[0] for r in c.execute(SNAPSHOT_JOBS).fetchall()]
    return rows
