"""schemagen plan --from OLD_MODEL for objects changed in place or made again: functions whose signature changes,
compression of continuous aggregates, comments of schemas and tables, identity and serial columns, enums made
again, and columns retyped under views and aggregates (the operations, their statements, hazards and rollback)."""
from __future__ import annotations

import json

import pytest
from test_plan import CORPUS, _case, _plan, _step

from schemagen import model as m
from schemagen.plan import format_json, ops
from schemagen.plan.planfile import parse_plan

# --- functions whose arguments or result type change (plan/objects.py RecreateFunction) -----------------------

def test_a_function_whose_arguments_or_result_change_is_dropped_and_created_in_one_step():
    plan = _case("092_function_signature_change")
    assert not plan.not_planned and {s.op for s in plan.steps} == {"recreate_function"}
    score = _step(plan, "recreate function s.score(integer) as (integer, integer) returning integer")
    assert score.key == m.ObjectKey("function", "s", "score", "(integer)")
    assert score.new_signature == "(integer, integer)"
    assert score.statements[0] == "DROP FUNCTION IF EXISTS s.score(integer);" and score.transactional
    assert score.statements[-1] == "COMMENT ON FUNCTION s.score(integer, integer) IS 'multiplies';"
    assert [h.kind for h in score.hazards] == [ops.SIGNATURE_CHANGE]
    assert "calls of the old form" in score.hazards[0].message
    total = _step(plan, "recreate function s.total()")
    assert total.statements[-1] == "GRANT EXECUTE ON FUNCTION s.total(integer) TO sg_reader;"  # the model's grants
    back = next(s for s in plan.rollback if s.undoes == score.number)
    assert back.key.signature == "(integer, integer)" and back.new_signature == "(integer)"
    assert back.statements[0] == "DROP FUNCTION IF EXISTS s.score(integer, integer);"
    # the plan file carries the new signature, which apply moves the ownership record to
    text = format_json(plan)
    step = json.loads(text)["steps"][score.number - 1]
    assert step["object"]["signature"] == "(integer)" and step["new_signature"] == "(integer, integer)"
    read = parse_plan(text, "plan.json").steps[score.number - 1]
    assert (read.op, read.new_signature) == ("recreate_function", "(integer, integer)")


@pytest.mark.parametrize("user", [
    "        materialized_views:\n          v: {query: \"SELECT s.score(n) AS d FROM s.t\"}\n",
    "            checks: {t_small: \"score(n) < 100\"}\n",
])
def test_a_function_an_object_uses_is_not_recreated_and_the_user_is_named(user):
    def uses(text: str) -> str:  # both models: the object calls s.score (a view, a check of s.t)
        anchor = "            columns: {id: {type: integer, primary_key: true}, n: integer}\n"
        return text.replace(anchor, anchor + user) if "checks" in user else text + user
    plan = _plan(uses((CORPUS / "092_function_signature_change" / "before.yaml").read_text()),
                 uses((CORPUS / "092_function_signature_change" / "after.yaml").read_text()))
    left = [n for n in plan.not_planned if n.change.object == "s.score"]
    assert left and all("PostgreSQL refuses while" in n.reason for n in left), plan.not_planned
    assert ("materialized view s.v" if "views" in user else "table s.t") in left[0].reason
    recreated = {s.description.split("(")[0] for s in plan.steps}
    assert recreated >= {"recreate function s.label", "recreate function s.total"}


# --- compression of continuous aggregates (plan/compression.py) -------------------------------------------------

def test_a_continuous_aggregates_compression_is_turned_on_before_its_policy_and_off_after():
    plan = _case("093_aggregate_compression_on")
    assert not plan.not_planned and [s.op for s in plan.steps] == ["set_compression", "add_policy"]
    on = plan.steps[0]
    assert on.statements == ("ALTER MATERIALIZED VIEW s.m_hourly SET (timescaledb.compress, timescaledb."
                             "compress_segmentby = 'device', timescaledb.compress_orderby = 'bucket DESC');",)
    assert "materialization hypertable of continuous aggregate s.m_hourly" in on.hazards[0].message
    assert [s.op for s in plan.rollback] == ["remove_policy", "disable_compression"]
    off = plan.rollback[1]
    assert off.statements[-1] == "ALTER MATERIALIZED VIEW s.m_hourly SET (timescaledb.compress = FALSE);"
    assert "show_chunks('s.m_hourly'" in off.statements[0]


def test_changed_aggregate_settings_clear_a_segment_by_the_new_order_by_names():
    plan = _case("094_aggregate_compression_changed_and_off")
    assert not plan.not_planned
    ops_ = [s.op for s in plan.steps]
    assert ops_.index("remove_policy") < ops_.index("disable_compression")  # its job would fail
    changed = _step(plan, "change the compression settings of s.m_hourly")
    assert "timescaledb.compress_segmentby = ''" in changed.statements[0]  # device is in the new order by
    assert {h.kind for h in changed.hazards} == {ops.LOCK, ops.NEW_CHUNKS_ONLY}
    # a segment by the model leaves out, with no conflict, is TimescaleDB's choice: kept (not compared)
    kept = _case("094_aggregate_compression_changed_and_off",
                 lambda t: t.replace("{order_by: [bucket DESC, device], after: 7 days}",
                                     "{order_by: [bucket], after: 7 days}"))
    assert "compress_segmentby" not in _step(kept, "change the compression settings of s.m_hourly").statements[0]


# --- comments of schemas and tables (plan/types.py Comment) -----------------------------------------------------

def test_comments_of_schemas_and_tables_are_set_changed_and_removed_in_place():
    plan = _case("096_table_and_schema_comments")
    assert not plan.not_planned, plan.not_planned
    assert {s.op for s in plan.steps} == {"set_comment"}
    by = {s.description: s.statements for s in plan.steps}
    assert by == {
        "set the comment of schema core": ("COMMENT ON SCHEMA core IS NULL;",),
        "set the comment of schema quiet": ("COMMENT ON SCHEMA quiet IS 'now it says something';",),
        "set the comment of table core.org": ("COMMENT ON TABLE core.org IS 'the tenants';",),
        "set the comment of table core.kept": ("COMMENT ON TABLE core.kept IS 'it''s kept; ''quoted'' too';",),
        "set the comment of table core.readings_acme": ("COMMENT ON TABLE core.readings_acme IS NULL;",),
    }, by
    assert all(not s.hazards for s in plan.steps)
    back = {s.description: s.statements for s in plan.rollback}
    assert back["set the comment of schema core"] == ("COMMENT ON SCHEMA core IS 'the old words';",)
    assert back["set the comment of table core.readings_acme"] == (
        "COMMENT ON TABLE core.readings_acme IS 'readings of an org';",)


# --- identity and serial columns changed in place (plan/identity.py) --------------------------------------------

def test_a_columns_numbering_changes_in_one_step_with_its_not_null_and_default():
    plan = _case("097_identity_and_serial_in_place")
    assert not plan.not_planned, plan.not_planned
    assert {s.op for s in plan.steps} == {"change_numbering"} and len(plan.steps) == 6  # one step per column
    serial = _step(plan, "make column p of s.t serial")
    assert serial.statements == (
        "ALTER TABLE s.t ALTER COLUMN p DROP DEFAULT;", "ALTER TABLE s.t ALTER COLUMN p SET NOT NULL;",
        "CREATE SEQUENCE s.t_p_seq AS integer OWNED BY s.t.p;",
        "ALTER TABLE s.t ALTER COLUMN p SET DEFAULT nextval('s.t_p_seq'::regclass);",
        "SELECT setval(pg_get_serial_sequence('s.t', 'p'), GREATEST(max(p), 1), max(p) IS NOT NULL) FROM s.t;")
    assert {h.kind for h in serial.hazards} == {ops.LOCK, ops.VIOLATING_ROWS} and serial.statement_timeout_ms == 0
    kind = _step(plan, "column id of s.t: an identity (always) becomes an identity (by default)")
    assert kind.statements == ("ALTER TABLE s.t ALTER COLUMN id SET GENERATED BY DEFAULT;",)
    assert "briefly: no row is read" in kind.hazards[0].message and kind.statement_timeout_ms > 0
    to_identity = _step(plan, "column r of s.t: serial becomes an identity (by default)")
    assert to_identity.statements[0] == "ALTER TABLE s.t ALTER COLUMN r DROP DEFAULT;"
    assert "pg_get_serial_sequence('s.t', 'r')" in to_identity.statements[1]  # the one it owns, whatever its name
    assert "EXECUTE 'DROP SEQUENCE ' || seq" in to_identity.statements[1]
    assert to_identity.statements[2] == "ALTER TABLE s.t ALTER COLUMN r ADD GENERATED BY DEFAULT AS IDENTITY;"
    back = next(s for s in plan.rollback if s.description.startswith("column r of s.t"))
    assert back.statements[0] == "ALTER TABLE s.t ALTER COLUMN r DROP IDENTITY IF EXISTS;"
    assert "CREATE SEQUENCE s.t_r_seq AS bigint OWNED BY s.t.r;" in back.statements


def test_a_numbering_change_on_a_hypertable_with_compression_is_not_planned():
    compressed = lambda t: t.replace("chunk_interval: 1 day}", "chunk_interval: 1 day}\n"  # noqa: E731
                                     "            compression: {segment_by: [n], order_by: [at DESC]}")
    before = (CORPUS / "098_identity_on_a_hypertable" / "before.yaml").read_text()
    plan = _plan(compressed(before), compressed((CORPUS / "098_identity_on_a_hypertable" / "after.yaml").read_text()))
    assert not plan.steps and plan.not_planned
    assert all("hypertable with compression" in n.reason for n in plan.not_planned), plan.not_planned


# --- an enum made again (plan/enums.py) --------------------------------------------------------------------------

def test_an_enum_with_a_value_removed_is_made_again_converting_each_table_once():
    plan = _case("099_enum_value_removed_and_reordered")
    (step,) = plan.steps
    assert step.op == "recreate_enum" and step.transactional and step.statement_timeout_ms == 0
    assert step.statements[:2] == ("ALTER TYPE s.mood RENAME TO mood_schemagen_old;",
                                   "CREATE TYPE s.mood AS ENUM ('sad', 'ok', 'happy');")
    assert step.statements[2] == (
        "ALTER TABLE s.t ALTER COLUMN m DROP DEFAULT, ALTER COLUMN m TYPE s.mood USING m::text::s.mood, ALTER "
        "COLUMN m SET DEFAULT 'ok', ALTER COLUMN ms TYPE s.mood[] USING ms::text[]::s.mood[];")  # one rewrite
    assert step.statements[-2:] == ("DROP TYPE s.mood_schemagen_old;", "COMMENT ON TYPE s.mood IS 'how it feels';")
    assert {h.kind for h in step.hazards} == {ops.LOCK, ops.TABLE_REWRITE, ops.VIOLATING_ROWS}
    (back,) = plan.rollback
    assert back.statements[1] == "CREATE TYPE s.mood AS ENUM ('happy', 'ok', 'sad', 'meh');"
    assert ops.VIOLATING_ROWS not in {h.kind for h in back.hazards}  # the old type has every new value


@pytest.mark.parametrize("edit, reason", [
    (lambda t: t.replace("              t_m: {columns: [m]}\n",
                         "              t_m: {columns: [m], where: \"m <> 'sad'\"}\n"),
     "a check, index, trigger or policy of s.t names column s.t.m"),
    (lambda t: t.replace("          org:\n", "          other:\n            columns: {m: {type: text, check: "
                         "\"m::s.mood IS NOT NULL\"}}\n          org:\n"), "table s.other names s.mood"),
    (lambda t: t.replace("        tables:\n", "        views:\n          v: {query: \"SELECT id FROM s.t\"}\n"
                         "        tables:\n", 1), "view s.v reads a table with a column of s.mood"),
    (lambda t: t.replace("        tables:\n", "        functions:\n          f: {arguments: [{name: x, type: s.mood}], "
                         "returns: integer, language: sql, body: \"SELECT 1\"}\n        tables:\n", 1),
     "function s.f names s.mood"),
])
def test_an_enum_is_not_made_again_while_something_would_keep_the_old_type(edit, reason):
    case = CORPUS / "099_enum_value_removed_and_reordered"
    plan = _plan(edit((case / "before.yaml").read_text()), edit((case / "after.yaml").read_text()))
    assert not plan.steps, plan.steps
    (left,) = plan.not_planned
    assert "cannot drop or reorder the values of an enum in place" in left.reason and reason in left.reason, left


def test_a_numbering_change_with_a_type_change_is_not_planned_at_all():
    before = "databases:\n  app:\n    schemas:\n      s:\n        tables:\n          t:\n            columns: {a: %s}\n"
    for old, new in (("text", "{type: integer, identity: always}"), ("integer", "{type: bigint, identity: always}"),
                     ("bigserial", "integer")):
        plan = _plan(before % old, before % new)
        assert not plan.steps, (old, new, plan.steps)
        assert plan.not_planned and all("changes type" in n.reason for n in plan.not_planned), plan.not_planned


def test_an_enum_made_again_leaves_out_the_tables_and_views_the_plan_drops_first():
    case = CORPUS / "099_enum_value_removed_and_reordered"
    gone = lambda t: t.replace("        tables:\n", "        views:\n          v: {query: \"SELECT m FROM s.gone\"}\n"  # noqa: E731
                               "        tables:\n          gone: {columns: {id: integer, m: s.mood}}\n", 1)
    plan = _plan(gone((case / "before.yaml").read_text()), (case / "after.yaml").read_text())
    assert not plan.not_planned, plan.not_planned
    ops_ = [s.op for s in plan.steps]
    assert ops_ == ["drop_view", "drop_table", "recreate_enum"], ops_
    assert not any("s.gone" in x for x in plan.steps[2].statements)
    assert plan.rollback[0].op == "recreate_enum" and not any("s.gone" in x for x in plan.rollback[0].statements)


def test_the_views_that_call_a_recreated_function_are_made_again_around_it_in_its_step():
    plan = _case("104_function_signature_change_with_views")
    (step,) = plan.steps
    assert step.op == "recreate_function" and step.description.endswith("with view(s) s.v, s.w")
    first = [x.split(" AS")[0].split("(")[0] for x in step.statements]
    assert first[:3] == ["DROP VIEW IF EXISTS s.w;", "DROP VIEW IF EXISTS s.v;", "DROP FUNCTION IF EXISTS s.score"]
    assert first.index("CREATE OR REPLACE VIEW s.v") < first.index("CREATE OR REPLACE VIEW s.w")
    assert "GRANT SELECT ON TABLE s.w TO sg_reader;" in step.statements
    assert {h.kind for h in step.hazards} == {ops.LOCK, ops.SIGNATURE_CHANGE}
    assert "s.twice" in next(h.message for h in step.hazards if h.kind == ops.SIGNATURE_CHANGE)
    (back,) = plan.rollback
    assert back.statements[:2] == ("DROP VIEW IF EXISTS s.w;", "DROP VIEW IF EXISTS s.v;")
    # a materialized view over a recreated view: PostgreSQL would refuse its drop
    held = lambda t: t + "        materialized_views:\n          mv: {query: \"SELECT id FROM s.w\"}\n"  # noqa: E731
    plan = _plan(*(held((CORPUS / "104_function_signature_change_with_views" / f).read_text())
                   for f in ("before.yaml", "after.yaml")))
    assert not plan.steps and plan.not_planned  # each change of the function, with the reason
    assert all("materialized view s.mv (reading view s.w)" in n.reason for n in plan.not_planned), plan.not_planned


def test_an_enum_step_sets_a_changed_default_and_keeps_a_dropped_column_as_text():
    plan = _case("105_enum_recreated_with_a_default_changed_and_a_column_dropped")
    assert not plan.not_planned and [s.op for s in plan.steps] == ["recreate_enum", "drop_column"]
    step = plan.steps[0]
    assert {c.summary().split(":")[0] for c in step.serves} >= {"type s.mood", "table s.t"}  # the default too
    assert step.statements[2] == (
        "ALTER TABLE s.t ALTER COLUMN m DROP DEFAULT, ALTER COLUMN m TYPE s.mood USING m::text::s.mood, ALTER "
        "COLUMN m SET DEFAULT 'ok', ALTER COLUMN old TYPE text USING old::text;")
    back = next(s for s in plan.rollback if s.op == "recreate_enum")
    assert "ALTER COLUMN m SET DEFAULT 'meh'" in back.statements[2] and "old TYPE s.mood USING" in back.statements[2]


@pytest.mark.parametrize("edit, reason", [
    (lambda t: t.replace("hypertable: {time_column: at, chunk_interval: 1 day}", "hypertable: {time_column: at, "
                         "chunk_interval: 1 day, dimensions: [{column: lv, partitions: 2}]}"),
     "column s.h.lv partitions hypertable s.h"),
    (lambda t: t.replace("            indexes:", "            row_level_security:\n              policies:\n"
                         "                p: {using: \"lv = 'low'\"}\n            indexes:"),  # the model's: a live
     "a check, index, trigger or policy of s.h names column s.h.lv"),  # plan reads no policies unless they change
])
def test_an_enum_is_not_made_again_on_a_dimension_or_under_a_policy(edit, reason):
    case = CORPUS / "100_enum_recreated_on_a_hypertable"
    plan = _plan(edit((case / "before.yaml").read_text()), edit((case / "after.yaml").read_text()))
    assert not plan.steps and reason in plan.not_planned[0].reason, plan.not_planned


def test_renames_leave_declared_sequences_to_the_model():
    plan = _case("106_renamed_table_with_declared_sequences")
    assert not plan.not_planned and {s.op for s in plan.steps} == {"rename_table", "rename"}, plan.steps
    assert not any("SEQUENCE" in x for s in plan.steps for x in s.statements)


# --- a column retyped under views and aggregates (plan/retype.py) -----------------------------------------------

def test_the_views_reading_a_retyped_column_are_made_again_around_it():
    plan = _case("108_column_retyped_under_views")
    assert not plan.not_planned and {s.op for s in plan.steps} == {"retype_with_readers"}
    n = _step(plan, "change the type of column n of s.t from integer to bigint, with s.v, s.w")
    assert n.statements[:3] == ("DROP VIEW IF EXISTS s.w;", "DROP VIEW IF EXISTS s.v;",
                                "ALTER TABLE s.t ALTER COLUMN n TYPE bigint USING n::bigint;")
    assert "GRANT SELECT ON TABLE s.v TO sg_reader;" in n.statements and {h.kind for h in n.hazards} == {
        ops.LOCK, ops.TABLE_REWRITE}
    label = _step(plan, "change the type of column label of s.t")
    assert "s.names dropped" in label.description and not any("s.v" in x for x in label.statements)
    back = next(s for s in plan.rollback if s.undoes == n.number)
    assert back.statements[2] == "ALTER TABLE s.t ALTER COLUMN n TYPE integer USING n::integer;"


def test_a_retyped_column_under_an_aggregate_drops_and_recreates_its_chain_in_one_step():
    plan = _case("107_column_retyped_under_an_aggregate")
    assert not plan.not_planned and len(plan.steps) == 2
    v = _step(plan, "change the type of column v of s.m from real to double precision")
    assert v.op == "retype_with_readers" and v.statements[:2] == ("DROP VIEW IF EXISTS s.hot;",
                                                                  "DROP MATERIALIZED VIEW IF EXISTS s.m_hourly;")
    assert {ops.CAGG_RECOMPUTE, ops.DECOMPRESSION, ops.JOB_ID_CHANGE} <= {h.kind for h in v.hazards}
    assert v.statements[-1].startswith("CREATE OR REPLACE VIEW s.hot")
    w = _step(plan, "change the type of column w of s.m")
    assert w.op == "retype_columnstore"  # no aggregate reads w
    # an aggregate whose own definition changes in the same plan: made again by the column's step, then by its own
    changed = _case("107_column_retyped_under_an_aggregate", lambda t: t.replace("avg_v: avg(v)", "avg_v: max(v)"))
    assert not changed.not_planned, changed.not_planned
    ops_ = [s.op for s in changed.steps]
    assert ops_.index("retype_with_readers") < ops_.index("recreate_aggregates"), ops_


def test_a_view_the_model_changes_is_made_again_by_the_step_that_needs_it_gone():
    for name in ("110_function_recreated_with_a_view_the_model_changes",
                 "112_column_retyped_with_a_view_the_model_changes"):
        plan = _case(name)
        assert not plan.not_planned and "replace_view" not in {s.op for s in plan.steps}, plan.steps
        (step,) = [s for s in plan.steps if s.op in ("recreate_function", "retype_with_readers")]
        assert any(c.kind == "view" for c in step.serves)  # the view's own change is this step's
    plan = _case("109_retyped_column_under_views_read_in_dependency_order")
    assert plan.steps[0].statements[:2] == ("DROP VIEW IF EXISTS s.aa;", "DROP VIEW IF EXISTS s.zz;")
    assert plan.steps[0].statements[-1].startswith("CREATE OR REPLACE VIEW s.aa")


def test_a_view_made_again_in_a_form_that_needs_a_later_step_is_not_planned():
    case = CORPUS / "108_column_retyped_under_views"
    added = lambda t: t.replace("label: varchar(20)}", "label: varchar(20), extra: integer}").replace(  # noqa: E731
        '"SELECT id, n * 2 AS n2 FROM s.t"', '"SELECT id, n * 2 AS n2, extra FROM s.t"')
    plan = _plan((case / "before.yaml").read_text(), added((case / "after.yaml").read_text()))
    assert any("which the plan adds later" in n.reason for n in plan.not_planned), plan.not_planned
    held = lambda t: t + "        materialized_views:\n          mv: {query: \"SELECT id, n FROM s.t\"}\n"  # noqa: E731
    plan = _plan(held((case / "before.yaml").read_text()), held((case / "after.yaml").read_text()))
    assert any("materialized view s.mv reads the column" in n.reason for n in plan.not_planned), plan.not_planned
