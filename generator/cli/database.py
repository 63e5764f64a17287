"""The commands that talk to a server: apply, rollback, diff (one database or a fleet), import, plan, verify."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from schemagen.cli.base import (
    ALLOW_OPTION,
    DATABASE_OPTION,
    DSN_OPTION,
    MODEL_OPTION,
    ORG_OPTION,
    PLAN_OPTION,
    SECONDS,
    SKIP_OPTION,
    PathType,
    cli,
    hazard_kinds,
    load_model,
    need_dsn,
    say,
    tell,
)
from schemagen.errors import DatabaseError, Difference, ExitCode, UsageError


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
@click.option("--from", "old_path", type=PathType(dir_okay=False, path_type=Path), metavar="OLD_MODEL",
              help="With --plan of a plan made offline: the model it starts from (checked: no drift against it).")
def apply(dsn, model_path, database, orgs, dry_run, lock_timeout, skip_unsupported, adopt, plan_file, allow,
          old_path) -> None:
    """Run the init scripts on a live database, each in its own transaction, recording them in a history table;
    or, with --plan, exactly the steps of a plan file."""
    from schemagen.commands import apply as applying

    if plan_file is not None:
        from schemagen.commands import planrun

        result = planrun.apply_plan(need_dsn(dsn), load_model(model_path), plan_file, allow=hazard_kinds(allow),
                                    old=load_model(old_path) if old_path else None, lock_timeout=lock_timeout,
                                    skip_unsupported=skip_unsupported, say=say)
        say(f"{result.database}: {result.run} step(s) run, {result.done_before} done before")
        if result.changes:
            raise Difference(result.message + "; schemagen diff lists them")
        return
    applying.apply(
        need_dsn(dsn), load_model(model_path), database=database, orgs=orgs or None, dry_run=dry_run,
        lock_timeout=lock_timeout, skip_unsupported=skip_unsupported, adopt=adopt, say=say,
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

        result = planrun.rollback_plan(need_dsn(dsn), load_model(model_path), plan_file, allow=hazard_kinds(allow),
                                       lock_timeout=lock_timeout, say=say)
        say(f"{result.database}: {result.run} rollback step(s) run, {result.done_before} done before")
        if not result.back:
            raise Difference(f"database {result.database}: not in the state the plan started from after its "
                             "rollback (an irreversible step, or changes made meanwhile)")
        return
    applying.rollback(
        need_dsn(dsn), load_model(model_path), database=database, orgs=orgs or None, yes=yes, lock_timeout=lock_timeout,
        say=say,
    )


@cli.command()
@DSN_OPTION
@MODEL_OPTION
@DATABASE_OPTION
@ORG_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@SKIP_OPTION
@click.option("--targets", "targets_path", type=PathType(dir_okay=False, path_type=Path), metavar="FILE",
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
        need_dsn(dsn), load_model(model_path), database=database, orgs=orgs or None, skip_unsupported=skip_unsupported,
        say=tell,
    )
    click.echo(drift.report(result, fmt))
    if result.changes:
        raise Difference(result.message)


def _fleet(model_path: Path, targets_path: Path, database, orgs, fmt: str, skip_unsupported: bool, jobs: int) -> None:
    import os

    from schemagen.commands import fleet, silent
    from schemagen.modelfile.targets import read_targets

    model = load_model(model_path)
    targets = read_targets(targets_path, databases=[d.name for d in model.databases])
    progress = say if sys.stderr.isatty() else silent  # progress for a person watching, not for a CI log
    result = fleet.check(targets, model, env=os.environ, jobs=jobs, database=database, orgs=orgs or None,
                         skip_unsupported=skip_unsupported, say=progress)
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
    result = importdb.import_database(need_dsn(dsn), out, database=database, schemas=wanted, orgs=orgs,
                                      force=force, seed_rows=seed_rows, say=say)
    if out is None:
        click.echo(result.text, nl=False)
    if result.problems:
        raise Difference("the imported model does not validate (a bug of schemagen import):\n"
                         + "\n".join(result.problems))


@cli.command()
@DSN_OPTION
@click.option("--from", "old_path", type=PathType(dir_okay=False, path_type=Path), metavar="OLD_MODEL",
              help="Plan offline, from this model file to the current one (no database).")
@MODEL_OPTION
@DATABASE_OPTION
@ORG_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "sql", "json"]), default="text", show_default=True)
@click.option("-o", "--output", "out_file", type=PathType(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the plan to FILE instead of stdout (with --format json: the plan file).")
@SKIP_OPTION
def plan(dsn, old_path, model_path, database, orgs, fmt, out_file, skip_unsupported) -> None:
    """Plan the steps (and their rollback) that take the live database, or one built from OLD_MODEL, to the
    model; exit 1 when there are any."""
    from schemagen.commands import plan as planning

    new = load_model(model_path)
    if old_path is not None:
        result = planning.plan_offline(load_model(old_path), new, database=database)
    else:
        result = planning.plan_live(need_dsn(dsn), new, database=database, orgs=orgs or None,
                                    skip_unsupported=skip_unsupported,
                                    say=tell)
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

    model = load_model(model_path)
    # CI cancels a job with SIGINT, then SIGTERM (some runners SIGHUP): each treated as Ctrl-C, so that the
    # throwaway database is dropped
    main_thread = threading.current_thread() is threading.main_thread()  # signal handlers live there only
    previous = {n: signal.signal(n, _terminate) for n in (signal.SIGTERM, signal.SIGHUP)} if main_thread else {}
    try:
        verifying.verify(need_dsn(dsn), model, database=database, skip_unsupported=skip_unsupported,
                         lock_timeout=lock_timeout, say=say)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt
