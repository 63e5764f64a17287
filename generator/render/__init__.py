"""Stage 3, render: Model -> numbered init and rollback scripts, through one Jinja template per object kind.

Python decides what is created and in which order (scripts.PHASES: the phase list; order.py: the dependency order
of tables, aggregates and views inside a phase); the templates hold only SQL, one statement per macro, so statements
are separated by construction and SQL is never split on `;` or blank lines. Every identifier passes through
sqltext's quoting (the `ident`/`idents`/`qname` filters), every literal through `literal`, every body through
`dollar`. Each Script comes out with its file text and the line of each statement (Script.text, Script.lines),
which apply runs and records.

The modules: jinja (the environment, its filters, `sql`), statements (per object kind and per phase), assemble
(the scripts of a database: `render`, `shared`, `leave_out`), text (headers, bodies, the prelude), outdir (out/,
never through a symbolic link).
"""
from __future__ import annotations

from schemagen import __version__
from schemagen.render.assemble import leave_out, render, shared
from schemagen.render.edition import EDITIONS, render_for
from schemagen.render.jinja import environment, macros, sql
from schemagen.render.outdir import HEADER_MARK, check_out, write_out
from schemagen.render.statements import PUBLIC_COMMENT
from schemagen.render.text import finish, prelude, script_text, statement_lines
from schemagen.scripts import ORG_NUMBER, PHASES, Phase, extension_schema, search_path
from schemagen.sqltext import dollar_quote

__all__ = [
    "EDITIONS", "render_for",
    "HEADER_MARK", "ORG_NUMBER", "PHASES", "PUBLIC_COMMENT", "Phase", "__version__", "check_out", "dollar_quote",
    "environment", "extension_schema", "finish", "leave_out", "macros", "prelude", "render", "script_text",
    "search_path", "shared", "sql", "statement_lines", "write_out",
]
