"""SQL text: the one place identifiers and literals are quoted, and where types and intervals are canonicalised.

Every identifier that reaches rendered SQL goes through `quote_ident`, every literal through `quote_literal`,
every body through `dollar_quote`. Templates reach them as the filters `ident`, `qname`, `literal`, `dollar`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache

# PostgreSQL 17 keywords that cannot be used as bare identifiers everywhere (reserved, type/function-name and
# column-name keywords; from src/include/parser/kwlist.h). Unreserved keywords are safe bare.
_NEEDS_QUOTES = frozenset(
    """
    all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case cast
    char character check coalesce collate collation column concurrently constraint create cross current_catalog
    current_date current_role current_schema current_time current_timestamp current_user dec decimal default
    deferrable desc distinct do else end except exists extract false fetch float for foreign freeze from full grant
    greatest group grouping having ilike in initially inner inout int integer intersect interval into is isnull join
    json json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar json_serialize
    json_table json_value lateral leading least left like limit localtime localtimestamp merge_action national natural
    nchar none normalize not notnull null nullif numeric offset on only or order out outer overlaps overlay placing
    position precision primary real references returning right row select session_user setof similar smallint some
    substring symmetric system_user table tablesample then time timestamp to trailing treat trim true union unique
    user using values varchar variadic verbose when where window with xmlattributes xmlconcat xmlelement xmlexists
    xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable
    """.split()
)
KEYWORDS = _NEEDS_QUOTES  # the keywords an org key must not be for its stamped SQL to parse like another's
_BARE = re.compile(r"[a-z_][a-z0-9_$]*\Z")
MAX_IDENTIFIER_BYTES = 63


@lru_cache(maxsize=1 << 16)  # the same names come back thousands of times (org tables, their columns)
def quote_ident(name: str) -> str:
    """Quote an identifier only when PostgreSQL needs it (upper case, punctuation, keywords)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"not an identifier: {name!r}")
    if "\x00" in name:
        raise ValueError("identifiers cannot contain NUL")
    if _BARE.match(name) and name not in _NEEDS_QUOTES:
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str | None, name: str) -> str:
    """schema.name, each part quoted as needed."""
    return f"{quote_ident(schema)}.{quote_ident(name)}" if schema else quote_ident(name)


def quote_literal(value: object) -> str:
    """A SQL literal for a YAML scalar: NULL, booleans, numbers, or a single-quoted string."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):  # YAML .nan, .inf: no SQL number spells them
            return "'NaN'" if value != value else ("'Infinity'" if value > 0 else "'-Infinity'")
        return repr(value)
    text = str(value)
    if "\x00" in text:
        raise ValueError("string literals cannot contain NUL")
    quoted = "'" + text.replace("'", "''") + "'"
    if "\\" in text:
        # With standard_conforming_strings = off (a database may set it), a backslash in '...' escapes the next
        # character, so `\'` would end the literal early and the rest would run as SQL. E'...' with every
        # backslash doubled reads the same whatever the setting.
        return "E" + quoted.replace("\\", "\\\\")
    return quoted


def dollar_quote(body: str, tag: str = "body") -> str:
    """Dollar-quote a body with a tag that does not occur in it, so the body can never close the quote: not even
    with its last characters and the closing tag's first ones (a body ending in `$body` would close `$body$`
    early, leaving `body$` outside)."""
    n = 0
    candidate = f"${tag}$"
    while (body + candidate).find(candidate) != len(body):
        n += 1
        candidate = f"${tag}{n}$"
    return f"{candidate}{body}{candidate}"


# --- types --------------------------------------------------------------------------------------------------

TYPE_ALIASES = {
    "int": "integer",
    "int4": "integer",
    "integer": "integer",
    "serial": "integer",
    "serial4": "integer",
    "int8": "bigint",
    "bigint": "bigint",
    "bigserial": "bigint",
    "serial8": "bigint",
    "int2": "smallint",
    "smallint": "smallint",
    "smallserial": "smallint",
    "serial2": "smallint",
    "bool": "boolean",
    "boolean": "boolean",
    "float8": "double precision",
    "float": "double precision",
    "double precision": "double precision",
    "float4": "real",
    "real": "real",
    "varchar": "character varying",
    "character varying": "character varying",
    "char": "character",
    "character": "character",
    "bpchar": "character",
    "decimal": "numeric",
    "numeric": "numeric",
    "timestamptz": "timestamp with time zone",
    "timestamp with time zone": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
    "timestamp without time zone": "timestamp without time zone",
    "timetz": "time with time zone",
    "time with time zone": "time with time zone",
    "time": "time without time zone",
    "time without time zone": "time without time zone",
    "varbit": "bit varying",
    "bit varying": "bit varying",
}
SERIAL_TYPES = {
    "serial": "integer", "serial4": "integer", "bigserial": "bigint", "serial8": "bigint",
    "smallserial": "smallint", "serial2": "smallint",
}
_TYPE_RE = re.compile(
    r"""^\s*(?P<base>[A-Za-z_"][A-Za-z0-9_ ."]*?)\s*(?:\(\s*(?P<mods>[0-9 ,]+)\s*\))?
        \s*(?P<zone>with(?:out)?\s+time\s+zone)?\s*(?P<arr>(?:\[\s*\d*\s*\]\s*)*)$""",
    re.X | re.I,
)
TIME_TYPES = frozenset({"timestamp with time zone", "timestamp without time zone", "date"})
INTEGER_TYPES = frozenset({"smallint", "integer", "bigint"})


def canonical_type(text: str) -> str:
    """The type as PostgreSQL's format_type() prints it: `timestamptz` -> `timestamp with time zone`,
    `VARCHAR(50)[]` -> `character varying(50)[]`, `DECIMAL(18,8)` -> `numeric(18,8)`, `serial` -> `integer`.
    Unknown (extension) types such as `vector(1536)` keep their name, lower-cased unless quoted."""
    m = _TYPE_RE.match(text or "")
    if not m:
        raise ValueError(f"not a type: {text!r}")
    base = " ".join(m["base"].split())
    if '"' not in base:
        base = base.lower()
    if m["zone"]:
        base = f"{base} {' '.join(m['zone'].lower().split())}"
    # `timestamp(3) with time zone` puts the modifier before the zone; format_type does the same.
    canonical = TYPE_ALIASES.get(base, base)
    mods = ""
    if m["mods"]:
        mods = "(" + ",".join(p.strip() for p in m["mods"].split(",")) + ")"
    arrays = "[]" * m["arr"].count("[")
    for zone in (" with time zone", " without time zone"):
        if canonical.endswith(zone) and mods:
            return canonical[: -len(zone)] + mods + zone + arrays
    return canonical + mods + arrays


def base_type(canonical: str) -> str:
    """`character varying(50)[]` -> `character varying`: the type without modifiers or array brackets."""
    return re.sub(r"\(.*?\)", "", canonical).replace("[]", "").strip()


# --- intervals ----------------------------------------------------------------------------------------------

_UNITS = {
    "microsecond": 1, "microseconds": 1, "us": 1, "usec": 1, "usecs": 1,
    "millisecond": 1_000, "milliseconds": 1_000, "ms": 1_000, "msec": 1_000, "msecs": 1_000,
    "second": 1_000_000, "seconds": 1_000_000, "s": 1_000_000, "sec": 1_000_000, "secs": 1_000_000,
    "minute": 60_000_000, "minutes": 60_000_000, "m": 60_000_000, "min": 60_000_000, "mins": 60_000_000,
    "hour": 3_600_000_000, "hours": 3_600_000_000, "h": 3_600_000_000, "hr": 3_600_000_000,
    "hrs": 3_600_000_000,
}
_DAY_UNITS = {"day": 1, "days": 1, "d": 1, "week": 7, "weeks": 7, "w": 7}
_MONTH_UNITS = {"month": 1, "months": 1, "mon": 1, "mons": 1, "year": 12, "years": 12, "y": 12, "yr": 12, "yrs": 12}
_DAY_USECS = 86_400_000_000
_PART = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*([a-z]+)", re.A)  # ASCII digits: the server reads no others
_CLOCK = re.compile(r"([+-])?(\d+):(\d{2})(?::(\d{2}(?:\.\d+)?))?", re.A)


@dataclass(frozen=True)
class Interval:
    """A time span. Compared by length in microseconds, a month counted as 30 days as TimescaleDB does,
    so `1 month` equals `30 days` and `1 hour` equals the server's `01:00:00`."""

    text: str = field(compare=False)
    months: int = field(compare=False, default=0)
    days: int = field(compare=False, default=0)
    usecs: int = field(compare=False, default=0)
    total: int = 0  # the only compared field

    @classmethod
    def parse(cls, text: str | int | float) -> Interval:
        """Parse `7 days`, `1 year 2 mons`, `01:00:00`, `1 day 02:00:00`, `2h`; raise ValueError otherwise."""
        if isinstance(text, bool) or not isinstance(text, (str, int, float)):
            raise ValueError(f"not an interval: {text!r}")
        if isinstance(text, (int, float)):
            raise ValueError(f"an interval needs a unit, as in '{text} days'")
        s = " ".join(text.strip().lower().split())
        if s.startswith("@"):
            s = s[1:].strip()
        months = days = usecs = 0
        rest = s
        clock = _CLOCK.search(rest)
        if clock and clock.end() == len(rest):
            sign = -1 if clock[1] == "-" else 1
            usecs += sign * (int(clock[2]) * 3_600_000_000 + int(clock[3]) * 60_000_000
                             + round(float(clock[4] or 0) * 1_000_000))
            rest = rest[: clock.start()].strip()
        pos = 0
        for m in _PART.finditer(rest):
            if rest[pos:m.start()].strip(" ,"):
                raise ValueError(f"not an interval: {text!r}")
            pos = m.end()
            qty, unit = float(m[1]), m[2]
            if unit in _UNITS:
                usecs += round(qty * _UNITS[unit])
            elif unit in _DAY_UNITS:
                whole = qty * _DAY_UNITS[unit]
                days += int(whole)
                usecs += round((whole - int(whole)) * _DAY_USECS)
            elif unit in _MONTH_UNITS:
                whole = qty * _MONTH_UNITS[unit]
                months += int(whole)
                days += round((whole - int(whole)) * 30)
            else:
                raise ValueError(f"unknown interval unit {unit!r} in {text!r}")
        if rest[pos:].strip(" ,") or (not s):
            raise ValueError(f"not an interval: {text!r}")
        if pos == 0 and not clock:
            raise ValueError(f"not an interval: {text!r}")
        total = months * 30 * _DAY_USECS + days * _DAY_USECS + usecs
        return cls(text=text.strip(), months=months, days=days, usecs=usecs, total=total)

    @classmethod
    def from_usecs(cls, usecs: int) -> Interval:
        """An interval of a given length, written as PostgreSQL prints it: `7 days`, `01:00:00`."""
        days, rest = divmod(int(usecs), _DAY_USECS)
        parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
        if rest or not parts:
            seconds, micro = divmod(rest, 1_000_000)
            text = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
            parts.append(text + (f".{micro:06d}".rstrip("0") if micro else ""))
        return cls(text=" ".join(parts), days=days, usecs=rest, total=int(usecs))

    def __str__(self) -> str:
        return self.text

    @property
    def canonical(self) -> str:
        """The interval as the reports show it, one form for the model's side and the server's: its length in
        the units a model writes, largest first (`1 hour`, `2 days`, `1 day 12 hours`, `1 minute 30.5 seconds`,
        `0 seconds`; a month is 30 days, as compared, and a whole number of 360-day years reads `1 year`, `2 years`), so
        `24 hours` and `1 day` both read `1 day`, `01:00:00` reads `1 hour`."""
        sign, rest = ("-" if self.total < 0 else ""), abs(self.total)
        if rest and rest % (360 * _DAY_USECS) == 0:  # `1 year` as compared: 12 months of 30 days
            n = rest // (360 * _DAY_USECS)
            return f"{sign}{n} year{'s' if n != 1 else ''}"
        parts = []
        for unit, size in (("day", _DAY_USECS), ("hour", 3_600_000_000), ("minute", 60_000_000)):
            n, rest = divmod(rest, size)
            if n:
                parts.append(f"{sign}{n} {unit}{'s' if n != 1 else ''}")
        if rest or not parts:
            seconds = f"{rest // 1_000_000}" + (f".{rest % 1_000_000:06d}".rstrip("0") if rest % 1_000_000 else "")
            parts.append(f"{sign if rest else ''}{seconds} second{'' if seconds == '1' else 's'}")
        return " ".join(parts)

def canonical_timestamptz(value: datetime) -> str:
    """A timestamptz as the model keeps it (a job's initial_start): UTC, `2024-01-01 00:00:00+00`, microseconds
    only when there are any; the model's spelling and the catalog's value then compare equal."""
    text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return text + (f".{value.microsecond:06d}" if value.microsecond else "") + "+00"
