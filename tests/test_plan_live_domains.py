"""plan --dsn counts the values that a domain's new CHECK or NOT NULL refuses, over every column of the domain and
of a domain over it, in a transaction it rolls back (live/violations.py), on PostgreSQL 15 (pg-plain), 17
(ts-apache) and PGlite 17 (ts-community)."""
from __future__ import annotations

import pytest
from helpers import planned_case
from test_plan_domains import CASE, MORE_TYPES, TABLE

SUB = TABLE.replace("c: code}", "c: code, w: wide}")
ROWS = ("UPDATE s.t SET n = -n WHERE id <= 3; UPDATE s.t SET w = -2 WHERE id = 4;"  # 4 below 0: score_positive
        "UPDATE s.t SET n = 600 WHERE id IN (5, 6); UPDATE s.t SET c = NULL WHERE id BETWEEN 10 AND 13;")


@pytest.mark.parametrize("server", ["pg_plain_db", "ts_community_db", "ts_apache_db"])
def test_the_values_a_new_domain_check_or_not_null_refuses_are_counted_at_plan_time(server, request, tmp_path):
    db = request.getfixturevalue(server)
    for name in ("before.yaml", "after.yaml"):
        text = (CASE / name).read_text().replace(TABLE, SUB)
        (tmp_path / name).write_text(text.replace("        tables:\n", MORE_TYPES.split("          pair")[0] +
                                                  "        tables:\n"))
    rows = (CASE / "rows.sql").read_text() + ROWS
    steps = planned_case(db, tmp_path, rows, tmp_path / "plan.json")["steps"]
    found = {s["description"]: [h["message"] for h in s["hazards"] if h["kind"] == "violating_rows"] for s in steps}
    assert found["validate check score_positive of domain s.score"] == [
        "4 value(s) in s.t.n, s.t.w violate check score_positive of domain s.score, counted when the plan was made: "
        "they make the step fail; fix them first"], found
    assert found["validate check score_small of domain s.score"][0].startswith(
        "2 value(s) in s.t.n, s.t.w violate check score_small"), found
    assert found["set NOT NULL of domain s.code"][0].startswith("4 value(s) in s.t.c violate NOT NULL"), found
    with db.connect() as c:  # the counting changed nothing, and left no function behind
        assert c.execute("SELECT count(*) FROM s.t WHERE n < 0").fetchone()[0] == 3
        assert c.execute("SELECT count(*) FROM pg_proc WHERE proname = 'schemagen_domain_check'").fetchone()[0] == 0
