"""The problem collector of one validation: every rule adds its problems here, at the object's file:line:column.

It also holds what one model's checks may cost: the parse budget of its SQL (sqlparse.Budget) and the budget of
its did-you-mean hints, so that nothing of one model's validation is left in module state for the next. A problem
of an org template repeats for every org: it is reported once, naming the first org and how many others it hits.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

from schemagen import model as m
from schemagen.document import Document, clip
from schemagen.errors import Problem, did_you_mean
from schemagen.sqlparse import Budget, TooMuchSql

R = TypeVar("R")


class Problems:
    """Collects problems; one per template problem however many orgs repeat it."""

    def __init__(self, model: m.Model, doc: Document | None):
        self.model = model
        self.problems: list[Problem] = []
        self.per_org: dict[tuple, list] = {}
        self.file = doc.file if doc else model.file
        self.doc = doc  # check_names walks it for control characters in names
        self.weight = 1  # how many orgs the object being checked stands for
        self.templates: dict[tuple, int] = {}  # (kind, schema, template) -> number of stamped copies
        self.checked: set[tuple] = set()
        self.flagged: set[tuple] = set()  # positions of org templates where the first org had a problem
        self.light = False  # checking a later org of a template: only what may differ per org
        self.overridden = {o.key for o in model.orgs if o.overrides}
        self.budget = Budget()  # the parse work of this model's SQL
        self.sql_exhausted = False
        self.hint_work = [0]  # did-you-mean comparisons of this model (errors.did_you_mean's budget)
        self.type_hints: OrderedDict[str, str | None] = OrderedDict()  # misspelt types' hints, latest used last

    def start_database(self, db: m.Database) -> None:
        """Count each template's copies in the database: its first org's problems stand for that many orgs."""
        self.checked.clear()
        self.templates = {}
        for obj in db.tables + db.views + db.continuous_aggregates:
            if obj.org is not None:
                key = (type(obj).__name__, obj.schema, obj.template)
                self.templates[key] = self.templates.get(key, 0) + 1

    def sql(self, check: Callable[..., R], text: str, source: m.Source) -> R | None:
        """check(text) charged to the model's parse budget, or None once the model's SQL has used it up
        (reported once, at the SQL that went over)."""
        if self.sql_exhausted:
            return None
        try:
            return check(text, self.budget)
        except TooMuchSql as e:
            self.sql_exhausted = True
            self.add(source, str(e))
            return None

    def hint(self, word: str, candidates) -> str | None:
        """The candidate closest to word, within the model's budget of hints."""
        return did_you_mean(word, candidates, work=self.hint_work)

    @contextmanager
    def once(self, obj, phase: str = "") -> Iterator[bool]:
        """Full rules for shared objects and for the first org of each template; a template's later orgs differ
        only in names (checked for each of them) and in SQL text (parsed for each), except that an org with
        overrides gets TimescaleDB's rules again (phase "timescaledb"). Keeps 5,000 orgs fast."""
        if obj.org is None:
            yield True
            return
        key = (type(obj).__name__, obj.schema, obj.template)
        first = (phase, key) not in self.checked
        self.checked.add((phase, key))
        again = not first and phase == "timescaledb" and obj.org in self.overridden
        # The first org's problems stand for every org of the template; a later org's repeat of one is not
        # counted again (weight 0), a problem only it has counts once.
        self.weight = self.templates.get(key, 1) if first else 0
        self.light = not (first or again)
        try:
            yield first or again
        finally:
            self.weight, self.light = 1, False

    def add(self, source: m.Source, message: str, org: str | None = None, rule: str | None = None) -> None:
        """A problem. For an org object, `rule` (or the message with the org key taken out) identifies it across
        orgs, so that it is reported once with the number of orgs it hits."""
        if org:
            where = (source.line, source.column, source.path)
            if self.light and where in self.flagged:
                return  # a later org repeating what its template's first org already showed here
            if self.weight:
                self.flagged.add(where)
            key = (*where, rule or _placeholder(org).sub("{org}", message))
            if key in self.per_org:
                self.per_org[key][1] += self.weight
                return
            self.per_org[key] = [len(self.problems), max(self.weight, 1), org]
        self.problems.append(Problem(source.file or self.file, source.line or 1, source.column or 1,
                                     clip(source.path), clip(message)))

    def finish(self) -> list[Problem]:
        """Every problem, in the order found; a template's names its first org and how many others it hits."""
        out = list(self.problems)
        for index, count, org in self.per_org.values():
            p = out[index]
            more = f"; and {count - 1} other org(s)" if count > 1 else ""
            out[index] = Problem(p.file, p.line, p.column, p.path, clip(f"{p.message} (org {org}{more})"))
        return out


@lru_cache(maxsize=64)
def _placeholder(org: str) -> re.Pattern:
    """The org key where it stands as a name part (`values_acme_x`), not inside a word (`t-a-ble` for key a)."""
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(org)}(?![A-Za-z0-9])")
