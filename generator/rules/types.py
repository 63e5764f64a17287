"""Types as the rules see them: the built-in ones, those extensions bring, the modifiers each takes, and the check
of one type as written (a column's, an argument's, what a function returns). Also what a foreign key compares.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

from schemagen import model as m
from schemagen.rules.context import Context
from schemagen.sqlparse import type_error
from schemagen.sqltext import TYPE_ALIASES, base_type

BUILTIN_TYPES = frozenset({
    "smallint", "integer", "bigint", "numeric", "real", "double precision", "money", "text", "character varying",
    "character", "bytea", "boolean", "date", "interval", "uuid", "json", "jsonb", "xml", "inet", "cidr", "macaddr",
    "macaddr8", "point", "line", "lseg", "box", "path", "polygon", "circle", "tsvector", "tsquery", "bit",
    "bit varying", "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange", "int4multirange",
    "int8multirange", "nummultirange", "tsmultirange", "tstzmultirange", "datemultirange", "oid", "regclass",
    "regtype", "regproc", "regprocedure", "name", "pg_lsn", "pg_snapshot", "jsonpath", "record", "void", "trigger",
    "anyelement", "anyarray", "timestamp with time zone", "timestamp without time zone", "time with time zone",
    "time without time zone", '"char"',
})
EXTENSION_TYPES = {"vector": "vector", "halfvec": "vector", "sparsevec": "vector", "citext": "citext",
                   "hstore": "hstore", "ltree": "ltree", "lquery": "ltree", "ltxtquery": "ltree",
                   "geometry": "postgis", "geography": "postgis"}
# Types whose modifier PostgreSQL accepts, and the range it accepts (outside it: an error, or for time
# precisions a warning and a silently different type).
TYPMODS = {"character varying": (1, 10_485_760), "character": (1, 10_485_760), "numeric": (1, 1000),
           "bit": (1, 83_886_080), "bit varying": (1, 83_886_080), "timestamp with time zone": (0, 6),
           "timestamp without time zone": (0, 6), "time with time zone": (0, 6), "time without time zone": (0, 6),
           "interval": (0, 6), "vector": (1, 16_000), "halfvec": (1, 16_000), "sparsevec": (1, 1_000_000_000)}
# Types a function may take or return but no column may have ("column x has pseudo-type record").
PSEUDO_TYPES = frozenset({"record", "void", "trigger", "anyelement", "anyarray"})
TYPE_NAMES = sorted(BUILTIN_TYPES - PSEUDO_TYPES | set(TYPE_ALIASES) | set(EXTENSION_TYPES))  # for hints
TYPE_HINTS_KEPT = 4096  # misspelt types whose hint a model remembers (the most recently used)
_MODS = re.compile(r"\(([^)]*)\)")
_INTERVAL_FIELDS = re.compile(r"interval (?:year|month|day|hour|minute|second)"
                              r"(?: to (?:month|hour|minute|second))?")


def comparable_type(canonical: str) -> str:
    """A type without length or precision, keeping array brackets: what a foreign key's types must share."""
    return _MODS.sub("", canonical).strip()


def check_type(ctx: Context, source: m.Source, type_: str, org: str | None = None) -> None:
    """One type as written: a type at all, built in or of a declared extension, and modifiers it takes."""
    error = ctx.sql(type_error, type_, source)
    if error:
        ctx.add(source, error, org)
        return
    base = base_type(type_)
    bare = base.rpartition(".")[2] if '"' not in base else base
    if base in ctx.types:  # a type of the model's own: takes no modifiers
        if _MODS.search(type_):
            ctx.add(source, f"type {base} takes no length or precision ({type_})", org)
        return
    if base in BUILTIN_TYPES or bare in BUILTIN_TYPES or _INTERVAL_FIELDS.fullmatch(base):
        pass
    elif bare in EXTENSION_TYPES:
        if EXTENSION_TYPES[bare] not in ctx.exts:
            ctx.add(source, f"type {type_} needs the extension `{EXTENSION_TYPES[bare]}` under `extensions:`", org)
    else:
        _unknown(ctx, source, type_, base, org)
        return
    mods = _MODS.search(type_)
    if mods:
        _typmods(ctx, source, type_, bare, mods.group(1), org)


def _unknown(ctx: Context, source: m.Source, type_: str, base: str, org: str | None) -> None:
    """A type that is neither built in, nor an extension's, nor the model's: say how to declare it; a did-you-mean
    only for a really close name (`integr`), never `char` for `chat_role`."""
    relation = ctx.model_relations.named(base)
    if relation:
        ctx.add(source, f"unknown type {type_!r}: schemagen does not use the row type of {relation} as a column "
                        f"type (use jsonb, a composite type under `types:`, or a foreign key to {relation})", org)
        return
    bare = base.rpartition(".")[2].strip('"')
    hint = _type_hint(ctx, base)
    hint = hint if hint and _close(base, hint) else None
    if hint is None:
        mine = ctx.hint(bare, sorted({t.rpartition(".")[2].strip('"') for t in ctx.types}))
        hint = next((t for t in sorted(ctx.types) if mine and _close(bare, mine)
                     and t.rpartition(".")[2].strip('"') == mine), None)
    ctx.add(source, f"unknown type {type_!r}" + (f"; did you mean {hint!r}?" if hint else
                                                  ": a column takes a built-in type, one of a declared extension, "
                                                  "or one the model declares under `types:` of a schema (enum, "
                                                  "composite or domain)"), org)


def _close(word: str, hint: str) -> bool:
    """Only a near miss is worth a did-you-mean: a typo, not another word that shares a prefix."""
    return SequenceMatcher(None, word.lower(), hint.lower()).ratio() >= 0.8


def _typmods(ctx: Context, source: m.Source, type_: str, base: str, mods: str, org: str | None) -> None:
    if base not in TYPMODS:
        ctx.add(source, f"type {base} takes no length or precision ({type_})", org)
        return
    low, high = TYPMODS[base]
    numbers = [int(x) for x in mods.split(",") if x.strip().isdigit()]
    if base == "numeric" and len(numbers) == 2 and numbers[1] > 1000:
        ctx.add(source, f"{type_}: the scale of numeric must be at most 1000", org)
    elif len(numbers) != (len(mods.split(",")) if base == "numeric" else 1) or len(numbers) > 2:
        ctx.add(source, f"{type_}: {base} takes {'a precision and a scale' if base == 'numeric' else 'one'} "
                        "modifier", org)
    elif not low <= numbers[0] <= high:
        ctx.add(source, f"{type_}: the {'precision' if high <= 1000 else 'length'} of {base} must be "
                        f"between {low} and {high:,}", org)


def _type_hint(ctx: Context, base: str) -> str | None:
    """The type name closest to a misspelt one; a model's hints are remembered, as many misspell alike."""
    hints = ctx.problems.type_hints
    if base in hints:
        hints.move_to_end(base)
        return hints[base]
    hint = hints[base] = ctx.hint(base, TYPE_NAMES)
    if len(hints) > TYPE_HINTS_KEPT:
        hints.popitem(last=False)
    return hint
