"""Typed values of the model (seed rows, org registry values, constant defaults) checked as the server's input
functions would check them, so that validate accepts only what PostgreSQL accepts.

Each check follows PostgreSQL 15 to 17 (the oldest supported server decides: PostgreSQL 16 reads `1_000` and
`0x10` as integers, 15 refuses them, so they are refused). Python's int(), float(), str.isdigit() and `\\d` take
Arabic-Indic or full-width digits that the server refuses: every pattern here is ASCII-only. Types checked exactly:
smallint, integer, bigint, numeric(p,s), real, double precision, boolean, date, time, timestamp (with or without
time zone), interval, inet, cidr, uuid, json, jsonb, character(n), character varying(n), bit(n), bit varying(n),
bytea. Other types (arrays, enums, domains, ranges, geometric, extension types) are passed to the server as
written: their seed script runs in one transaction, so a value it refuses stops the apply with nothing of that
script left behind.
"""
from __future__ import annotations

import ipaddress
import json
import re
from decimal import Decimal, InvalidOperation

from schemagen.sqltext import INTEGER_TYPES, Interval, base_type

INTEGER_RANGES = {"smallint": 2 ** 15, "integer": 2 ** 31, "bigint": 2 ** 63}
NO_NUMBERS = frozenset({"uuid", "json", "jsonb", "date", "timestamp with time zone", "timestamp without time zone",
                        "time with time zone", "time without time zone", "interval", "inet", "cidr", "bytea",
                        "bit", "bit varying"})
_MODS = re.compile(r"\(([0-9, ]*)\)")
_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*", re.A)
_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*", re.A)
_FLOAT_WORDS = re.compile(r"\s*(?:[+-]?(?:inf|infinity)|nan)\s*", re.I)
_BOOLEAN_WORDS = ("true", "false", "yes", "no", "on", "off")
_UUID = re.compile(r"[0-9a-fA-F]{4}(?:-?[0-9a-fA-F]{4}){7}", re.A)
_DATE = re.compile(r"(?P<y>[0-9]{4,7})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})(?P<bc> BC)?", re.A | re.I)
_TIME = re.compile(r"(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.[0-9]+)?)?", re.A)
_ZONE = re.compile(r"\s*(?:z|utc|gmt|[+-][0-9]{1,2}(?::?[0-9]{2}(?::?[0-9]{2})?)?)", re.A | re.I)
_SPECIAL_TIMES = ("infinity", "-infinity", "epoch")
_MOVING = ("now", "today", "tomorrow", "yesterday", "allballs")
_BYTEA_ESCAPE = re.compile(r"(?:[^\\]|\\\\|\\[0-3][0-7]{2})*", re.S)
_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
_YEAR_LIMITS = {"date": 5_874_897, "timestamp": 294_276}


def type_modifiers(type_: str) -> list[int]:
    """The numbers in a type's parentheses: `numeric(3,1)` -> [3, 1]; none -> []."""
    mods = _MODS.search(type_)
    return [int(x) for x in mods.group(1).split(",") if x.strip()] if mods else []


def value_error(type_: str, value: object) -> str | None:
    """Why PostgreSQL would refuse a YAML scalar as a value of the type, else None. A YAML boolean (`yes`, `no`,
    `on`, `off` too) fits only a boolean column, where a string would have been meant."""
    base = base_type(type_)
    if value is None or type_.endswith("]"):
        return None
    if isinstance(value, bool) and base != "boolean":
        return f"{str(value).lower()} is a YAML boolean (YAML reads yes, no, on, off as true or false), not a " \
               f"value of type {type_}; quote the value"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and (base in NO_NUMBERS
                                                                           or base == "boolean"):
        return f"the number {value} is not a value of type {type_}; PostgreSQL takes a quoted value"
    check = _CHECKS.get(base)
    if check is None:
        return None
    text = value if isinstance(value, str) else (repr(value) if isinstance(value, float) else str(value))
    return check(type_, base, value, text)


def _integer(type_: str, base: str, value: object, text: str) -> str | None:
    if isinstance(value, float) or not _INTEGER.fullmatch(text):
        return f"{value!r} is not an integer (digits 0-9, an optional sign)"
    if not -INTEGER_RANGES[base] <= int(text) < INTEGER_RANGES[base]:
        return f"{value} is out of the range of {base}"
    return None


def _numeric(type_: str, base: str, value: object, text: str) -> str | None:
    if _FLOAT_WORDS.fullmatch(text):
        word = text.strip().lower().lstrip("+-")
        if base == "numeric" and type_modifiers(type_) and word != "nan":
            return f"{value!r} does not fit {type_} (infinity needs numeric without a precision)"
        return None
    if not _NUMBER.fullmatch(text):
        return f"{value!r} is not a number (digits 0-9, a sign, a decimal point, an exponent)"
    number = Decimal(text.strip())
    if base == "real" and number and not Decimal("1.17549435e-38") <= abs(number) <= Decimal("3.40282347e38"):
        return f"{value!r} is out of the range of real"
    if base == "double precision" and number and not Decimal("2.2250738585072014e-308") <= abs(number) \
            <= Decimal("1.7976931348623157e308"):
        return f"{value!r} is out of the range of double precision"
    mods = type_modifiers(type_) if base == "numeric" else []
    if mods:
        precision, scale = mods[0], (mods[1] if len(mods) > 1 else 0)
        try:
            rounded = number.quantize(Decimal(1).scaleb(-scale), rounding="ROUND_HALF_UP")
        except InvalidOperation:  # more digits than Decimal's context holds: certainly too many
            return f"{value!r} does not fit {type_}"
        if rounded and abs(rounded) >= Decimal(10) ** (precision - scale):
            return (f"{value!r} does not fit {type_}: at most {precision - scale} digit(s) before the decimal "
                    f"point (PostgreSQL: numeric field overflow)")
    return None


def _boolean(type_: str, base: str, value: object, text: str) -> str | None:
    if isinstance(value, bool):
        return None
    word = text.strip().lower()
    # boolin: 1, 0, or an unambiguous prefix of true, false, yes, no, on, off ("o" is both on and off)
    if word in ("1", "0") or (word and sum(w.startswith(word) for w in _BOOLEAN_WORDS) == 1 and word != "o"):
        return None
    return f"{value!r} is not a boolean (true, false, yes, no, on, off, 1, 0)"


def _text(type_: str, base: str, value: object, text: str) -> str | None:
    if isinstance(value, float):
        return f"the number {value!r} for a {type_} column: YAML read it as a number (1.10 becomes 1.1); " \
               "quote the value"
    if base == "text":
        return None
    mods = type_modifiers(type_)
    limit = mods[0] if mods else (1 if base == "character" else None)  # char alone is char(1)
    # PostgreSQL cuts trailing spaces beyond the length silently, and refuses any other excess
    if limit is not None and len(text.rstrip(" ")) > limit and len(text) > limit:
        return f"{text!r} is longer than {type_} allows ({limit} character{'s' if limit != 1 else ''})"
    return None


def _bits(type_: str, base: str, value: object, text: str) -> str | None:
    if text[:1] in ("x", "X"):
        if not re.fullmatch(r"[0-9a-fA-F]*", text[1:], re.A):
            return f"{value!r} is not a bit string (x followed by hex digits)"
        length = 4 * len(text[1:])
    else:
        digits = text[1:] if text[:1] in ("b", "B") else text
        if not re.fullmatch(r"[01]*", digits):
            return f"{value!r} is not a bit string (0s and 1s, or x and hex digits)"
        length = len(digits)
    mods = type_modifiers(type_)
    limit = mods[0] if mods else (1 if base == "bit" else None)
    if base == "bit" and length != limit:
        return f"{value!r} has {length} bit(s); {type_} takes exactly {limit}"
    if limit is not None and length > limit:
        return f"{value!r} has {length} bits; {type_} takes at most {limit}"
    return None


def _bytea(type_: str, base: str, value: object, text: str) -> str | None:
    if text.startswith("\\x"):
        digits = re.sub(r"[ \t\r\n]", "", text[2:])
        if re.fullmatch(r"(?:[0-9a-fA-F]{2})*", digits, re.A):
            return None
        return f"{value!r} is not bytea (\\x and pairs of hex digits)"
    if _BYTEA_ESCAPE.fullmatch(text):
        return None
    return f"{value!r} is not bytea (a backslash starts \\\\ or three octal digits, or \\x for hex)"


def _uuid(type_: str, base: str, value: object, text: str) -> str | None:
    inner = text[1:-1] if text[:1] == "{" and text[-1:] == "}" else text
    return None if _UUID.fullmatch(inner) else f"{value!r} is not a uuid"


def _json(type_: str, base: str, value: object, text: str) -> str | None:
    try:
        json.loads(text, parse_constant=_no_constant)
    except ValueError as e:
        return f"{_clip(value)} is not JSON ({e})"
    if base == "jsonb" and _JSON_NUL.search(text):
        return f"{_clip(value)}: jsonb cannot hold \\u0000 (PostgreSQL: unsupported Unicode escape sequence)"
    if base == "jsonb" and re.search(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}", text) and _lone_surrogate(text):
        return f"{_clip(value)}: jsonb cannot hold a lone surrogate escape (\\ud800 without its pair)"
    return None


def _lone_surrogate(text: str) -> bool:
    def walk(node) -> bool:
        if isinstance(node, str):
            return any(0xD800 <= ord(c) <= 0xDFFF for c in node)
        if isinstance(node, dict):
            return any(walk(k) or walk(v) for k, v in node.items())
        return isinstance(node, list) and any(walk(v) for v in node)
    return walk(json.loads(text))


def _network(type_: str, base: str, value: object, text: str) -> str | None:
    written = text.strip()
    try:
        if "%" in written:  # an IPv6 zone: Python takes it, PostgreSQL does not
            raise ValueError
        network = ipaddress.ip_interface(written) if base == "inet" else ipaddress.ip_network(written, strict=False)
    except ValueError:
        hint = " (write all four parts of an IPv4 address)" if base == "cidr" else ""
        return f"{value!r} is not an {base} value{hint}"
    if base == "cidr" and network.network_address != ipaddress.ip_interface(written).ip:
        return f"{value!r} is not a cidr value: it has bits set to the right of the mask (write {network})"
    return None


def _interval(type_: str, base: str, value: object, text: str) -> str | None:
    try:
        parsed = Interval.parse(text)
    except ValueError:
        if re.fullmatch(r"\s*-?P[0-9YMWDTHS.]*\s*", text, re.A):  # ISO 8601 (P1D, PT2H): the server reads it
            return None
        return f"{value!r} is not an interval (write it as '7 days', '2 hours 30 minutes' or '01:30:00')"
    if max(abs(parsed.months), abs(parsed.days)) >= 2 ** 31 or abs(parsed.usecs) >= 2 ** 63:
        return f"interval {value!r} is out of range"
    return None


def _datetime(type_: str, base: str, value: object, text: str) -> str | None:
    """ISO 8601 forms only (`2024-02-29`, `2024-02-29 13:45:00+01`): others depend on the server's DateStyle."""
    written = text.strip()
    word = written.lower()
    if word in _SPECIAL_TIMES and not base.startswith("time "):
        return None
    if word in _MOVING:
        return f"{value!r} is read when the row is inserted, so the value would differ from the model; write a date"
    if base.startswith("time "):
        return _clock(type_, value, written, base)
    date = _DATE.match(written)
    if not date:
        return f"{value!r} is not a {base} as schemagen reads it: write YYYY-MM-DD" + (
            "" if base == "date" else " HH:MM:SS, optionally with a zone")
    problem = _calendar(value, base, int(date["y"]), int(date["m"]), int(date["d"]))
    rest = written[date.end():]
    if problem or not rest:  # a date alone is midnight for a timestamp
        return problem
    if base == "date" or not re.match(r"[ T]", rest):
        return f"{value!r} is not a {base}: unexpected {rest!r} after the date"
    return _clock(type_, value, rest[1:].strip(), base)


def _calendar(value: object, base: str, year: int, month: int, day: int) -> str | None:
    if not 1 <= month <= 12 or not 1 <= day <= _days_in(year, month) or year == 0:
        return f"{value!r} is not a date: {year:04d}-{month:02d} has no day {day}" if 1 <= month <= 12 and year \
            else f"{value!r} is not a date (month 1-12, year from 1)"
    limit = _YEAR_LIMITS["date" if base == "date" else "timestamp"]
    if year > limit:
        return f"{value!r} is out of the range of {base} (up to the year {limit:,})"
    return None


def _days_in(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _clock(type_: str, value: object, text: str, base: str) -> str | None:
    clock = _TIME.match(text)
    if not clock:
        return f"{value!r} is not a {base}: write the time as HH:MM or HH:MM:SS"
    h, mi, s = int(clock["h"]), int(clock["mi"]), int(clock["s"] or 0)
    if h > 24 or mi > 59 or s > 60 or h == 24 and (mi or s):
        return f"{value!r} has no such time of day ({clock[0]})"
    zone = text[clock.end():]
    if zone.strip() and not _ZONE.fullmatch(zone) and not _known_zone(zone.strip()):
        return f"{value!r}: unknown time zone {zone.strip()!r} (write Z, UTC, +01, +05:30 or an IANA name)"
    return None


def _known_zone(name: str) -> bool:
    try:
        from zoneinfo import ZoneInfo
        ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, ValueError for a path-like name
        return False
    return re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-/]*", name, re.A) is not None


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _clip(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_CHECKS = {
    **dict.fromkeys(INTEGER_TYPES, _integer),
    "numeric": _numeric, "real": _numeric, "double precision": _numeric,
    "boolean": _boolean,
    "text": _text, "character varying": _text, "character": _text,
    "bit": _bits, "bit varying": _bits,
    "bytea": _bytea, "uuid": _uuid, "json": _json, "jsonb": _json,
    "inet": _network, "cidr": _network, "interval": _interval,
    "date": _datetime, "timestamp with time zone": _datetime, "timestamp without time zone": _datetime,
    "time with time zone": _datetime, "time without time zone": _datetime,
}
