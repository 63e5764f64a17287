"""SQL as the server printed it, rewritten where printing it and reading it back would not print the same.

- `col::text = ANY (ARRAY['a'::character varying, ...]::text[])` is how PostgreSQL prints `col IN ('a', ...)` of
  a varchar column; read back, that printed form prints otherwise (each element cast to text inside the array).
  It is written back as the IN (NOT IN for `<> ALL`) a person wrote.
- A default `'USD'::bpchar` (a char(n) column's constant): the cast is left out, the column's type applies;
  validate reads a bare `bpchar` as char(1).
- A default `'101'::"bit"` (how the server prints a bit string B'101', whatever the column's length) is written
  `B'101'`: validate reads `::"bit"` as bit(1), which 3 bits do not fit.
"""
from __future__ import annotations

import re

_ELEMENT = r"'(?:[^']|'')*'::character varying"
_ANY = re.compile(rf"(\(?[\w\"]+\)?)::text (=|<>) (ANY|ALL) \(\(?ARRAY\[((?:{_ELEMENT}(?:, )?)+)\]\)?::text\[\]\)")
_BPCHAR = re.compile(r"\A('(?:[^']|'')*')::bpchar\Z")
_BITS = re.compile(r"\A'([01]*)'::\"bit\"\Z")


def _in_list(found: re.Match) -> str:
    column, op, quantifier, elements = found.groups()
    if (op, quantifier) not in (("=", "ANY"), ("<>", "ALL")):
        return found[0]
    values = re.findall(r"'(?:[^']|'')*'", elements)
    return f"{column} {'IN' if op == '=' else 'NOT IN'} ({', '.join(values)})"


def reparsable(sql: str | None) -> str | None:
    return _ANY.sub(_in_list, sql) if sql else sql


def default(sql: str | None) -> str | None:
    if sql is None:
        return None
    found = _BPCHAR.match(sql)
    if found:
        return found[1]
    bits = _BITS.match(sql)
    return f"B'{bits[1]}'" if bits else reparsable(sql)
