"""`schemagen lint`: advice on the model (schemagen.lint's rules), or on a plan's SQL (squawk).

Interface:
- lint_model(model, *, database=None, select=(), ignore=()) -> Linted: every rule's findings on the model (or
  one database of it), less those not
  selected, ignored on the command line or by the model's `lint: {ignore: [...]}`.
- lint_plan_file(model, path, ...) / lint_plan_from(old, model, ...) -> Linted: squawk on a plan file's steps, or
  on the plan `schemagen plan --from OLD_MODEL` would write, less squawk's advice TimescaleDB refuses.
- report(linted, fmt) -> str: text (one `file:line:column: CODE message (fix: ...)` a line) or json.
- rules() -> str: the rules, one a line (`--list`).
The CLI prints the report and exits 1 when an error-level finding remains.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from schemagen import model as m
from schemagen import plan as planning
from schemagen.commands.plan import plan_offline
from schemagen.errors import UsageError, printable
from schemagen.lint import RULES, Finding, lint, selected
from schemagen.lint.findings import known
from schemagen.lint.plans import lint_steps
from schemagen.plan.planfile import PlanFile, PlanFileError, parse_plan

FORMATS = ("text", "json")


@dataclass(frozen=True)
class Linted:
    findings: tuple[Finding, ...]
    found: int  # before the filters

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def message(self) -> str:
        counts = {s: sum(f.severity == s for f in self.findings) for s in ("error", "warning", "info")}
        shown = ", ".join(f"{n} {s}(s)" for s, n in counts.items() if n) or "no findings"
        hidden = self.found - len(self.findings)
        return shown + (f"; {hidden} left out by --select, --ignore or the model's lint: ignore" if hidden else "")


def codes(text: str | None, option: str) -> tuple[str, ...]:
    """A comma list of codes or prefixes (`SG101,SG12,squawk`), each naming at least one rule."""
    out = tuple(c.strip() for c in (text or "").split(",") if c.strip())
    unknown = [c for c in out if not known(c)]
    if unknown:
        raise UsageError(f"{option}: {', '.join(unknown)} names no rule; `schemagen lint --list` lists them")
    return out


def lint_model(model: m.Model, *, database: str | None = None, select: tuple[str, ...] = (),
               ignore: tuple[str, ...] = ()) -> Linted:
    if database is not None and database not in {d.name for d in model.databases}:
        raise UsageError(f"unknown database {database!r}; the model has: "
                         f"{', '.join(d.name for d in model.databases)}")
    found = lint(model, database)
    return Linted(tuple(selected(found, model, select, ignore)), len(found))


def lint_plan_file(model: m.Model, path: Path, *, select: tuple[str, ...] = (),
                   ignore: tuple[str, ...] = ()) -> Linted:
    try:
        text = path.read_text(encoding="utf-8")
        plan = parse_plan(text, path)
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    except PlanFileError as e:
        raise UsageError(str(e)) from None
    return _lint_plan(model, (), plan, text, str(path), select, ignore)


def lint_plan_from(old: m.Model, model: m.Model, old_path: Path, *, database: str | None = None,
                   select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> Linted:
    """The plan from OLD_MODEL to the model, as `plan --from` writes it, linted; its findings are at the lines
    of the file `plan --from OLD_MODEL --format json -o FILE` writes, in a file named `plan-from:OLD_MODEL`."""
    text = planning.format_json(plan_offline(old, model, database=database))
    file = f"plan-from:{old_path}"
    return _lint_plan(model, (old,), parse_plan(text, file), text, file, select, ignore)


def _lint_plan(model: m.Model, others: tuple[m.Model, ...], plan: PlanFile, text: str, file: str,
               select: tuple[str, ...], ignore: tuple[str, ...]) -> Linted:
    hypertables = {(t.schema, t.name) for mm in (model, *others) for db in mm.databases if db.name == plan.database
                   for t in db.tables if t.hypertable}
    found = lint_steps(plan.steps, text, file, hypertables)
    return Linted(tuple(selected(found, model, select, ignore)), len(found))


def report(linted: Linted, fmt: str) -> str:
    if fmt == "json":
        return json.dumps([f.as_json() for f in linted.findings], indent=2) + "\n"
    if fmt == "text":
        return "".join(f"{f}\n" for f in linted.findings)
    raise UsageError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")


def rules() -> str:
    """Every rule: code, severity, name, fix."""
    return "".join(printable(f"{r.code} {r.severity:<7} {r.name}: {r.fix}") + "\n" for _, r in sorted(RULES.items()))


__all__ = ["Linted", "codes", "lint_model", "lint_plan_file", "lint_plan_from", "report", "rules"]
