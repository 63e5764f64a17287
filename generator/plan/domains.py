"""The columns that a domain's new CHECK or NOT NULL reads, found in the live database's model (pure), and the
violating-rows hazard of those steps, with the values counted at plan time when a live plan read them.

What PostgreSQL reads (tested on PostgreSQL 15, 17 and PGlite 17): `ALTER DOMAIN ... VALIDATE CONSTRAINT` and
`SET NOT NULL` check every column of the domain and of every domain over it (a domain over a domain over it too);
a column that holds it inside an array or a composite type (an array of it, a composite with an attribute of it,
an array of such a composite) makes them fail outright, empty or not ("cannot alter type ... because column ...
uses it"), so such a change is not planned. A composite that no column uses does not count.
Only the columns of the tables the live model has are known: a column in a schema the model does not manage is
read by PostgreSQL but not counted.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.plan.ops import VIOLATING_ROWS, Hazard
from schemagen.sqltext import qualified, quote_ident

Column = tuple[str, str, str]  # schema, table, column


def _over(d: m.Type, db: m.Database) -> set[str]:
    """d's name and those of every domain built on it, directly or through another."""
    found, todo = {d.qname}, [d.qname]
    while todo:
        base = todo.pop()
        more = {u.qname for u in db.types if u.kind == "domain" and u.base == base} - found
        found |= more
        todo += more
    return found


def _holders(over: set[str], db: m.Database) -> set[str]:
    """The types that hold one of `over` inside: arrays of them, composites with such an attribute, and so on."""
    held = {f"{n}[]" for n in over}
    while True:
        inside = over | held
        more = {u.qname for u in db.types if u.kind == "composite" and any(ty in inside for _, ty in u.attributes)}
        more |= {f"{n}[]" for n in more}
        if more <= held:
            return held
        held |= more


def columns(d: m.Type, db: m.Database) -> tuple[Column, ...]:
    """The columns of db's tables whose values VALIDATE CONSTRAINT or SET NOT NULL of domain d reads."""
    over = _over(d, db)
    return tuple((t.schema, t.name, c.name) for t in db.tables for c in t.columns if c.type in over)


def refused(d: m.Type, db: m.Database) -> str | None:
    """Why PostgreSQL refuses to validate a new CHECK or NOT NULL of domain d in db (a column holds it inside an
    array or a composite), or None."""
    held = _holders(_over(d, db), db)
    found = next((f"{t.qname}.{quote_ident(c.name)}" for t in db.tables for c in t.columns if c.type in held), None)
    if found is None:
        return None
    return (f"PostgreSQL refuses to validate a new CHECK or NOT NULL of domain {d.qname} while column {found} holds "
            "it inside an array or a composite type (even empty): convert that column by hand")


def named(cs: tuple[Column, ...]) -> str:
    """The columns as a list of qualified names: the first three, and how many more."""
    shown = ", ".join(f"{qualified(s, t)}.{quote_ident(c)}" for s, t, c in cs[:3])
    return shown + (f" and {len(cs) - 3} more column(s)" if len(cs) > 3 else "")


def violating(d: m.Type, what: str, cs: tuple[Column, ...], counted: int | None) -> Hazard:
    """The violating-rows hazard of a domain's step that checks `what` ("check c", "NOT NULL") over columns cs,
    with the count when the plan read one from the live database (tables.violating's wording)."""
    if counted is None:
        return Hazard(VIOLATING_ROWS, f"every value of domain {d.qname} in every column of it is read: one that "
                                      f"violates {what} makes the step fail (not counted at plan time)")
    if not cs:
        return Hazard(VIOLATING_ROWS, f"no column used domain {d.qname} when the plan was made; values written "
                                      f"since then that violate {what} make the step fail")
    if counted == 0:
        return Hazard(VIOLATING_ROWS, f"no value in {named(cs)} violated {what} of domain {d.qname} when the plan "
                                      "was made; values written since then that do make the step fail")
    return Hazard(VIOLATING_ROWS, f"{counted} value(s) in {named(cs)} violate {what} of domain {d.qname}, counted "
                                  "when the plan was made: they make the step fail; fix them first")
