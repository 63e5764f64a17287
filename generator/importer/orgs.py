"""Org tables recognised: relations of one schema and kind whose names differ only by one `_`-separated word (the
org key: values_acme, values_demo) and whose mappings are the same once that key is written `{org}` become one
`{org}` template; the keys that most such groups share are the orgs. An org's chunk_interval, compress_after or
drop_after that differs from the others' on every org table having it becomes that org's override.

Works on the mappings objects.py writes (plain dicts), so "the same shape" is "writes the same YAML".
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

ORG = "{org}"
_KEY = re.compile(r"[a-z][a-z0-9]*\Z")
# override name -> (part of the table, setting)
OVERRIDES = {"chunk_interval": ("hypertable", "chunk_interval"), "compress_after": ("compression", "after"),
             "drop_after": ("retention", "drop_after")}

Rel = tuple[str, str, str]  # (schema, kind, name)


def templated(value, key: str):
    """value with the org key written `{org}` wherever it stands as a word of a name or SQL (not inside a word)."""
    pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(key)}(?![A-Za-z0-9])")
    def walk(v):
        if isinstance(v, str):
            return pattern.sub(ORG, v)
        if isinstance(v, dict):
            return {walk(k): walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v
    return walk(value)


def _without_overrides(spec: dict) -> tuple[dict, dict]:
    rest, values = dict(spec), {}
    for name, (part, setting) in OVERRIDES.items():
        if isinstance(rest.get(part), dict) and setting in rest[part]:
            rest[part] = {k: v for k, v in rest[part].items() if k != setting}
            values[name] = spec[part][setting]
    return rest, values


@dataclass
class Recognised:
    keys: list[str] = field(default_factory=list)  # the org keys, sorted
    templates: dict[Rel, dict] = field(default_factory=dict)  # (schema, kind, template name) -> mapping
    members: dict[Rel, dict[str, str]] = field(default_factory=dict)  # template -> org key -> real name
    overrides: dict[str, dict[str, object]] = field(default_factory=dict)  # org key -> override -> value
    left: list[str] = field(default_factory=list)  # groups that looked like org tables but differ: why


def _groups(relations: dict[Rel, dict]) -> dict[Rel, dict[str, str]]:
    groups: dict[Rel, dict[str, str]] = defaultdict(dict)
    for schema, kind, name in relations:
        words = name.split("_")
        for i, word in enumerate(words):
            if _KEY.match(word):
                groups[(schema, kind, "_".join(words[:i] + [ORG] + words[i + 1:]))][word] = name
    return {g: names for g, names in groups.items() if len(names) >= 2}


def _same_shape(relations: dict[Rel, dict], group: Rel, names: dict[str, str]):
    """The template's mapping (overrides taken out) and each org's override values, or None when they differ."""
    shapes, values = {}, {}
    for key, name in names.items():
        spec = relations[(group[0], group[1], name)]
        rest, over = _without_overrides(spec) if group[1] == "tables" else (spec, {})
        shapes[key], values[key] = templated(rest, key), over
    first = next(iter(shapes.values()))
    return (first, values) if all(s == first for s in shapes.values()) else None


def recognise(relations: dict[Rel, dict]) -> Recognised:
    """relations: every table, view, materialized view and continuous aggregate, by (schema, kind, name), as
    objects.py writes it (kinds as the model's schema keys: tables, views, ...)."""
    out = Recognised()
    same = {}
    for group, names in sorted(_groups(relations).items()):
        shape = _same_shape(relations, group, names)
        if shape is None and group[2] != ORG:  # `{org}` alone: names that merely differ (entity, user)
            out.left.append(f"{group[0]}.{group[2]}: {', '.join(sorted(names.values()))} differ")
        elif shape is not None:
            same[group] = (names, shape)
    counts = Counter(frozenset(names) for names, _ in same.values())
    if not counts:
        return out
    keys = max(counts, key=lambda k: (counts[k], len(k), sorted(k)))
    taken: set[tuple[str, str, str]] = set()
    chosen = [(g, v) for g, v in same.items() if frozenset(v[0]) == keys]
    for group, (names, (template, _)) in chosen:
        real = {(group[0], group[1], n) for n in names.values()}
        if real & taken:  # one relation, two templates (two words of its name are keys): the first wins
            continue
        taken |= real
        out.templates[group], out.members[group] = template, dict(sorted(names.items()))
    out.keys = sorted(keys)
    _overrides(out, {g: v[1][1] for g, v in chosen if g in out.templates})
    return out


def _overrides(out: Recognised, values: dict[Rel, dict[str, dict]]) -> None:
    """Each template's setting: the most common value among the orgs (ties: the first org's); an org whose value
    differs on every org table having the setting, by one value, gets an override; otherwise the group is left."""
    defaults: dict[Rel, dict[str, object]] = {}
    for group, per_org in values.items():
        defaults[group] = {}
        for name in OVERRIDES:
            seen = [per_org[k][name] for k in out.keys if name in per_org[k]]
            if seen:
                counted = Counter(map(repr, seen))
                best = max(seen, key=lambda v: (counted[repr(v)], -seen.index(v)))
                defaults[group][name] = best
    for key in out.keys:
        for name in OVERRIDES:
            differing = {repr(values[g][key][name]): values[g][key][name] for g in values
                         if name in values[g][key] and values[g][key][name] != defaults[g][name]}
            agreeing = [g for g in values if name in values[g][key] and values[g][key][name] == defaults[g][name]]
            if len(differing) == 1 and not agreeing:
                out.overrides.setdefault(key, {})[name] = next(iter(differing.values()))
            elif differing:
                for g in list(values):
                    if name in values[g][key] and g in out.templates:
                        out.left.append(f"{g[0]}.{g[2]}: {name} of org {key} differs from table to table")
                        del out.templates[g], out.members[g]
    for group, settings in defaults.items():
        if group in out.templates:
            for name, value in settings.items():
                part, setting = OVERRIDES[name]
                spec = out.templates[group]
                spec[part] = _put(spec[part], setting, value)


def _put(mapping: dict, key: str, value) -> dict:
    """mapping with key set, in the place objects.py writes it (chunk_interval after time_column, ...)."""
    order = {"time_column": 0, "chunk_interval": 1, "segment_by": 0, "order_by": 1, "chunk_time_interval": 2,
             "after": 3, "drop_after": 0}
    items = list(mapping.items()) + [(key, value)]
    return dict(sorted(items, key=lambda kv: order.get(kv[0], 9)))
