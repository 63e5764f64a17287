"""Command line: parses arguments, calls the library, maps exceptions to exit codes in one place (`main`).

Exit codes: 0 ok, 1 difference (drift, stale out/, rollback refused), 2 usage or invalid model,
3 database error (refused statement, unreachable server, lock timeout, unsupported features), 130 interrupted.
stdout carries output (SQL, reports, JSON); messages go to stderr. The commands live in cli.offline (no
database) and cli.database; what they share (options, the model loader, stderr) in cli.base.
"""
from __future__ import annotations

import gc
import io
import sys

import click

from schemagen.cli import database, offline  # noqa: F401  (each registers its commands with the group)
from schemagen.cli.base import cli
from schemagen.errors import ExitCode, SchemagenError, printable

__all__ = ["cli", "main"]


# Ctrl-C outside a script's statements (the pre-flight, the wait for the lock, the drift check): whatever ran in a
# transaction was rolled back by psycopg (it cancels the running query first) and the session lock goes with the
# connection. A script interrupted mid-way says so itself (errors.Interrupted, naming the script).
INTERRUPTED = "interrupted (Ctrl-C): no script was left half-done; run the command again to carry on"


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning every known error into its message and exit code, never a traceback."""
    try:
        cli.main(args=argv, prog_name="schemagen", standalone_mode=False)
    except SchemagenError as e:
        # names (the model's, and the live database's, which any role can create) reach a terminal escaped:
        # ESC and BEL could recolour, retitle or rewrite what the user reads (a model's problems are escaped already)
        click.echo(str(e) if hasattr(e, "problems") else printable(f"error: {e}", keep="\n"), err=True)
        return int(e.exit_code)
    except click.exceptions.Abort as e:  # click turns Ctrl-C (KeyboardInterrupt) and EOF into Abort
        if isinstance(e.__context__, KeyboardInterrupt):
            click.echo(f"error: {INTERRUPTED}", err=True)
            return int(ExitCode.INTERRUPTED)
        click.echo("aborted", err=True)
        return int(ExitCode.INVALID)
    except click.ClickException as e:  # usage errors: bad option, missing file (its name, escaped)
        shown = io.StringIO()
        e.show(file=shown)
        click.echo(printable(shown.getvalue(), keep="\n"), err=True, nl=False)
        return int(ExitCode.INVALID)
    except KeyboardInterrupt:
        click.echo(f"error: {INTERRUPTED}", err=True)
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:  # `schemagen diff | head`: the reader left; nothing more to say
        sys.stderr.close()
        return int(ExitCode.OK)
    finally:
        gc.unfreeze()  # what _load froze lives as long as this command, not as long as a caller's process
    return int(ExitCode.OK)

