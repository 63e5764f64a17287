"""`schemagen render`: the numbered init and rollback SQL files of the model, written into out/ or checked."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from schemagen import model as m
from schemagen import render as rendering
from schemagen import scripts as sc
from schemagen.commands import Say, silent
from schemagen.errors import printable


@dataclass
class Rendered:
    scripts: list[sc.Script]
    written: list[Path] = field(default_factory=list)  # empty for --check


def render(model: m.Model, out_dir: Path, *, database: str | None = None, orgs: Sequence[str] | None = None,
           check: bool = False, edition: str = "community", say: Say = silent) -> Rendered:
    """Render the scripts of the chosen database(s) and org(s) into out_dir/<database>/, or with check verify that
    out_dir holds exactly them (Difference, exit 1, listing the stale, missing and extra files). Only a full render
    (no database, no org) removes the files of a database the model no longer has. edition: "apache" leaves out
    what needs TimescaleDB's community edition, "postgresql" all of TimescaleDB (render.EDITIONS)."""
    scripts = rendering.render_for(model, edition, database=database, orgs=orgs or None)
    complete, all_databases = not orgs, not database and not orgs
    if check:
        rendering.check_out(scripts, out_dir, complete=complete, all_databases=all_databases)
        say(printable(f"{out_dir}: up to date"))
        return Rendered(scripts)
    written = rendering.write_out(scripts, out_dir, complete=complete, all_databases=all_databases)
    say(printable(f"{out_dir}: {len(written)} file(s) written"))
    return Rendered(scripts, written)
