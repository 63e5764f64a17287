"""A smoke run of the benchmark at its smallest size: it runs end to end and its figures are sane. No timing
asserts: the targets are read from `make bench`'s table, not enforced here."""
from __future__ import annotations

import importlib.util
import json

from helpers import ROOT


def test_bench_smoke(ts_apache_db, tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench", ROOT / "bench" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "bench.json"
    assert bench.main(["--sizes", "10", "--pglite-sizes", "", "--json", str(out)]) == 0
    [row] = json.loads(out.read_text())["rows"]
    assert row["orgs"] == 10 and row["drift"] == 0
    assert row["files"] > 20 and row["bytes"] > 10_000
    assert row["catalog_queries"] > 5 and row["apply_s"] > 0 and row["psql_s"] > 0 and row["pg_dump_s"] > 0
    assert "apply/psql" in capsys.readouterr().out
