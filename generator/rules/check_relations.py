"""Rules on the relations the model's SQL reads: a view's or aggregate's query reads tables, views and aggregates
the model has (in its own schemas), and never another org's; a default's nextval('s.seq') reads a sequence the
model creates (a serial column's, or one declared under `sequences:`).
"""
from __future__ import annotations

import re

from schemagen import model as m
from schemagen.rules.context import Context
from schemagen.sqlparse import Parsed, TooMuchSql, json_of, output_columns, parse_expression, unescape

_S = r'"((?:[^"\\]|\\.)*)"'
_RANGEVAR = re.compile(r'"RangeVar":\{(?:"catalogname":' + _S + r',)?(?:"schemaname":' + _S + r',)?"relname":' + _S)
_CTE = re.compile(r'"ctename":' + _S)

_NEXTVAL = re.compile(r'"funcname":\[(?:\{"String":\{"sval":"pg_catalog"\}\},)?\{"String":\{"sval":"nextval"\}\}\],'
                      r'"args":\[\{(?:"TypeCast":\{"arg":\{)?"A_Const":\{"sval":\{"sval":' + _S)


def _regclass_name(text: str) -> tuple[str, str] | None:
    """(schema, name) of a regclass literal as PostgreSQL reads it ('s.seq', '"S".x'; no schema: public, the
    default search_path's); None when it is not one or two names."""
    parts, rest = [], text
    while True:
        quoted = re.match(r'"((?:[^"]|"")*)"', rest)
        if quoted:
            parts.append(quoted[1].replace('""', '"'))
            rest = rest[quoted.end():]
        else:
            plain = re.match(r"[^.\"]+", rest)
            if not plain:
                return None
            parts.append(plain[0].strip().lower())
            rest = rest[plain.end():]
        if not rest:
            break
        if rest[0] != ".":
            return None
        rest = rest[1:]
    return (("public", *parts) if len(parts) == 1 else tuple(parts)) if len(parts) <= 2 else None


def sequences_used(tree: Parsed) -> list[tuple[str, str] | str]:
    """The sequences nextval('...') reads: (schema, name), or the text when it names no sequence."""
    return [_regclass_name(unescape(s)) or unescape(s) for s in _NEXTVAL.findall(json_of(tree))]


def unknown_sequences(ck: Context) -> None:
    """A default's nextval('s.seq') in a schema of the model reads a sequence the model creates (a serial
    column's); the model creates no other sequence there, and the apply would fail. Sequences in schemas the model
    does not hold are someone else's: left to the server."""
    db, known = ck.db, ck.known
    mine = {s.name for s in db.schemas} | {t.schema for t in db.tables}
    for t in db.tables:
        for c in t.columns:
            if not c.default or "nextval" not in c.default.lower():
                continue
            try:
                tree = parse_expression(c.default, ck.problems.budget)  # cached: parsed once per text
            except TooMuchSql:
                return
            if isinstance(tree, Parsed):
                _unqualified(ck, t, c, tree, mine)
            for seq in sequences_used(tree) if isinstance(tree, Parsed) else ():
                if isinstance(seq, str):
                    ck.add(c.source, f"the default of {t.name}.{c.name}: nextval({seq!r}) does not name a "
                                     "sequence", t.org)
                elif seq[0] in mine and seq not in known:
                    serial = sorted(f"{s}.{n}" for (s, n), o in known.items() if s == seq[0] and (
                        isinstance(o, m.Sequence) or isinstance(o, m.Table) and n != o.name))
                    hint = (f" (the model's sequences there: {', '.join(serial[:5])})" if serial else "") + \
                        f"; declare it under `sequences:` of schema {seq[0]}, or make the column serial/bigserial " \
                        "or an identity column"
                    ck.add(c.source, f"the default of {t.name}.{c.name}: nextval reads sequence "
                                     f"{seq[0]}.{seq[1]}, which the model does not create{hint}", t.org)


def _unqualified(ck: Context, t: m.Table, c: m.Column, tree: Parsed, mine: set[str]) -> None:
    """nextval('seq') without a schema is resolved when the table is created, under the scripts' search_path
    (pg_catalog, the extensions' schemas, public): a sequence of the model in another schema is not found there."""
    for raw in _NEXTVAL.findall(json_of(tree)):
        text = unescape(raw)
        seq = _regclass_name(text)
        if not seq or "." in re.sub(r'"(?:[^"]|"")*"', "", text) or text.startswith('"') and '"."' in text:
            continue
        if seq in ck.known:
            continue
        elsewhere = sorted(f"{s}.{seq[1]}" for s in mine if s != "public" and (s, seq[1]) in ck.known)
        if elsewhere:
            ck.add(c.source, f"the default of {t.name}.{c.name}: nextval({text!r}) names no schema, so it is looked "
                             f"up in public when the table is created (the scripts' search_path holds pg_catalog, "
                             f"the extensions' schemas and public), where the model has no such sequence; write "
                             f"nextval('{elsewhere[0]}')", t.org)


def relations_read(parsed: Parsed) -> set[tuple[str | None, str]]:
    """(schema or None, name) of every table, view or function-less relation a query names, CTEs left out."""
    text = parsed.json
    ctes = {unescape(n) for n in _CTE.findall(text)}
    out = set()
    for _, schema, name in _RANGEVAR.findall(text):
        if schema or unescape(name) not in ctes:
            out.add((unescape(schema) if schema else None, unescape(name)))
    return out


def reads(ck: Context, obj, parsed: Parsed | None) -> None:
    """A view's or aggregate's query: the relations it reads in the model's own schemas exist, and belong to the
    shared objects or to its own org (a shared object is created before any org's, and serves every org)."""
    if parsed is None:
        return
    db, known = ck.db, ck.known
    what = "continuous aggregate" if isinstance(obj, m.ContinuousAggregate) else "view"
    if '"ParamRef":' in parsed.json:
        ck.add(obj.source, "the query cannot use a parameter ($1): nothing would fill it in", obj.org)
    if what == "view":
        names = [n for n in output_columns(parsed) if n != "*"]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            ck.add(obj.source, f"the view would have two columns named {twice[0]!r}; name them apart with AS",
                   obj.org)
    schemas = {s.name for s in db.schemas} - {"public"} - {e.schema for e in db.extensions}
    for schema, name in sorted(relations_read(parsed), key=str):
        target = known.get((schema or "public", name))
        if target is None:
            if schema in schemas:
                ck.add(obj.source, f"the query reads {schema}.{name}, which is not a table, view or aggregate of "
                                   "the model", obj.org, "reads unknown")
            continue
        if target is obj:
            ck.add(obj.source, f"the {what} reads itself ({obj.qname})", obj.org)
        elif target.org is not None and obj.org is None:
            ck.add(obj.source, f"a shared {what} cannot read {target.qname} of org {target.org}: the org's objects "
                               f"are created after the shared ones; make it an org template (`{{org}}` in its name)")
        elif target.org is not None and target.org != obj.org:
            ck.add(obj.source, f"the query reads {target.qname} of another org ({target.org}); write "
                               f"`{{org}}` in its name", obj.org, "reads another org")
