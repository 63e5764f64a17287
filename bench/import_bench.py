"""bench: `schemagen import` of the haystack model with N orgs, time and peak memory, beside pg_dump --schema-only
of the same database (time and peak memory too).

    .venv/bin/python bench/import_bench.py [N ...]     (default 10 100 1000; ts-apache, --skip-unsupported)

pg_dump is PostgreSQL 17's from the ts-apache chroot (scripts/testdb.sh puts it in $SCHEMAGEN_CACHE/bin), or
$PG_DUMP. Each command runs as a child process: its wall time, and its own peak resident memory (wait4's rusage of
that child alone, measured by GNU time where there is one: see _child). Both write to /dev/null.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parent.parent
CACHE = Path(os.environ.get("SCHEMAGEN_CACHE", "/var/tmp/schemagen"))
PG_DUMP = os.environ.get("PG_DUMP") or str(CACHE / "bin" / "pg_dump")  # of the server's version (17, ts-apache)


def _child(args: list[str]) -> tuple[float, float]:
    """Seconds and peak MiB of one child process (which must succeed). The peak is GNU time's (`%M`) when
    /usr/bin/time exists: a process forked from this one starts with this one's resident pages counted in its
    high-water mark (vfork and exec included), so wait4's rusage is only a floor; time's own child is forked from a
    small process."""
    with tempfile.NamedTemporaryFile("r") as peak_file:
        timed = ["/usr/bin/time", "-f", "%M", "-o", peak_file.name, *args] if Path("/usr/bin/time").exists() else args
        started = time.monotonic()
        child = subprocess.Popen(timed, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.monotonic() - started
        errors = child.stderr.read()
        child.stderr.close()
        if os.waitstatus_to_exitcode(status):
            raise subprocess.CalledProcessError(os.waitstatus_to_exitcode(status), args[0], stderr=errors)
        text = peak_file.read().strip()
    return seconds, (int(text.splitlines()[-1]) if timed is not args else usage.ru_maxrss) / 1024  # KiB


def main(counts: list[int]) -> None:
    sys.path[:0] = [str(ROOT / "tests")]
    from helpers import haystack
    from servers import SERVERS, create_database, drop_database

    from schemagen.commands import apply as applying

    server = SERVERS["ts-apache"]
    print("orgs  tables  import s  import peak MiB  pg_dump s  pg_dump peak MiB")
    for n in counts:
        db = create_database(server)
        try:
            applying.apply(db.dsn, haystack(n), database="datakwip", skip_unsupported=True, out=io.StringIO())
            with db.connect() as c:
                tables = c.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                   "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT LIKE '%%timescaledb%%' "
                                   "AND n.nspname NOT IN ('pg_catalog', 'information_schema')").fetchone()[0]
            seconds, peak = _child([str(ROOT / ".venv" / "bin" / "schemagen"), "import", "--dsn", db.dsn, "-o", "-",
                                    "--database", "datakwip"])
            try:
                dump_s, dump_peak = _child([PG_DUMP, "--schema-only", "-d", db.dsn])
                dump = f"{dump_s:9.2f}  {dump_peak:16.0f}"
            except (OSError, subprocess.CalledProcessError):
                dump = "n/a (set PG_DUMP to a pg_dump of the server's version)"
            print(f"{n:4d}  {tables:6d}  {seconds:8.2f}  {peak:15.0f}  {dump}", flush=True)
        finally:
            drop_database(db)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 100, 1000])
