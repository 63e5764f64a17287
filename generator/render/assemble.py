"""render's scripts: the statements of each phase and each org collected into numbered Scripts, with their text.

Python decides what is created and in which order (scripts.PHASES: the phase list; order.py: the dependency order
of tables, aggregates and views inside a phase); statements.py says what each phase holds.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from schemagen import model as m
from schemagen import scripts as sc
from schemagen.errors import UsageError
from schemagen.render import statements as st
from schemagen.render.text import finish, prelude, source
from schemagen.scripts import ORG_NUMBER, PHASES, extension_schema, rollback_number


@dataclasses.dataclass(frozen=True)
class _File:
    """What every script of one database shares: its name, the file's prelude, the model file's name."""

    database: str
    prelude: tuple[str, ...]
    source: str

    def script(self, number: int, phase: str, statements: tuple[sc.Statement, ...], org: str | None = None,
               rollback: bool = False) -> sc.Script:
        return finish(sc.Script(self.database, number, phase, statements, org=org, rollback=rollback,
                                prelude=self.prelude, source=self.source))


def _collect(fill: Callable[[st.Emit], None], skip: frozenset[str]) -> tuple[sc.Statement, ...]:
    out: list[sc.Statement] = []

    def emit(text: str, obj: str, feature: str | None, target: m.ObjectKey | None = None,
             defines: bool = False) -> None:
        if feature not in skip:
            out.append(sc.Statement(text, obj, feature, target=target, defines=defines))

    fill(emit)
    return tuple(out)


def _org_scripts(file: _File, db: m.Database, org: str, objs: st.Objects, row: m.OrgRow | None,
                 skip: frozenset[str], only: str | None) -> list[sc.Script]:
    row = row if db.org_registry else None

    def init(emit: st.Emit) -> None:
        for p in PHASES:
            st.init(p.name, None, objs, emit)
        if row:
            st.org_row(db, org, row, emit)

    def undo(emit: st.Emit) -> None:
        for phase in st.ORG_UNDO:
            st.undo(phase, None, objs, emit)
        if row:
            st.drop_org_row(db, org, row, emit)

    phase = f"org_{org}"
    scripts = []
    if only != "rollback":
        scripts.append(file.script(ORG_NUMBER, phase, _collect(init, skip), org=org))
    if only != "init":
        scripts.append(file.script(rollback_number(ORG_NUMBER), phase, _collect(undo, skip), org=org, rollback=True))
    return scripts


def _shared_scripts(file: _File, db: m.Database, objs: st.Objects, skip: frozenset[str],
                    only: str | None) -> list[sc.Script]:
    scripts = []
    for p in PHASES:
        init = _collect(lambda emit, p=p: st.init(p.name, db, objs, emit), skip)
        if not init:
            continue  # a phase with nothing in it has no file (its number stays reserved)
        if only != "rollback":
            scripts.append(file.script(p.number, p.name, init))
        if only != "init":
            undo = _collect(lambda emit, p=p: st.undo(p.name, db, objs, emit), skip)
            scripts.append(file.script(rollback_number(p.number), p.name, undo, rollback=True))
    return scripts


def leave_out(scripts: list[sc.Script], skip: frozenset[str]) -> list[sc.Script]:
    """The init scripts render(..., skip_features=skip, only="init") gives, from init scripts rendered without
    skip: the statements of those features dropped (the text rendered again), and a shared phase left with nothing
    dropped with its file."""
    if not skip:
        return scripts
    out = []
    for s in scripts:
        kept = tuple(statement for statement in s.statements if statement.feature not in skip)
        if kept or s.org is not None:
            out.append(s if len(kept) == len(s.statements) else finish(dataclasses.replace(s, statements=kept)))
    return out


def _by_org(db: m.Database) -> dict[str | None, st.Objects]:
    """Each org's objects (None: the shared ones), grouped in one pass: many orgs stay linear."""
    groups: dict[str | None, tuple[list, list, list]] = {None: ([], [], [])}
    for org in db.orgs:
        groups[org] = ([], [], [])
    for i, objects in enumerate((db.tables, db.continuous_aggregates, db.views)):
        for o in objects:
            groups.setdefault(o.org, ([], [], []))[i].append(o)
    ts = extension_schema(db, "timescaledb")
    return {org: st.Objects(*lists, ts=ts, all_caggs=db.continuous_aggregates) for org, lists in groups.items()}


def _file(model: m.Model, db: m.Database) -> _File:
    return _File(db.name, tuple(prelude(db)), source(model))


def _check(model: m.Model, database: str | None, orgs: Sequence[str] | None) -> None:
    names = [d.name for d in model.databases]
    if database is not None and database not in names:
        raise UsageError(f"unknown database {database!r}; the model has: {', '.join(names)}")
    known = [o.key for o in model.orgs]
    for org in orgs or ():
        if org not in known:
            raise UsageError(f"unknown org {org!r}; the model has: {', '.join(known) or 'no orgs'}")


def render(model: m.Model, *, database: str | None = None, orgs: Sequence[str] | None = None,
           skip_features: frozenset[str] = frozenset(), only: str | None = None) -> list[sc.Script]:
    """Init and rollback scripts of the chosen database(s) (all when None) in apply order; orgs=None renders
    everything, shared and every org; with `orgs`, only those orgs' files. Statements whose feature is in
    `skip_features` are left out. only="init" or "rollback" renders just those scripts."""
    _check(model, database, orgs)
    skip = frozenset(skip_features)
    scripts: list[sc.Script] = []
    for db in model.databases:
        if database is not None and db.name != database:
            continue
        file, groups, rows = _file(model, db), _by_org(db), {r.org: r for r in db.org_rows}
        if orgs is None:
            scripts += _shared_scripts(file, db, groups[None], skip, only)
        mine = set(db.orgs)  # `in` over a tuple of 5,000 orgs, once per org, would be quadratic
        for org in (db.orgs if orgs is None else [o for o in orgs if o in mine]):
            scripts += _org_scripts(file, db, org, groups[org], rows.get(org), skip, only)
    return scripts


def shared(model: m.Model, database: str, *, skip_features: frozenset[str] = frozenset(),
           only: str | None = None) -> list[sc.Script]:
    """The shared scripts of one database only (what render gives with no org's file): what `apply --org` checks
    the history for, without rendering every org."""
    _check(model, database, None)
    db = model.database(database)
    objs = st.Objects(*([o for o in objects if o.org is None]
                        for objects in (db.tables, db.continuous_aggregates, db.views)),
                      ts=extension_schema(db, "timescaledb"), all_caggs=db.continuous_aggregates)
    return _shared_scripts(_file(model, db), db, objs, frozenset(skip_features), only)
