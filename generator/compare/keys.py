"""Object keys for the comparison: model.ObjectKey of each object of a database, a function's with its signature.

A function's signature is its argument types, the way DROP FUNCTION names it: "(integer, text)" (OUT arguments
left out): model.Function.signature, the same for a function of the model and one read back from the server
(inspect reads real argument lists).
"""
from __future__ import annotations

from schemagen import model as m


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
