"""Org templates, documented once: the model holds each org's own copy of a template (`values_acme`,
`values_demo`), so the page shows one copy with the org key written back as `{org}`.

The copy shown is that of the first org without overrides (else the first org's). Its key is written back as
`{org}` wherever it stands as a word of a name (between non-alphanumerics, so org `a` never turns `data` into
`d{org}t{org}`), and only where every other org's copy holds the same text with its own key there: a name
PostgreSQL shortened differently per org (a long default constraint name) stays as the shown org's. With a single
org there is no other copy to agree with: a name that holds the key as a word of its own (a column `acme_id` of
org `acme`'s template) then reads `{org}_id`.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from schemagen import model as m
from schemagen.sqltext import Interval

ORG = "{org}"


def _key_re(key: str) -> re.Pattern:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(key)}(?![A-Za-z0-9])")


def _unstamp(value: object, others: Sequence[object], key: re.Pattern, keys: Sequence[str]) -> object:
    """value (the shown org's) with its key written back as `{org}` where the other orgs' copies agree."""
    if isinstance(value, str):
        template = key.sub(ORG, value)
        if template == value:
            return value
        same = all(isinstance(o, str) and o == template.replace(ORG, k) for o, k in zip(others, keys))
        return template if same else value
    if isinstance(value, tuple):
        if any(not isinstance(o, tuple) or len(o) != len(value) for o in others):
            return value
        return tuple(_unstamp(v, [o[i] for o in others], key, keys) for i, v in enumerate(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, (m.Source, Interval, type)):
        if any(type(o) is not type(value) for o in others):
            return value
        changes = {}
        for f in dataclasses.fields(value):
            if not f.init or f.name in ("org", "template"):
                continue
            old = getattr(value, f.name)
            new = _unstamp(old, [getattr(o, f.name) for o in others], key, keys)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def shown_org(model_orgs: Sequence[m.Org], keys: Sequence[str]) -> str:
    """The org whose copies stand for the template: the first without overrides, else the first."""
    by_key = {o.key: o for o in model_orgs}
    return next((k for k in keys if k in by_key and not by_key[k].overrides), keys[0])


def templates(objects: Sequence, model_orgs: Sequence[m.Org]) -> list:
    """One object per template (in the order of the first org's copies), the key written back as `{org}`."""
    groups: dict[tuple[str, str], dict[str, object]] = {}
    for o in objects:
        if o.org is not None:
            groups.setdefault((o.schema, o.template or o.name), {})[o.org] = o
    out = []
    for copies in groups.values():
        keys = list(copies)
        shown = shown_org(model_orgs, keys)
        others = [k for k in keys if k != shown]
        out.append(_unstamp(copies[shown], [copies[k] for k in others], _key_re(shown), others))
    return out


def shared(objects: Sequence) -> list:
    return [o for o in objects if o.org is None]


def overrides(org: m.Org) -> str:
    """An org's overrides in words: "chunk interval 1 day, drop after 2 years" (empty: none)."""
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in org.overrides)
