"""The shape of the rules (issue 14): independent rule modules, budgets per validation rather than module state,
pglast only in sqlparse, one dependency-order function."""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from helpers import ROOT

from schemagen import order
from schemagen.errors import HINT_BUDGET, ModelError, did_you_mean
from schemagen.load import load_model_text
from schemagen.sqlparse import MAX_WORK, Budget, TooMuchSql, parse_expression, query_relations

PACKAGE = ROOT / "generator"
RULES = PACKAGE / "rules"


def _imports(path: Path) -> set[str]:
    """Every module a file imports (at any depth of its code)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


def test_rule_modules_never_import_each_other():
    rules = sorted(RULES.glob("check_*.py"))
    assert len(rules) >= 8
    names = {f"schemagen.rules.{p.stem}" for p in rules} | {"schemagen.rules.validate"}
    for path in rules:
        assert not _imports(path) & names, path.name


def test_helper_modules_import_no_rule_module():
    for stem in ("problems", "context", "types", "values", "expressions"):
        assert not any(i.startswith("schemagen.rules.check_") or i == "schemagen.rules.validate"
                       for i in _imports(RULES / f"{stem}.py")), stem


def test_the_rules_need_no_stage_and_no_server():
    forbidden = ("schemagen.modelfile", "schemagen.render", "schemagen.live", "schemagen.compare", "schemagen.cli",
                 "schemagen.load", "psycopg", "jinja2", "click", "pglast", "yaml", "jsonschema")
    for path in RULES.glob("*.py"):
        assert not [i for i in _imports(path) if i.startswith(forbidden)], path.name


def test_pglast_not_in_the_rules_or_the_order():
    for path in [*RULES.glob("*.py"), PACKAGE / "order.py", PACKAGE / "document.py", PACKAGE / "naming.py"]:
        assert not any(i.split(".")[0] == "pglast" for i in _imports(path)), path.name


def test_no_private_names_imported_across_modules():
    for path in [*RULES.glob("*.py"), PACKAGE / "order.py", PACKAGE / "sqlparse.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("schemagen"):
                assert not [a.name for a in node.names if a.name.startswith("_")], path.name


# --- budgets belong to one validation ------------------------------------------------------------------------

def test_a_budget_counts_only_what_is_charged_to_it():
    text = "1 + " * 50 + "2"
    budget = Budget()
    parse_expression(text + " + 7", budget)
    spent = budget.spent
    assert spent > 0
    parse_expression(text + " + 7", budget)  # cached by text: nothing more to parse
    assert budget.spent == spent
    parse_expression(text + " + 8")  # no budget: nothing counted anywhere
    assert budget.spent == spent


def test_a_budget_stops_at_its_limit():
    budget = Budget()
    budget.charge(MAX_WORK)
    with pytest.raises(TooMuchSql):
        parse_expression("'a long and distinct text that is not cached yet' || 'x'", budget)
    assert Budget().spent == 0  # a new validation starts from nothing


def test_one_models_budget_is_not_the_next_ones():
    """The pathological model uses up its budget; a sound model validated next is checked in full."""
    term = "f(a)+" * 12000
    columns = "".join(f"      c{i}: {{type: int, check: \"{term}{i} > 0\"}}\n" for i in range(60))
    text = "databases:\n  app:\n    schemas:\n      s:\n        tables:\n          t:\n            columns:\n" + \
        textwrap.indent(columns, "        ")
    with pytest.raises(ModelError) as caught:
        load_model_text(text)
    assert any("too large or complex to check" in p.message for p in caught.value.problems)
    with pytest.raises(ModelError) as caught:
        load_model_text("databases:\n  app:\n    schemas:\n      s:\n        tables:\n          t:\n"
                        "            columns: {a: {type: int, check: \"a >\"}}\n")
    assert [p.message for p in caught.value.problems] == [
        "the check t_a_check is not a valid SQL expression (syntax error at or near \")\"): 'a >'"]


def test_hints_count_against_the_callers_budget():
    work = [0]
    assert did_you_mean("integr", ["integer", "text"], work=work) == "integer"
    assert work == [2]
    work = [HINT_BUDGET]
    assert did_you_mean("intege", ["integer", "text", "bigint"], work=work) is None


# --- one dependency order ------------------------------------------------------------------------------------

def test_builder_orders_come_from_dependency_order():
    specs = [("c", {"source": "s.b"}), ("b", {"source": "a"}), ("a", {}), ("d", {"source": "other.a"})]
    assert [n for n, _ in order.sources_first("s", specs)] == ["a", "b", "c", "d"]
    assert order.sources_first("s", specs[:1]) == specs[:1]


def test_a_source_named_twice_is_the_last_of_the_name():
    class Cagg:
        def __init__(self, n, qname, source):
            self.n, self.qname, self.source_relation = n, qname, source

    caggs = [Cagg(0, "s.x", None), Cagg(1, "s.y", "s.x"), Cagg(2, "s.x", None)]
    assert [c.n for c in order.build_order_of_aggregates(caggs)] == [0, 2, 1]


def test_query_relations_in_visitor_order():
    assert query_relations("WITH w AS (SELECT 1) SELECT * FROM s.a JOIN b ON true, w") == [
        (None, "w"), ("s", "a"), (None, "b")]
    assert query_relations("SELECT FROM") == []
