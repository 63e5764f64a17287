"""Command line: parses arguments, calls the library, maps exceptions to exit codes in one place (`main`).

Exit codes: 0 ok, 1 difference (drift, stale out/, rollback refused), 2 usage or invalid model,
3 database error (refused statement, unreachable server, lock timeout, unsupported features), 130 interrupted.
stdout carries output (SQL, reports, JSON); messages go to stderr.
"""
from __future__ import annotations

import gc
import io
import sys
from pathlib import Path

import click

from schemagen import __version__
from schemagen.errors import DatabaseError, Difference, ExitCode, SchemagenError, UsageError, printable


class _Path(click.Path):
    """click.Path that refuses an empty value: Path("") is ".", the current folder (`-o ""` would write there)."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value:
            self.fail("is empty: give a path", param, ctx)
        return super().convert(value, param, ctx)


MODEL_OPTION = click.option(
    "-m", "--model", "model_path", default="model.yaml", show_default=True,
    type=_Path(dir_okay=False, path_type=Path), help="The model file.",
)
DATABASE_OPTION = click.option("--database", help="Which of the model's databases (required when it has several).")
ORG_OPTION = click.option("--org", "orgs", multiple=True, metavar="KEY", help="Only this org's objects (repeatable).")
DSN_OPTION = click.option(
    "--dsn", envvar="DATABASE_URL", show_envvar=True, metavar="DSN",
    help="libpq connection string or URI of the target database.",
)


# PostgreSQL's lock_timeout is an int of milliseconds: at most INT_MAX ms, just under 24.9 days. apply sets it
# from --lock-timeout, so a larger wait reaches the server as an invalid setting (or overflows int() at 1e308).
MAX_SECONDS = 2_147_483  # whole seconds below INT_MAX (2,147,483,647) ms


class _Seconds(click.ParamType):
    """A finite number of seconds from 0 to MAX_SECONDS (`nan`, `inf`, negative and larger waits are refused)."""

    name = "seconds"

    def convert(self, value, param, ctx):
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not 0 <= seconds <= MAX_SECONDS:  # false for nan too
            self.fail(f"{value!r}: give a finite number of seconds from 0 to {MAX_SECONDS:,} (PostgreSQL's "
                      "lock_timeout is at most 2,147,483,647 ms, about 24.8 days)", param, ctx)
        return seconds


SECONDS = _Seconds()
SKIP_OPTION = click.option(
    "--skip-unsupported", is_flag=True,
    help="Leave out what this server cannot do (e.g. compression on an Apache TimescaleDB) and report it.",
)


def _cache_dir() -> Path | None:
    """Where validated models are cached ($XDG_CACHE_HOME/schemagen, else ~/.cache/schemagen); None when
    SCHEMAGEN_NO_CACHE is set to anything but empty or 0."""
    import os

    if os.environ.get("SCHEMAGEN_NO_CACHE", "") not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "schemagen"


def _load(model_path: Path):
    from schemagen import modelcache

    model = modelcache.load(model_path, _cache_dir())
    # The model lives as long as the command and never changes: keep the cyclic GC from walking it again on
    # every collection (with 5,000 orgs that walking made rendering grow faster than the number of orgs).
    gc.freeze()
    return model


PLAN_OPTION = click.option("--plan", "plan_file", type=_Path(dir_okay=False, exists=True, path_type=Path),
                           metavar="FILE", help="Run exactly the steps of this plan file (schemagen plan -o).")
ALLOW_OPTION = click.option("--allow-hazards", "allow", metavar="KIND,...|all", default="",
                            help="With --plan: the hazard kinds the plan may hold (all: every one).")


def _hazards(text: str) -> frozenset[str]:
    from schemagen.plan.ops import HAZARD_KINDS

    kinds = frozenset(k.strip() for k in text.split(",") if k.strip())
    unknown = sorted(kinds - set(HAZARD_KINDS) - {"all"})
    if unknown:
        raise UsageError(f"--allow-hazards: unknown kind(s) {', '.join(unknown)}; known: "
                         f"{', '.join(sorted(HAZARD_KINDS))}, all")
    return kinds


def _need_dsn(dsn: str | None) -> str:
    if not dsn:
        raise UsageError("no database given: pass --dsn or set DATABASE_URL")
    return dsn


def _say(text: str) -> None:
    """What a command says while it works: to stderr, flushed, each name escaped (no ESC or BEL reaches a
    terminal), the lines of a report kept."""
    print(printable(text, keep="\n"), file=sys.stderr, flush=True)  # sys.stderr looked up late: tests swap it


def _note(text: str) -> None:
    """A command's closing line on stderr (validate, render), escaped."""
    click.echo(printable(text, keep="\n"), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="schemagen")
def cli() -> None:
    """Declarative schema-as-code for PostgreSQL and TimescaleDB."""


@cli.command()
@MODEL_OPTION
def validate(model_path: Path) -> None:
    """Check the model against the JSON Schema and the semantic rules; print every error as file:line:col."""
    from schemagen import modelcache
    from schemagen.commands import validate as validating

    known = modelcache.counts(model_path, _cache_dir())  # these exact bytes validated before: no need to load
    if known is not None:
        validating.valid(model_path, *known, say=_note)
        return
    validating.validate(_load(model_path), model_path, say=_note)


@cli.command()
@MODEL_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--select", metavar="CODES", help="Only these codes or prefixes, comma-separated (SG101,SG12).")
@click.option("--ignore", metavar="CODES", help="Not these codes or prefixes, comma-separated.")
@click.option("--plan", "plan_file", type=_Path(dir_okay=False, exists=True, path_type=Path), metavar="FILE",
              help="Lint this plan file's SQL with squawk instead of the model.")
@click.option("--plan-from", "old_path", type=_Path(dir_okay=False, path_type=Path), metavar="OLD_MODEL",
              help="Lint the SQL of the plan from OLD_MODEL to the model (as plan --from makes it) with squawk.")
@click.option("--database", help="Only this database of the model (with --plan-from: the one to plan, required "
              "when the models have several).")
@click.option("--list", "list_rules", is_flag=True, help="List the rules and exit.")
def lint(model_path, fmt, select, ignore, plan_file, old_path, database, list_rules) -> None:
    """Advice on the model (or a plan's SQL), as file:line:column: CODE message; exit 1 when an error remains."""
    from schemagen.commands import lint as linting

    if list_rules:
        click.echo(linting.rules(), nl=False)
        return
    if plan_file is not None and old_path is not None:
        raise UsageError("give --plan or --plan-from, not both")
    chosen = {"select": linting.codes(select, "--select"), "ignore": linting.codes(ignore, "--ignore")}
    model = _load(model_path)
    if plan_file is not None:
        result = linting.lint_plan_file(model, plan_file, **chosen)
    elif old_path is not None:
        result = linting.lint_plan_from(_load(old_path), model, old_path, database=database, **chosen)
    else:
        result = linting.lint_model(model, database=database, **chosen)
    click.echo(linting.report(result, fmt), nl=False)
    _note(f"{plan_file or (f'plan-from:{old_path}' if old_path else model_path)}: {result.message}")
    if result.errors:
        raise Difference(f"{result.errors} error-level finding(s)")


@cli.command()
def schema() -> None:
    """Print the model's JSON Schema (for editors)."""
    from schemagen.commands import validate as validating

    click.echo(validating.schema())


@cli.command()
@MODEL_OPTION
@click.option("-o", "--out", "out_dir", default="out", show_default=True, type=_Path(path_type=Path))
@DATABASE_OPTION
@ORG_OPTION
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing the files of out/ that are stale.")
@click.option("--edition", type=click.Choice(["community", "apache", "postgresql"]), default="community",
              show_default=True, help="The server the files are for: apache leaves out what needs TimescaleDB's "
              "community edition (compression, policies, continuous aggregates and what depends on them), "
              "postgresql all of TimescaleDB; each file that lost statements names them.")
def render(model_path: Path, out_dir: Path, database: str | None, orgs: tuple[str, ...], check: bool,
           edition: str) -> None:
    """Render numbered init and rollback SQL files into OUT/<database>/."""
    from schemagen.commands import render as rendering

    rendering.render(_load(model_path), out_dir, database=database, orgs=orgs or None, check=check,
                     edition=edition, say=_note)


@cli.command()
@MODEL_OPTION
@click.option("-o", "--out", "out_dir", default="docs/schema", show_default=True, type=_Path(path_type=Path))
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing the pages that are stale.")
def docs(model_path: Path, out_dir: Path, check: bool) -> None:
    """Write a Markdown page per database (with Mermaid diagrams) into OUT/<database>.md."""
    from schemagen.commands import docs as documenting

    documenting.docs(_load(model_path), out_dir, check=check, say=_note)


@cli.command()
@DSN_OPTION
@MODEL_OPTION
@DATABASE_OPTION
@ORG_OPTION
@click.option("--dry-run", is_flag=True, help="Change nothing; list the scripts that are new, changed or unchanged.")
@click.option("--lock-timeout", default=60.0, show_default=True, type=SECONDS, metavar="S",
              help="Seconds to wait for another apply or rollback to finish.")
@SKIP_OPTION
@click.option("--adopt", is_flag=True, help="Record existing objects of the model's names that schemagen did not "
              "create as schemagen's (instead of refusing); their differences are then drift.")
@PLAN_OPTION
@ALLOW_OPTION
@click.option("--from", "old_path", type=_Path(dir_okay=False, path_type=Path), metavar="OLD_MODEL",
              help="With --plan of a plan made offline: the model it starts from (checked: no drift against it).")
def apply(dsn, model_path, database, orgs, dry_run, lock_timeout, skip_unsupported, adopt, plan_file, allow,
          old_path) -> None:
    """Run the init scripts on a live database, each in its own transaction, recording them in a history table;
    or, with --plan, exactly the steps of a plan file."""
    from schemagen.commands import apply as applying

    if plan_file is not None:
        from schemagen.commands import planrun

        result = planrun.apply_plan(_need_dsn(dsn), _load(model_path), plan_file, allow=_hazards(allow),
                                    old=_load(old_path) if old_path else None, lock_timeout=lock_timeout,
                                    skip_unsupported=skip_unsupported, say=_say)
        _say(f"{result.database}: {result.run} step(s) run, {result.done_before} done before")
        if result.changes:
            raise Difference(result.message + "; schemagen diff lists them")
        return
    applying.apply(
        _need_dsn(dsn), _load(model_path), database=database, orgs=orgs or None, dry_run=dry_run,
        lock_timeout=lock_timeout, skip_unsupported=skip_unsupported, adopt=adopt, say=_say,
    )


@cli.command()
@DSN_OPTION
@MODEL_OPTION
@DATABASE_OPTION
@ORG_OPTION
@click.option("--yes", is_flag=True, help="Drop tables even when they hold rows.")
@click.option("--lock-timeout", default=60.0, show_default=True, type=SECONDS, metavar="S")
@PLAN_OPTION
@ALLOW_OPTION
def rollback(dsn, model_path, database, orgs, yes, lock_timeout, plan_file, allow) -> None:
    """Run the rollback scripts: remove what the model created (one org with --org); or, with --plan, the
    rollback steps of a plan file that was applied."""
    from schemagen.commands import apply as applying

    if plan_file is not None:
        from schemagen.commands import planrun

        result = planrun.rollback_plan(_need_dsn(dsn), _load(model_path), plan_file, allow=_hazards(allow),
                                       lock_timeout=lock_timeout, say=_say)
        _say(f"{result.database}: {result.run} rollback step(s) run, {result.done_before} done before")
        if not result.back:
            raise Difference(f"database {result.database}: not in the state the plan started from after its "
                             "rollback (an irreversible step, or changes made meanwhile)")
        return
    applying.rollback(
        _need_dsn(dsn), _load(model_path), database=database, orgs=orgs or None, yes=yes, lock_timeout=lock_timeout,
        say=_say,
    )


@cli.command()
@DSN_OPTION
@MODEL_OPTION
@DATABASE_OPTION
@ORG_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@SKIP_OPTION
@click.option("--targets", "targets_path", type=_Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Check every database this file lists (name, database, dsn or dsn_env, timeout), in parallel, in "
                   "one report; exit 1 if any drifted, 3 if any could not be checked.")
@click.option("--jobs", default=4, show_default=True, type=click.IntRange(1, 64), metavar="N",
              help="With --targets: at most N targets checked at once.")
@click.pass_context
def diff(ctx, dsn, model_path, database, orgs, fmt, skip_unsupported, targets_path, jobs) -> None:
    """Compare a live database (or, with --targets, many) with the model; exit 1 on drift."""
    from schemagen.commands import drift

    if targets_path is not None:
        if ctx.get_parameter_source("dsn") == click.core.ParameterSource.COMMANDLINE:
            raise UsageError("--dsn and --targets exclude each other: the targets file names every database")
        _fleet(model_path, targets_path, database, orgs, fmt, skip_unsupported, jobs)
        return
    result = drift.diff(
        _need_dsn(dsn), _load(model_path), database=database, orgs=orgs or None, skip_unsupported=skip_unsupported,
        say=lambda text: click.echo(printable(text), err=True),
    )
    click.echo(drift.report(result, fmt))
    if result.changes:
        raise Difference(result.message)


def _fleet(model_path: Path, targets_path: Path, database, orgs, fmt: str, skip_unsupported: bool, jobs: int) -> None:
    import os

    from schemagen.commands import fleet, silent
    from schemagen.modelfile.targets import read_targets

    model = _load(model_path)
    targets = read_targets(targets_path, databases=[d.name for d in model.databases])
    say = _say if sys.stderr.isatty() else silent  # progress for a person watching, not for a CI log
    result = fleet.check(targets, model, env=os.environ, jobs=jobs, database=database, orgs=orgs or None,
                         skip_unsupported=skip_unsupported, say=say)
    click.echo(fleet.report(result, fmt))
    if result.exit_code == ExitCode.DATABASE:
        raise DatabaseError(result.message + ": some targets could not be checked")
    if result.exit_code == ExitCode.DIFFERENCE:
        raise Difference(result.message)


@cli.command(name="import")
@DSN_OPTION
@click.option("--database", help="The model database's name (default: the DSN's database).")
@click.option("--schemas", metavar="S1,S2", help="Only these schemas (default: every user schema).")
@click.option("--orgs", "orgs", type=click.Choice(["auto", "none"]), default="auto", show_default=True,
              help="Recognise org tables (values_acme, values_demo) as one {org} template and an orgs list.")
@click.option("-o", "--output", "out_file", default="model.yaml", show_default=True, metavar="FILE",
              help="The model file to write; - for stdout.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--seed-rows", "seed_rows", type=int, default=100, show_default=True, metavar="N",
              help="Write the rows of lookup tables (shared, referenced by a foreign key) holding at most N rows "
                   "as seed rows; 0: none.")
def import_(dsn, database, schemas, orgs, out_file, force, seed_rows) -> None:
    """Write a model of a live database; exit 1 when the written model does not validate."""
    from schemagen.commands import importdb

    out = None if out_file == "-" else Path(out_file)
    if out is not None and not out_file:
        raise UsageError("-o is empty: give a path")
    wanted = [s.strip() for s in schemas.split(",") if s.strip()] if schemas else None
    result = importdb.import_database(_need_dsn(dsn), out, database=database, schemas=wanted, orgs=orgs,
                                      force=force, seed_rows=seed_rows, say=_say)
    if out is None:
        click.echo(result.text, nl=False)
    if result.problems:
        raise Difference("the imported model does not validate (a bug of schemagen import):\n"
                         + "\n".join(result.problems))


@cli.command()
@DSN_OPTION
@click.option("--from", "old_path", type=_Path(dir_okay=False, path_type=Path), metavar="OLD_MODEL",
              help="Plan offline, from this model file to the current one (no database).")
@MODEL_OPTION
@DATABASE_OPTION
@ORG_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "sql", "json"]), default="text", show_default=True)
@click.option("-o", "--output", "out_file", type=_Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the plan to FILE instead of stdout (with --format json: the plan file).")
@SKIP_OPTION
def plan(dsn, old_path, model_path, database, orgs, fmt, out_file, skip_unsupported) -> None:
    """Plan the steps (and their rollback) that take the live database, or one built from OLD_MODEL, to the
    model; exit 1 when there are any."""
    from schemagen.commands import plan as planning

    new = _load(model_path)
    if old_path is not None:
        result = planning.plan_offline(_load(old_path), new, database=database)
    else:
        result = planning.plan_live(_need_dsn(dsn), new, database=database, orgs=orgs or None,
                                    skip_unsupported=skip_unsupported,
                                    say=lambda text: click.echo(printable(text), err=True))
    text = planning.output(result, new, fmt)
    if out_file is not None:
        planning.write(out_file, text)
    else:
        click.echo(text, nl=False)
    if not result.empty:
        raise Difference(result.message)



@cli.command()
@click.option("--dsn", envvar="DATABASE_URL", show_envvar=True, metavar="SERVER_DSN",
              help="A server to verify on: any database of it (usually postgres); verify creates its own.")
@MODEL_OPTION
@click.option("--database", help="Which of the model's databases (default: each in turn, one throwaway each).")
@SKIP_OPTION
@click.option("--lock-timeout", default=60.0, show_default=True, type=SECONDS, metavar="S")
def verify(dsn, model_path, database, skip_unsupported, lock_timeout) -> None:
    """In a throwaway database: apply, no drift, apply again (nothing), plan (nothing), roll back, catalog as
    before; the database is dropped, also on failure or Ctrl-C."""
    import signal
    import threading

    from schemagen.commands import verify as verifying

    model = _load(model_path)
    # CI cancels a job with SIGINT, then SIGTERM (some runners SIGHUP): each treated as Ctrl-C, so that the
    # throwaway database is dropped
    main_thread = threading.current_thread() is threading.main_thread()  # signal handlers live there only
    previous = {n: signal.signal(n, _terminate) for n in (signal.SIGTERM, signal.SIGHUP)} if main_thread else {}
    try:
        verifying.verify(_need_dsn(dsn), model, database=database, skip_unsupported=skip_unsupported,
                         lock_timeout=lock_timeout, say=_say)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
