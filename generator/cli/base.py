"""What every command shares: the options, the model loader (cached, then frozen), the DSN check and the three
ways a command speaks on stderr (say: progress and reports; tell: one escaped line; note: a closing line); and
the click group the commands of cli.offline and cli.database join."""
from __future__ import annotations

import gc
import sys
from pathlib import Path

import click

from schemagen import __version__
from schemagen.errors import UsageError, printable


class PathType(click.Path):
    """click.Path that refuses an empty value: Path("") is ".", the current folder (`-o ""` would write there)."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value:
            self.fail("is empty: give a path", param, ctx)
        return super().convert(value, param, ctx)


MODEL_OPTION = click.option(
    "-m", "--model", "model_path", default="model.yaml", show_default=True,
    type=PathType(dir_okay=False, path_type=Path), help="The model file.",
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


def cache_dir() -> Path | None:
    """Where validated models are cached ($XDG_CACHE_HOME/schemagen, else ~/.cache/schemagen); None when
    SCHEMAGEN_NO_CACHE is set to anything but empty or 0."""
    import os

    if os.environ.get("SCHEMAGEN_NO_CACHE", "") not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "schemagen"


def load_model(model_path: Path):
    from schemagen import modelcache

    model = modelcache.load(model_path, cache_dir())
    # The model lives as long as the command and never changes: keep the cyclic GC from walking it again on
    # every collection (with 5,000 orgs that walking made rendering grow faster than the number of orgs).
    gc.freeze()
    return model


PLAN_OPTION = click.option("--plan", "plan_file", type=PathType(dir_okay=False, exists=True, path_type=Path),
                           metavar="FILE", help="Run exactly the steps of this plan file (schemagen plan -o).")
ALLOW_OPTION = click.option("--allow-hazards", "allow", metavar="KIND,...|all", default="",
                            help="With --plan: the hazard kinds the plan may hold (all: every one).")


def hazard_kinds(text: str) -> frozenset[str]:
    from schemagen.plan.ops import HAZARD_KINDS

    kinds = frozenset(k.strip() for k in text.split(",") if k.strip())
    unknown = sorted(kinds - set(HAZARD_KINDS) - {"all"})
    if unknown:
        raise UsageError(f"--allow-hazards: unknown kind(s) {', '.join(unknown)}; known: "
                         f"{', '.join(sorted(HAZARD_KINDS))}, all")
    return kinds


def need_dsn(dsn: str | None) -> str:
    if not dsn:
        raise UsageError("no database given: pass --dsn or set DATABASE_URL")
    return dsn


def say(text: str) -> None:
    """What a command says while it works: to stderr, flushed, each name escaped (no ESC or BEL reaches a
    terminal), the lines of a report kept."""
    print(printable(text, keep="\n"), file=sys.stderr, flush=True)  # sys.stderr looked up late: tests swap it


def note(text: str) -> None:
    """A command's closing line on stderr (validate, render), escaped."""
    click.echo(printable(text, keep="\n"), err=True)


def tell(text: str) -> None:
    """A progress line of diff and plan on stderr, escaped to one line."""
    click.echo(printable(text), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="schemagen")
def cli() -> None:
    """Declarative schema-as-code for PostgreSQL and TimescaleDB."""
