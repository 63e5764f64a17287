"""`schemagen docs`: a Markdown page per database of the model (with its Mermaid diagrams), written into a folder
or checked against the committed pages."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from schemagen import docs as documenting
from schemagen import model as m
from schemagen.commands import Say, silent
from schemagen.errors import printable


@dataclass
class Documented:
    pages: dict[str, str]  # file name -> Markdown
    written: list[Path] = field(default_factory=list)  # empty for --check


def docs(model: m.Model, out_dir: Path, *, check: bool = False, say: Say = silent) -> Documented:
    """Write out_dir/<database>.md for every database (deleting the pages of databases the model no longer has),
    or with check verify that out_dir holds exactly them (Difference, exit 1, listing the stale, missing and extra
    pages)."""
    pages = documenting.pages(model)
    if check:
        documenting.check(pages, out_dir)
        say(printable(f"{out_dir}: up to date"))
        return Documented(pages)
    written = documenting.write(pages, out_dir)
    say(printable(f"{out_dir}: {len(written)} page(s) written"))
    return Documented(pages, written)
