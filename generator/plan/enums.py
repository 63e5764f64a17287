"""An enum whose values are removed or reordered: PostgreSQL cannot do either in place, so the type is made again.

One step, in a transaction: the old type renamed aside, the new one created with the model's values (and comment),
every column of the live database that holds it (or an array of it) converted through its text (`USING
c::text::type`, its default dropped first and set again), the old type dropped. A row holding a value the new type
lacks makes the step fail, changing nothing; those rows are counted at plan time. Each table is rewritten under an
ACCESS EXCLUSIVE lock. The rollback is the same step back to the old values.

Not planned (what PostgreSQL would refuse, or what the conversion would break): a column on a hypertable with
compression (TimescaleDB refuses the type change), a column in a foreign key, a view, materialized view or continuous
aggregate over a table with such a column (PostgreSQL refuses to change the type of a column a view reads), and any
other object whose SQL names the type or such a column (a function's arguments, a domain or composite built on it, a
check, an index expression or predicate, a trigger's WHEN, a row-level security policy): a literal there was bound to
the old type. Matched by name, so a same-named word counts too (the change is then left to do by hand).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from schemagen import model as m
from schemagen.naming import default_name
from schemagen.plan.ops import (
    LOCK,
    NOT_YET,
    TABLE_REWRITE,
    VIOLATING_ROWS,
    Hazard,
    Op,
    columnstore,
    mentions,
    texts,
)
from schemagen.render import sql
from schemagen.sqltext import quote_ident, quote_literal

Use = tuple[m.Table, m.Column, m.Column | None]  # a table as it is, its column as it is, as the model has it
# (None: the model drops the column, after this step; it is converted to text here, its values kept)


def _naming(e: m.Type) -> re.Pattern:
    """The type named in SQL: qualified (as the model and the catalogs write types), or bare after a cast."""
    bare = mentions(e.name).pattern
    return re.compile(rf'(?<![\w$"]){re.escape(e.qname)}(?![\w$"])|::\s*(?:{bare})',
                      0 if e.name != e.name.lower() else re.I)


def _expressions(t: m.Table) -> list[str]:
    """The SQL of a table's checks, index expressions and predicates, triggers' WHEN and policies."""
    policies = t.row_security.policies if t.row_security else ()
    found = [k.expression for k in t.checks] + [i.where for i in t.indexes] + [
        x.expression for i in t.indexes for x in i.elements] + [g.when for g in t.triggers] + [
        p.using for p in policies] + [p.with_check for p in policies]
    return [x for x in found if x]


def _holds(c: m.Column, e: m.Type) -> bool:
    return c.type.removesuffix("[]") == e.qname


def uses(e: m.Type, live: m.Database, new: m.Database) -> tuple[Use, ...]:
    """The live columns of type e or an array of it, each with the model's form of it (None when the model drops
    the column), on the tables the model keeps: a table it drops goes before this step (and comes back after its
    rollback)."""
    kept = {(t.schema, t.name): t for t in new.tables}
    return tuple((t, c, kept[t.schema, t.name].column(c.name)) for t in live.tables if (t.schema, t.name) in kept
                 for c in t.columns if _holds(c, e))


def refusal(e: m.Type, found: tuple[Use, ...], live: m.Database, new: m.Database) -> str | None:
    """Why the type cannot be made again with these columns converted, or None (the tables the model drops are
    gone by then)."""
    tables, name = {t.qname for t, _, _ in found}, _naming(e)
    model = {(t.schema, t.name): t for t in new.tables}
    for t, c, want in found:
        where = f"column {t.qname}.{quote_ident(c.name)}"
        if columnstore(t):
            return f"{where} is on a hypertable with compression, where TimescaleDB refuses a type change"
        if want is not None and not _holds(want, e):
            return (f"{where} changes type in the same plan, after this step: change its type first, in a plan of its "
                    "own")
        if t.hypertable and c.name in (t.hypertable.time_column, *(d.column for d in t.hypertable.dimensions)):
            return f"{where} partitions hypertable {t.qname}, where TimescaleDB refuses a type change"
        if any(c.name in k.columns for k in t.foreign_keys) or any(
                k.ref_schema == t.schema and k.ref_table == t.name and c.name in k.ref_columns
                for x in live.tables for k in x.foreign_keys):
            return f"{where} is in a foreign key, whose two sides would differ in type midway"
        column = mentions(c.name)
        if any(column.search(x) or name.search(x)
               for x in (*_expressions(t), *_expressions(model[t.schema, t.name]))):  # live plans read no policies
            return f"a check, index, trigger or policy of {t.qname} names {where}, and would keep the old type"
    for kind, qname, obj in live.objects():
        if obj is e:
            continue
        if kind in ("table", "view") and not any(x.schema == obj.schema and x.name == obj.name
                                                 for x in (new.tables if kind == "table" else new.views)):
            continue  # dropped before this step (tables at rank 50, plain views at 25)
        if kind == "table" and qname in tables:  # its columns of the type are converted; any other naming it
            obj = tuple(c for c in obj.columns if not _holds(c, e))
        text = list(texts(obj))
        if kind in ("view", "materialized view", "continuous aggregate") and any(
                mentions(t.name).search(x) for t, _, _ in found for x in text):
            return f"{kind} {qname} reads a table with a column of {e.qname}: PostgreSQL refuses the conversion"
        if any(name.search(x) for x in text):
            return f"{kind} {qname} names {e.qname}, and would keep the old type"
    return None


@dataclass(frozen=True)
class RecreateEnum(Op):
    op: ClassVar[str] = "recreate_enum"
    rank: ClassVar[int] = 52  # with the types: before the tables, defaults and views that use its values
    catalog_only: ClassVar[bool] = False
    type: m.Type  # as it will be
    old: m.Type  # as it is
    columns: tuple[Use, ...]
    violations: int | None = None  # rows holding a value the new type lacks, counted at plan time

    def _aside(self) -> str:
        return default_name(self.old.name, "schemagen", "old")

    def statements(self) -> tuple[str, ...]:
        e, aside = self.type, self._aside()
        out = [sql("plan_type", "rename_type", self.old, aside), sql("plan_type", "create_enum", e)]
        tables: dict[str, tuple[m.Table, list]] = {}
        for t, c, want in self.columns:  # a column the model drops: to text (its default dropped), then dropped
            tables.setdefault(t.qname, (t, []))[1].append((c, None if want is None else want.default, want is None))
        out += [sql("plan_type", "enum_columns", t, columns, e) for t, columns in tables.values()]
        out.append(sql("plan_type", "drop_type", e, aside))
        if e.comment is not None:
            out.append(sql("type", "comment", e))
        return tuple(out)

    def _removed(self) -> list[str]:
        return [v for v in self.old.values if v not in self.type.values]

    def hazards(self) -> tuple[Hazard, ...]:
        if not self.columns:
            return ()
        tables = sorted({t.qname for t, _, _ in self.columns})
        shown = ", ".join(tables[:3]) + (f" and {len(tables) - 3} more table(s)" if len(tables) > 3 else "")
        chunks = " (and each chunk of a hypertable)" if any(t.hypertable for t, _, _ in self.columns) else ""
        out = [Hazard(LOCK, f"ACCESS EXCLUSIVE lock on {shown}{chunks}, blocking reads and writes while each is "
                            "rewritten, until the step commits"),
               Hazard(TABLE_REWRITE, f"{shown} rewritten to convert {len(self.columns)} column(s) to the new "
                                     f"{self.type.qname}, their indexes rebuilt")]
        removed = self._removed()
        if removed:
            values = ", ".join(map(quote_literal, removed))
            out.append(Hazard(VIOLATING_ROWS, _violating(self.old, values, self.violations)))
        return tuple(out)

    @property
    def statement_timeout_ms(self) -> int:
        return super().statement_timeout_ms if not self.columns else 0

    def counts(self) -> tuple[str, object] | None:
        if not self.columns or not self._removed():
            return None
        return ("enum values", (self.type.values, tuple((t.schema, t.name, c.name, c.type.endswith("[]"))
                                                        for t, c, want in self.columns if want is not None)))

    def reverse(self) -> tuple[Op, ...]:
        back = tuple((t, want or c, c) for t, c, want in self.columns)  # a dropped column comes back as it is
        return (RecreateEnum(self.key, self.org, self.old, self.type, back),)

    def describe(self) -> str:
        values = ", ".join(map(quote_literal, self.type.values))
        return (f"recreate enum {self.type.qname} with values {values}, converting {len(self.columns)} "
                "column(s)")


def _violating(e: m.Type, values: str, counted: int | None) -> str:
    if counted is None:
        return (f"values {values} in a column of {e.qname}, which the new type lacks, make the step fail (not "
                "counted at plan time)")
    if counted == 0:
        return (f"no column of {e.qname} held {values} when the plan was made; values written since then make "
                "the step fail")
    return (f"{counted} value(s) in the columns of {e.qname} are {values}, which the new type lacks, counted when "
            "the plan was made (a row per column, an array once): they make the step fail; change them first")


def recreate_enum(key: m.ObjectKey, want: m.Type, have: m.Type, live: m.Database, new: m.Database
                  ) -> tuple[Op, ...] | str:
    found = uses(have, live, new)
    why = refusal(have, found, live, new)
    if why:
        return (f"PostgreSQL cannot drop or reorder the values of an enum in place, and making {have.qname} again "
                f"is not planned here: {why} ({NOT_YET})")
    return (RecreateEnum(key, "", want, have, found),)


def made_back(c, want: m.Type, have: m.Type, live: m.Database, new: m.Database) -> RecreateEnum | str:
    """The rollback of values added to an enum: the type made again with its old values (or why it cannot be)."""
    found = tuple((t, c, c) for t, c, _ in uses(have, live, new))
    why = refusal(have, found, live, new)
    return why or RecreateEnum(c.key, "", have, want, found)


def enum_step(type_name: str, live: m.Database, new: m.Database) -> RecreateEnum | None:
    """The step that makes the enum named type_name (a column's type, an array of it) again in this plan, or None:
    the one the type's own change plans (equal to it), which serves a default of its columns too (it sets the
    model's default after the conversion, and its rollback the old one after converting back)."""
    name = type_name.removesuffix("[]")
    have = next((t for t in live.types if t.qname == name and t.kind == "enum"), None)
    want = next((t for t in new.types if t.qname == name and t.kind == "enum"), None)
    if have is None or want is None or [v for v in want.values if v in have.values] == list(have.values):
        return None
    found = recreate_enum(m.ObjectKey("type", have.schema, have.name), want, have, live, new)
    return None if isinstance(found, str) else found[0]
