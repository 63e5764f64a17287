"""Operations on a type changed in place (shared.py creates and drops whole ones; altered.py routes the changes).

- An enum: new values added where the model has them (`ALTER TYPE ... ADD VALUE ... BEFORE/AFTER`), one step of
  their own: PostgreSQL 12+ runs it in a transaction block, but no statement of that transaction may use the new
  value. Irreversible: PostgreSQL cannot drop an enum value. A value removed or moved is not planned.
- A domain: a CHECK added NOT VALID (no scan), then validated in a step of its own (every value in every column of
  the domain read; one that violates it fails the step), dropped, or changed (dropped, then added); the default and
  NOT NULL set or dropped. A changed base type is not planned. The values a new CHECK or NOT NULL refuses are
  counted at plan time on a live database (plan/domains.py finds the columns, live/violations.py counts).
- A composite: attributes added (at the end: a model that puts one elsewhere is not planned), dropped (their
  values in the columns of the type lost) or retyped (refused by PostgreSQL while a column uses the type: not
  planned then).
- The comment of a type (or of a sequence: altered.py).

Each reverses to the object as it was. Statements are templates/plan_type.sql.j2's and render's own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from schemagen import model as m
from schemagen.plan import domains
from schemagen.plan.enums import made_back, recreate_enum
from schemagen.plan.ops import DATA_LOSS, IRREVERSIBLE, Hazard, Irreversible, Op
from schemagen.render import sql
from schemagen.sqltext import quote_ident, quote_literal

NOT_YET = "not planned yet: change it by hand, or drop and add the object"


def _domain_word(t: m.Type) -> str:
    return "domain" if t.kind == "domain" else "type"


@dataclass(frozen=True)
class AddEnumValues(Op):
    """New values of an enum, each BEFORE or AFTER a value already there (or added just before it)."""

    op: ClassVar[str] = "add_enum_value"
    rank: ClassVar[int] = 52  # with the types created: before the tables, defaults and views that use the values
    catalog_only: ClassVar[bool] = True
    type: m.Type  # as the model has it
    added: tuple[tuple[str, str, str], ...]  # (value, "before" | "after" | "", the value it goes next to)
    back: Op | str  # its rollback: the type made again with its old values (enums.py), or why it cannot be

    def statements(self) -> tuple[str, ...]:
        return tuple(sql("plan_type", "add_value", self.type, v, where, next_to) for v, where, next_to in self.added)

    def _values(self) -> str:
        return ", ".join(quote_literal(v) for v, _, _ in self.added)

    def hazards(self) -> tuple[Hazard, ...]:
        if not isinstance(self.back, str):
            return ()
        return (Hazard(IRREVERSIBLE, f"PostgreSQL cannot drop a value of an enum: {self._values()} stay in "
                                     f"{self.type.qname} after a rollback ({self.back})"),)

    def reverse(self) -> tuple[Op, ...] | Irreversible:
        if not isinstance(self.back, str):
            return (self.back,)
        return Irreversible(f"PostgreSQL cannot drop an enum value, and {self.type.qname} cannot be made again "
                            f"without {self._values()} here: {self.back}")

    def describe(self) -> str:
        return f"add value(s) {self._values()} to enum {self.type.qname}"


@dataclass(frozen=True)
class SetDomain(Op):
    """A domain's default or NOT NULL set to the model's (what: "default" | "not null")."""

    rank: ClassVar[int] = 53
    catalog_only: ClassVar[bool] = True
    what: str
    domain: m.Type  # as the model has it
    previous: m.Type  # as it is
    columns: tuple[domains.Column, ...] = ()  # of the domain in the live database (domains.columns)
    violations: int | None = None  # their NULLs, counted at plan time on a live database (None: not counted)

    @property  # type: ignore[override]
    def op(self) -> str:
        return "set_domain_default" if self.what == "default" else "set_domain_not_null"

    def statements(self) -> tuple[str, ...]:
        return (sql("plan_type", "domain_default" if self.what == "default" else "domain_not_null", self.domain),)

    def hazards(self) -> tuple[Hazard, ...]:
        if self._scans():
            return (domains.violating(self.domain, "NOT NULL", self.columns, self.violations),)
        return ()

    def _scans(self) -> bool:
        return self.what == "not null" and self.domain.not_null

    def counts(self) -> tuple[str, object] | None:
        return ("domain not null", (self.domain, None, self.columns)) if self._scans() else None

    def reverse(self) -> tuple[Op, ...]:
        return (SetDomain(self.key, self.org, self.what, self.previous, self.domain, self.columns),)

    def describe(self) -> str:
        d = self.domain
        if self.what == "default":
            return f"{'set' if d.default is not None else 'drop'} the default of domain {d.qname}"
        return f"{'set' if d.not_null else 'drop'} NOT NULL of domain {d.qname}"


@dataclass(frozen=True)
class DomainCheck(Op):
    """A domain's CHECK: added NOT VALID ("add": no scan, "validate" follows in a step of its own), validated,
    dropped, or added validated at once ("add validated": the rollback giving a dropped check back)."""

    catalog_only: ClassVar[bool] = True  # a validation scans: its violating_rows hazard lifts the timeout
    how: str  # add | validate | drop | add validated
    domain: m.Type
    check: m.Check
    columns: tuple[domains.Column, ...] = ()  # as SetDomain's
    violations: int | None = None  # the values that violate the check, as SetDomain's

    @property  # type: ignore[override]
    def op(self) -> str:
        return f"{self.how.split()[0]}_domain_check"

    @property  # type: ignore[override]
    def rank(self) -> int:  # a changed check: dropped, then added; validated after the column changes
        return {"drop": 51, "validate": 63}.get(self.how, 53)

    def statements(self) -> tuple[str, ...]:
        d, k = self.domain, self.check
        if self.how == "drop":
            return (sql("plan_type", "domain_drop_check", d, k),)
        if self.how == "validate":
            return (sql("plan_type", "domain_validate_check", d, k),)
        return (sql("plan_type", "domain_add_check", d, k, self.how == "add"),)

    def hazards(self) -> tuple[Hazard, ...]:
        if self.how in ("add", "drop"):
            return ()
        return (domains.violating(self.domain, f"check {quote_ident(self.check.name)}", self.columns,
                                  self.violations),)

    def counts(self) -> tuple[str, object] | None:
        return None if self.how in ("add", "drop") else ("domain check", (self.domain, self.check, self.columns))

    def reverse(self) -> tuple[Op, ...]:
        if self.how == "validate":
            return ()  # the rollback of its ADD drops it
        how = "add validated" if self.how == "drop" else "drop"
        return (DomainCheck(self.key, self.org, how, self.domain, self.check, self.columns),)

    def describe(self) -> str:
        name, d = quote_ident(self.check.name), self.domain.qname
        if self.how == "validate":
            return f"validate check {name} of domain {d}"
        if self.how == "drop":
            return f"drop check {name} of domain {d}"
        return f"add check {name} to domain {d}{' not valid' if self.how == 'add' else ''}"


@dataclass(frozen=True)
class Attribute(Op):
    """A composite's attribute added (previous None), dropped (type_ None) or retyped."""

    catalog_only: ClassVar[bool] = True
    composite: m.Type
    name: str
    type_: str | None
    previous: str | None

    @property  # type: ignore[override]
    def op(self) -> str:
        return "add_attribute" if self.previous is None else "drop_attribute" if self.type_ is None \
            else "alter_attribute"

    @property  # type: ignore[override]
    def rank(self) -> int:
        return 51 if self.type_ is None else 52

    def statements(self) -> tuple[str, ...]:
        t, name = self.composite, self.name
        if self.previous is None:
            return (sql("plan_type", "add_attribute", t, name, self.type_),)
        if self.type_ is None:
            return (sql("plan_type", "drop_attribute", t, name),)
        return (sql("plan_type", "alter_attribute", t, name, self.type_),)

    def hazards(self) -> tuple[Hazard, ...]:
        if self.type_ is not None:
            return ()
        what = f"attribute {quote_ident(self.name)} of {self.composite.qname}"
        return (Hazard(DATA_LOSS, f"{what} is dropped: its values in every column of the type are lost"),
                Hazard(IRREVERSIBLE, f"the rollback adds {what} again, empty"))

    def reverse(self) -> tuple[Op, ...]:
        return (Attribute(self.key, self.org, self.composite, self.name, self.previous, self.type_),)

    def describe(self) -> str:
        what = f"attribute {quote_ident(self.name)}"
        if self.previous is None:
            return f"add {what} {self.type_} to type {self.composite.qname}"
        if self.type_ is None:
            return f"drop {what} of type {self.composite.qname}"
        return f"change {what} of type {self.composite.qname} to {self.type_}"


@dataclass(frozen=True)
class Comment(Op):
    """The comment of a type, a sequence, a schema or a table (kind: render's template of it)."""

    op: ClassVar[str] = "set_comment"
    rank: ClassVar[int] = 54
    catalog_only: ClassVar[bool] = True
    kind: str  # type | sequence | schema | table
    obj: object  # as the model has it
    previous: object

    def statements(self) -> tuple[str, ...]:
        return (sql(self.kind, "comment", self.obj),)

    def reverse(self) -> tuple[Op, ...]:
        return (Comment(self.key, self.org, self.kind, self.previous, self.obj),)

    def describe(self) -> str:
        word = _domain_word(self.obj) if self.kind == "type" else self.kind
        return f"set the comment of {word} {getattr(self.obj, 'qname', None) or quote_ident(self.obj.name)}"


# --- the changes -> operations ----------------------------------------------------------------------------------

def _enum(c, want: m.Type, have: m.Type, old: m.Database, new: m.Database) -> tuple[Op, ...] | str:
    """The new values where the model has them, each next to one there; a value removed or moved: the type made
    again (enums.py)."""
    kept = [v for v in want.values if v in have.values]
    if kept != list(have.values):
        return recreate_enum(c.key, want, have, old, new)
    added, before = [], None
    for n, v in enumerate(want.values):
        if v not in have.values:  # after the value before it (there by then), or before the first one there
            after = next((x for x in want.values[n + 1:] if x in have.values), None)
            added.append((v, "after", before) if before is not None else (v, "before", after) if after is not None
                         else (v, "", ""))
        before = v
    return (AddEnumValues(c.key, "", want, tuple(added), made_back(c, want, have, old, new)),)


def _check(d: m.Type, name: str) -> m.Check | None:
    return next((k for k in d.checks if k.name == name), None)


def _domain(c, want: m.Type, have: m.Type, db: m.Database) -> tuple[Op, ...] | str:
    """The ops of a domain's changed part; db: the database as it is, whose columns of the domain the new CHECK or
    NOT NULL reads (a change that PostgreSQL would refuse to validate there: why it is not planned)."""
    ops = _domain_ops(c, want, have, domains.columns(have, db))
    if isinstance(ops, str) or not any(op.counts() for op in ops):
        return ops
    return domains.refused(have, db) or ops


def _domain_ops(c, want: m.Type, have: m.Type, cs: tuple[domains.Column, ...]) -> tuple[Op, ...] | str:
    part = c.part
    if part in (("default",), ("not null",)):
        return (SetDomain(c.key, "", part[0], want, have, cs),)
    if part[0] == "check" and len(part) >= 2:
        new, old = _check(want, part[1]), _check(have, part[1])
        drop = (DomainCheck(c.key, "", "drop", have, old, cs),) if old is not None else ()
        add = (DomainCheck(c.key, "", "add", want, new, cs), DomainCheck(c.key, "", "validate", want, new, cs)) \
            if new else ()
        return drop + add
    return ("a domain's base type is changed by dropping and creating it again with every column that uses it "
            "(" + NOT_YET + ")")


def _users(t: m.Type, db: m.Database) -> list[str]:
    """The columns and composite attributes whose type is t (or an array of it)."""
    found = [f"{x.qname}.{quote_ident(col.name)}" for x in db.tables for col in x.columns
             if col.type.removesuffix("[]") == t.qname]
    return found + [f"{u.qname}.{quote_ident(a)}" for u in db.types for a, ty in u.attributes
                    if ty.removesuffix("[]") == t.qname]


def _attributes(c, want: m.Type, have: m.Type) -> list[Op]:
    """An attribute op per attribute added or dropped."""
    names, had = dict(want.attributes), dict(have.attributes)
    return [Attribute(c.key, "", want, a, names[a], None) for a in names if a not in had] + [
        Attribute(c.key, "", have, a, None, had[a]) for a in had if a not in names]


def _composite(c, want: m.Type, have: m.Type, old: m.Database) -> tuple[Op, ...] | str:
    part, names, had = c.part, dict(want.attributes), dict(have.attributes)
    if part == ("attribute order",):
        result = [a for a in had if a in names] + [a for a in names if a not in had]
        if result != list(names):
            return ("PostgreSQL adds an attribute at the end of its type: write the new attributes last in the "
                    "model, or recreate the type by hand")
        return tuple(_attributes(c, want, have))
    name = part[1]
    if len(part) == 2:
        return tuple(op for op in _attributes(c, want, have) if op.name == name)
    users = _users(have, old)
    if users:
        return (f"PostgreSQL refuses to change an attribute's type while {users[0]} uses the type: "
                "convert that column by hand (" + NOT_YET + ")")
    return (Attribute(c.key, "", want, name, names[name], had[name]),)


def type_ops(c, want: m.Type, have: m.Type, old: m.Database, new: m.Database) -> tuple[Op, ...] | str:
    if c.part == ("comment",):
        return (Comment(c.key, "", "type", want, have),)
    if c.part == ("kind",) or want.kind != have.kind:
        return "a type that changes kind is dropped and created again with every column using it: " + NOT_YET
    if want.kind == "enum":
        return _enum(c, want, have, old, new)
    if want.kind == "domain":
        return _domain(c, want, have, old)
    return _composite(c, want, have, old)
