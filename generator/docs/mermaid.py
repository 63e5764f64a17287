"""Mermaid diagrams of a database: its tables as an `erDiagram` (entities, their columns and keys, one relation
per foreign key) and its continuous aggregates as the hierarchy they form (`flowchart`: source -> aggregate).

Mermaid's grammar is narrower than PostgreSQL's names: an entity or attribute is a word of ASCII letters, digits
and `_`, a type has no spaces or parentheses, a label is a double-quoted string without `"`. So every name is
sanitised deterministically (`core.values_{org}` -> entity `core__values__org_` labelled "core.values_{org}",
`numeric(10,2)` -> `numeric_10_2`), made unique within the diagram in the model's order, and the real name kept
in the label (entities) or the attribute's comment (columns whose name had to change).
"""
from __future__ import annotations

import re

from schemagen import model as m

_NOT_WORD = re.compile(r"[^A-Za-z0-9_]+")
MAX_COLUMNS = 60  # an entity shows at most this many columns (then "... N more"): a 1,600-column table stays legible


_KEYS = {"pk", "fk", "uk"}  # Mermaid reads these as key marks, in any case, wherever a word stands


def word(value: str) -> str:
    """A Mermaid word for any text: runs of other characters as `_`, never starting with a digit, never empty,
    never a key mark (`pk` -> `pk_`)."""
    out = _NOT_WORD.sub("_", value.replace("[]", "_array"))
    out = out if out and not out[0].isdigit() else f"_{out}"
    return f"{out}_" if out.lower() in _KEYS else out


_SHORT = (("character varying", "varchar"), ("timestamp with time zone", "timestamptz"),
          ("timestamp without time zone", "timestamp"), ("time with time zone", "timetz"),
          ("time without time zone", "time"), ("character(", "char("))


def short_type(canonical: str) -> str:
    """A column type as a diagram shows it: PostgreSQL's short names (`varchar(50)`, `timestamptz`), sanitised."""
    for long, short in _SHORT:
        canonical = canonical.replace(long, short)
    return re.sub("__+", "_", word(canonical)).rstrip("_") or "_"


def label(value: str) -> str:
    """Text for inside a double-quoted Mermaid string, one line. An entity's label is lexed as
    `"[^"%\\r\\n\\v\\b\\\\]+"`: so no `"` (there is no escape for it: `'`), no `%` (the fullwidth `％`), no
    backslash (`∖`), no control character (a space)."""
    text = value.replace('"', "'").replace("%", "\uff05").replace("\\", "\u2216")
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", text).split()) or "_"


def _qname(schema: str, name: str) -> str:
    """The key of a table among the diagram's ids: `core__entity` once sanitised (`__` between the parts)."""
    return f"{schema}\x00{name}"


class _Ids:
    """Unique Mermaid ids for names, in the order first asked: a second name sanitised to the same word gets `_2`."""

    def __init__(self):
        self.by_name: dict[str, str] = {}
        self.taken: set[str] = set()

    def __call__(self, name: str) -> str:
        if name not in self.by_name:
            base = candidate = "__".join(word(part) for part in name.split("\x00"))
            n = 1
            while candidate in self.taken:
                n += 1
                candidate = f"{base}_{n}"
            self.taken.add(candidate)
            self.by_name[name] = candidate
        return self.by_name[name]


def _keys(t: m.Table, column: str) -> str:
    keys = []
    if t.primary_key and column in t.primary_key.columns:
        keys.append("PK")
    if any(column in fk.columns for fk in t.foreign_keys):
        keys.append("FK")
    if any(column in u.columns for u in t.uniques):
        keys.append("UK")
    return ", ".join(keys)


def _attribute(t: m.Table, c: m.Column, names: _Ids) -> str:
    typ = short_type(("serial " if c.serial else "") + c.type)
    name = names(c.name)
    line = f"        {typ} {name}"
    keys = _keys(t, c.name)
    if keys:
        line += f" {keys}"
    if name != c.name:
        line += f' "{label(c.name)}"'
    return line


def _entity(t: m.Table, entity: str) -> list[str]:
    kind = " (hypertable)" if t.hypertable else ""
    lines = [f'    {entity}["{label(t.schema + "." + t.name + kind)}"] {{']
    names = _Ids()
    lines += [_attribute(t, c, names) for c in t.columns[:MAX_COLUMNS]]
    if len(t.columns) > MAX_COLUMNS:
        lines.append(f'        more _{len(t.columns) - MAX_COLUMNS}_columns "not shown"')
    if not t.columns:
        lines.append('        none _no_columns "a table without columns"')
    return lines + ["    }"]


def _cardinality(t: m.Table, fk: m.ForeignKey) -> str:
    """parent--child ends: the parent one (`||`) or zero-or-one when a key column may be NULL (`|o`); the child
    zero-or-many, or zero-or-one when the key columns are the child's own primary or unique key."""
    nullable = any(not (c := t.column(col)) or not c.not_null for col in fk.columns)
    keys = {tuple(sorted(u.columns)) for u in t.uniques} | (
        {tuple(sorted(t.primary_key.columns))} if t.primary_key else set())
    single = tuple(sorted(fk.columns)) in keys
    return ("|o" if nullable else "||") + "--" + ("o|" if single else "o{")


def er_diagram(tables: list[m.Table]) -> str | None:
    """The erDiagram of these tables (org templates once, by their template names), or None when there are none."""
    if not tables:
        return None
    ids = _Ids()
    lines = ["erDiagram"]
    for t in tables:
        lines += _entity(t, ids(_qname(t.schema, t.name)))
    for t in tables:
        for fk in t.foreign_keys:
            target = _qname(fk.ref_schema, fk.ref_table)
            if target not in ids.by_name:
                continue  # a target outside these tables (an org's own copy of a template it stands for)
            child = ids(_qname(t.schema, t.name))
            lines.append(f'    {ids(target)} {_cardinality(t, fk)} {child} : "{label(fk.name)}"')
    return "\n".join(lines)


def _node_label(value: str) -> str:
    """Text for a flowchart node's quoted label: `"` and `#` as Mermaid's entity codes, one line."""
    return " ".join(value.replace("#", "#35;").replace('"', "#quot;").split())


def hierarchy(caggs: list[m.ContinuousAggregate], bucket_words) -> str | None:
    """A flowchart of continuous aggregates and what each is built on (source -> aggregate), sources first;
    None when there are none. bucket_words(cagg) is the text under an aggregate's name (its bucket)."""
    if not caggs:
        return None
    ids = _Ids()
    lines = ["flowchart LR"]
    shown: set[str] = set()
    for c in caggs:
        own = f"{c.schema}.{c.name}"
        node = ids(own)
        lines.append(f'    {node}["{_node_label(own + " " + bucket_words(c))}"]')
        shown.add(own)
    for c in caggs:
        if not c.source_relation:
            continue
        src = c.source_relation.replace('"', "")
        if src not in shown:
            lines.append(f'    {ids(src)}["{_node_label(src)}"]')
            shown.add(src)
        lines.append(f"    {ids(src)} --> {ids(c.schema + '.' + c.name)}")
    return "\n".join(lines)
