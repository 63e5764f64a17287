"""bench: `schemagen import` of the haystack model with N orgs, time and peak memory, beside pg_dump --schema-only.

    .venv/bin/python bench/import_bench.py [N ...]     (default 10 100 1000; ts-apache, --skip-unsupported)
"""
from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent
PG_DUMP = os.environ.get("PG_DUMP", "pg_dump")  # one of the server's version (17 for ts-apache)


def _child(args: list[str]) -> tuple[float, int]:
    started = time.monotonic()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far, in KiB
    return time.monotonic() - started, peak


def main(counts: list[int]) -> None:
    sys.path[:0] = [str(ROOT / "tests")]
    from helpers import haystack
    from servers import SERVERS, create_database, drop_database

    from schemagen.commands import apply as applying

    server = SERVERS["ts-apache"]
    print("orgs  import s  import peak MiB  pg_dump s")
    for n in counts:
        db = create_database(server)
        try:
            applying.apply(db.dsn, haystack(n), database="datakwip", skip_unsupported=True, out=io.StringIO())
            seconds, peak = _child([str(ROOT / ".venv" / "bin" / "schemagen"), "import", "--dsn", db.dsn, "-o", "-",
                                    "--database", "datakwip"])
            try:
                dump = f"{_child([PG_DUMP, '--schema-only', '-d', db.dsn])[0]:9.2f}"
            except (OSError, subprocess.CalledProcessError):
                dump = "n/a (set PG_DUMP to a pg_dump of the server's version)"
            print(f"{n:5d}  {seconds:8.2f}  {peak / 1024:15.0f}  {dump}", flush=True)
        finally:
            drop_database(db)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 100, 1000])
