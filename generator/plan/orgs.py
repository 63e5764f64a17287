"""Operations on orgs: a new org is its onboarding, an org removed from the model its off-boarding.

Onboarding runs the org's init script as `render` writes it (900_org_<key>.sql: its tables, hypertables, indexes,
policies, ... and its registry row); off-boarding runs the org's rollback script of the model it is removed from
(rollback/100_org_<key>.sql), which drops every object of the org with its rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from schemagen import model as m
from schemagen import render
from schemagen.plan.ops import DATA_LOSS, IRREVERSIBLE, Hazard, Op


def org_statements(model: m.Model, database: str, org: str, only: str,
                   skip: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The statements of the org's init (only="init") or rollback (only="rollback") script, less those of the
    features skipped (--skip-unsupported)."""
    scripts = render.render(model, database=database, orgs=[org], only=only, skip_features=skip)
    return tuple(s.sql for script in scripts for s in script.statements)


@dataclass(frozen=True)
class Onboard(Op):
    op: ClassVar[str] = "onboard_org"
    rank: ClassVar[int] = 90  # last: an org's objects use the shared ones
    model: m.Model  # the model the org is in
    database: str
    skip: frozenset[str] = frozenset()  # features left out (--skip-unsupported)

    def statements(self) -> tuple[str, ...]:
        return org_statements(self.model, self.database, self.org, "init", self.skip)

    def reverse(self) -> tuple[Op, ...]:
        return (Offboard(self.key, self.org, self.model, self.database, self.skip),)

    def describe(self) -> str:
        return f"onboard org {self.org} (its init script, 900_org_{self.org}.sql)"

    def order(self) -> tuple:
        return (0, self.org)


@dataclass(frozen=True)
class Offboard(Op):
    op: ClassVar[str] = "offboard_org"
    rank: ClassVar[int] = 10  # first: its objects may reference shared ones that later steps drop
    model: m.Model  # the model the org was in
    database: str
    skip: frozenset[str] = frozenset()

    def statements(self) -> tuple[str, ...]:
        return org_statements(self.model, self.database, self.org, "rollback", self.skip)

    def hazards(self) -> tuple[Hazard, ...]:
        return (Hazard(DATA_LOSS, f"every object of org {self.org} is dropped with its rows, and its registry row "
                                  "deleted"),
                Hazard(IRREVERSIBLE, f"the rollback onboards org {self.org} again, empty: its rows are gone"))

    def reverse(self) -> tuple[Op, ...]:
        return (Onboard(self.key, self.org, self.model, self.database, self.skip),)

    def describe(self) -> str:
        return f"off-board org {self.org} (its rollback script, rollback/100_org_{self.org}.sql)"

    def order(self) -> tuple:
        return (0, self.org)
