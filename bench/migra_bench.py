"""migra against `schemagen plan`, side by side on the plan corpus: the share of cases whose output applies and
leaves no drift.

For every case of tests/plans/ that runs on pg-plain (PostgreSQL 15) or ts-apache (PostgreSQL 17 + TimescaleDB 2.19,
Apache; --skip-unsupported), on pg-plain when its first line lists it (migra is a PostgreSQL tool), else ts-apache:
- migra: the before model applied to a fresh database X and its rows.sql inserted, the after model applied to a
  fresh database Y; `migra --unsafe X Y` gives the SQL; `psql -X -v ON_ERROR_STOP=1 -f` runs it on X; then
  `schemagen diff -m after.yaml` on X. A success: the SQL ran and the diff finds no drift.
- schemagen: the same X (fresh again), `schemagen plan --dsn X -m after.yaml --format json -o plan.json`,
  `schemagen apply --plan plan.json --allow-hazards all`, then the same diff.
Every other outcome is a failure with its reason (migra's crash, the statement psql refused, the drift left),
never hidden. Prints the per-case table and the shares; writes bench/results/migra.json.

    python bench/migra_bench.py [--cases 001_add_column,...] [--tools migra,schemagen] [--no-rows] [--json PATH]

--no-rows leaves X without the case's rows (a TimescaleDB hypertable then has no chunks for migra to see).

migra comes from PyPI (`pip install -e '.[bench]'`, the `migra[pg]` extra: psycopg2, sqlbag, schemainspect).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from cli import SCHEMAGEN  # noqa: E402
from plan_bench import PSQL  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from servers import SERVERS  # noqa: E402

from bench import drop_database, fresh_database  # noqa: E402

CORPUS = ROOT / "tests" / "plans"
MIGRA = shutil.which("migra", path=str(Path(sys.executable).parent)) or shutil.which("migra")
PREFERRED = ("pg-plain", "ts-apache")
X, Y = f"sg_migra_x_{os.getpid()}", f"sg_migra_y_{os.getpid()}"  # two runs at once never share one


def cases(names: list[str] | None) -> list[tuple[Path, str | None]]:
    """Each case with the server it runs on here (None: ts-community only, not run)."""
    out = []
    for case in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        if names and case.name not in names:
            continue
        servers = (case / "after.yaml").read_text().splitlines()[0].removeprefix("# servers: ").split()
        out.append((case, next((s for s in PREFERRED if s in servers), None)))
    return out


def url(dsn: str) -> str:
    """A postgresql:// URL of a conninfo string, for migra (SQLAlchemy wants URLs)."""
    d = conninfo_to_dict(dsn)
    auth = quote(d.get("user", "postgres")) + (f":{quote(d['password'])}" if d.get("password") else "")
    return f"postgresql://{auth}@{d.get('host', '127.0.0.1')}:{d.get('port', 5432)}/{quote(d['dbname'])}"


def sh(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)


def last(text: str, n: int = 300) -> str:
    lines = [x for x in text.strip().splitlines() if x.strip()]
    return " / ".join(lines[-3:])[-n:] if lines else ""


def skip(server: str) -> list[str]:
    return ["--skip-unsupported"] if server == "ts-apache" else []


ROWS = True  # --no-rows: X without the case's rows.sql


def before(case: Path, server: str, dsn: str) -> None:
    done = sh([SCHEMAGEN, "apply", "--dsn", dsn, "-m", str(case / "before.yaml"), *skip(server)])
    if done.returncode:
        raise RuntimeError(f"apply before.yaml: {last(done.stderr)}")
    if ROWS and (case / "rows.sql").exists():
        with psycopg.connect(dsn, autocommit=True) as c:
            c.execute((case / "rows.sql").read_text())


def drift(case: Path, server: str, dsn: str) -> str | None:
    """None when the database has no drift against after.yaml, else what the diff said."""
    done = sh([SCHEMAGEN, "diff", "--dsn", dsn, "-m", str(case / "after.yaml"), *skip(server)])
    if done.returncode == 0:
        return None
    said = [x.strip() for x in done.stdout.splitlines() if x.strip()] or [last(done.stderr)]
    return f"drift left (diff exit {done.returncode}): {' / '.join(said)[:300]}"


def run_migra(case: Path, server: str, admin: str, work: Path) -> str | None:
    """None on success, else the reason."""
    if MIGRA is None:
        return "migra is not installed (pip install -e '.[bench]')"
    x, y = fresh_database(admin, X), fresh_database(admin, Y)
    try:
        before(case, server, x)
        done = sh([SCHEMAGEN, "apply", "--dsn", y, "-m", str(case / "after.yaml"), *skip(server)])
        if done.returncode:
            return f"apply after.yaml to Y failed: {last(done.stderr)}"
        done = sh([MIGRA, "--unsafe", url(x), url(y)])
        if done.returncode not in (0, 2):  # 0: no differences, 2: differences (the SQL on stdout)
            return f"migra crashed (exit {done.returncode}): {last(done.stderr)}"
        script = work / f"{case.name}.migra.sql"
        script.write_text(done.stdout)
        ran = sh([PSQL, x, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(script)],
                 env=dict(os.environ, PGSSLMODE="disable"))
        if ran.returncode:
            return f"its SQL failed: {last(ran.stderr)}"
        left = drift(case, server, x)
        if left and not done.stdout.strip():
            return f"migra found no difference; {left}"
        return left
    finally:
        drop_database(admin, X)
        drop_database(admin, Y)


def run_schemagen(case: Path, server: str, admin: str, work: Path) -> str | None:
    x = fresh_database(admin, X)
    plan = work / f"{case.name}.plan.json"
    try:
        before(case, server, x)
        done = sh([SCHEMAGEN, "plan", "--dsn", x, "-m", str(case / "after.yaml"), *skip(server), "--format", "json",
                   "-o", str(plan)])
        if done.returncode not in (0, 1):
            return f"plan failed (exit {done.returncode}): {last(done.stderr)}"
        done = sh([SCHEMAGEN, "apply", "--dsn", x, "-m", str(case / "after.yaml"), "--plan", str(plan),
                   "--allow-hazards", "all", *skip(server)])
        if done.returncode:
            return f"apply --plan failed (exit {done.returncode}): {last(done.stderr)}"
        return drift(case, server, x)
    finally:
        drop_database(admin, X)


TOOLS = {"migra": run_migra, "schemagen": run_schemagen}


def measure(names: list[str] | None, tools: list[str], work: Path) -> list[dict]:
    rows = []
    for case, server in cases(names):
        row = {"case": case.name, "server": server}
        for tool in tools:
            if server is None:
                row[tool] = "not run: ts-community only"
                continue
            try:
                reason = TOOLS[tool](case, server, SERVERS[server].dsn, work)
            except (RuntimeError, psycopg.Error, subprocess.TimeoutExpired) as e:
                reason = f"setup failed: {str(e)[-300:]}"
            row[tool] = "ok" if reason is None else reason.replace(f"{work}/", "")  # psql names the script
        rows.append(row)
        outcome = {t: "not run" if server is None else "ok" if row[t] == "ok" else "FAILED" for t in tools}
        print(f"{case.name}: " + ", ".join(f"{t} {o}" for t, o in outcome.items()), file=sys.stderr, flush=True)
    return rows


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def report(rows: list[dict], tools: list[str]) -> str:
    run = [r for r in rows if r["server"]]
    shares = ", ".join(f"{t} {sum(r[t] == 'ok' for r in run)}/{len(run)} "
                       f"({100 * sum(r[t] == 'ok' for r in run) / max(1, len(run)):.0f} %)" for t in tools)
    lines = [f"cases run: {len(run)} (pg-plain {sum(r['server'] == 'pg-plain' for r in run)}, ts-apache "
             f"{sum(r['server'] == 'ts-apache' for r in run)}); not run (ts-community only): {len(rows) - len(run)}",
             f"applies and leaves no drift: {shares}", "", " | ".join(["case", "server", *tools]),
             " | ".join("---" for _ in range(2 + len(tools)))]
    for r in run:
        lines.append(" | ".join([r["case"], r["server"], *(cell(r[t]) for t in tools)]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="", help="comma-separated case folder names (default: all)")
    parser.add_argument("--tools", default="migra,schemagen")
    parser.add_argument("--no-rows", action="store_true", help="leave X empty: no rows.sql")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "migra.json")
    args = parser.parse_args(argv)
    global ROWS
    ROWS = not args.no_rows
    tools = [t for t in args.tools.split(",") if t]
    unknown = [t for t in tools if t not in TOOLS]
    if unknown:
        parser.error(f"unknown tool(s) {', '.join(unknown)}: migra, schemagen")
    with tempfile.TemporaryDirectory(prefix="sg-migra-") as tmp:
        rows = measure([c for c in args.cases.split(",") if c] or None, tools, Path(tmp))
    print(report(rows, tools))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
