"""Markdown text: every name, comment and SQL expression of the model reaches a page through these functions, so
nothing the model says is read as Markdown or HTML (a `|` in a CHECK never splits a table row, a `<script>` in a
comment stays text, a name with backticks stays one code span)."""
from __future__ import annotations

import re

from schemagen.errors import printable
from schemagen.sqltext import Interval, qualified

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!{}&])")  # CommonMark lets any ASCII punctuation be backslash-escaped
_TICKS = re.compile(r"`+")


def one_line(value: object) -> str:
    """value as one line: runs of whitespace (newlines of a query or a comment) become one space, control
    characters are escaped as validate shows them (the model refuses them in names, not in free text)."""
    return printable(" ".join(str(value).split()))


def text(value: object) -> str:
    """Free text (a comment, an org's name) as Markdown that shows exactly it, on one line."""
    return _SPECIAL.sub(r"\\\1", one_line(value))


def cell(value: object) -> str:
    """Free text in a table cell (the same: `|` is escaped by text already)."""
    return text(value)


def code(value: object) -> str:
    """A code span of any text, outside a table: fenced by more backticks than the text holds."""
    body = one_line(value)
    longest = max((len(t) for t in _TICKS.findall(body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or (body.startswith(" ") and body.strip()) else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def cell_code(value: object) -> str:
    """A code span in a table cell: GFM splits cells at a `|` even inside a code span, unless it is `\\|`."""
    return code(value).replace("|", "\\|")


def fence(body: str, info: str = "sql") -> str:
    """A fenced code block holding body verbatim (a query, a function's body): the fence is longer than any run
    of backticks in it."""
    longest = max((len(t) for t in re.findall(r"`{3,}", body)), default=2)
    mark = "`" * (longest + 1)
    return f"{mark}{info}\n{printable(body.strip(chr(10)), keep=chr(10) + chr(9))}\n{mark}"


def sql_name(schema: str | None, base: str) -> str:
    """schema.name as SQL writes it (`public."user"`); a template's `{org}` stands for a key that needs no quotes."""
    def part(n: str) -> str:
        if "{org}" not in n:
            return qualified(None, n)
        probe = n.replace("{org}", "x")
        return n if qualified(None, probe) == probe else qualified(None, n)
    return f"{part(schema)}.{part(base)}" if schema else part(base)


def qname(obj) -> str:
    """An object's qualified name as a code span: `core.entity`, `public."user"`, `core.values_{org}`."""
    return code(sql_name(obj.schema, obj.name))


def names(items) -> str:
    """Column names, each its own code span, comma separated."""
    return ", ".join(code(i) for i in items)


def span(value: Interval | int | None) -> str:
    """An interval in words (the model's spelling: `30 days`), or a number of an integer time column's units."""
    if value is None:
        return ""
    if isinstance(value, Interval):
        return one_line(value.text)
    return f"{value} (time column units)"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
