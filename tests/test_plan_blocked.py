"""schemagen plan --from: steps taken out because of what they would take with them or what the server would
refuse in them (plan/collateral.py, plan/blocked.py), and enum values added before values added with them; each
found by the property-based plans (test_properties_plan.py) at 80 to 100 examples."""
from __future__ import annotations

from test_plan import _plan

HEAD = "databases:\n  app:\n    schemas:\n      s:\n"


def _model(body: str, types: str = "") -> str:
    return HEAD + types + "        tables:\n" + body


def test_a_column_drop_that_would_take_an_index_or_key_whose_change_is_not_planned_is_taken_out():
    old = _model("          t:\n            columns: {id: integer, a: text, b: macaddr}\n"
                 "            indexes: {ix: {columns: [a, b]}}\n")
    # the index moves to a column whose type change is not planned; a stays dropped in the model
    new = _model("          t:\n            columns: {id: integer, b: {type: smallint, identity: always}}\n"
                 "            indexes: {ix: {columns: [b]}}\n")
    plan = _plan(old, new)
    assert "drop_column" not in {s.op for s in plan.steps}, plan.steps
    assert any("index ix of s.t needs it" in n.reason for n in plan.not_planned), plan.not_planned


def test_enum_values_added_at_the_front_go_before_the_first_value_there():
    types = "        types:\n          mood: {enum: [%s]}\n"
    body = "          t:\n            columns: {id: integer}\n"
    plan = _plan(_model(body, types % "ok"), _model(body, types % "a, b, ok, c"))
    (step,) = plan.steps
    assert step.statements == ("ALTER TYPE s.mood ADD VALUE IF NOT EXISTS 'a' BEFORE 'ok';",
                               "ALTER TYPE s.mood ADD VALUE IF NOT EXISTS 'b' AFTER 'a';",
                               "ALTER TYPE s.mood ADD VALUE IF NOT EXISTS 'c' AFTER 'ok';")


def test_a_default_of_an_enum_whose_values_are_not_planned_is_taken_out():
    types = ("        types:\n          mood: {enum: [%s]}\n"
             "          pair: {composite: {m: s.mood, n: integer}}\n")  # the composite blocks making it again
    old = _model("          t:\n            columns: {id: integer, m: s.mood}\n", types % "a, b")
    new = _model("          t:\n            columns: {id: integer, m: {type: s.mood, default: \"'c'\"}}\n",
                 types % "c, b")
    plan = _plan(old, new)
    assert "set_default" not in {s.op for s in plan.steps}, plan.steps
    assert any("enum s.mood, whose values this plan does not change" in n.reason for n in plan.not_planned)
