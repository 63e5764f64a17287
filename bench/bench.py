"""schemagen at scale: render, apply and drift check of the Haystack model with 10 to 5,000 orgs.

Measured side by side in one run, on the test servers of scripts/testdb.sh (or your own, by the same
SCHEMAGEN_TEST_*_DSN variables):
- render: time and output size;
- apply vs `psql -f` of the same rendered files, each on a fresh database: on ts-apache with --skip-unsupported
  (psql gets the same supported subset), and on ts-community (PGlite) at the small sizes with every feature;
- diff vs `pg_dump --schema-only` (PostgreSQL 17's, from the server's own installation) of the same database;
- diff's catalog query count and peak RSS (a child process per measurement).
Prints a table with the ratios and the growth from one size to the next, and writes bench/results/latest.json.

    python bench/bench.py [--sizes 10,100,1000,5000] [--pglite-sizes 10,100] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

ROOT = Path(__file__).resolve().parent.parent
# The commands measured run as an installed copy runs: from compiled bytecode (pip compiles what it installs; an
# editable checkout writes __pycache__ on its first run). Under PYTHONDONTWRITEBYTECODE=1 (set in some shells and
# CI images) every run would compile the tool's modules from source again: 0.1-0.2 s, more than pg_dump's whole
# run at 100 orgs, which no user of an installed copy pays.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.path.insert(0, str(ROOT / "tests"))
from helpers import MODEL  # noqa: E402

APACHE = os.environ.get("SCHEMAGEN_TEST_TS_APACHE_DSN", "postgresql://postgres@127.0.0.1:55417/postgres")
COMMUNITY = os.environ.get("SCHEMAGEN_TEST_TS_COMMUNITY_DSN",
                           "postgresql://postgres:postgres@127.0.0.1:55423/postgres?sslmode=disable")
CHROOT = Path(os.environ.get("SCHEMAGEN_CACHE", "/var/tmp/schemagen")) / "trixie"
SKIP = "compression,policy,continuous aggregate"
REPEAT = 3  # diff and pg_dump: the best of three runs each; apply and psql: the median of three


def model_text(orgs: int) -> str:
    text = MODEL.read_text()
    head, rest = text.split("\norgs:\n", 1)
    lines = "\n".join(f"  - {{key: org{n:05d}, name: Org {n}}}" for n in range(orgs))
    return f"{head}\norgs:\n{lines}\n{rest[rest.index(chr(10) + 'databases:'):]}"


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def child(code: str, *args: str) -> dict:
    """Run python code in a child process that prints one JSON line; add its peak RSS (MB)."""
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise RuntimeError(done.stderr[-2000:])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result


RENDER = """
import json, sys, time, resource
from pathlib import Path
from schemagen.cli.base import load_model as _load  # as the render command does it
from schemagen import render
t0 = time.perf_counter(); model = _load(sys.argv[1]); t1 = time.perf_counter()
scripts = render.render(model, database="datakwip")
written = render.write_out(scripts, Path(sys.argv[2]), model)
t2 = time.perf_counter()
size = sum(p.stat().st_size for p in Path(sys.argv[2]).rglob("*.sql"))
print(json.dumps({"load_s": t1 - t0, "render_s": t2 - t1, "files": len(written), "bytes": size,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

DIFF = """
import json, sys, time, resource
from schemagen.load import load_model
from schemagen.commands import drift
from schemagen.live.connect import connection, server_info
model = load_model(sys.argv[1]); db = model.database("datakwip")
t0 = time.perf_counter()
report = drift.Report([], 0, 0)
with connection(sys.argv[2]) as conn:
    skip = frozenset(server_info(conn, sys.argv[2]).unsupported())
    changes = drift.compare_live(conn, model, db, skip=skip, report=report)
t1 = time.perf_counter()
print(json.dumps({"diff_s": t1 - t0, "changes": len(changes), "catalog_queries": report.catalog_queries,
                  "normalize_statements": report.normalize_statements,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def fresh_database(admin_dsn: str, name: str) -> str:
    with psycopg.connect(admin_dsn, autocommit=True) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_conninfo(admin_dsn, dbname=name)


def drop_database(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def schemagen(*args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "schemagen.cli", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"schemagen {' '.join(args[:1])} failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started


def psql_files(dsn: str, folder: Path, one_session: bool = False) -> float:
    """psql -f over the files in ls order: one psql per file (how docker-entrypoint-initdb.d runs the folder), or
    one psql, one session, given every file (-f a.sql -f b.sql ...: no connection per file)."""
    files = [str(f) for f in sorted(folder.glob("*.sql"))]
    batches = [[arg for f in files for arg in ("-f", f)]] if one_session else [["-f", f] for f in files]
    started = time.perf_counter()
    for args in batches:
        done = subprocess.run(["psql", dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1", *args],
                              capture_output=True, text=True, env=dict(os.environ, PGSSLMODE="disable"))
        if done.returncode != 0:
            raise RuntimeError(f"psql {args[-1]}: {done.stderr[-2000:]}")
    return time.perf_counter() - started


def rendered_subset(model_path: Path, out: Path, skip: bool) -> Path:
    """The files psql runs: exactly what apply runs (with --skip-unsupported, the same supported subset)."""
    code = ("import sys; from pathlib import Path; from schemagen.load import load_model\n"
            "from schemagen import render\n"
            "m = load_model(sys.argv[1]); skip = frozenset(sys.argv[3].split(',')) if sys.argv[3] else frozenset()\n"
            "render.write_out(render.render(m, database='datakwip', skip_features=skip), Path(sys.argv[2]), m)")
    subprocess.run([sys.executable, "-c", code, str(model_path), str(out), SKIP if skip else ""], check=True)
    return out / "datakwip"


def pg_dump_seconds(dsn: str) -> float:
    """pg_dump --schema-only of PostgreSQL 17, from the server's own installation (scripts/testdb.sh writes a
    wrapper for the chroot's binary; SCHEMAGEN_PG_DUMP names another)."""
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    wrapper = CHROOT.parent / "bin" / "pg_dump"
    pg_dump = os.environ.get("SCHEMAGEN_PG_DUMP") or (str(wrapper) if wrapper.exists() else "pg_dump")
    cmd = [pg_dump, "--schema-only", "-h", info.get("host", "127.0.0.1"), "-p", str(info.get("port", 5432)),
           "-U", info.get("user", "postgres"), "-d", info["dbname"], "-f", "/dev/null"]
    started = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=dict(os.environ, PGPASSWORD=info.get("password", "")))
    return time.perf_counter() - started


def pglite_restart() -> None:
    subprocess.run([str(ROOT / "scripts" / "testdb.sh"), "restart-pglite"], check=True, capture_output=True)


def server_seconds(dsn: str) -> tuple[float, float, float]:
    """From the apply's history: the server's time in all scripts, and the mean ms of an org script in the first
    and the last tenth of the run (growth there is PostgreSQL's, not schemagen's)."""
    with psycopg.connect(dsn) as c:
        total = c.execute("SELECT sum(duration_ms) FROM schemagen.history").fetchone()[0] / 1000
        ms = [r[0] for r in c.execute("SELECT duration_ms FROM schemagen.history WHERE script LIKE '900\\_%' "
                                      "ORDER BY applied_at, script")]
    tenth = max(1, len(ms) // 10)
    return total, sum(ms[:tenth]) / tenth, sum(ms[-tenth:]) / tenth


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def apply_and_psql(orgs: int, model_path: Path, work: Path, repeat: int) -> dict:
    """apply, psql one session and psql per file, each on a fresh database, `repeat` times, apply and psql 1
    alternating which goes first; medians. The last applied database stays for the diff.

    Why alternate: on this kind of VM (ext4 mounted with `discard`) creating files right after a large DROP
    DATABASE deleted tens of thousands of them can be ten times slower, and PostgreSQL creates a file per
    relation; whichever ran first would look faster."""
    folder = rendered_subset(model_path, work / f"psql_{orgs}", skip=True)

    def psql(one: bool) -> float:
        p = fresh_database(APACHE, "sg_bench_psql")
        try:
            return psql_files(p, folder, one_session=one)
        finally:
            drop_database(APACHE, "sg_bench_psql")

    def apply() -> dict:
        a = fresh_database(APACHE, "sg_bench_apply")
        apply_s = schemagen("apply", "--dsn", a, "-m", str(model_path), "--database", "datakwip",
                            "--skip-unsupported")
        server_s, first_ms, last_ms = server_seconds(a)
        return {"apply_s": apply_s, "apply_server_s": server_s, "org_script_first_ms": first_ms,
                "org_script_last_ms": last_ms}

    ones, applies, per_file = [], [], []
    for n in range(repeat):
        if n % 2:
            applies.append(apply())
            ones.append(psql(True))
        else:
            ones.append(psql(True))
            applies.append(apply())
        if n < (repeat if orgs <= 100 else 1):  # one psql per file: 5,000 processes take minutes; once from 1,000
            per_file.append(psql(False))
    row = sorted(applies, key=lambda r: r["apply_s"])[len(applies) // 2]
    return {**row, "psql_s": median(per_file), "psql_one_s": median(ones),
            "apply_runs": [r["apply_s"] for r in applies], "psql_one_runs": ones}


def pglite_apply_and_psql(orgs: int, model_path: Path, work: Path) -> dict:
    """Every feature, on the community server (PGlite: one database, restarted fresh before each run)."""
    from servers import pglite_lock

    folder = rendered_subset(model_path, work / f"full_{orgs}", False)
    row = {}
    with pglite_lock():
        pglite_restart()
        row["pglite_apply_s"] = schemagen("apply", "--dsn", COMMUNITY, "-m", str(model_path), "--database",
                                          "datakwip")
        pglite_restart()
        row["pglite_psql_s"] = psql_files(COMMUNITY, folder)
        pglite_restart()
        row["pglite_psql_one_s"] = psql_files(COMMUNITY, folder, one_session=True)
        pglite_restart()
    return row


def measure(orgs: int, work: Path, pglite: bool) -> dict:
    model_path = work / f"model_{orgs}.yaml"
    model_path.write_text(model_text(orgs))
    row: dict = {"orgs": orgs}
    r = child(RENDER, str(model_path), str(work / f"out_{orgs}"))
    row.update(load_s=r["load_s"], render_s=r["render_s"], files=r["files"], bytes=r["bytes"])

    row.update(apply_and_psql(orgs, model_path, work, REPEAT))
    a = make_conninfo(APACHE, dbname="sg_bench_apply")
    try:
        diffs = [child(DIFF, str(model_path), a) for _ in range(REPEAT)]
        d = min(diffs, key=lambda d: d["diff_s"])
        row.update(diff_s=d["diff_s"], drift=max(x["changes"] for x in diffs), catalog_queries=d["catalog_queries"],
                   normalize_statements=d["normalize_statements"], diff_rss_mb=max(x["rss_mb"] for x in diffs))
        row["diff_cli_s"] = min(schemagen("diff", "--dsn", a, "-m", str(model_path), "--database", "datakwip",
                                          "--skip-unsupported") for _ in range(REPEAT))
        row["pg_dump_s"] = min(pg_dump_seconds(a) for _ in range(REPEAT))
    finally:
        drop_database(APACHE, "sg_bench_apply")
    if pglite:
        runs = [pglite_apply_and_psql(orgs, model_path, work) for _ in range(3 if orgs <= 100 else 1)]
        runs.sort(key=lambda r: r["pglite_apply_s"] / r["pglite_psql_s"])
        row.update(runs[len(runs) // 2])
    return row


def report(rows: list[dict]) -> str:
    head = ["orgs", "render s", "out MB", "apply s", "psql s", "apply/psql", "psql 1 s", "apply/psql 1", "diff s",
            "diff CLI s", "pg_dump s", "diff/pg_dump", "queries", "diff RSS MB", "PGlite apply/psql",
            "PGlite apply/psql 1"]
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for r in rows:
        pg = pg1 = "-"
        if "pglite_apply_s" in r:
            a = r["pglite_apply_s"]
            pg = f"{a:.2f}/{r['pglite_psql_s']:.2f} = {a / r['pglite_psql_s']:.2f}"
            pg1 = f"{a:.2f}/{r['pglite_psql_one_s']:.2f} = {a / r['pglite_psql_one_s']:.2f}"
        lines.append(" | ".join([
            f"{r['orgs']:,}", f"{r['render_s']:.3f}", f"{r['bytes'] / 1e6:.2f}", f"{r['apply_s']:.2f}",
            f"{r['psql_s']:.2f}", f"{r['apply_s'] / r['psql_s']:.2f}", f"{r['psql_one_s']:.2f}",
            f"{r['apply_s'] / r['psql_one_s']:.2f}", f"{r['diff_s']:.2f}", f"{r['diff_cli_s']:.2f}",
            f"{r['pg_dump_s']:.2f}", f"{r['diff_s'] / r['pg_dump_s']:.2f}", str(r["catalog_queries"]),
            f"{r['diff_rss_mb']:.0f}", pg, pg1]))
    lines += ["", "psql s: one psql per file, as docker-entrypoint-initdb.d runs the folder; psql 1 s: one psql, one "
              "session, every file by -f.", "apply s: the `schemagen apply` command: Python's start and imports, "
              "loading and rendering the model, pre-flight,", "history, the scripts, and the drift check that "
              "follows every apply."]
    lines += ["", "diff s: the comparison in a warm process (connect, 12 catalog queries, compare); diff CLI s: "
              "`schemagen diff` as a command,", "with Python's start, imports and loading the model.", "",
              "apply split (from schemagen.history): the server's time in the scripts, schemagen's own time "
              "(the rest),",
              "and the server's mean ms per org script in the first and last tenth of the run:"]
    for r in rows:
        own = r["apply_s"] - r["apply_server_s"]
        lines.append(f"  {r['orgs']:,} orgs: server {r['apply_server_s']:.2f} s, own {own:.2f} s, org script "
                     f"{r['org_script_first_ms']:.1f} -> {r['org_script_last_ms']:.1f} ms; runs: apply "
                     + " ".join(f"{x:.2f}" for x in r["apply_runs"]) + ", psql 1 "
                     + " ".join(f"{x:.2f}" for x in r["psql_one_runs"]))
    lines.append("")
    lines.append("growth from one size to the next (time ratio / org ratio; 1.0 = linear):")
    for prev, cur in zip(rows, rows[1:]):
        k = cur["orgs"] / prev["orgs"]
        own = lambda r: r["apply_s"] - r["apply_server_s"]  # noqa: E731
        parts = [f"{name} {value(cur) / value(prev) / k:.2f}" for name, value in
                 (("render", lambda r: r["render_s"]), ("apply", lambda r: r["apply_s"]), ("apply own", own),
                  ("psql", lambda r: r["psql_s"]), ("psql 1", lambda r: r["psql_one_s"]),
                  ("diff", lambda r: r["diff_s"]),
                  ("pg_dump", lambda r: r["pg_dump_s"]), ("diff RSS", lambda r: r["diff_rss_mb"]),
                  ("size", lambda r: r["bytes"]))]
        lines.append(f"  {prev['orgs']:,} -> {cur['orgs']:,}: " + ", ".join(parts))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000,5000")
    parser.add_argument("--pglite-sizes", default="10,100")
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "latest.json"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    pglite = {int(s) for s in args.pglite_sizes.split(",") if s}
    rows = []
    with tempfile.TemporaryDirectory(prefix="sg-bench-") as tmp:
        for orgs in sizes:
            rows.append(measure(orgs, Path(tmp), orgs in pglite))
            print(f"measured {orgs:,} orgs", file=sys.stderr, flush=True)
    print(report(rows))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"rows": rows}, indent=2))
    print(f"\nwritten: {args.json}")
    failed = [r["orgs"] for r in rows if r["drift"]]
    if failed:
        print(f"drift right after apply at {failed} orgs: the benchmark is invalid", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))
    sys.exit(main())
