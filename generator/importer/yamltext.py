"""YAML text for the model an import writes: nested dicts, lists and scalars -> text, deterministic.

Small values are written in flow style on one line (`{type: integer, not_null: true}`, `[entity_id, timestamp
DESC]`) when they fit in WIDTH characters; others in block style. SQL text of several lines becomes a literal
block (`|`). A scalar is plain when YAML reads it back as the same string, else double-quoted with JSON's escapes
(YAML 1.2's double-quoted style is a superset of them). Comments: a key whose value is a `Commented` gets its
comment lines written above it (a note of what the import could not express).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

WIDTH = 116

# A plain scalar YAML reads back as this same string: a safe first character (no indicator), no `: ` or ` #`,
# not a word YAML resolves to another type (null, booleans of YAML 1.1, numbers, dates), no blanks at the ends;
# in flow style (inside {...} or [...]) also none of `,[]{}`.
_FIRST = re.compile(r"[A-Za-z_(/.$]|\d(?=.* )")
_CHARS = re.compile(r"[ -~\u00a0-\ud7ff\ue000-\ufffd]*\Z")
_SPECIAL = re.compile(r"(?i)(y|n|yes|no|on|off|true|false|null|~|[-+]?\.(nan|inf))\Z")
_NUMBER_OR_DATE = re.compile(r"[-+]?(\d[\d_,.:]*(e[-+]?\d+)?|\d{4}-\d\d?-\d\d?\b.*)\Z", re.I)
_FLOWUNSAFE = re.compile(r"[\[\]{},]")


@dataclass(frozen=True)
class Commented:
    """A value with comment lines to write above its key."""

    value: object
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Literal:
    """A string written as a literal block (`|`), for SQL of several lines."""

    text: str


def scalar(value, flow: bool = False) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if _FIRST.match(text) and _CHARS.match(text) and not _SPECIAL.match(text) and not _NUMBER_OR_DATE.match(text) \
            and text == text.strip() and ": " not in text and " #" not in text and not text.endswith(":") \
            and not (flow and _FLOWUNSAFE.search(text)):
        return text
    return json.dumps(text, ensure_ascii=False)


def key_text(key, flow: bool = True) -> str:
    return scalar(key, flow=flow) if isinstance(key, str) else json.dumps(str(key))


def _flow(value) -> str | None:
    """The value on one line, or None when it cannot be (a literal block, a comment inside)."""
    if isinstance(value, (Commented, Literal)):
        return None
    if isinstance(value, dict):
        parts = []
        for k, v in value.items():
            inner = _flow(v)
            if inner is None:
                return None
            parts.append(f"{key_text(k)}: {inner}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, list):
        parts = [_flow(v) for v in value]
        return None if None in parts else "[" + ", ".join(parts) + "]"
    if isinstance(value, str) and "\n" in value:
        return json.dumps(value, ensure_ascii=False)
    return scalar(value, flow=True)


def _block_scalar(text: str, indent: int) -> list[str]:
    pad = " " * indent
    body = text.rstrip("\n")
    keep = "" if text.endswith("\n") and not text.endswith("\n\n") else "-"
    if any(line != line.rstrip() for line in body.split("\n")) or body[:1] in (" ", "\t") or "\t" in body \
            or "\r" in body:
        return [json.dumps(text, ensure_ascii=False)]  # trailing blanks or tabs: a literal block would lose them
    return [f"|{keep}"] + [f"{pad}{line}" if line else "" for line in body.split("\n")]


def _lines(key: str, value, indent: int, flow_ok: bool) -> list[str]:
    pad = " " * indent
    notes: tuple[str, ...] = ()
    if isinstance(value, Commented):
        notes, value = value.notes, value.value
    out = [f"{pad}# {line}" for note in notes for line in note.splitlines()]
    head = f"{pad}{key}:"
    if isinstance(value, Literal) or (isinstance(value, str) and "\n" in value):
        text = value.text if isinstance(value, Literal) else value
        first, *rest = _block_scalar(text, indent + 2)
        return out + [f"{head} {first}", *rest]
    if isinstance(value, dict) and value == {}:
        return out + [f"{head} {{}}"]
    if isinstance(value, (dict, list)):
        flat = _flow(value) if flow_ok else None
        if flat is not None and len(head) + 1 + len(flat) <= WIDTH:
            return out + [f"{head} {flat}"]
        return out + [head] + _block(value, indent + 2)
    return out + [f"{head} {'' if value is None and key else scalar(value)}".rstrip()]


def _block(value, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out += _lines(key_text(k, flow=False), v, indent, flow_ok=True)
        return out
    out = []
    for item in value:
        flat = _flow(item)
        if flat is not None and indent + 2 + len(flat) <= WIDTH:
            out.append(f"{pad}- {flat}")
        else:
            inner = _block(item, indent + 2) if isinstance(item, (dict, list)) else [f"{pad}  {scalar(item)}"]
            out.append(f"{pad}- {inner[0].lstrip()}")
            out += inner[1:]
    return out


def dump(document: dict, header: tuple[str, ...] = ()) -> str:
    """The whole file: header comment lines, then the document; top-level keys separated by a blank line."""
    out = [f"# {line}" if line else "#" for line in header]
    for k, v in document.items():
        if out:
            out.append("")
        out += _lines(key_text(k, flow=False), v, 0, flow_ok=not isinstance(v, dict) or len(v) <= 2)
    return "\n".join(out) + "\n"
