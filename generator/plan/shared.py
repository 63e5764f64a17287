"""Operations on the shared objects a table or function may need: schemas, extensions, types (enums, composites,
domains) and sequences, created or dropped as render creates and drops them (render's templates). A changed type,
extension or sequence (an enum value, a domain's check, a version, an increment) is altered.py's.

Created before what uses them (schemas first, extensions, then types in the model's dependency order, then
sequences, before functions and tables); dropped after it (types and sequences after every column change, schemas
last). Each reverses to the other; a dropped sequence comes back at its start value.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from schemagen import model as m
from schemagen.plan.altered import changed_ops
from schemagen.plan.ops import DATA_LOSS, Hazard, Op, an
from schemagen.plan.security import grants_of
from schemagen.render import sql
from schemagen.scripts import extension_schema
from schemagen.sqltext import quote_ident

_CREATE_RANK = {"schema": 2, "extension": 3, "type": 52, "sequence": 53}
_DROP_RANK = {"schema": 98, "extension": 97, "type": 78, "sequence": 77}  # after every change of the columns using them


def _name(kind: str, obj) -> str:
    if kind in ("schema", "extension"):
        return quote_ident(obj.name)
    return obj.qname


@dataclass(frozen=True)
class Shared(Op):
    """A schema, type or sequence created (create) or dropped."""

    kind: str  # schema | extension | type | sequence
    obj: object  # m.Schema | m.Extension | m.Type | m.Sequence
    create: bool
    position: int = 0  # in the model's order of its kind (types: what they are built on first)
    schema: str = "public"  # an extension's: the schema its objects go in

    @property  # type: ignore[override]
    def op(self) -> str:
        return f"{'create' if self.create else 'drop'}_{self.kind}"

    @property  # type: ignore[override]
    def rank(self) -> int:
        return (_CREATE_RANK if self.create else _DROP_RANK)[self.kind]

    def statements(self) -> tuple[str, ...]:
        o = self.obj
        if not self.create:
            return (sql(self.kind, "drop", o),)
        if self.kind == "extension":  # in its own schema, made first as render makes it
            made = () if self.schema in ("public", "pg_catalog") else (sql("schema", "create", m.Schema(self.schema)),)
            return (*made, sql("extension", "create", o, self.schema))
        out = [sql(self.kind, "create", o)]
        if getattr(o, "comment", None) is not None:
            out.append(sql(self.kind, "comment", o))
        if self.kind in ("schema", "sequence"):  # with its grants
            out += grants_of(self.kind, _name(self.kind, o), o.grants)
        return tuple(out)

    def hazards(self) -> tuple[Hazard, ...]:
        if self.kind == "sequence" and not self.create:
            return (Hazard(DATA_LOSS, f"sequence {self.obj.qname} and its current value are dropped; the rollback "
                                      "creates it again at its start value"),)
        return ()

    def reverse(self) -> tuple[Op, ...]:
        return (Shared(self.key, self.org, self.kind, self.obj, not self.create, -self.position, self.schema),)

    def describe(self) -> str:
        return f"{'create' if self.create else 'drop'} {self.kind} {_name(self.kind, self.obj)}"

    def order(self) -> tuple:
        return (self.position, self.object, self.describe())


@dataclass(frozen=True)
class OwnSequence(Op):
    """ALTER SEQUENCE ... OWNED BY, after the table it belongs to is created (as render does it)."""

    op: ClassVar[str] = "own_sequence"
    rank: ClassVar[int] = 61
    catalog_only: ClassVar[bool] = True
    sequence: m.Sequence

    def statements(self) -> tuple[str, ...]:
        return (sql("sequence", "owned_by", self.sequence),)

    def reverse(self) -> tuple[Op, ...]:
        return ()  # the sequence's own drop (or its table's) undoes it

    def describe(self) -> str:
        table, column = self.sequence.owned_by
        return f"make sequence {self.sequence.qname} owned by {table}.{column}"


def shared_ops(c, new: m.Database, old: m.Database) -> tuple[Op, ...] | str | None:
    """A schema, type or sequence missing (created) or extra (dropped); None: not one of those kinds."""
    if c.kind not in _CREATE_RANK:
        return None
    if c.part or c.change == "changed":
        return changed_ops(c, new, old)
    db = new if c.change == "missing" else old
    objs = {"schema": db.schemas, "extension": db.extensions, "type": db.types, "sequence": db.sequences}[c.kind]
    for n, o in enumerate(objs):
        if (getattr(o, "schema", "") if c.kind not in ("schema", "extension") else "") == c.key.schema \
                and o.name == c.key.name:
            create = c.change == "missing"
            schema = extension_schema(db, o.name) if c.kind == "extension" else "public"
            owner = (OwnSequence(c.key, "", o),) if create and c.kind == "sequence" and o.owned_by else ()
            return (Shared(c.key, "", c.kind, o, create, n if create else -n, schema), *owner)
    return f"{an(c.change)} {c.kind} is not planned yet"
