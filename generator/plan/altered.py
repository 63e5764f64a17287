"""Shared objects changed in place: a type (types.py), a sequence, an extension. What shared.py hands on: every
change of one of them that is not the whole object missing or extra.

- A sequence: its settings (`ALTER SEQUENCE ... AS ... INCREMENT BY ...`, every one written out, as render creates
  it; START WITH sets what a RESTART goes back to, never the current value), its OWNED BY, its comment.
- An extension: `ALTER EXTENSION ... UPDATE TO` the model's version; irreversible (extensions ship upgrade scripts,
  seldom a way back). TimescaleDB's own update is not planned: it must be the first statement of a fresh session,
  with the new library installed on the server. A changed schema is not planned.

Each reverses to the object as it was, or says why it cannot. Statements are templates/plan_type.sql.j2's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from schemagen import model as m
from schemagen.plan.ops import IRREVERSIBLE, LOCK, Hazard, Irreversible, Op, an
from schemagen.plan.types import NOT_YET, Comment, type_ops
from schemagen.render import sql
from schemagen.sqltext import quote_ident

_SETTINGS = ("as", "start", "increment", "min", "max", "cache", "cycle")


@dataclass(frozen=True)
class AlterSequence(Op):
    """A sequence's settings (as, increment, min, max, start, cache, cycle) set to the model's, all at once."""

    op: ClassVar[str] = "alter_sequence"
    rank: ClassVar[int] = 53
    catalog_only: ClassVar[bool] = True
    sequence: m.Sequence
    previous: m.Sequence

    def statements(self) -> tuple[str, ...]:
        return (sql("plan_type", "alter_sequence", self.sequence),)

    def hazards(self) -> tuple[Hazard, ...]:
        return (Hazard(LOCK, f"lock on sequence {self.sequence.qname}, blocking nextval() until the step commits "
                             "(briefly); a current value outside the new MINVALUE / MAXVALUE makes it fail"),)

    def reverse(self) -> tuple[Op, ...]:
        return (AlterSequence(self.key, self.org, self.previous, self.sequence),)

    def describe(self) -> str:
        return f"alter sequence {self.sequence.qname}"


@dataclass(frozen=True)
class SequenceOwner(Op):
    """A sequence's OWNED BY set to the model's (or NONE), after the table it belongs to exists."""

    op: ClassVar[str] = "set_sequence_owner"
    rank: ClassVar[int] = 61  # as own_sequence: after the tables created
    catalog_only: ClassVar[bool] = True
    sequence: m.Sequence
    previous: m.Sequence

    def statements(self) -> tuple[str, ...]:
        return (sql("plan_type", "sequence_owned_by", self.sequence),)

    def reverse(self) -> tuple[Op, ...]:
        return (SequenceOwner(self.key, self.org, self.previous, self.sequence),)

    def describe(self) -> str:
        q = self.sequence
        return f"make sequence {q.qname} owned by {'.'.join(map(quote_ident, q.owned_by)) if q.owned_by else 'none'}"


@dataclass(frozen=True)
class UpdateExtension(Op):
    op: ClassVar[str] = "update_extension"
    rank: ClassVar[int] = 4  # after the extensions created, before everything that may use the new version
    extension: m.Extension  # as the model has it
    previous: str | None  # the version there

    def statements(self) -> tuple[str, ...]:
        return (sql("plan_type", "update_extension", self.extension, self.extension.version),)

    def hazards(self) -> tuple[Hazard, ...]:
        return (Hazard(IRREVERSIBLE, f"extension {quote_ident(self.extension.name)} is updated to "
                                     f"{self.extension.version}: extensions ship upgrade scripts, seldom one back "
                                     f"to {self.previous}"),)

    def reverse(self) -> Irreversible:
        return Irreversible(f"extension {quote_ident(self.extension.name)} stays at {self.extension.version}: "
                            f"going back to {self.previous} needs a downgrade script the extension seldom ships "
                            "(ALTER EXTENSION ... UPDATE TO, by hand, where it does)")

    def describe(self) -> str:
        return f"update extension {quote_ident(self.extension.name)} from {self.previous} to " \
               f"{self.extension.version}"


# --- the changes -> operations ----------------------------------------------------------------------------------

def _sequence(c, want: m.Sequence, have: m.Sequence) -> tuple[Op, ...] | str:
    if c.part == ("comment",):
        return (Comment(c.key, "", "sequence", want, have),)
    if c.part == ("owned_by",):
        return (SequenceOwner(c.key, "", want, have),)
    if c.part[0] in _SETTINGS:
        return (AlterSequence(c.key, "", want, have),)
    return f"a changed sequence ({' '.join(c.part)}) is {NOT_YET}"


def _extension(c, want: m.Extension, have: m.Extension) -> tuple[Op, ...] | str:
    if c.part == ("version",) and want.name == "timescaledb":
        return ("ALTER EXTENSION timescaledb UPDATE must be the first statement of a fresh session (psql -X), "
                "with the new version's library installed on the server: update it by hand")
    if c.part == ("version",):
        return (UpdateExtension(c.key, "", want, have.version),)
    return "moving an extension to another schema (ALTER EXTENSION ... SET SCHEMA) is " + NOT_YET


def changed_ops(c, new: m.Database, old: m.Database) -> tuple[Op, ...] | str:
    """The operations that change a schema, extension, type or sequence in place, or why there are none."""
    groups = {"extension": "extensions", "type": "types", "sequence": "sequences", "schema": "schemas"}
    if c.kind not in groups or (c.change != "changed" and not c.part):
        return f"{an(c.change)} {c.kind}{' part' if c.part else ''} is {NOT_YET}"

    def find(db: m.Database):
        return next((o for o in getattr(db, groups[c.kind])
                     if o.name == c.key.name and (c.kind in ("extension", "schema") or o.schema == c.key.schema)),
                    None)

    want, have = find(new), find(old)
    if want is None or have is None:
        return f"a changed {c.kind} is {NOT_YET}"
    if c.kind == "schema":
        return (Comment(c.key, "", "schema", want, have),) if c.part == ("comment",) else (
            f"a changed schema ({' '.join(c.part)}) is {NOT_YET}")
    if c.kind == "type":
        return type_ops(c, want, have, old, new)
    if c.kind == "sequence":
        return _sequence(c, want, have)
    return _extension(c, want, have)
