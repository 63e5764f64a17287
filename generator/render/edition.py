"""render for one edition of the server: `render --edition apache` writes a folder that psql can run on the Apache
edition of TimescaleDB (or `postgresql`: on PostgreSQL without TimescaleDB), offline.

The statements that need what the edition lacks are left out, with what depends on them (a view reading a
continuous aggregate carries the aggregate's feature: statements.Objects.view_feature), exactly as apply's
--skip-unsupported leaves them out on such a server; each file that lost statements says which, in a comment
before its BEGIN.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from schemagen import model as m
from schemagen import scripts as sc
from schemagen.render.assemble import render
from schemagen.render.text import finish

# edition -> the features it lacks; "community" (the default) has them all
EDITIONS: dict[str, frozenset[str]] = {
    "community": frozenset(),
    "apache": frozenset(m.COMMUNITY_FEATURES),
    "postgresql": frozenset({m.FEATURE_TIMESCALEDB, *m.COMMUNITY_FEATURES}),
}
WHY = {"apache": "they need TimescaleDB's community edition", "postgresql": "they need TimescaleDB"}


def render_for(model: m.Model, edition: str, *, database: str | None = None,
               orgs: Sequence[str] | None = None) -> list[sc.Script]:
    """The scripts render gives for the edition: without what it lacks, each file that lost statements noting
    them."""
    skip = EDITIONS[edition]
    scripts = render(model, database=database, orgs=orgs, skip_features=skip)
    if not skip:
        return scripts
    full = {s.relpath: s for s in render(model, database=database, orgs=orgs)}
    out = []
    for s in scripts:
        left = tuple(dict.fromkeys(st.object for st in full[s.relpath].statements if st.feature in skip))
        out.append(finish(dataclasses.replace(s, notes=_notes(edition, left))) if left else s)
    return out


def _notes(edition: str, left: tuple[str, ...]) -> tuple[str, ...]:
    return (f"Rendered for --edition {edition}: left out, as {WHY[edition]}:", *(f"  {o}" for o in left))
