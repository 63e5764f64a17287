"""Org tables recognised: relations of one schema and kind whose names differ only by one part (the org key: a
word, or words joined by `_`, as in values_acme, values_acme_corp, `acme user`) and whose mappings are the same
once that key is written `{org}` become one `{org}` template; the keys that most such groups share are the orgs.
A name can be read several ways (values_acme_corp_current: values_{org} of acme_corp_current, or
values_{org}_current of acme_corp): the way whose members share one shape with the most other groups wins. A
template some shared relation references or reads is left as shared tables (the model refuses a shared object
naming an org one). An org's chunk_interval, compress_after or drop_after that differs from the others' on every
org table having it becomes that org's override.

Works on the mappings objects.py writes (plain dicts), so "the same shape" is "writes the same YAML".
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

ORG = "{org}"
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}\Z")  # the model's org keys (model.schema.json)
# override name -> (part of the table, setting)
OVERRIDES = {"chunk_interval": ("hypertable", "chunk_interval"), "compress_after": ("compression", "after"),
             "drop_after": ("retention", "drop_after")}

Rel = tuple[str, str, str]  # (schema, kind, name)


def _word(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _replaced(text: str, key: str) -> str:
    """text with key written `{org}` where no ASCII letter or digit touches it (as the regex
    `(?<![A-Za-z0-9])key(?![A-Za-z0-9])` would, without compiling one per key: there are thousands)."""
    out, i, n = [], 0, len(key)
    while (j := text.find(key, i)) >= 0:
        if (j and _word(text[j - 1])) or (j + n < len(text) and _word(text[j + n])):
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out += [text[i:j], ORG]
            i = j + n
    return "".join(out) + text[i:] if out else text


def templated(value, key: str):
    """value with the org key written `{org}` wherever it stands as a word of a name or SQL (not inside a word),
    except in role names (the roles of `grants:` and of a policy's `roles:`): roles are the cluster's, never an
    org's (`{org}` is refused there), so tables granting to acme_reader and demo_reader are not one template."""
    def walk(v, parent=None):
        if isinstance(v, str):
            return v if parent == "roles" else _replaced(v, key)
        if isinstance(v, dict):
            return {(k if parent == "grants" else walk(k)): walk(x, k) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x, parent) for x in v]
        return v
    return walk(value)


ORG_NAME = "{org_name}"
_NAMED = "\x00NAME\x00"  # the org's name while the key is templated (no key holds it: keys are lower case)


def _walk(value, change):
    if isinstance(value, dict):
        return {k: change(k, x) if isinstance(x, str) else _walk(x, change) for k, x in value.items()}
    if isinstance(value, list):
        return [_walk(x, change) for x in value]
    return value


def named(value, key: str, name: str | None):
    """templated(value, key), with the org's name (the registry's) written `{org_name}` in comments, the only
    place besides the registry where the model fills it in."""
    if not name:
        return templated(value, key)
    marked = _walk(value, lambda k, x: x.replace(name, _NAMED) if k == "comment" else x)
    return _walk(templated(marked, key), lambda _, x: x.replace(_NAMED, ORG_NAME))


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


_WORD = re.compile(r"[A-Za-z0-9]+")


def _spans(name: str):
    """Each part of name that could be an org key as `templated` replaces one: whole words (runs of ASCII letters
    and digits), one or several joined by `_` (an org key may hold `_`: acme_corp), of a key's letters."""
    words = [(w.start(), w.end()) for w in _WORD.finditer(name)]
    for i, (start, _) in enumerate(words):
        for _, end in words[i:]:
            if _KEY.match(name[start:end]):
                yield start, end
            if name[end:end + 1] != "_":
                break


def _groups(relations: dict[Rel, dict]) -> dict[Rel, dict[str, str]]:
    """(schema, kind, template name) -> org key -> real name, for each way a name's part can be an org key."""
    groups: dict[Rel, dict[str, str]] = defaultdict(dict)
    for schema, kind, name in relations:
        for start, end in _spans(name):
            groups[(schema, kind, name[:start] + ORG + name[end:])][name[start:end]] = name
    return {g: names for g, names in groups.items() if len(names) >= 2}


def _same_shape(relations: dict[Rel, dict], group: Rel, names: dict[str, str],
                org_names: dict[str, str]) -> list[tuple[dict, tuple]]:
    """The members of a group split by shape (their mapping with the key written `{org}`, overrides taken out):
    each set of two or more members of one shape, as (names, (template mapping, each org's override values)).
    values_{org} holds values_acme_corp and values_demo (one shape) but also values_acme_corp_current and
    values_demo_current (another, the keys acme_corp_current and demo_current): the shapes tell them apart."""
    shapes: dict[str, tuple[dict, dict, dict]] = {}
    for key, name in names.items():
        spec = relations[(group[0], group[1], name)]
        rest, over = _without_overrides(spec) if group[1] == "tables" else (spec, {})
        shape = named(rest, key, org_names.get(key))
        members, _, values = shapes.setdefault(repr(shape), ({}, shape, {}))
        members[key], values[key] = name, over
    return [(members, (shape, values)) for members, shape, values in shapes.values() if len(members) >= 2]


def recognise(relations: dict[Rel, dict], org_names: dict[str, str] | None = None) -> Recognised:
    """relations: every table, view, materialized view and continuous aggregate, by (schema, kind, name), as
    objects.py writes it (kinds as the model's schema keys: tables, views, ...). org_names: the orgs' names
    when the registry says them (a second look: comments naming the org are then alike as `{org_name}`)."""
    out = Recognised()
    same = {}
    differing = []
    for group, names in sorted(_groups(relations).items()):
        shapes = _same_shape(relations, group, names, org_names or {})
        if len(shapes) != 1 or len(shapes[0][0]) != len(names):
            differing.append((group, names))
        for members, shape in shapes:
            same.setdefault(group, []).append((members, shape))
    counts = Counter(frozenset(members) for alike in same.values() for members, _ in alike)
    if not counts:
        out.left += _differ(differing, set(), set())
        return out
    # the most groups, then the most orgs, then the shortest keys (values_acme is values_{org} of acme rather than
    # {org} of values_acme; values_acme_corp_current is values_{org}_current of acme_corp rather than values_{org}
    # of acme_corp_current)
    keys = max(counts, key=lambda k: (counts[k], len(k), -sum(map(len, k)), sorted(k)))
    taken: set[tuple[str, str, str]] = set()
    chosen = [(g, v) for g, alike in same.items() for v in alike if frozenset(v[0]) == keys]
    for group, (names, (template, _)) in chosen:
        real = {(group[0], group[1], n) for n in names.values()}
        if real & taken:  # one relation, two templates (two words of its name are keys): the first wins
            continue
        taken |= real
        out.templates[group], out.members[group] = template, dict(sorted(names.items()))
    out.keys = sorted(keys)
    _unreferenced(out, relations)
    _overrides(out, {g: v[1][1] for g, v in chosen if g in out.templates})
    if _unreferenced(out, relations):  # a group the overrides left: the overrides again, on what remains
        out.overrides = {}
        _overrides(out, {g: v[1][1] for g, v in chosen if g in out.templates})
    if not out.templates:
        out.keys = []
    out.left += _differ(differing, {n for g in out.members for n in out.members[g].values()}, set(out.keys))
    return out


def _differ(groups: list[tuple[Rel, dict[str, str]]], templated_names: set[str], keys: set[str]) -> list[str]:
    """Groups that look like org tables but differ (`{org}` alone aside: names that merely differ, entity and
    user), leaving out the names a template took: of the orgs' keys when there are orgs, else of one-word keys."""
    out, said = [], set()
    for (schema, _, template), names in groups:
        left = sorted(n for k, n in names.items() if n not in templated_names and (k in keys if keys else "_" not in k))
        if template != ORG and len(left) >= 2 and (schema, *left) not in said:  # once per set of names
            said.add((schema, *left))
            out.append(f"{schema}.{template}: {', '.join(left)} differ")
    return out


def _names(value) -> list[tuple[bool, str]]:
    """What a mapping reads: (True, table) of its foreign keys, (False, text) of its queries and sources."""
    found: list[tuple[bool, str]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "references":
                found.append((True, v.get("table", "") if isinstance(v, dict) else str(v).rsplit("(", 1)[0]))
            elif k in ("query", "source") and isinstance(v, str):
                found.append((False, v))
            else:
                found += _names(v)
    elif isinstance(value, list):
        for v in value:
            found += _names(v)
    return found


def _reads(table: bool, text: str, here: str, schema: str, name: str) -> bool:
    """A foreign key's table (`name` of schema here, or `schema.name`), or a query naming schema.name."""
    if table:
        return text == f"{schema}.{name}" or (text == name and schema == here)
    quoted = '"' + name.replace('"', '""') + '"'
    return quoted in text or re.search(rf"(?<![\w\"]){re.escape(name)}(?![\w\"])", text) is not None


def _unreferenced(out: Recognised, relations: dict[Rel, dict]) -> bool:
    """Leave out (as shared relations) the templates whose members a shared relation references or reads: the
    model refuses a shared object naming an org one. True when it left any."""
    left_any = False
    while out.members:
        members = {(g[0], n): g for g, names in out.members.items() for n in names.values()}
        taken = {(g[0], g[1], n) for g, names in out.members.items() for n in names.values()}
        hit = next(((g, name, text) for rel, spec in relations.items() if rel not in taken
                    for table, text in _names(spec) for (s, n), g in members.items()
                    if _reads(table, text, rel[0], s, n) for name in (rel[2],)), None)
        if hit is None:
            break
        group, name, _ = hit
        out.left.append(f"{group[0]}.{group[2]}: left as shared tables, as {name} (shared) names one of them")
        del out.templates[group], out.members[group]
        left_any = True
    return left_any


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
