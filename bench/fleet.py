"""`schemagen diff --targets`: many databases of one model checked in parallel against one after another.

Applies the Haystack model stamped out for --orgs orgs (default 100) to --databases fresh databases (default 20) of
the ts-apache server (PostgreSQL 17 + TimescaleDB 2.19, Apache: --skip-unsupported), then times, side by side in
one run, `schemagen diff --targets` of all of them with --jobs 1 (one after another, in one process) and with
--jobs N (default 4), and --databases separate `schemagen diff --dsn` commands one after another (how a shell loop
over the fleet runs). Best of --repeat runs each; every run must report every target clean.

    python bench/fleet.py [--databases 20] [--orgs 100] [--jobs 4] [--repeat 3] [--json PATH]
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

from bench import APACHE, drop_database, fresh_database, model_text  # noqa: E402


def timed(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} exited {done.returncode}: {done.stdout[-1500:]}{done.stderr[-1500:]}")
    return took


def measure(databases: int, orgs: int, jobs: int, repeat: int, work: Path) -> dict:
    env = dict(os.environ, XDG_CACHE_HOME=str(work / "cache"))
    model = work / "model.yaml"
    model.write_text(model_text(orgs))
    names = [f"bench_fleet_{n:02d}" for n in range(databases)]
    dsns = []
    try:
        for name in names:
            dsn = fresh_database(APACHE, name)
            dsns.append(dsn)
            timed([SCHEMAGEN, "apply", "--dsn", dsn, "-m", str(model), "--database", "datakwip",
                   "--skip-unsupported"], env)
        targets = work / "targets.yaml"
        targets.write_text("defaults: {database: datakwip, timeout: 120}\ntargets:\n" + "".join(
            f"  - {{name: {name}, dsn: '{dsn}'}}\n" for name, dsn in zip(names, dsns)))
        fleet = [SCHEMAGEN, "diff", "-m", str(model), "--targets", str(targets), "--skip-unsupported"]
        timed([*fleet, "--jobs", "1"], env)  # the model cache filled
        one_by_one = min(timed([*fleet, "--jobs", "1"], env) for _ in range(repeat))
        parallel = min(timed([*fleet, "--jobs", str(jobs)], env) for _ in range(repeat))
        commands = min(sum(timed([SCHEMAGEN, "diff", "--dsn", dsn, "-m", str(model), "--database", "datakwip",
                                  "--skip-unsupported"], env) for dsn in dsns) for _ in range(repeat))
    finally:
        for name in names:
            drop_database(APACHE, name)
    return {"databases": databases, "orgs": orgs, "jobs": jobs, "cpus": os.cpu_count(),
            "targets_jobs1_s": one_by_one, "targets_parallel_s": parallel, "separate_commands_s": commands}


def report(r: dict) -> str:
    return "\n".join([
        f"{r['databases']} databases x {r['orgs']} orgs on ts-apache ({r['cpus']} CPUs here):",
        f"  diff --targets --jobs {r['jobs']}:  {r['targets_parallel_s']:.2f} s",
        f"  diff --targets --jobs 1:  {r['targets_jobs1_s']:.2f} s "
        f"(parallel speed-up {r['targets_jobs1_s'] / r['targets_parallel_s']:.2f}x)",
        f"  {r['databases']} x diff --dsn:        {r['separate_commands_s']:.2f} s "
        f"({r['separate_commands_s'] / r['targets_parallel_s']:.2f}x the parallel run)",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", type=int, default=20)
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=HERE / "results" / "fleet.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="schemagen-bench-fleet-") as tmp:
        result = measure(args.databases, args.orgs, args.jobs, args.repeat, Path(tmp))
    print(report(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
