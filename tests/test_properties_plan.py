"""Property-based plans on real servers: two models drawn by the round trips' generator (test_properties.py),
a database built from A, `plan --dsn` to B (both without seed rows and org registry: data, which the round trips
cover), the plan
applied with every hazard allowed: what is left differing from B is exactly what the plan listed as not planned
(nothing it planned is left, nothing it did not list is changed); then `rollback --plan`, and the database is A
again (no drift), unless a step was irreversible or lost rows (its rollback recreates what it dropped empty).
Row-level security is left out of both models too: plan does not change policies yet, and a policy left in place
may hold a column the plan drops (the step would then fail, changing nothing).

Examples per test: SCHEMAGEN_HYPOTHESIS_EXAMPLES (default 6), as test_properties.py.
"""
from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from helpers import ensure_roles, run_cli
from hypothesis import given
from hypothesis import strategies as st
from servers import create_database, drop_database, pglite_lock, reset_pglite, server_is_pglite
from test_properties import COMMON, capabilities, load, models

from schemagen.commands import apply as applying

# the steps whose success depends on the rows' values, not on the plan: a type change whose values do not cast
# (with USING old::new, as on a plain table, in the columnstore recipe or under views; the generator's types
# include pairs with no cast at all, which PostgreSQL reports in the step, changing nothing), and an enum made
# again while a seed row holds a value it drops
DATA_DEPENDENT = ("alter_type", "retype_columnstore", "retype_with_readers", "recreate_enum")


def _summaries(dsn: str, model_file: Path, skip: list[str]) -> set[tuple]:
    code, out, err = run_cli("diff", "--dsn", dsn, "-m", str(model_file), "--format", "json", *skip)
    assert code in (0, 1), err
    return {(c["kind"], c["object"], c["change"], c["attribute"] or "") for d in json.loads(out)["databases"]
            for c in d["changes"]}


def _listed(data: dict) -> set[tuple]:
    return {(n["kind"], n["object"], n["change"], n["part"] or "") for n in data["not_planned"]}


def _unseeded(doc: dict) -> dict:
    """A model without seed rows and row-level security: rows are data (a seed row of B may need rows only B's
    own seeds or triggers make); the round trips of test_properties.py cover them."""
    for db in doc["databases"].values():
        db.pop("org_registry", None)  # its rows too
        for schema in (db.get("schemas") or {}).values():
            for table in ((schema or {}).get("tables") or {}).values():
                table.pop("seed", None)
                table.pop("row_level_security", None)
    return doc


def _same_database(a: str, b: str) -> tuple[str, str]:
    """A and B without seed rows, B with A's database name (the generator draws each its own)."""
    first, second = _unseeded(yaml.safe_load(a)), _unseeded(yaml.safe_load(b))
    second["databases"] = {next(iter(first["databases"])): next(iter(second["databases"].values()))}
    # B manages A's schemas too (empty where B has nothing in them): what A made there is B's to drop, not an
    # unmanaged object the plan cannot see depending on what B drops
    schemas = next(iter(second["databases"].values())).setdefault("schemas", {})
    for name in next(iter(first["databases"].values())).get("schemas") or {}:
        schemas.setdefault(name, {})
    return (yaml.safe_dump(first, allow_unicode=True, sort_keys=False),
            yaml.safe_dump(second, allow_unicode=True, sort_keys=False))


def _plan_round_trip(dsn: str, a: str, b: str, skip: list[str]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="schemagen-plan-"))
    first, second, plan = folder / "a.yaml", folder / "b.yaml", folder / "plan.json"
    first.write_text(a)
    second.write_text(b)
    load(a), load(b)  # both valid, or the generator is wrong
    applying.apply(dsn, load(a), skip_unsupported=bool(skip), out=None)
    code, out, err = run_cli("plan", "--dsn", dsn, "-m", str(second), "--format", "json", "-o", str(plan), *skip)
    assert code in (0, 1), err
    data = json.loads(plan.read_text())
    if not data["steps"]:
        assert code == 0 or data["not_planned"], "exit 1 without steps or differences"
        assert _summaries(dsn, second, skip) == _listed(data)
        return
    left = _listed(data)
    code, _, err = run_cli("apply", "--dsn", dsn, "-m", str(second), "--plan", str(plan), "--allow-hazards", "all",
                           *skip)
    failed = re.search(r"step (\d+) \(.*\) failed:", err) if code == 3 else None
    if failed:  # only what depends on the values may fail: a type whose values do not cast; whole steps stay
        op = data["steps"][int(failed[1]) - 1]["op"]
        assert op in DATA_DEPENDENT and "this one changed nothing" in err, f"{err}\n--- plan ---\n{plan.read_text()}"
    else:
        assert code in (0, 1), f"the plan failed to apply:\n{err}\n--- plan ---\n{plan.read_text()}"
        remaining = _summaries(dsn, second, skip)
        assert remaining <= left, (f"left differing from B though planned or never listed: "
                                   f"{sorted(remaining - left)}\n--- plan ---\n{plan.read_text()}")
    code, _, err = run_cli("rollback", "--dsn", dsn, "-m", str(second), "--plan", str(plan), "--allow-hazards", "all")
    if any(s["irreversible"] for s in data["rollback"]) or any(
            h["kind"] in ("irreversible", "data_loss") for s in data["steps"] for h in s["hazards"]):
        return  # rows (seed and registry rows among them) do not come back: the rollback cannot give A back whole
    assert code == 0, f"the rollback failed:\n{err}\n--- plan ---\n{plan.read_text()}"
    back = _summaries(dsn, first, skip)
    assert back == set(), f"the rollback did not give A back: {sorted(back)}\n--- plan ---\n{plan.read_text()}"


def _native(name: str, data) -> None:
    from conftest import require

    server = require(name)
    caps = capabilities(name)
    a, b = _same_database(data.draw(models(caps), label="model A"), data.draw(models(caps), label="model B"))
    db = create_database(server)
    ensure_roles(db.dsn)
    try:
        _plan_round_trip(db.dsn, a, b, ["--skip-unsupported"] if server.license == "apache" else [])
    finally:
        drop_database(db)


@COMMON
@given(data=st.data())
def test_plan_between_generated_models_on_plain_postgresql_15(data):
    _native("pg-plain", data)


@COMMON
@given(data=st.data())
def test_plan_between_generated_models_on_native_timescaledb_apache(data):
    _native("ts-apache", data)


@COMMON
@given(data=st.data())
def test_plan_between_generated_models_on_community_timescaledb(data):
    """PGlite + TimescaleDB community: compression, policies and continuous aggregates in both models, so the
    plan's recipes (decompress, settings, recompute) run between generated models too."""
    from conftest import require

    server = require("ts-community")
    if not server_is_pglite(server):
        pytest.skip("uses the PGlite reset between examples")
    with pglite_lock():
        caps = capabilities("ts-community")
        a, b = _same_database(data.draw(models(caps), label="model A"), data.draw(models(caps), label="model B"))
        db = reset_pglite(server)
        ensure_roles(db.dsn)
        _plan_round_trip(db.dsn, a, b, [])
