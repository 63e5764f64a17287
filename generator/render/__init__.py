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

from importlib import import_module

from schemagen import __version__

# Each name from the submodule that defines it, imported on first use: the drift check needs only the prelude and
# the search_path (render.text, scripts), not Jinja and the statement builders (render.statements: ~40 ms).
_WHERE = {
    "leave_out": "schemagen.render.assemble", "render": "schemagen.render.assemble",
    "shared": "schemagen.render.assemble", "EDITIONS": "schemagen.render.edition",
    "render_for": "schemagen.render.edition", "environment": "schemagen.render.jinja",
    "macros": "schemagen.render.jinja", "sql": "schemagen.render.jinja", "HEADER_MARK": "schemagen.render.outdir",
    "check_out": "schemagen.render.outdir", "write_out": "schemagen.render.outdir",
    "PUBLIC_COMMENT": "schemagen.render.statements", "finish": "schemagen.render.text",
    "prelude": "schemagen.render.text", "script_text": "schemagen.render.text",
    "statement_lines": "schemagen.render.text", "ORG_NUMBER": "schemagen.scripts", "PHASES": "schemagen.scripts",
    "Phase": "schemagen.scripts", "extension_schema": "schemagen.scripts", "search_path": "schemagen.scripts",
    "dollar_quote": "schemagen.sqltext",
}


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "EDITIONS", "render_for",
    "HEADER_MARK", "ORG_NUMBER", "PHASES", "PUBLIC_COMMENT", "Phase", "__version__", "check_out", "dollar_quote",
    "environment", "extension_schema", "finish", "leave_out", "macros", "prelude", "render", "script_text",
    "search_path", "shared", "sql", "statement_lines", "write_out",
]
