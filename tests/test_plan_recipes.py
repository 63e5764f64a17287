"""The column recipes of plan/recipes.py on TimescaleDB 2.23 (PGlite, community): what the corpus cases 071, 072
and 085 do not check by drift alone: every row filled, the chunks decompressed and counted, a NOT NULL column
refused by the rows the plan counted, changing nothing.
"""
from __future__ import annotations

from pathlib import Path

from helpers import ROOT, planned_case, run_cli

CORPUS = ROOT / "tests" / "plans"


def _planned(db, tmp_path: Path, case: str, rows: str) -> tuple[str, dict]:
    plan = tmp_path / "plan.json"
    return str(plan), planned_case(db, next(CORPUS.glob(f"{case}_*")), rows, plan)


def _apply(db, plan: str, case: str) -> tuple[int, str]:
    after = str(next(CORPUS.glob(f"{case}_*")) / "after.yaml")
    code, _, err = run_cli("apply", "--dsn", db.dsn, "-m", after, "--plan", plan, "--allow-hazards", "all")
    return code, err


COMPRESSED = ("SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_schema = 's' "
              "AND hypertable_name = 'm' AND is_compressed")


def test_a_serial_column_on_a_compressed_hypertable_fills_every_row_and_goes_with_its_sequence(ts_community_db,
                                                                                                tmp_path):
    rows = (CORPUS / "085_serial_column_on_compressed_hypertable" / "rows.sql").read_text()
    plan, data = _planned(ts_community_db, tmp_path, "085", rows)
    compressed = ts_community_db.scalar(COMPRESSED)
    assert compressed > 0
    hazards = [h["message"] for h in data["steps"][0]["hazards"] if h["kind"] == "decompression"]
    assert hazards and f"({compressed} of its " in hazards[0], hazards
    assert _apply(ts_community_db, plan, "085")[0] == 0
    with ts_community_db.connect() as c:
        # TimescaleDB alone would leave the compressed rows NULL: decompressed first, every row has its own value
        assert c.execute("SELECT count(*), count(n), count(DISTINCT n) FROM s.m").fetchone() == (200, 200, 200)
        assert c.execute("SELECT pg_get_serial_sequence('s.m', 'n')").fetchone()[0] == "s.m_n_seq"
    code, _, err = run_cli("rollback", "--dsn", ts_community_db.dsn, "-m", str(next(CORPUS.glob("085_*")) /
                                                                                "after.yaml"),
                           "--plan", plan, "--allow-hazards", "all")
    assert code == 0, err
    assert ts_community_db.scalar("SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'm_n_seq'") == 0


def test_a_segment_by_column_is_dropped_after_every_chunk_is_decompressed(ts_community_db, tmp_path):
    rows = (CORPUS / "071_drop_segment_by_column" / "rows.sql").read_text()
    plan, data = _planned(ts_community_db, tmp_path, "071", rows)
    assert [s["op"] for s in data["steps"]] == ["drop_columnstore_column"]
    assert ts_community_db.scalar(COMPRESSED) > 0
    assert _apply(ts_community_db, plan, "071")[0] == 0
    assert ts_community_db.scalar("SELECT count(*) FROM s.m") == 200  # only the column went
    assert ts_community_db.scalar(COMPRESSED) == 0  # until the policy's next run
    with ts_community_db.connect() as c:  # the chunks compress again with the new settings
        c.execute("SELECT compress_chunk(c) FROM show_chunks('s.m', older_than => interval '2 days') c")
    assert ts_community_db.scalar(COMPRESSED) > 0


def test_a_not_null_column_on_a_compressed_hypertable_with_rows_fails_as_counted(ts_community_db, tmp_path):
    rows = "INSERT INTO s.m SELECT now() - n * interval '1 hour', n % 5, n FROM generate_series(1, 30) n"
    plan, data = _planned(ts_community_db, tmp_path, "072", rows)
    hazards = [h["message"] for s in data["steps"] for h in s["hazards"] if h["kind"] == "violating_rows"]
    assert hazards and "it held 30 row(s) when the plan was made" in hazards[0], hazards
    code, err = _apply(ts_community_db, plan, "072")
    assert code == 3 and "contains null values" in err, err
    assert ts_community_db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_schema = 's' "
                                  "AND table_name = 'm' AND column_name = 'unit'") == 0  # the step changed nothing
