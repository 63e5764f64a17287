"""render's text: a script's file, as written to out/ and checksummed by apply's history.

A file is four `--` header lines (the schemagen version, the model file, the database, the phase or org, and the
sha256 of the body: no timestamp, so rendering twice gives the same bytes), then the body: BEGIN, the prelude
(SET LOCAL settings), the transactional statements, COMMIT, then the statements refused inside a transaction.
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from schemagen import __version__
from schemagen import model as m
from schemagen import scripts as sc
from schemagen.errors import printable
from schemagen.render.outdir import HEADER_MARK
from schemagen.scripts import BY_NAME, rollback_number, search_path
from schemagen.sqltext import quote_ident


def prelude(db: m.Database | None) -> list[str]:
    """The settings each script pins right after BEGIN (SET LOCAL: they end with its transaction). apply runs
    these same statements at the start of each script's transaction. standard_conforming_strings = on: with it
    off (a database may set it) a backslash in a literal would escape the closing quote."""
    path = ", ".join(quote_ident(s) for s in search_path(db))
    return [f"SET LOCAL search_path = {path};", "SET LOCAL standard_conforming_strings = on;"]


def _header(script: sc.Script, body: str) -> str:
    """Four `--` comment lines, whatever the names hold: every text is escaped (a newline or CR in the model
    file's name would end the comment, and psql would run the rest: `\\! rm -rf ~`); validate refuses control
    characters in database names and org keys already, the file name is the user's."""
    digest = hashlib.sha256(body.encode()).hexdigest()
    what = f"org: {script.org}" if script.org else f"phase: {script.phase}"
    if script.rollback:
        what = f"rollback of {rollback_number(script.number):03d}_{script.phase}.sql ({what})"
    return (f"{HEADER_MARK}{__version__} from {printable(script.source)} — do not edit.\n"
            f"-- database: {printable(script.database)}\n-- {printable(what)}\n-- sha256: {digest}\n")


def _body(script: sc.Script) -> tuple[str, list[int]]:
    """The file body and, for each statement (in statement order), the line within the body where it starts."""
    chunks: list[str] = ["", *(printable(f"-- {n}") for n in script.notes), "BEGIN;", *script.prelude, ""]
    starts = [0] * len(script.statements)
    line = len(chunks)  # lines before the next chunk

    def add(*texts: str, statement: int | None = None) -> None:
        nonlocal line
        if statement is not None:
            starts[statement] = line + 1
        for text in texts:
            chunks.append(text)
            line += text.count("\n") + 1

    if not script.statements:
        phase = BY_NAME.get(script.phase)
        note = phase.undo if script.rollback and phase else None
        add(f"-- Nothing to do here: {note or 'every object of this phase is left out on this server'}.", "")
    for i, s in enumerate(script.statements):
        if s.transactional:
            add(s.sql, "", statement=i)
    add("COMMIT;")
    for i, s in enumerate(script.statements):  # refused inside a transaction block: run on their own, after COMMIT
        if not s.transactional:
            add("", "-- Runs outside the transaction: PostgreSQL refuses it inside one.")
            add(s.sql, statement=i)
    return "\n".join(chunks) + "\n", starts


def finish(script: sc.Script) -> sc.Script:
    """The script with its text and the line of each statement, from its statements, prelude and source."""
    body, starts = _body(script)
    header = _header(script, body)
    offset = header.count("\n")
    return dataclasses.replace(script, text=header + body, lines=tuple(offset + n for n in starts))


def _for(script: sc.Script, model: m.Model) -> sc.Script:
    """The script finished as render finishes it for this model (a script built by hand included)."""
    return finish(dataclasses.replace(script, prelude=tuple(prelude(model.database(script.database))),
                                      source=source(model)))


def source(model: m.Model) -> str:
    """The model file's name, as headers write it."""
    return Path(model.file).name


def script_text(script: sc.Script, model: m.Model) -> str:
    """The exact content of the script's file: header (with the body's sha256, no timestamp), then the body."""
    return _for(script, model).text


def statement_lines(script: sc.Script, model: m.Model) -> list[int]:
    """The line (1-based, in script_text) where each statement starts, in the order they run: the transactional
    ones in script order, then the others."""
    done = _for(script, model)
    pairs = list(zip(done.statements, done.lines))
    return [n for s, n in pairs if s.transactional] + [n for s, n in pairs if not s.transactional]
