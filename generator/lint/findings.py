"""Findings, the registry of rules, and which findings are kept: --select, --ignore, the model's `lint:` settings.

A rule is a function (Scope) -> findings, registered with its code, severity, name and fix by `@rule`. Codes are
stable: a code is never reused for another rule. An org template is linted once, at its first org's copy, and
named by its template (`core.values_{org}`): its finding would be the same for every org.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from schemagen import model as m
from schemagen.errors import printable
from schemagen.sqltext import qualified

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """One piece of advice, located in the model file (or, for a plan, at its step)."""

    code: str
    severity: str
    file: str
    line: int
    column: int
    path: str  # the dotted path of the object in the model, for ignores; a plan step's "steps[2]"
    object: str  # what it is about: `core.site`, `core.site.name`, `index core.ix_site_name`
    message: str
    fix: str

    def __str__(self) -> str:
        return printable(f"{self.file}:{self.line}:{self.column}: {self.code} {self.message} (fix: {self.fix})")

    def as_json(self) -> dict:
        return {"code": self.code, "severity": self.severity, "file": self.file, "line": self.line,
                "column": self.column, "object": self.object, "message": self.message, "fix": self.fix}


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    name: str
    fix: str
    check: Callable[[Scope], Iterable[tuple[m.Source, str, str]]]


RULES: dict[str, Rule] = {}


def rule(code: str, severity: str, name: str, fix: str):
    """Register a rule: a function (Scope) -> (source, object, message) for each finding."""
    assert severity in SEVERITIES and code not in RULES

    def register(check):
        RULES[code] = Rule(code, severity, name, fix, check)
        return check

    return register


class Scope:
    """One database of the model, as the rules read it: its tables (an org template once), aggregates, types."""

    def __init__(self, model: m.Model, db: m.Database):
        self.model, self.db = model, db
        self.tables = tuple(_first_of_each_template(db.tables))
        self.caggs = tuple(_first_of_each_template(db.continuous_aggregates))
        self.by_qname = {t.qname: t for t in db.tables}
        self.caggs_by_qname = {c.qname: c for c in db.continuous_aggregates}
        self.enums = {t.qname for t in db.types if t.kind == "enum"}


def _first_of_each_template(objects):
    seen = set()
    for obj in objects:
        if obj.org is not None:
            if (obj.schema, obj.template) in seen:
                continue
            seen.add((obj.schema, obj.template))
        yield obj


def name_of(obj) -> str:
    """A table's or aggregate's name as the model writes it: an org template by its template."""
    if obj.org is None or not obj.template:
        return qualified(obj.schema, obj.name)
    probe = qualified(obj.schema, obj.template.replace("{org}", "org"))  # quoted as the stamped names are
    return probe.replace(obj.template.replace("{org}", "org"), obj.template)


def lint(model: m.Model, database: str | None = None) -> list[Finding]:
    """Every finding of every rule on the model (one database of it when named), before any filter, in file
    order."""
    out: list[Finding] = []
    for db in model.databases:
        if database is not None and db.name != database:
            continue
        scope = Scope(model, db)
        for r in RULES.values():
            for source, obj, message in r.check(scope):
                out.append(Finding(r.code, r.severity, source.file or model.file, source.line or 1,
                                   source.column or 1, source.path, obj, message, r.fix))
    out += _unknown_codes(model)
    return sorted(dict.fromkeys(out), key=lambda f: (f.file, f.line, f.column, f.code, f.message))


UNKNOWN_CODE = "SG100"


def _unknown_codes(model: m.Model) -> Iterator[Finding]:
    """A `lint: {ignore: [...]}` naming no rule ignores nothing: most likely a typo."""
    file = model.databases[0].source.file if model.databases else ""
    for path, codes, line, column in model.lint_ignores:
        for code in codes:
            if not known(code):
                yield Finding(UNKNOWN_CODE, "warning", file or model.file, line, column, path, path or "model",
                              f"lint ignore {code!r} at {path or 'the top level'} names no rule",
                              "write a code that `schemagen lint --list` shows, or a prefix of one")


def known(code: str) -> bool:
    """A code or prefix that names at least one rule (squawk's rules are names squawk decides)."""
    if code == "squawk" or code.startswith("squawk:") or code == UNKNOWN_CODE:
        return True
    return any(c.startswith(code) for c in RULES)


def matches(code: str, patterns: Iterable[str]) -> bool:
    """code is one of the codes, or starts with one of the prefixes (`SG1`, `squawk`)."""
    return any(code == p or code.startswith(p) for p in patterns)


def ignored_in_model(f: Finding, settings: tuple[tuple[str, tuple[str, ...], int, int], ...]) -> bool:
    """The model's `lint: {ignore: [...]}` on the finding's object or on one around it ("" is the whole model)."""
    return any(matches(f.code, codes) and _within(f.path, path) for path, codes, _, _ in settings)


def _within(path: str, outer: str) -> bool:
    return not outer or path == outer or path.startswith(outer) and path[len(outer)] in ".["


def selected(found: list[Finding], model: m.Model, select: tuple[str, ...] = (),
             ignore: tuple[str, ...] = ()) -> list[Finding]:
    """The findings kept: of the codes selected (all when none), not ignored on the command line or in the model."""
    return [f for f in found if (not select or matches(f.code, select)) and not matches(f.code, ignore)
            and not ignored_in_model(f, model.lint_ignores)]
