"""Object keys for the comparison: model.ObjectKey of each object of a database, a function's with its signature.

A function's signature is its argument types, the way DROP FUNCTION names it: "(integer, text)" (OUT arguments
left out). A function read back from the server may carry its arguments as one printed string (an Argument with
no name: "a integer, OUT b text, c text DEFAULT 'x'"); its types are then read out of that string.
"""
from __future__ import annotations

import re

from schemagen import model as m

# an unnamed argument whose type is one of SQL's types of several words: "double precision", "time with time zone"
_MULTIWORD = re.compile(
    r"(double precision|character varying|bit varying|national character( varying)?"
    r"|(timestamp|time)(\(\d+\))?( with(out)? time zone)?"
    r"|interval( (year|month|day|hour|minute|second)( to (month|hour|minute|second))?)?(\(\d+\))?)"
    r"(\([^)]*\))?(\[\d*\])*\Z")
_MODES = ("IN ", "INOUT ", "VARIADIC ")


def _split(text: str, sep: str) -> list[str]:
    """text split at each sep outside parentheses, brackets and quotes."""
    out, depth, quote, start, i = [], 0, "", 0, 0
    while i < len(text):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            out.append(text[start:i])
            start = i = i + len(sep)
            continue
        i += 1
    return [*out, text[start:]]


def printed_types(arguments: str) -> list[str]:
    """The input argument types of pg_get_function_arguments' text: names, defaults and OUT arguments left out."""
    types = []
    for arg in (a.strip() for a in _split(arguments, ",") if a.strip()):
        arg = _split(arg, " DEFAULT ")[0].strip()
        if arg.startswith("OUT "):
            continue
        for mode in _MODES:
            if arg.startswith(mode):
                arg = arg[len(mode):]
                break
        words = _split(arg, " ")
        if len(words) > 1 and not _MULTIWORD.match(arg):
            arg = " ".join(words[1:])  # the first word is the name
        types.append(arg)
    return types


def signature(fn: m.Function) -> str:
    """"(integer, text)": the function's input argument types (model.Function.signature)."""
    return fn.signature


def object_key(kind: str, obj) -> m.ObjectKey:
    """The key of an object of Database.objects(): schema "" for extensions and schemas."""
    if kind == "extension" or kind == "schema":
        return m.ObjectKey(kind, "", obj.name)
    if kind == "function":
        return m.ObjectKey(kind, obj.schema, obj.name, signature(obj))
    return m.ObjectKey(kind, obj.schema, obj.name)
