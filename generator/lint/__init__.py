"""`schemagen lint`: advice on a valid model, each finding with a stable code, a severity and a one-line fix.

Validation (rules/) refuses what PostgreSQL or TimescaleDB would refuse or get silently wrong; lint points at what
they accept but a reviewer would question: a table without a primary key, a foreign key no index serves, a
`timestamp` without time zone, a unique constraint that NULLs slip through. One module per group of rules
(keys, indexes, columns, timescale), each rule a small function over the model (schemagen.model) yielding
findings at the object's file:line:column; `findings` holds the registry and the filters (--select, --ignore,
the model's `lint: {ignore: [...]}`); `plans` lints a plan's SQL with squawk. Reads the model only.
"""
from __future__ import annotations

from schemagen.lint import columns, indexes, keys, timescale  # noqa: F401  (importing them registers their rules)
from schemagen.lint.findings import RULES, Finding, Rule, lint, selected

__all__ = ["RULES", "Finding", "Rule", "lint", "selected"]
