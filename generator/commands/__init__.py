"""Commands: one orchestration function per CLI command (validate, schema, render, apply, rollback; diff in
drift.py). Each takes plain values, reports progress through a `say` callback (the CLI prints it, escaped, to
stderr), returns a result and raises schemagen.errors for failures; none prints, reads the environment or exits
(cli/ does). They are where rendering meets the server: live/ never imports render, rules, compare or modelfile.
"""
from __future__ import annotations

from collections.abc import Callable

Say = Callable[[str], None]


def silent(text: str) -> None:
    """The `say` of a caller that wants no progress."""
