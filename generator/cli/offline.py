"""The commands that need no database: validate, lint, schema, render, docs."""
from __future__ import annotations

from pathlib import Path

import click

from schemagen.cli.base import DATABASE_OPTION, MODEL_OPTION, ORG_OPTION, PathType, cache_dir, cli, load_model, note
from schemagen.errors import Difference, UsageError


@cli.command()
@MODEL_OPTION
def validate(model_path: Path) -> None:
    """Check the model against the JSON Schema and the semantic rules; print every error as file:line:col."""
    from schemagen import modelcache
    from schemagen.commands import validate as validating

    known = modelcache.counts(model_path, cache_dir())  # these exact bytes validated before: no need to load
    if known is not None:
        validating.valid(model_path, *known, say=note)
        return
    validating.validate(load_model(model_path), model_path, say=note)


@cli.command()
@MODEL_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--select", metavar="CODES", help="Only these codes or prefixes, comma-separated (SG101,SG12).")
@click.option("--ignore", metavar="CODES", help="Not these codes or prefixes, comma-separated.")
@click.option("--plan", "plan_file", type=PathType(dir_okay=False, exists=True, path_type=Path), metavar="FILE",
              help="Lint this plan file's SQL with squawk instead of the model.")
@click.option("--plan-from", "old_path", type=PathType(dir_okay=False, path_type=Path), metavar="OLD_MODEL",
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
    model = load_model(model_path)
    if plan_file is not None:
        result = linting.lint_plan_file(model, plan_file, **chosen)
    elif old_path is not None:
        result = linting.lint_plan_from(load_model(old_path), model, old_path, database=database, **chosen)
    else:
        result = linting.lint_model(model, database=database, **chosen)
    click.echo(linting.report(result, fmt), nl=False)
    note(f"{plan_file or (f'plan-from:{old_path}' if old_path else model_path)}: {result.message}")
    if result.errors:
        raise Difference(f"{result.errors} error-level finding(s)")


@cli.command()
def schema() -> None:
    """Print the model's JSON Schema (for editors)."""
    from schemagen.commands import validate as validating

    click.echo(validating.schema())


@cli.command()
@MODEL_OPTION
@click.option("-o", "--out", "out_dir", default="out", show_default=True, type=PathType(path_type=Path))
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

    rendering.render(load_model(model_path), out_dir, database=database, orgs=orgs or None, check=check,
                     edition=edition, say=note)


@cli.command()
@MODEL_OPTION
@click.option("-o", "--out", "out_dir", default="docs/schema", show_default=True, type=PathType(path_type=Path))
@click.option("--check", is_flag=True, help="Write nothing; exit 1 listing the pages that are stale.")
def docs(model_path: Path, out_dir: Path, check: bool) -> None:
    """Write a Markdown page per database (with Mermaid diagrams) into OUT/<database>.md."""
    from schemagen.commands import docs as documenting

    documenting.docs(load_model(model_path), out_dir, check=check, say=note)
