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


def _bench_module(name: str):
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_cli_smoke(ts_apache_db, tmp_path, capsys):
    out = tmp_path / "cli.json"
    assert _bench_module("cli").main(["--sizes", "10", "--repeat", "1", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["version_s"] > 0 and result["validate_s"] > 0 and result["validate_nocache_s"] > 0
    [size] = result["sizes"]
    assert size["orgs"] == 10 and size["diff_s"] > 0 and size["pg_dump_s"] > 0 and size["diff_imports_ms"] > 0
    assert "diff/pg_dump" in capsys.readouterr().out


def test_bench_fleet_smoke(ts_apache_db, tmp_path, capsys):
    out = tmp_path / "fleet.json"
    assert _bench_module("fleet").main(["--databases", "2", "--orgs", "10", "--jobs", "2", "--repeat", "1",
                                        "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["databases"] == 2 and result["targets_parallel_s"] > 0 and result["separate_commands_s"] > 0
    assert "diff --targets --jobs 2" in capsys.readouterr().out


def test_bench_plan_smoke(ts_apache_db, tmp_path, capsys):
    """Two sizes: one step per org, no drift after either apply, the same statements sent at both."""
    out = tmp_path / "plan.json"
    assert _bench_module("plan_bench").main(["--sizes", "2,3", "--repeat", "1", "--json", str(out)]) == 0
    small, large = json.loads(out.read_text())["rows"]
    assert (small["steps"], large["steps"]) == (2, 3) and small["not_planned"] == 0
    assert small["plan_statements"] == large["plan_statements"] > small["diff_statements"] > 5
    assert small["drift_after_apply"] == small["drift_after_psql"] == 0
    assert small["plan_s"] > 0 and small["diff_s"] > 0 and small["apply_s"] > 0 and small["psql_s"] > 0
    assert "plan/diff" in capsys.readouterr().out


def test_bench_migra_smoke(pg_plain_db, tmp_path, capsys):
    """One plain case: schemagen's plan applies with no drift; migra's too when the bench extra installed it, and
    without it the case is a failure that says why."""
    module = _bench_module("migra_bench")
    out = tmp_path / "migra.json"
    assert module.main(["--cases", "001_add_column", "--json", str(out)]) == 0
    [row] = json.loads(out.read_text())["rows"]
    assert row["case"] == "001_add_column" and row["server"] == "pg-plain" and row["schemagen"] == "ok"
    assert row["migra"] == ("ok" if module.MIGRA else "migra is not installed (pip install -e '.[bench]')")
    assert "applies and leaves no drift: migra" in capsys.readouterr().out
