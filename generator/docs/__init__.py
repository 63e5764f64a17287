"""`schemagen docs`: one Markdown page per database of the model, with its Mermaid diagrams.

Reads only the model. `page` builds the page of one database (templates/docs/*.md.j2 through Jinja, every name
and expression through docs.text, every setting in words through docs.words, the diagrams by docs.mermaid, org
templates once by docs.orgs); `outdir` writes the pages or checks the committed ones.
"""
from __future__ import annotations

from schemagen.docs.outdir import check, write
from schemagen.docs.page import page, pages

__all__ = ["check", "page", "pages", "write"]
