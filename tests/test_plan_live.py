"""schemagen plan against a live database, apply --plan and rollback --plan, on the real servers.

The corpus (tests/plans/NNN_name/: before.yaml, after.yaml, rows.sql with a statement per line; the servers a case
runs on in after.yaml's first line) is run the way a team runs it: apply the before model, insert rows, plan
(every difference planned), apply the plan with the hazards it needs, no drift against the after model, row
counts kept unless the plan holds a data-loss hazard, the plan again (nothing to do), rollback --plan, no drift
against the before model.
Then the guards: hazards not allowed, a database changed since the plan, an interrupted plan carried on, objects
schemagen did not create left alone, a bad plan file.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import ROOT, planned_case, run_cli

CORPUS = ROOT / "tests" / "plans"
FIXTURES = {"ts-apache": "ts_apache_db", "ts-community": "ts_community_db", "pg-plain": "pg_plain_db"}


def _servers(case: Path) -> list[str]:
    first = (case / "after.yaml").read_text().splitlines()[0]
    assert first.startswith("# servers: "), case.name
    return first.removeprefix("# servers: ").split()


CASES = [(c, s) for c in sorted(p for p in CORPUS.iterdir() if p.is_dir()) for s in _servers(c)]


def _skip(server: str) -> list[str]:
    return ["--skip-unsupported"] if server == "ts-apache" else []


def _counts(db) -> dict[str, int]:
    with db.connect() as c:
        tables = c.execute("SELECT format('%I.%I', schemaname, tablename) FROM pg_catalog.pg_tables "
                           "WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'schemagen') "
                           "AND schemaname NOT LIKE '\\_timescaledb%' AND schemaname NOT LIKE 'timescaledb%'"
                           ).fetchall()
        return {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for (t,) in tables}


def test_the_corpus_is_large_enough():
    assert len({c for c, _ in CASES}) >= 40


@pytest.mark.parametrize("case, server", CASES, ids=[f"{c.name}@{s}" for c, s in CASES])
def test_plan_apply_and_rollback(request, tmp_path, case: Path, server: str):
    db = request.getfixturevalue(FIXTURES[server])
    before, after, plan = str(case / "before.yaml"), str(case / "after.yaml"), str(tmp_path / "plan.json")
    code, _, err = run_cli("apply", "--dsn", db.dsn, "-m", before, *_skip(server))
    assert code == 0, err
    if (case / "rows.sql").exists():
        with db.connect() as c:  # a statement per line, each alone: CALL refresh_continuous_aggregate may be one
            for line in filter(str.strip, (case / "rows.sql").read_text().splitlines()):
                c.execute(line)
    rows = _counts(db)
    code, _, err = run_cli("plan", "--dsn", db.dsn, "-m", after, "--format", "json", "-o", plan, *_skip(server))
    assert code == 1, err
    data = json.loads(Path(plan).read_text())
    assert data["steps"] and not data["not_planned"], data["not_planned"]
    code, _, err = run_cli("apply", "--dsn", db.dsn, "-m", after, "--plan", plan, "--allow-hazards", "all",
                           *_skip(server))
    assert code == 0, err
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", after, *_skip(server))
    assert code == 0, out + err
    if not any(h["kind"] == "data_loss" for s in data["steps"] for h in s["hazards"]):
        now = _counts(db)
        renamed = {f'{s["object"]["schema"]}.{s["object"]["name"]}': f'{s["object"]["schema"]}.{s["renamed_to"]}'
                   for s in data["steps"] if s["op"] == "rename_table"}
        assert all(now.get(renamed.get(t, t), 0) >= n for t, n in rows.items()), f"rows are kept: {rows} -> {now}"
    code, out, err = run_cli("plan", "--dsn", db.dsn, "-m", after, *_skip(server))
    assert code == 0, out + err  # nothing left to do
    code, _, err = run_cli("rollback", "--dsn", db.dsn, "-m", after, "--plan", plan, "--allow-hazards", "all")
    if any(s["irreversible"] for s in data["rollback"]):  # a hypertable made, a dimension added: no way back
        assert code == 1 and "an irreversible step" in err, err
        code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", after, *_skip(server))
        assert code == 0, out + err  # the rollback undid nothing it could not
        return
    assert code == 0, err
    code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", before, *_skip(server))
    assert code == 0, out + err


CASE = CORPUS / "007_add_check_and_unique"


def _planned(db, tmp_path, case: Path = CASE) -> str:
    code, _, err = run_cli("apply", "--dsn", db.dsn, "-m", str(case / "before.yaml"))
    assert code == 0, err
    with db.connect() as c:
        c.execute((case / "rows.sql").read_text())
    plan = str(tmp_path / "plan.json")
    code, _, err = run_cli("plan", "--dsn", db.dsn, "-m", str(case / "after.yaml"), "--format", "json", "-o", plan)
    assert code == 1, err
    return plan


def _constraints(db) -> list[str]:
    with db.connect() as c:
        return [r[0] for r in c.execute("SELECT conname FROM pg_catalog.pg_constraint WHERE conrelid = 's.t'::regclass "
                                        "ORDER BY 1").fetchall()]


def test_hazards_not_allowed_are_refused_changing_nothing(pg_plain_db, tmp_path):
    plan = _planned(pg_plain_db, tmp_path)
    before = _constraints(pg_plain_db)
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(CASE / "after.yaml"), "--plan", plan,
                           "--allow-hazards", "lock")
    assert code == 2 and "hazards not allowed; nothing was changed" in err
    assert "step 3 (validate check t_n_positive of s.t): violating_rows:" in err
    assert _constraints(pg_plain_db) == before
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(CASE / "after.yaml"), "--plan", plan,
                           "--allow-hazards", "lock,nonsense")
    assert code == 2 and "unknown kind(s) nonsense" in err


def test_a_database_changed_since_the_plan_is_refused(pg_plain_db, tmp_path):
    plan = _planned(pg_plain_db, tmp_path)
    with pg_plain_db.connect() as c:
        c.execute("ALTER TABLE s.t ADD COLUMN extra integer")
    before = _constraints(pg_plain_db)
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(CASE / "after.yaml"), "--plan", plan,
                           "--allow-hazards", "all")
    assert code == 3 and "no longer in the state the plan was computed from" in err and "nothing was changed" in err
    assert _constraints(pg_plain_db) == before


def test_a_failed_step_leaves_whole_steps_and_the_same_plan_carries_on(pg_plain_db, tmp_path):
    plan = _planned(pg_plain_db, tmp_path)
    after = str(CASE / "after.yaml")
    with pg_plain_db.connect() as c:  # a row that violates the new CHECK, inserted after the plan was made
        c.execute("UPDATE s.t SET n = -1 WHERE id = 1")
    # the fingerprint is of the schema, not of the rows: the plan still applies, and stops at the validation
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", after, "--plan", plan, "--allow-hazards", "all")
    assert code == 3 and "step 3 (validate check t_n_positive of s.t) failed" in err, err
    assert "failed: ALTER TABLE s.t VALIDATE CONSTRAINT t_n_positive;: " in err, err  # a step sent as one query
    assert "the steps before it stay done" in err
    with pg_plain_db.connect() as c:  # its transaction was rolled back: no history row, the session usable
        assert c.execute("SELECT count(*) FROM schemagen.history WHERE script LIKE 'plan % step %'"
                         ).fetchone()[0] == 2
    assert "t_n_positive" in _constraints(pg_plain_db)  # steps 1 and 2 (NOT VALID) stay
    with pg_plain_db.connect() as c:
        c.execute("UPDATE s.t SET n = 1 WHERE id = 1")
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", after, "--plan", plan, "--allow-hazards", "all")
    assert code == 0, err
    assert "step(s) run, 2 done before" in err
    code, out, err = run_cli("diff", "--dsn", pg_plain_db.dsn, "-m", after)
    assert code == 0, out + err
    code, _, err = run_cli("rollback", "--dsn", pg_plain_db.dsn, "-m", after, "--plan", plan, "--allow-hazards",
                           "all")
    assert code == 0, err
    assert _constraints(pg_plain_db) == ["t_pkey"]


def test_rollback_is_refused_after_changes_made_since_the_plan(pg_plain_db, tmp_path):
    plan = _planned(pg_plain_db, tmp_path)
    after = str(CASE / "after.yaml")
    code, _, err = run_cli("rollback", "--dsn", pg_plain_db.dsn, "-m", after, "--plan", plan)
    assert code == 3 and "no step of this plan was applied" in err
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", after, "--plan", plan, "--allow-hazards", "all")
    assert code == 0, err
    with pg_plain_db.connect() as c:
        c.execute("CREATE INDEX t_n ON s.t (n)")
    code, _, err = run_cli("rollback", "--dsn", pg_plain_db.dsn, "-m", after, "--plan", plan, "--allow-hazards",
                           "all")
    assert code == 3 and "changed after the plan was applied" in err and "nothing was changed" in err
    assert "t_v_key" in _constraints(pg_plain_db)


def test_objects_schemagen_did_not_create_are_left_alone(pg_plain_db, tmp_path):
    case = CORPUS / "002_drop_column"
    with pg_plain_db.connect() as c:  # the table exists before schemagen: apply --adopt is not used
        c.execute("CREATE SCHEMA s; CREATE TABLE s.t (id integer PRIMARY KEY, v text, legacy text);"
                  "CREATE TABLE s.theirs (x integer)")
    code, out, err = run_cli("plan", "--dsn", pg_plain_db.dsn, "-m", str(case / "after.yaml"))
    assert code == 1
    assert "s.t was not created by schemagen" in out and "s.theirs was not created by schemagen" in out
    assert "DROP COLUMN" not in out and "database app: 0 step(s) planned" in err


def test_a_bad_plan_file_is_refused(pg_plain_db, tmp_path):
    bad = tmp_path / "plan.json"
    for text, says in (("{", "not JSON"), ('{"format": "other"}', "not a plan file"),
                       ('{"format": "schemagen-plan", "version": 99}', "plan file version 99"),
                       ('{"format": "schemagen-plan", "version": 1, "database": "app", "fingerprint": "x", '
                        '"steps": [{"number": 1, "statements": "DROP TABLE x", "hazards": []}], "rollback": []}',
                        "`statements` must be a list of text")):
        bad.write_text(text)
        code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(CASE / "after.yaml"), "--plan",
                               str(bad))
        assert code == 2 and says in err and "Traceback" not in err, err


def test_an_offline_plan_needs_its_old_model_and_no_drift_against_it(pg_plain_db, tmp_path):
    before, after = str(CASE / "before.yaml"), str(CASE / "after.yaml")
    plan = str(tmp_path / "plan.json")
    code, _, err = run_cli("plan", "--from", before, "-m", after, "--format", "json", "-o", plan)
    assert code == 1, err
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", after, "--plan", plan, "--allow-hazards", "all")
    assert code == 2 and "pass that model with --from" in err
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", after, "--plan", plan, "--allow-hazards", "all",
                           "--from", before)
    assert code == 3 and "differs from before.yaml" in err  # an empty database: the old model is not there
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", before)
    assert code == 0, err
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", after, "--plan", plan, "--allow-hazards", "all",
                           "--from", before)
    assert code == 0, err
    code, out, err = run_cli("diff", "--dsn", pg_plain_db.dsn, "-m", after)
    assert code == 0, out + err


def test_the_rows_a_new_constraint_refuses_are_counted_at_plan_time(pg_plain_db, tmp_path):
    """plan --dsn counts the rows that each validating step would refuse (a CHECK, a UNIQUE, a foreign key), in
    a transaction it rolls back: the hazard then gives the figure instead of "may"."""
    site = "          site:\n            columns: {id: {type: integer, primary_key: true}}\n"
    before, after = tmp_path / "before.yaml", tmp_path / "after.yaml"
    before.write_text((CASE / "before.yaml").read_text().replace("        tables:\n", "        tables:\n" + site))
    after.write_text((CASE / "after.yaml").read_text().replace("        tables:\n", "        tables:\n" + site)
                     .replace("n: integer}", "n: {type: integer, references: s.site(id)}, code: {type: text, "
                              "not_null: true}}").replace("v: text,", "v: {type: text, not_null: true},"))
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(before))
    assert code == 0, err
    with pg_plain_db.connect() as c:
        c.execute((CASE / "rows.sql").read_text())
        c.execute("UPDATE s.t SET n = -n WHERE id <= 3")  # 3 rows violate n > 0
        c.execute("UPDATE s.t SET v = 'same' WHERE id BETWEEN 10 AND 11")  # 2 rows share v
        c.execute("UPDATE s.t SET v = NULL WHERE id BETWEEN 20 AND 22")  # NULLs never collide
        c.execute("INSERT INTO s.site VALUES (4), (5)")
    plan = tmp_path / "plan.json"
    code, out, err = run_cli("plan", "--dsn", pg_plain_db.dsn, "-m", str(after), "--format", "json", "-o", str(plan))
    assert code == 1, err
    hazards = {s["description"]: [h["message"] for h in s["hazards"] if h["kind"] == "violating_rows"]
               for s in json.loads(plan.read_text())["steps"]}
    text = "\n".join(m for ms in hazards.values() for m in ms)
    assert "3 existing row(s) of s.t violate check t_n_positive" in text, json.dumps(hazards, indent=1)
    assert "2 existing row(s) of s.t violate unique t_v_key" in text, hazards
    # n references s.site(id): 4 and 5 exist; -3..-1 and 6..50 do not (48 rows)
    assert "48 existing row(s) of s.t violate foreign key t_n_fkey" in text, text
    assert "code is NOT NULL without a default: the step fails if s.t holds any row, and it held 50 row(s)" in text
    assert "3 existing row(s) of s.t violate NOT NULL on v" in text, text
    with pg_plain_db.connect() as c:  # the counting changed nothing
        assert c.execute("SELECT count(*) FROM s.t WHERE n < 0").fetchone()[0] == 3


def _key_hazards(db, tmp_path, case: Path, edit: str) -> tuple[list[str], str]:
    """The corpus case's before model applied with its rows edited by `edit`, then planned: its violating-rows
    hazards, and the plan file."""
    plan = tmp_path / "plan.json"
    steps = planned_case(db, case, edit, plan)["steps"]
    return [h["message"] for s in steps for h in s["hazards"] if h["kind"] == "violating_rows"], str(plan)


def test_the_rows_a_new_primary_key_refuses_are_counted_at_plan_time(pg_plain_db, tmp_path):
    """NULL in a key column and key values that another row has too: both make ADD PRIMARY KEY fail."""
    rows = (CORPUS / "069_add_primary_key" / "rows.sql").read_text()
    edit = rows + "UPDATE s.t SET id = NULL WHERE id <= 2; UPDATE s.t SET id = 10 WHERE id IN (11, 12);"
    found, _ = _key_hazards(pg_plain_db, tmp_path, CORPUS / "069_add_primary_key", edit)
    assert found == ["5 existing row(s) of s.t violate primary key t_pkey, counted when the plan was made: they "
                     "make the step fail; fix them first"], found


def test_duplicates_inside_compressed_chunks_are_counted_and_fail_the_key(ts_community_db, tmp_path):
    """TimescaleDB checks a new key inside compressed chunks too: the count reads through them, and apply fails
    changing nothing."""
    case = CORPUS / "083_primary_key_on_compressed_hypertable"
    insert, compress = (case / "rows.sql").read_text().splitlines()
    twice = "INSERT INTO s.m SELECT * FROM s.m WHERE at < now() - interval '5 days' ORDER BY at LIMIT 3;"
    found, plan = _key_hazards(ts_community_db, tmp_path, case, "\n".join((insert, twice, compress)))
    assert found and found[0].startswith("6 existing row(s) of s.m violate primary key m_pkey"), found
    code, _, err = run_cli("apply", "--dsn", ts_community_db.dsn, "-m", str(case / "after.yaml"), "--plan", plan,
                           "--allow-hazards", "all")
    assert code == 3, err
    with ts_community_db.connect() as c:
        assert c.execute("SELECT count(*) FROM s.m").fetchone()[0] == 203
        assert not c.execute("SELECT 1 FROM pg_catalog.pg_constraint WHERE conname = 'm_pkey'").fetchall()


def test_a_plan_on_a_server_that_cannot_run_a_step_lists_it_as_not_planned(ts_apache_db, tmp_path):
    """On the Apache edition every policy, compression and aggregate call is refused by license: without
    --skip-unsupported the plan says so at plan time, change by change, instead of a step that fails in apply."""
    case = CORPUS / "010_add_retention"
    code, _, err = run_cli("apply", "--dsn", ts_apache_db.dsn, "-m", str(case / "before.yaml"))
    assert code == 0, err
    plan = tmp_path / "plan.json"
    code, out, err = run_cli("plan", "--dsn", ts_apache_db.dsn, "-m", str(case / "after.yaml"), "--format", "json",
                             "-o", str(plan))
    assert code == 1, err
    data = json.loads(plan.read_text())
    assert not any(s["op"] == "add_policy" for s in data["steps"]), data["steps"]
    reasons = [n["reason"] for n in data["not_planned"]]
    assert any("this server cannot run it" in r and "Apache edition" in r and "--skip-unsupported" in r
               for r in reasons), reasons


def test_lock_and_decompression_hazards_count_the_chunks(ts_community_db, tmp_path):
    """A live plan counts each hypertable's chunks into its lock hazards ("on each of its 9 chunks (10 locks)")
    and its compressed chunks into its decompression hazards."""
    case = CORPUS / "051_hypertable_column_changes"
    code, _, err = run_cli("apply", "--dsn", ts_community_db.dsn, "-m", str(case / "before.yaml"))
    assert code == 0, err
    with ts_community_db.connect() as c:
        c.execute((case / "rows.sql").read_text())
        n, k = c.execute("SELECT count(*), count(*) FILTER (WHERE is_compressed) FROM timescaledb_information.chunks "
                         "WHERE hypertable_name = 'm'").fetchone()
    assert n > 2 and k > 0
    plan = tmp_path / "plan.json"
    code, _, err = run_cli("plan", "--dsn", ts_community_db.dsn, "-m", str(case / "after.yaml"), "--format", "json",
                           "-o", str(plan))
    assert code == 1, err
    messages = [h["message"] for s in json.loads(plan.read_text())["steps"] for h in s["hazards"]]
    assert any(f"on each of its {n} chunks ({n + 1} locks)" in h for h in messages), messages
    assert any(f"({k} of its {n} chunks compressed when the plan was made)" in h for h in messages), messages


def _function_records(db) -> list[str]:
    with db.connect() as c:
        return [f"{n}{s}" for n, s in c.execute("SELECT name, signature FROM schemagen.objects WHERE kind = "
                                                 "'function' ORDER BY 1, 2").fetchall()]


def test_a_recreated_function_stays_schemagens_under_its_new_signature(pg_plain_db, tmp_path):
    """apply --plan moves the ownership record of a function recreated with new arguments to its new signature,
    so that a later plan may change it again; rollback --plan moves it back."""
    case, plan = CORPUS / "092_function_signature_change", str(tmp_path / "plan.json")
    run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(case / "before.yaml"))
    assert _function_records(pg_plain_db) == ["label(integer)", "score(integer)", "total()"]
    code, _, err = run_cli("plan", "--dsn", pg_plain_db.dsn, "-m", str(case / "after.yaml"), "-o", plan,
                           "--format", "json")
    assert code == 1, err
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(case / "after.yaml"), "--plan", plan,
                           "--allow-hazards", "signature_change")
    assert code == 0, err
    assert _function_records(pg_plain_db) == ["label(integer)", "score(integer, integer)", "total(integer)"]
    changed = tmp_path / "changed.yaml"
    changed.write_text((case / "after.yaml").read_text().replace('body: "SELECT x * k"', 'body: "SELECT x * k + 1"'))
    code, out, err = run_cli("plan", "--dsn", pg_plain_db.dsn, "-m", str(changed))
    assert code == 1 and "replace function s.score(integer, integer)" in out and "not created by" not in out, out
    code, _, err = run_cli("rollback", "--dsn", pg_plain_db.dsn, "-m", str(case / "after.yaml"), "--plan", plan,
                           "--allow-hazards", "signature_change")
    assert code == 0, err
    assert _function_records(pg_plain_db) == ["label(integer)", "score(integer)", "total()"]


NUMBERED = {  # case: (insert after apply, its row, insert after rollback, its row)
    "097_identity_and_serial_in_place": ("INSERT INTO s.t (m) VALUES (50) RETURNING id, n, p, q, r", (4, 4, 6, 7, 4),
                                         "INSERT INTO s.t (n) VALUES (9) RETURNING m, q, r", (101, 8, 5)),
    "098_identity_on_a_hypertable": ("INSERT INTO s.h (at) VALUES ('2026-03-01') RETURNING n, q", (8, 4),
                                     "INSERT INTO s.h (at, n) VALUES ('2026-03-02', 9) RETURNING q", (5,)),
    "103_identity_column_added_to_a_hypertable": ("INSERT INTO s.h (at) VALUES ('2026-03-01') RETURNING id", (4,),
                                                  "INSERT INTO s.h (at) VALUES ('2026-03-02') RETURNING v", (None,)),
    "101_renamed_table_keeps_its_sequences_named": (
        "INSERT INTO s.place (v) VALUES ('d') RETURNING id, n, ref", (4, 4, 4),
        "INSERT INTO s.site (v) VALUES ('e') RETURNING id, n, code", (5, 5, 5)),
}


@pytest.mark.parametrize("name, server", [(n, "ts_apache_db" if "hypertable" in n else "pg_plain_db")
                                          for n in NUMBERED])
def test_a_new_identity_or_serial_continues_after_the_largest_value(name, server, request, tmp_path):
    """A column made an identity or serial in place, on a plain table, on a hypertable, on a table renamed in the
    same plan: the next row takes the value after the column's largest (a sequence that started at 1 would collide
    with a unique key), and the rollback's sequences do the same."""
    db, case, plan = request.getfixturevalue(server), CORPUS / name, tmp_path / "plan.json"
    planned_case(db, case, (case / "rows.sql").read_text(), plan)

    def run(verb: str, insert: str) -> tuple:  # the plan (or its rollback) run, then a row inserted
        code, _, err = run_cli(verb, "--dsn", db.dsn, "-m", str(case / "after.yaml"), "--plan", str(plan),
                               "--allow-hazards", "all")
        assert code == 0, err
        with db.connect() as c:
            row = c.execute(insert).fetchone()
            c.commit()
        return row

    insert, row, back, row_back = NUMBERED[name]
    assert run("apply", insert) == row
    assert run("rollback", back) == row_back  # 097: q's 7 is its largest


def test_rows_holding_a_removed_enum_value_are_counted_and_the_step_changes_nothing(pg_plain_db, tmp_path):
    """A value removed from an enum that rows still hold: plan counts them (over every column of it, an array's
    elements too), and apply fails on that step, leaving the type and the rows as they were."""
    case, plan = CORPUS / "099_enum_value_removed_and_reordered", tmp_path / "plan.json"
    rows = (case / "rows.sql").read_text() + (
        "INSERT INTO s.t (id, m, ms) VALUES (4, 'meh', '{meh,ok}'), (5, 'ok', '{meh}');\n")
    data = planned_case(pg_plain_db, case, rows, plan)
    (step,) = data["steps"]
    assert step["op"] == "recreate_enum"
    hazard = next(h for h in step["hazards"] if h["kind"] == "violating_rows")
    assert hazard["message"].startswith("3 value(s) in the columns of s.mood are 'meh'"), hazard  # m, ms, ms
    code, _, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(case / "after.yaml"), "--plan", str(plan),
                           "--allow-hazards", "all")
    assert code == 3 and "invalid input value for enum" in err and "changed nothing" in err, (code, err)
    with pg_plain_db.connect() as c:
        values = c.execute("SELECT enum_range(NULL::s.mood)::text").fetchone()[0]
        kept = c.execute("SELECT count(*) FROM s.t WHERE m = 'meh'").fetchone()[0]
    assert (values, kept) == ("{happy,ok,sad,meh}", 1)


def test_an_aggregates_chunks_are_counted_under_its_own_name(ts_community_db, tmp_path):
    """The decompression hazard of a continuous aggregate counts its materialization hypertable's chunks, and a
    name that begins another (s.m, s.m_daily) is not taken for it."""
    case, plan = CORPUS / "094_aggregate_compression_changed_and_off", tmp_path / "plan.json"
    code, _, err = run_cli("apply", "--dsn", ts_community_db.dsn, "-m", str(case / "before.yaml"))
    assert code == 0, err
    with ts_community_db.connect() as c:
        for line in filter(str.strip, (case / "rows.sql").read_text().splitlines()):
            c.execute(line)  # each alone: CALL refresh_continuous_aggregate refuses a transaction block
    code, _, err = run_cli("plan", "--dsn", ts_community_db.dsn, "-m", str(case / "after.yaml"), "--format", "json",
                           "-o", str(plan))
    assert code == 1, err
    data = json.loads(plan.read_text())
    with ts_community_db.connect() as c:
        n, k = c.execute(
            "SELECT count(*), count(*) FILTER (WHERE c.is_compressed) FROM timescaledb_information.chunks c JOIN "
            "timescaledb_information.continuous_aggregates a ON a.materialization_hypertable_name = c.hypertable_name"
            " WHERE a.view_name = 'm_daily'").fetchone()
    assert n > 1 and k > 0
    off = next(s for s in data["steps"] if s["op"] == "disable_compression")
    decompress = next(h["message"] for h in off["hazards"] if h["kind"] == "decompression")
    assert "s.m_daily" in decompress and decompress.endswith(f"({k} of its {n} chunks compressed when the plan was "
                                                             "made)"), decompress
