"""The model's own types flattened into facts for the drift check: an enum's values (in order, one fact: a value
added, removed or moved is `values: expected a, b, found a, b, c`), a composite's attributes (each a part with its
type, and their order), a domain's base type, NOT NULL, default and CHECKs (each a part). A type that changed kind
(an enum that is now a domain) is one change of `kind`.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.compare.facts import Facts


def type_facts(t: m.Type) -> Facts:
    f = Facts()
    f.put("kind", value=t.kind)
    f.put("comment", value=t.comment)
    if t.kind == "enum":
        f.put("values", value=", ".join(t.values))
    elif t.kind == "composite":
        f.put("attribute order", value=", ".join(a for a, _ in t.attributes))
        for name, type_ in t.attributes:
            f.part("attribute", name)
            f.put("attribute", name, "type", value=type_)
    else:
        f.put("base type", value=t.base)
        f.put("not null", value=t.not_null)
        f.put("default", value=t.default)
        for k in t.checks:
            f.part("check", k.name)
            f.put("check", k.name, "expression", value=k.expression)
    return f
