"""The columns a domain's new CHECK or NOT NULL reads (plan/domains.py), found in the database as it is, and the
hazards of those steps with the values counted (plan/server.counted puts a live plan's count in)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from helpers import model_from

from schemagen import model as m
from schemagen.commands import plan as planning
from schemagen.plan import domains, server
from schemagen.plan.types import DomainCheck, SetDomain

KEY = m.ObjectKey("type", "s", "score")
CASE = Path(__file__).resolve().parent / "plans" / "075_domain_changes"
TABLE = ("        tables:\n          t:\n"
         "            columns: {id: {type: integer, primary_key: true}, n: score, l: label, c: code}\n")
WIDER = TABLE.replace("c: code}", "c: code, w: wide, a: {type: 'score[]'}, p: pair}") + \
    "          u:\n            columns: {id: {type: integer, primary_key: true}, v: wide}\n"
MORE_TYPES = ("          wide: {domain: s.score}\n          pair: {composite: {x: score, y: integer}}\n"
              "          loose: {composite: {x: score}}\n")


def _texts(tables: str = TABLE, types: str = "") -> list[str]:
    """075's before and after models with t's columns `tables` (more tables after it) and more types."""
    return [(CASE / f).read_text().replace(TABLE, tables).replace("        tables:\n", types + "        tables:\n")
            for f in ("before.yaml", "after.yaml")]


def _plan(tables: str = TABLE, types: str = ""):
    before, after = _texts(tables, types)
    return planning.plan_offline(model_from(before, "old.yaml"), model_from(after, "model.yaml"))


def test_the_columns_of_a_domain_and_of_the_domains_over_it_are_read_and_arrays_or_composites_refuse_it():
    before, _ = _texts(WIDER, MORE_TYPES)
    db = model_from(before, "old.yaml").databases[0]
    score = next(t for t in db.types if t.name == "score")
    assert domains.columns(score, db) == (("s", "t", "n"), ("s", "t", "w"), ("s", "u", "v"))
    assert "column s.t.a holds it inside an array" in domains.refused(score, db)
    label = next(t for t in db.types if t.name == "label")
    assert domains.columns(label, db) == (("s", "t", "l"),) and domains.refused(label, db) is None
    only_composite = WIDER.replace(", a: {type: 'score[]'}", "")
    db = model_from(_texts(only_composite, MORE_TYPES)[0], "old.yaml").databases[0]
    assert "column s.t.p holds it inside" in domains.refused(score, db)  # pair is used; loose alone would not be
    db = model_from(_texts(only_composite.replace(", p: pair", ""), MORE_TYPES)[0], "old.yaml").databases[0]
    assert domains.refused(score, db) is None


def test_a_domain_check_that_postgresql_would_refuse_to_validate_is_not_planned():
    plan = _plan(WIDER, MORE_TYPES)
    reasons = [n.reason for n in plan.not_planned if n.change.key.name == "score"]
    assert reasons and all("refuses to validate a new CHECK or NOT NULL of domain s.score" in r for r in reasons)
    assert not any(s.op == "validate_domain_check" for s in plan.steps)
    assert any(s.op == "set_domain_not_null" for s in plan.steps)  # label: used by a plain column only


def test_an_offline_plan_says_the_values_are_not_counted():
    plan = _plan(WIDER.replace(", a: {type: 'score[]'}, p: pair", ""), MORE_TYPES)
    assert not plan.not_planned
    validate = next(s for s in plan.steps if s.description == "validate check score_positive of domain s.score")
    (hazard,) = validate.hazards
    assert hazard.message.endswith("makes the step fail (not counted at plan time)"), hazard.message
    (hazard,) = next(s for s in plan.steps if s.description == "set NOT NULL of domain s.code").hazards
    assert "violates NOT NULL makes the step fail (not counted" in hazard.message, hazard.message


def test_a_counted_domain_step_names_its_columns_and_the_figure():
    before, _ = _texts(WIDER.replace(", a: {type: 'score[]'}, p: pair", ""), MORE_TYPES)
    db = model_from(before, "old.yaml").databases[0]
    score = next(t for t in db.types if t.name == "score")
    check = score.checks[0]
    cs = domains.columns(score, db)
    op = DomainCheck(KEY, "", "validate", score, check, cs)
    seen = []
    counted = server.counted(op, lambda t, kind, k: seen.append((t, kind, k)) or 3)
    assert seen == [(None, "domain check", (score, check, cs))]
    (hazard,) = counted.hazards()
    assert hazard.message.startswith(f"3 value(s) in s.t.n, s.t.w, s.u.v violate check {check.name} of domain "
                                     "s.score, counted when the plan was made"), hazard.message
    none = server.counted(op, lambda t, kind, k: 0).hazards()[0].message
    assert none.startswith("no value in s.t.n, s.t.w, s.u.v violated check"), none
    assert DomainCheck(KEY, "", "add", score, check, cs).counts() is None
    label = next(t for t in db.types if t.name == "label")
    label_nn = SetDomain(KEY, "", "not null", replace(label, not_null=True), label, domains.columns(label, db))
    assert label_nn.counts() == ("domain not null", (label_nn.domain, None, (("s", "t", "l"),)))
    assert server.counted(label_nn, lambda t, kind, k: 2).hazards()[0].message.startswith(
        "2 value(s) in s.t.l violate NOT NULL of domain s.label")
    assert SetDomain(KEY, "", "default", label, label).counts() is None
