"""What the rules of one database share: the problem collector, the database's lookups (tables, functions,
relations by name), the schemas' namespaces, and the small checks every kind of object needs (a name's length,
the columns a constraint names, a query that parses).
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.naming import default_name
from schemagen.rules.problems import Problems
from schemagen.sqlparse import Parsed, parse_select
from schemagen.sqltext import MAX_IDENTIFIER_BYTES


class ModelRelations:
    """The tables, views and aggregates of the whole model by name (`schema.name`, or `name` for public), built
    the first time a rule asks."""

    __slots__ = ("model", "_names")

    def __init__(self, model: m.Model):
        self.model = model
        self._names: dict[str, str] | None = None

    def named(self, name: str) -> str | None:
        """The qualified name of the relation `name` names, if any."""
        if self._names is None:
            self._names = {}
            for db in self.model.databases:
                for r in (*db.tables, *db.views, *db.continuous_aggregates):
                    self._names.setdefault(f"{r.schema}.{r.name}", r.qname)
                    if r.schema == "public":
                        self._names.setdefault(r.name, r.qname)
        return self._names.get(name)


class Context:
    """One database under check."""

    def __init__(self, problems: Problems, db: m.Database, relations: ModelRelations):
        self.problems = problems
        self.add = problems.add  # the collector's, for short calls
        self.once = problems.once
        self.sql = problems.sql
        self.hint = problems.hint
        self.db = db
        self.exts = {e.name for e in db.extensions}
        self.tables = {(t.schema, t.name): t for t in db.tables}
        self.funcs = {(f.schema, f.name): f for f in db.functions}
        self.types = {t.qname: t for t in db.types}  # the model's own types, by canonical name
        self.known = readable_relations(db)
        self.model_relations = relations
        self._namespace: dict[tuple[str, str], str] = {}  # (schema, name) -> what: one namespace per schema

    def name(self, source: m.Source, what: str, name: str, org: str | None = None) -> None:
        """A name PostgreSQL would cut to 63 bytes."""
        size = len(name.encode())
        if size > MAX_IDENTIFIER_BYTES:
            self.add(source, f"{what} name {short(name)} is {size:,} bytes; PostgreSQL cuts names to "
                             f"{MAX_IDENTIFIER_BYTES} bytes silently (to {cut(name)!r})", org, f"long {what}")

    def claim(self, schema: str, name: str, what: str, source: m.Source, org: str | None) -> None:
        """A relation's name in its schema: tables, views, indexes, sequences and aggregates share one namespace."""
        self.name(source, what, name, org)
        key = (schema, cut(name))
        if key in self._namespace:
            hint = "; give one of them an explicit `name:`" if what in ("primary key", "unique constraint") else ""
            self.add(source, f"{what} {schema}.{name} collides with {self._namespace[key]}: tables, views, "
                             f"indexes, sequences and aggregates share one namespace per schema{hint}", org,
                     f"collides {what}")
        else:
            self._namespace[key] = f"{what} {schema}.{name}"

    def need_columns(self, t: m.Table, cols: dict[str, m.Column], listed, what: str, source: m.Source) -> None:
        """The columns a key, an index or a trigger names (`cols`: the table's by name): columns of the table,
        each once."""
        for n in listed:
            if n not in cols:
                hint = self.hint(n, list(cols))
                self.add(source, f"{what} names unknown column {n!r} of {t.qname}"
                         + (f"; did you mean {hint!r}?" if hint else ""), t.org)
        twice = sorted({n for n in listed if list(listed).count(n) > 1})
        if twice:
            self.add(source, f"{what} lists column {twice[0]!r} twice", t.org)

    def query(self, source: m.Source, text: str, org: str | None) -> Parsed | None:
        """A view's or an aggregate's query, parsed; None (and a problem) when it is not one SELECT."""
        parsed = self.sql(parse_select, text, source)
        if isinstance(parsed, str):
            self.add(source, f"the query {parsed}", org)
            return None
        return parsed


def readable_relations(db: m.Database) -> dict[tuple[str, str], object]:
    """Every relation a query may read: tables, their serial and identity sequences, views, aggregates, sequences;
    by (schema, name)."""
    known: dict[tuple[str, str], object] = {}
    for t in db.tables:
        known[(t.schema, t.name)] = t
        for c in t.columns:
            if c.serial or c.identity:
                known[(t.schema, default_name(t.name, c.name, "seq"))] = t
    for obj in db.views + db.continuous_aggregates:
        known[(obj.schema, obj.name)] = obj
    for q in db.sequences:  # sequences of their own: nextval() defaults and queries may read them
        known.setdefault((q.schema, q.name), q)
    return known


def unique_keys(t: m.Table, partial: bool = True) -> list[tuple[str, ...]]:
    """The column sets a foreign key or ON CONFLICT can rely on: primary key, unique constraints, unique indexes
    on plain columns (without WHERE)."""
    keys = [t.primary_key.columns] if t.primary_key else []
    keys += [u.columns for u in t.uniques]
    keys += [tuple(e.column for e in i.elements) for i in t.indexes
             if i.unique and not i.where and all(e.column for e in i.elements)]
    return keys


def short(text: str) -> str:
    """SQL quoted in a message: the first line, at most 60 characters."""
    line = text.strip().split("\n")[0] if text.strip() else ""  # not splitlines(): U+2028 ends no line here
    return repr(line if len(line) <= 60 and line == text.strip() else line[:57] + "...")


def cut(name: str) -> str:
    """The name as PostgreSQL stores it: at most 63 bytes, never half a character."""
    raw = name.encode()
    return name if len(raw) <= MAX_IDENTIFIER_BYTES else raw[:MAX_IDENTIFIER_BYTES].decode("utf-8", "ignore")
