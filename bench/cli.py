"""schemagen's start-up as a command, side by side in one run with `pg_dump --schema-only` of the same database.

Measured (best of REPEAT runs each, every one a fresh process, as a user or CI runs them):
- `schemagen --version` and `schemagen --help`;
- `schemagen validate` of the root model, with its validated-model cache warm, and with SCHEMAGEN_NO_CACHE=1;
- `schemagen diff --skip-unsupported` of the Haystack model stamped out for 10 and 100 orgs (and any --sizes), on
  a database of the ts-apache server (PostgreSQL 17 + TimescaleDB 2.19, Apache) it was applied to, with the cache
  warm and without it; and `pg_dump --schema-only` of that same database by PostgreSQL 17's own pg_dump (the
  server's installation in the trixie chroot, through scripts/testdb.sh's wrapper; SCHEMAGEN_PG_DUMP names another).
Prints a table with the ratios, and the import time of the modules each command loads (python -X importtime).

    python bench/cli.py [--sizes 10,100] [--repeat 5] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import APACHE, drop_database, fresh_database, model_text, pg_dump_seconds  # noqa: E402

ROOT = HERE.parent
SCHEMAGEN = shutil.which("schemagen", path=str(Path(sys.executable).parent)) or "schemagen"


def run(args: list[str], env: dict | None = None, ok=(0,)) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    took = time.perf_counter() - started
    if done.returncode not in ok:
        raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr[-2000:]}")
    return took


def best(fn, repeat: int) -> float:
    return min(fn() for _ in range(repeat))


def imports_ms(*args: str, env: dict | None = None) -> float:
    """Milliseconds of imports (cumulative, top level) of one run of the command, from python -X importtime."""
    code = f"import sys; sys.argv = ['schemagen', *{list(args)!r}]; from schemagen.entry import main; main()"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, env=env)
    total = 0
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line[len("import time:"):].split("|")
            if cumulative.strip().isdigit() and not name.startswith("  "):  # top-level imports only
                total += int(cumulative)
    return total / 1000


def measure(sizes: list[int], repeat: int, work: Path) -> dict:
    cache = work / "cache"
    warm = dict(os.environ, XDG_CACHE_HOME=str(cache))
    cold = dict(warm, SCHEMAGEN_NO_CACHE="1")
    model = str(ROOT / "model.yaml")
    run([SCHEMAGEN, "validate", "-m", model], warm)  # fills the cache
    result = {
        "version_s": best(lambda: run([SCHEMAGEN, "--version"], warm), repeat),
        "help_s": best(lambda: run([SCHEMAGEN, "--help"], warm), repeat),
        "validate_s": best(lambda: run([SCHEMAGEN, "validate", "-m", model], warm), repeat),
        "validate_nocache_s": best(lambda: run([SCHEMAGEN, "validate", "-m", model], cold), repeat),
        "imports_ms": {"--version": imports_ms("--version", env=warm), "--help": imports_ms("--help", env=warm),
                       "validate": imports_ms("validate", "-m", model, env=warm)},
        "sizes": [],
    }
    for orgs in sizes:
        path = work / f"model_{orgs}.yaml"
        path.write_text(model_text(orgs))
        name = f"bench_cli_{orgs}"
        dsn = fresh_database(APACHE, name)
        try:
            run([SCHEMAGEN, "apply", "--dsn", dsn, "-m", str(path), "--database", "datakwip", "--skip-unsupported"],
                warm)
            diff = [SCHEMAGEN, "diff", "--dsn", dsn, "-m", str(path), "--database", "datakwip", "--skip-unsupported"]
            run(diff, warm, ok=(0, 1))  # the cache filled
            result["sizes"].append({
                "orgs": orgs,
                "diff_s": best(lambda d=diff: run(d, warm, ok=(0, 1)), repeat),
                "diff_nocache_s": best(lambda d=diff: run(d, cold, ok=(0, 1)), repeat),
                "pg_dump_s": best(lambda d=dsn: pg_dump_seconds(d), repeat),
                "diff_imports_ms": imports_ms(*diff[1:], env=warm),
            })
        finally:
            drop_database(APACHE, name)
    return result


def report(r: dict) -> str:
    lines = [f"schemagen --version {r['version_s']:.3f} s (imports {r['imports_ms']['--version']:.0f} ms), "
             f"--help {r['help_s']:.3f} s (imports {r['imports_ms']['--help']:.0f} ms)",
             f"schemagen validate (root model): {r['validate_s']:.3f} s cached (imports "
             f"{r['imports_ms']['validate']:.0f} ms), {r['validate_nocache_s']:.3f} s with SCHEMAGEN_NO_CACHE=1",
             "",
             "orgs | diff s | pg_dump s | diff/pg_dump | diff, no cache s | no cache/pg_dump | diff imports ms",
             "--- | --- | --- | --- | --- | --- | ---"]
    for s in r["sizes"]:
        lines.append(f"{s['orgs']:,} | {s['diff_s']:.3f} | {s['pg_dump_s']:.3f} | {s['diff_s'] / s['pg_dump_s']:.2f} | "
                     f"{s['diff_nocache_s']:.3f} | {s['diff_nocache_s'] / s['pg_dump_s']:.2f} | "
                     f"{s['diff_imports_ms']:.0f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, default=HERE / "results" / "cli.json")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    with tempfile.TemporaryDirectory(prefix="schemagen-bench-cli-") as tmp:
        result = measure(sizes, args.repeat, Path(tmp))
    print(report(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
