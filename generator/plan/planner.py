"""The planner: Changes between a database as it is (`old`) and as the model wants it (`new`) -> ordered steps and
their rollback.

Each change goes to the operation that serves it (one operation may serve several: every changed fact of one
index is one drop and one create); a change no operation serves yet is listed as not planned, with why. Steps are
ordered by the operations' ranks (off-boarding and drops of dependents first, then removals, additions, and new
orgs last), then by their own order (tables in dependency order) and their text: the same input gives the same
plan. The rollback is the reverse of each step, in reverse order.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from schemagen import model as m
from schemagen.changes import Change
from schemagen.compare.diff import diff
from schemagen.compare.expected import expected_database
from schemagen.compare.security import model_changes
from schemagen.order import tables_in_order, views_in_order
from schemagen.plan import server
from schemagen.plan.aggregates import aggregate_ops, recreated
from schemagen.plan.blocked import split_replaced_views, take_out_blocked
from schemagen.plan.columnchanges import columns
from schemagen.plan.compression import DisableCompression, SetCompression
from schemagen.plan.indexes import index_changes
from schemagen.plan.keys import key_ops
from schemagen.plan.matviews import matview_ops
from schemagen.plan.matviews import roots as matview_roots
from schemagen.plan.objects import function_ops, trigger_ops, view_ops
from schemagen.plan.ops import NOT_YET, Irreversible, NotPlanned, Op, Step, an
from schemagen.plan.orgs import Offboard, Onboard
from schemagen.plan.recipes import dropped_compressed
from schemagen.plan.renamed import declared
from schemagen.plan.renames import after_renames
from schemagen.plan.retype import absorb_views
from schemagen.plan.security import security_ops
from schemagen.plan.shared import shared_ops
from schemagen.plan.state import fingerprint
from schemagen.plan.tables import (
    AddColumn,
    CreateTable,
    DropConstraint,
    DropTable,
    add_constraint,
)
from schemagen.plan.timescale import (
    AddDimension,
    AddPolicy,
    AlterPolicy,
    ConvertToHypertable,
    RemovePolicy,
    SetChunkInterval,
    policy_of,
    policy_problems,
    relation_of,
    ts_schema,
)
from schemagen.plan.types import Comment
from schemagen.scripts import extension_schema


@dataclass(frozen=True)
class Plan:
    database: str
    source: str  # what the plan starts from: "model old.yaml"
    target: str  # what it leads to: "model model.yaml"
    fingerprint: str  # sha256 of the state it starts from (offline: the old model's database, canonical)
    steps: tuple[Step, ...]
    rollback: tuple[Step, ...]
    not_planned: tuple[NotPlanned, ...]

    @property
    def empty(self) -> bool:
        return not self.steps and not self.not_planned

    @property
    def message(self) -> str:
        return (f"database {self.database}: {len(self.steps)} step(s) planned, {len(self.not_planned)} "
                "difference(s) not planned (yet)")


@dataclass(frozen=True)
class _Context:
    old: m.Database
    new: m.Database
    ts: str  # TimescaleDB's schema, quoted (policies)
    ts_name: str  # unquoted (render's Objects)
    new_order: dict[str, int]  # table qname -> position in dependency order
    old_order: dict[str, int]
    recreated: dict[str, str] = dataclasses.field(default_factory=dict)  # aggregate chains: member -> root
    view_order: dict[str, int] = dataclasses.field(default_factory=dict)  # view qname -> dependency position
    matviews: dict[str, str] = dataclasses.field(default_factory=dict)  # recreated materialized views: member -> root
    folded: list[Change] = dataclasses.field(default_factory=list)  # served by their object's creating step


def _relations(db: m.Database) -> dict[tuple[str, str, str], object]:
    """The objects a change may name, by (kind, schema, name); functions by name where one has it alone, and by
    (kind, schema, name + signature) always (overloads)."""
    out: dict[tuple[str, str, str], object] = {("table", t.schema, t.name): t for t in db.tables}
    out |= {("continuous aggregate", c.schema, c.name): c for c in db.continuous_aggregates}
    out |= {("materialized view" if v.materialized else "view", v.schema, v.name): v for v in db.views}
    names = [(f.schema, f.name) for f in db.functions]
    for f in db.functions:
        out[("function", f.schema, f.name + f.signature)] = f
        if names.count((f.schema, f.name)) == 1:
            out[("function", f.schema, f.name)] = f
    return out


def _lookup(objects: dict[tuple[str, str, str], object], c: Change) -> object | None:
    if c.kind == "function":
        return objects.get(("function", c.key.schema, c.key.name + c.key.signature)) or (
            None if c.overloaded else objects.get(("function", c.key.schema, c.key.name)))
    return objects.get((c.kind, c.key.schema, c.key.name))


def _constraint(t: m.Table, kind: str, name: str):
    group = {"check": t.checks, "unique": t.uniques, "foreign key": t.foreign_keys}[kind]
    return next(k for k in group if k.name == name)


def _compression(c: Change, new: m.Table | m.ContinuousAggregate, old: m.Table | m.ContinuousAggregate, org: str,
                 ctx: _Context) -> tuple[Op, ...]:
    """Compression of a hypertable or a continuous aggregate turned on (missing), off (extra) or changed (a
    setting)."""
    if c.change == "extra" and not c.part[1:]:
        return (DisableCompression(c.key, org, old, old.compression, ctx.ts),)
    recipe = dropped_compressed(c.key, new, old, org, ctx.ts) if isinstance(old, m.Table) else None
    if recipe and recipe.compression != new.compression:  # the model's settings name a column added later
        return (recipe, SetCompression(c.key, org, old, new.compression, recipe.compression, ctx.ts))
    if recipe:  # the settings change with the columns they name dropped: one step (plan/recipes.py)
        return (recipe,)
    previous = old.compression if c.part[1:] or c.change != "missing" else None
    return (SetCompression(c.key, org, old, new.compression, previous, ctx.ts),)


def _hypertable(c: Change, new: m.Table, old: m.Table, org: str, ctx: _Context) -> tuple[Op, ...] | str:
    """A plain table made a hypertable (migrate_data), a dimension added, the chunk interval changed."""
    part = c.part
    if part == ("hypertable",) and c.change == "missing":
        return (ConvertToHypertable(c.key, org, new, ctx.ts),)
    if part == ("hypertable",):
        return "a hypertable cannot become a plain table again (a new table, INSERT ... SELECT and a swap)"
    if part == ("hypertable", "chunk_interval") and _time_moved(new, old):
        return "the chunk interval is the new time column's, " + _TIME_LEFT
    if part == ("hypertable", "chunk_interval") and new.hypertable.chunk_interval is not None:
        return (SetChunkInterval(c.key, org, new, old.hypertable.chunk_interval, ctx.ts),)
    if len(part) == 3 and part[1] == "dimension" and c.change == "missing":
        return (AddDimension(c.key, org, new, next(d for d in new.hypertable.dimensions if d.column == part[2]),
                             ctx.ts),)
    if len(part) >= 3 and part[1] == "dimension":
        return "TimescaleDB cannot remove or change a dimension (rebuilding the table is the only way)"
    return f"a changed hypertable ({' '.join(part[1:])}) is " + NOT_YET


def _indexes(c: Change, new: m.Table, old: m.Table) -> tuple[Op, ...]:
    if old.hypertable and not new.hypertable:  # still a hypertable when the index is built
        new = dataclasses.replace(new, hypertable=old.hypertable)
    return index_changes(c, new, old)


def _constraints(c: Change, new: m.Table, old: m.Table, org: str) -> tuple[Op, ...]:
    kind, name = c.part[0], c.part[1]
    drop = (DropConstraint(c.key, org, old, kind, _constraint(old, kind, name)),) if c.change != "missing" else ()
    add = add_constraint(c.key, org, new, kind, _constraint(new, kind, name)) if c.change != "extra" else ()
    return drop + add


_TIME_LEFT = "and the time column's change is not planned (see the other differences)"


def _time_moved(new, old) -> bool:
    """A hypertable whose time column the model changes: TimescaleDB cannot, so what is the new one's waits."""
    ht, was = getattr(new, "hypertable", None), getattr(old, "hypertable", None)
    return bool(ht and was and ht.time_column != was.time_column)


def _policies(c: Change, new, old, org: str, ctx: _Context) -> tuple[Op, ...] | str:
    kind = c.part[0].split()[0]  # "compression policy" -> compression
    if _time_moved(new, old):
        return f"the {kind} policy's intervals are the new time column's, " + _TIME_LEFT
    want, have = policy_of(new, kind) if new else None, policy_of(old, kind) if old else None
    if want is not None:
        problems = policy_problems(kind, want, getattr(new, "bucket_width", None))
        if problems:
            return "the policy would fail when its job runs: " + "; ".join(problems)
    relation = relation_of(new or old)
    if want is None:
        return (RemovePolicy(c.key, org, relation, kind, have, ctx.ts),)
    if have is None:
        if kind == "compression" and not (old.compression or new.compression):
            return "a compression policy needs the compression settings"
        return (AddPolicy(c.key, org, relation, kind, want, ctx.ts),)
    return (AlterPolicy(c.key, org, relation, kind, want, have, ctx.ts),)


def _ops(c: Change, ctx: _Context, new, old) -> tuple[Op, ...] | str:
    """The operations that serve one change, or why there are none yet."""
    org = getattr(new or old, "org", None) or ""
    part = c.part
    if c.kind == "table" and not part:
        if c.change == "missing":
            return (CreateTable(c.key, org, new, ctx.ts_name, ctx.new_order.get(new.qname, 0)),)
        if c.change == "extra":
            return (DropTable(c.key, org, old, ctx.ts_name, -ctx.old_order.get(old.qname, 0)),)
    aggregates = aggregate_ops(c, new, old, ctx.ts_name, ctx.recreated, ctx.new, ctx.old)
    if aggregates is not None:
        return aggregates
    matviews = matview_ops(c, new, old, ctx.matviews, ctx.new, ctx.old, ctx.view_order)
    if matviews is not None:
        return matviews
    if c.kind == "function":
        return function_ops(c, new, old, ctx.old, ctx.new)
    if c.kind in ("view", "materialized view"):
        return view_ops(c, new, old, ctx.view_order)
    if c.kind == "table" and part and new and old:
        if part == ("comment",):
            return (Comment(c.key, org, "table", new, old),)
        if part[0] == "trigger" and len(part) >= 2:
            return trigger_ops(c, org, new, old)
        if part[0] == "column" and len(part) >= 2:
            return columns(c, new, old, org, ctx)
        if part[0] == "index" and len(part) >= 2:
            return _indexes(c, new, old)
        if part[0] in ("check", "unique", "foreign key") and len(part) >= 2:
            return _constraints(c, new, old, org)
        if part[0] == "primary key" and len(part) >= 2:
            return key_ops(c, new, old, org, ctx.new, ctx.old)
        if part[0] == "compression" and (old.hypertable or new.hypertable):
            return _compression(c, new, old, org, ctx)
        if part[0] == "hypertable":
            return _hypertable(c, new, old, org, ctx)
    if c.kind == "continuous aggregate" and part and part[0] == "compression" and new and old:
        return _compression(c, new, old, org, ctx)
    if (c.kind in ("table", "continuous aggregate") and part and new and old
            and part[0] in ("compression policy", "retention policy", "refresh policy")):
        return _policies(c, new, old, org, ctx)
    return f"{an(c.change)} {c.kind}{' part' if part else ''} is {NOT_YET}"


def _serve(changes: Iterable[Change], ctx: _Context, orgs: dict[str, Op]) -> tuple[dict[Op, list[Change]],
                                                                                    list[NotPlanned]]:
    new_rel, old_rel = _relations(ctx.new), _relations(ctx.old)
    served: dict[Op, list[Change]] = {op: [] for op in orgs.values()}
    left: list[NotPlanned] = []
    for c in changes:
        new, old = _lookup(new_rel, c), _lookup(old_rel, c)
        org = c.org or getattr(new or old, "org", None) or ""
        if org in orgs:  # a new org's objects are its onboarding; a removed org's its off-boarding
            served[orgs[org]].append(c)
            continue
        ops = security_ops(c, ctx.new, ctx.old)  # grants and row-level security (plan/security.py)
        if ops is None:
            ops = shared_ops(c, ctx.new, ctx.old)
        if ops is None:
            ops = _ops(c, ctx, new, old) if (new or old) else f"{an(c.change)} {c.kind} is {NOT_YET}"
        if isinstance(ops, str):
            left.append(NotPlanned(c, ops))
            continue
        if not ops:  # a new object's grants or policies: its creating step serves them
            ctx.folded.append(c)
        for op in ops:
            served.setdefault(op, []).append(c)
    return served, left


def _folded_left(ctx: _Context, left: list[NotPlanned]) -> list[NotPlanned]:
    """The grants and policies of an object whose creating step is not planned (taken out, left alone): not
    planned with it."""
    uncreated = {(n.change.key, n.change.org) for n in left if n.change.change == "missing" and not n.change.part}
    return [NotPlanned(c, f"it is part of creating {c.kind} {c.object}, which this plan does not do (see the other "
                          "differences)") for c in ctx.folded if (c.key, c.org) in uncreated]


def _column_order(served: dict[Op, list[Change]], ctx: _Context) -> list[NotPlanned]:
    """PostgreSQL adds a column at the end of its table: where the model puts a new column before others, the
    drift check would report the order afterwards. Said here rather than found after apply."""
    added: dict[m.ObjectKey, list[AddColumn]] = {}
    for op in served:
        if isinstance(op, AddColumn):
            added.setdefault(op.key, []).append(op)
    out, old_rel = [], _relations(ctx.old) if added else {}
    for key, ops in added.items():
        new, old = ops[0].table, old_rel[("table", key.schema, key.name)]
        names = {c.name for c in new.columns}
        new_names = {op.column.name for op in ops}
        result = tuple(c.name for c in old.columns if c.name in names) + tuple(
            c.name for c in new.columns if c.name in new_names)
        want = tuple(c.name for c in new.columns)
        if result != want:
            change = Change(ctx.new.name, ops[0].org, key, "changed", ("column order",), want, result)
            out.append(NotPlanned(change, "PostgreSQL adds a column at the end of its table: write the new "
                                          "columns last in the model (or rebuild the table by hand)"))
    return out


def _steps(served: dict[Op, list[Change]]) -> tuple[tuple[Step, ...], tuple[Step, ...]]:
    ops = sorted((op for op in served if op.statements()), key=lambda op: (op.rank, op.order(), op.describe()))
    steps = tuple(Step.of(n, op, tuple(sorted(served[op]))) for n, op in enumerate(ops, 1))
    rollback: list[Step] = []
    for n, op in reversed(list(enumerate(ops, 1))):
        back = op.reverse()
        if isinstance(back, Irreversible):
            rollback.append(Step(len(rollback) + 1, "irreversible", f"cannot undo step {n}: {op.describe()}",
                                 op.key, op.org, (), (), True, None, (), undoes=n, irreversible=back.why))
            continue
        rollback += [Step.of(len(rollback) + 1 + k, rev, undoes=n) for k, rev in enumerate(back)]
    return steps, tuple(rollback)


def _org_key(org: str) -> m.ObjectKey:
    return m.ObjectKey("org", "", org)


def _database(model: m.Model, name: str) -> m.Database:
    return next((d for d in model.databases if d.name == name), m.Database(name))


def plan(old: m.Model, new: m.Model, database: str) -> Plan:
    """The plan that takes database `database` from the old model's state to the new model's, offline."""
    old_db, new_db = _database(old, database), _database(new, database)
    old_e, new_e = (expected_database(d, None, frozenset()) for d in (old_db, new_db))
    schemas = {s.name for s in (*old_db.schemas, *new_db.schemas)}
    changes = diff(new_e, old_e, managed_schemas=schemas, known_orgs=[*old_db.orgs, *new_db.orgs])
    changes = sorted([*changes, *model_changes(new_e, old_e)], key=Change.sort_key)  # grants and RLS
    orgs: dict[str, Op] = {o: Onboard(_org_key(o), o, new, database) for o in new_db.orgs if o not in old_db.orgs}
    orgs |= {o: Offboard(_org_key(o), o, old, database) for o in old_db.orgs if o not in new_db.orgs}
    return plan_changes(changes, old_e, new_e, new_db if new_db.uses_timescaledb else old_db, orgs,
                        f"model {Path(old.file).name}", f"model {Path(new.file).name}", fingerprint(old_e))


def plan_changes(changes: Iterable[Change], old_e: m.Database, new_e: m.Database, model_db: m.Database,
                 orgs: dict[str, Op], source: str, target: str, state: str,
                 owned: Callable[[Op], str | None] | None = None,
                 count: Callable[[m.Table | None, str, object], int | None] | None = None,
                 refused: dict[str, str] | None = None,
                 chunks: dict[str, tuple[int, int]] | None = None) -> Plan:
    """The plan serving `changes` between a database as it is (old_e) and as the model expects it (new_e), both
    as compare sees them; orgs: the onboarding and off-boarding operations by org key; owned: for a live
    database, why an operation must be left alone (it alters or drops what schemagen did not create), or None;
    count: for a live database, the rows of a table that a new constraint would refuse (table, kind, constraint),
    read into the hazards of the steps that scan for them; refused: for a live database, the features its server
    lacks -> why (a step that needs one is listed as not planned instead); chunks: for a live database, each
    hypertable's chunks and compressed chunks, counted into the lock and decompression hazards."""
    renamed = declared(new_e, old_e)
    changes, old_e, served_renames = after_renames(list(changes), renamed, old_e, new_e)
    ctx = _Context(old_e, new_e, ts_schema(model_db), extension_schema(model_db, "timescaledb"),
                   {t.qname: n for n, t in enumerate(tables_in_order(new_e.tables))},
                   {t.qname: n for n, t in enumerate(tables_in_order(old_e.tables))},
                   recreated(changes, new_e, old_e),
                   {v.qname: n for n, v in enumerate(views_in_order([*new_e.views, *(
                       v for v in old_e.views if v.qname not in {w.qname for w in new_e.views})]))},
                   matview_roots(changes, new_e, old_e))
    served, left = _serve(changes, ctx, orgs)
    left += absorb_views(served, ctx.old, ctx.new)
    served |= served_renames
    left += [NotPlanned(Change(new_e.name, t.org or "", m.ObjectKey("table", t.schema, t.name), "changed",
                               ("renamed_from",), None, None), why) for t, why in renamed.refused]
    if owned is not None:
        back = {m.ObjectKey("table", r.table.schema, r.new): m.ObjectKey("table", r.table.schema, r.old)
                for r in renamed.renames if r.kind == "table"}
        for op in [op for op in served if owned(dataclasses.replace(op, key=back.get(op.key, op.key)))]:
            left += [NotPlanned(c, owned(op)) for c in served.pop(op)]
    left += server.refuse(served, refused or {})
    served = server.in_transactions(served, refused or {})
    served = split_replaced_views(served)
    left += take_out_blocked(served, left, old_e, new_e)
    left += _folded_left(ctx, left)
    left += _column_order(served, ctx)
    if count is not None:
        served = {server.counted(op, count): cs for op, cs in served.items()}
    steps, rollback = _steps(served)
    if chunks:
        steps = tuple(server.with_chunks(s, chunks) for s in steps)
    return Plan(new_e.name or old_e.name, source, target, state, steps, rollback,
                tuple(sorted(left, key=lambda n: n.change.sort_key())))
