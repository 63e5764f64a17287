"""The drift reports: text for people, JSON for CI (docs/drift-json.md). Where Changes become text."""
from __future__ import annotations

import difflib
import json

from schemagen.changes import Change, shown
from schemagen.errors import printable


def _visible(line: str) -> str:
    """Whitespace made visible: a space as `·`, a tab as `→`, a carriage return as `␍`."""
    return line.replace(" ", "·").replace("\t", "→").replace("\r", "␍")


def unified(expected: str, actual: str, context: int = 3) -> list[str]:
    """The lines of a unified diff from the expected text to the actual one (a few lines of context); when they
    differ only in whitespace, the changed lines show it (`·` a space, `→` a tab)."""
    left, right = expected.strip("\n").splitlines(), actual.strip("\n").splitlines()
    blank = "".join(expected.split()) == "".join(actual.split())
    out = []
    for line in difflib.unified_diff(left, right, "expected", "found", n=context, lineterm=""):
        changed = line[:1] in "-+" and not line.startswith(("---", "+++"))
        out.append(line[0] + _visible(line[1:]) if blank and changed else line)
    return out


def _change_lines(c: Change) -> list[str]:
    expected, actual = c.expected_text, c.actual_text
    if c.change == "changed" and "\n" in f"{expected}{actual}":  # view queries, function bodies: a unified diff
        note = " (whitespace only: · a space, → a tab)" if "".join(shown(expected).split()) == \
            "".join(shown(actual).split()) else ""
        return [f"      {c.attribute}:{note}"] + [f"        {line}" for line in
                                                    unified(shown(expected), shown(actual))]
    if c.change == "changed":
        return [f"      {c.attribute}: expected {shown(expected)}, found {shown(actual)}"]
    if c.attribute:  # an extra part comes with what it holds (a rule or policy: its definition)
        if isinstance(c.actual, dict):
            actual = ", ".join(f"{k} {shown(v)}" for k, v in c.actual.items())
        return [f"      {c.attribute}: {c.change}" + (f": {actual}" if actual else "")]
    return []


def format_text(database: str, changes: list[Change]) -> str:
    """Grouped by database, org and object; each difference with the expected and the actual value."""
    if not changes:
        return f"database {database}: no drift"
    lines = [f"database {database}: {len(changes)} difference(s)"]
    last_org, last = None, None
    for c in sorted(changes, key=Change.sort_key):
        if c.org != last_org:
            lines.append(f"  org {c.org}" if c.org else "  shared objects")
            last_org, last = c.org, None
        if (c.kind, c.object) != last:
            lines.append(f"    {c.kind} {c.object}" + ("" if c.attribute or c.change == "changed" else f": {c.change}"))
            last = (c.kind, c.object)
        lines += _change_lines(c)
    # names come from the live database too, where any role with CREATE can plant one holding ESC or BEL: each
    # line escaped (tabs kept, for function bodies), so that nothing in the report acts on a terminal
    return "\n".join(printable(line, keep="\t") for line in lines)


def format_json(databases: list[tuple[str, list[Change]]]) -> str:
    """The stable JSON report (docs/drift-json.md): keys sorted, changes sorted."""
    doc = {"version": 1, "databases": [{"name": name, "drift": bool(changes), "changes": change_records(changes)}
                                       for name, changes in databases]}
    return json.dumps(doc, indent=2, sort_keys=True)


def change_records(changes: list[Change]) -> list[dict]:
    """The changes as the JSON report lists them (sorted), for that report and the fleet's."""
    return [{"org": c.org or None, "kind": c.kind, "object": c.object, "change": c.change,
             "attribute": c.attribute or None, "expected": c.expected_text, "actual": c.actual_text}
            for c in sorted(changes, key=Change.sort_key)]
