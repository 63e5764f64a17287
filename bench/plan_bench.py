"""`schemagen plan --dsn` and `schemagen apply --plan` of one change to the org template, at 10 to 1,000 orgs.

The Haystack model (the root model.yaml) stamped out for N orgs is applied (--skip-unsupported) to two fresh
databases A and B of the ts-apache server (PostgreSQL 17 + TimescaleDB 2.19, Apache). The after model changes the
org template `values_{org}` once (--change index: a new index on every org's hypertable, the default; --change
column: a new nullable column). Measured side by side in one run, every command a fresh process as a user runs it:
- `schemagen diff` of the after model on A (it finds the N differences), and `schemagen plan --dsn` of it on A
  (--format json -o): best of --repeat each; the ratio plan/diff (issue 16's target: 1.5 at most);
- the statements plan sends to the server, and diff's: psycopg's Cursor.execute counted in the command's own
  process (a wrapper installed before the CLI runs); the target is the same number at every N;
- `schemagen apply --plan plan.json --allow-hazards all` on A against `psql -X -v ON_ERROR_STOP=1 -f plan.sql`
  (the same plan as `plan --format sql`, made on B, which is in the same state) on B: one run each (a second would
  need two fresh databases more), psql first; the ratio apply/psql (target: 1.2 at most);
- afterwards both A and B must have no drift against the after model (`schemagen diff` exits 0).

    python bench/plan_bench.py [--sizes 10,100,1000] [--change index|column] [--repeat 3] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from cli import SCHEMAGEN  # noqa: E402

from bench import APACHE, CHROOT, drop_database, fresh_database, model_text  # noqa: E402

PSQL = os.environ.get("SCHEMAGEN_PSQL") or (str(CHROOT.parent / "bin" / "psql")
                                            if (CHROOT.parent / "bin" / "psql").exists() else "psql")
_PK = "            primary_key: [entity_id, timestamp]\n"  # values_{org}'s (values_{org}_current has none)
CHANGES = {  # the change to the org template: a line of values_{org} -> the same with a line added
    "index": ("              idx_values_{org}_org_time: {columns: [org_id, timestamp DESC]}\n",
              "              idx_values_{org}_org_time: {columns: [org_id, timestamp DESC]}\n"
              "              idx_values_{org}_value_time: {columns: [value, timestamp DESC]}\n"),
    "column": (_PK, "              quality: smallint\n" + _PK),
}
COMMON = ("--database", "datakwip", "--skip-unsupported")

# Runs the CLI in this process with psycopg's Cursor.execute counted; the count goes to $SG_COUNT at exit.
COUNTED = """
import atexit, json, os, sys
import psycopg
counts = {"statements": 0}
def wrap(cls):
    original = cls.execute
    def execute(self, query, *args, **kwargs):
        counts["statements"] += 1
        return original(self, query, *args, **kwargs)
    cls.execute = execute
for cls in (psycopg.Cursor, psycopg.ServerCursor):
    wrap(cls)
atexit.register(lambda: open(os.environ["SG_COUNT"], "w").write(json.dumps(counts)))
from schemagen.entry import main
sys.exit(main(sys.argv[1:]))
"""


def after_text(before: str, change: str) -> str:
    line, changed = CHANGES[change]
    if before.count(line) != 1:
        raise RuntimeError(f"the root model changed: the line the {change} change needs is not there once")
    return before.replace(line, changed)


def run(args: list[str], ok=(0,), env: dict | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    took = time.perf_counter() - started
    if done.returncode not in ok:
        raise RuntimeError(f"{' '.join(args[:2])} exited {done.returncode}: {done.stdout[-1500:]}{done.stderr[-1500:]}")
    return took


def statements(args: list[str], work: Path, ok=(0, 1)) -> int:
    """The statements the command sends (Cursor.execute calls in its process)."""
    out = work / "count.json"
    run([sys.executable, "-c", COUNTED, *args], ok=ok, env=dict(os.environ, SG_COUNT=str(out)))
    return json.loads(out.read_text())["statements"]


def measure(orgs: int, change: str, repeat: int, work: Path) -> dict:
    before, after = work / f"before_{orgs}.yaml", work / f"after_{orgs}.yaml"
    before.write_text(model_text(orgs))
    after.write_text(after_text(before.read_text(), change))
    plan_json, plan_sql = work / f"plan_{orgs}.json", work / f"plan_{orgs}.sql"
    names = (f"sg_planbench_a_{os.getpid()}", f"sg_planbench_b_{os.getpid()}")
    a, b = (fresh_database(APACHE, n) for n in names)
    try:
        for dsn in (a, b):
            run([SCHEMAGEN, "apply", "--dsn", dsn, "-m", str(before), *COMMON])
        diff = ["diff", "--dsn", a, "-m", str(after), *COMMON]
        plan = ["plan", "--dsn", a, "-m", str(after), *COMMON, "--format", "json", "-o", str(plan_json)]
        if repeat > 1:
            run([SCHEMAGEN, *plan], ok=(1,))  # warms the model cache and the server's catalog caches
        diff_s = min(run([SCHEMAGEN, *diff], ok=(1,)) for _ in range(repeat))
        plan_s = min(run([SCHEMAGEN, *plan], ok=(1,)) for _ in range(repeat))
        diff_n, plan_n = statements(diff, work), statements(plan, work)
        run([SCHEMAGEN, "plan", "--dsn", b, "-m", str(after), *COMMON, "--format", "sql", "-o", str(plan_sql)],
            ok=(1,))
        data = json.loads(plan_json.read_text())
        steps = len(data["steps"])
        sql_statements = sum(len(s["statements"]) for s in data["steps"])
        psql_s = run([PSQL, b, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(plan_sql)],
                     env=dict(os.environ, PGSSLMODE="disable"))
        apply_s = run([SCHEMAGEN, "apply", "--dsn", a, "-m", str(after), "--plan", str(plan_json),
                       "--allow-hazards", "all", *COMMON])
        drift = {}
        for name, dsn in zip("ab", (a, b)):
            done = subprocess.run([SCHEMAGEN, "diff", "--dsn", dsn, "-m", str(after), *COMMON], capture_output=True,
                                  text=True)
            drift[name] = done.returncode
    finally:
        for n in names:
            drop_database(APACHE, n)
    return {"orgs": orgs, "change": change, "steps": steps, "sql_statements": sql_statements,
            "not_planned": len(data["not_planned"]), "diff_s": diff_s, "plan_s": plan_s,
            "diff_statements": diff_n, "plan_statements": plan_n, "apply_s": apply_s, "psql_s": psql_s,
            "drift_after_apply": drift["a"], "drift_after_psql": drift["b"]}


def report(rows: list[dict]) -> str:
    head = ["orgs", "steps", "diff s", "plan s", "plan/diff", "diff stmts", "plan stmts", "apply --plan s",
            "psql s", "apply/psql", "no drift after (apply, psql)"]
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for r in rows:
        clean = ", ".join("yes" if r[k] == 0 else f"NO (exit {r[k]})" for k in ("drift_after_apply",
                                                                                "drift_after_psql"))
        lines.append(" | ".join([
            f"{r['orgs']:,}", f"{r['steps']:,}", f"{r['diff_s']:.2f}", f"{r['plan_s']:.2f}",
            f"{r['plan_s'] / r['diff_s']:.2f}", str(r["diff_statements"]), str(r["plan_statements"]),
            f"{r['apply_s']:.2f}", f"{r['psql_s']:.2f}", f"{r['apply_s'] / r['psql_s']:.2f}", clean]))
    lines += ["", f"change: {rows[0]['change'] if rows else '-'} on values_{{org}}; diff and plan: best of the "
              "runs, as commands; apply and psql: one run each."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--change", choices=sorted(CHANGES), default="index")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=HERE / "results" / "plan.json")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="sg-planbench-") as tmp:
        for orgs in (int(s) for s in args.sizes.split(",") if s):
            rows.append(measure(orgs, args.change, args.repeat, Path(tmp)))
            print(f"measured {orgs:,} orgs", file=sys.stderr, flush=True)
    print(report(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"rows": rows}, indent=2))
    bad = [r["orgs"] for r in rows if r["drift_after_apply"] or r["drift_after_psql"] or r["not_planned"]]
    if bad:
        print(f"drift or changes not planned at {bad} orgs: the benchmark is invalid", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
