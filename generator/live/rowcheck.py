"""Rollback's row checks: what it would delete of the user's data, counted before any change.

Without --yes, rollback refuses (exit 1, nothing changed) when
- a table it drops holds rows other than the model's own seed and org rows, exactly as the model wrote them (a
  seed row the user edited is the user's data);
- deleting the model's seed rows (a full rollback) or an org's registry row (--org) would reach other rows
  through a foreign key ON DELETE CASCADE, SET NULL or SET DEFAULT, followed transitively through any table.
Only tables schemagen created (ownership.py) are dropped or have rows deleted, so only those are counted.
"""
from __future__ import annotations

from collections.abc import Sequence

import psycopg

from schemagen import model as m
from schemagen.errors import Difference
from schemagen.live import sql

DEPTH = 8  # cascade chains followed this far (a cycle of cascades stops at the table it came from)

Rel = tuple[str, str]


def _plain(value):
    return None if value is m.SEED_DEFAULT else value


def _cast(value, type_: str) -> str:
    """The model's value as the rendered INSERT wrote it (sqltext.quote_literal, through the loader), cast."""
    return sql.compose("rowcheck_cast", value=_plain(value), type=type_)


def _any_of(parts: list[str], separator: str, empty: str) -> str:
    """Conditions (or queries) composed from the templates, joined: `OR`, `AND` or `UNION ALL` between them."""
    return f" {separator} ".join(parts) if parts else empty


def _key_in(column: str, values: list, type_: str) -> str:
    """The key column holds one of the values (false when there are none)."""
    if not values:
        return "false"
    return sql.compose("rowcheck_in", column=column, values=", ".join(_cast(v, type_) for v in values))


def _model_rows(t: m.Table, db: m.Database, orgs) -> str:
    """A condition true for the rows of t that are the model's own: a seed row with every value the model gives
    it (compared as text of the column's type: json has no equality), an org's registry row by its key."""
    types = {c.name: c.type for c in t.columns}
    ours: list[str] = []
    if t.seed:
        for row in t.seed.rows:
            same = [sql.compose("rowcheck_same_value", column=c, value=_cast(v, types[c]))
                    for c, v in zip(t.seed.columns, row) if v is not m.SEED_DEFAULT]
            ours.append(f"({_any_of(same, 'AND', 'true')})")
    reg = db.org_registry
    if reg and (reg.schema, reg.table) == (t.schema, t.name):
        keys = [r.org for r in db.org_rows if r.org in (orgs or db.orgs)]
        key_values = [dict(r.values)[reg.key_column] for r in db.org_rows if r.org in keys]
        if key_values:
            ours.append(_key_in(reg.key_column, key_values, types[reg.key_column]))
    return _any_of(ours, "OR", "false")


def _present(conn: psycopg.Connection, tables: list[m.Table]) -> list[m.Table]:
    rows = conn.execute(sql.query("rowcheck_present"), ([t.qname for t in tables],)).fetchall()
    present = {r[0] for r in rows}
    return [t for t in tables if t.qname in present]


def _user_rows(conn: psycopg.Connection, tables: list[m.Table], db: m.Database, orgs) -> list[tuple[str, int]]:
    """(table, rows that are not the model's own) for each table rollback drops, in one query."""
    parts = [sql.compose("rowcheck_user_rows", name=t.qname, table=(t.schema, t.name),
                         model_rows=_model_rows(t, db, orgs)) for t in tables]
    return [(n, c) for n, c in conn.execute(_any_of(parts, "UNION ALL", "")).fetchall() if c]


def _deleted(t: m.Table, db: m.Database, orgs) -> str | None:
    """The (tableoid, ctid) of the rows rollback's DELETE removes from t (by key, as the rollback file does)."""
    if orgs:
        reg = db.org_registry
        if not reg or (reg.schema, reg.table) != (t.schema, t.name):
            return None
        keys = [dict(r.values)[reg.key_column] for r in db.org_rows if r.org in orgs]
        where = _key_in(reg.key_column, keys, {c.name: c.type for c in t.columns}[reg.key_column])
    elif t.seed:
        where = _model_keys(t)
    else:
        return None
    return sql.compose("rowcheck_rows", table=(t.schema, t.name), condition=where)


def _model_keys(t: m.Table) -> str:
    types = {c.name: c.type for c in t.columns}
    index = [t.seed.columns.index(k) for k in t.seed.key]
    rows = [_any_of([sql.compose("rowcheck_equal", column=k, value=_cast(row[i], types[k]))
                     for k, i in zip(t.seed.key, index)], "AND", "true") for row in t.seed.rows]
    return _any_of([f"({r})" for r in rows], "OR", "false")


def _reached(edges: list[tuple], start: Rel, rows: str, dropped: set[Rel]) -> dict[Rel, list]:
    """For each table the cascades from `rows` of `start` reach: the (tableoid, ctid) queries of the rows they
    delete or change, found depth first along the foreign keys (not through a table twice on one path)."""
    found: dict[Rel, list] = {}
    stack = [(start, rows, (start,))]
    while stack:
        table, selected, path = stack.pop()
        for cs, ct, ccols, ps, pt, pcols, action in edges:
            if (ps, pt) != table or (cs, ct) in path or len(path) > DEPTH:
                continue
            child = sql.compose("rowcheck_reached", child=(cs, ct), child_columns=list(ccols),
                                parent_columns=list(pcols), parent=(ps, pt), selected=selected)
            if (cs, ct) not in dropped:
                found.setdefault((cs, ct), []).append((child, action, table))
            if action == "cascade":
                stack.append(((cs, ct), child, path + ((cs, ct),)))
    return found


def _cascades(conn: psycopg.Connection, tables: list[m.Table], db: m.Database, orgs,
              dropped: set[Rel]) -> list[str]:
    """One line per table whose rows rollback's seed or org-row DELETEs would delete or change through a foreign
    key, with the count."""
    edges = conn.execute(sql.query("rowcheck_cascades")).fetchall()
    if not edges:
        return []
    reach: dict[Rel, list] = {}
    for t in tables:
        rows = _deleted(t, db, orgs)
        if rows is not None:
            for rel, found in _reached(edges, (t.schema, t.name), rows, dropped).items():
                reach.setdefault(rel, []).extend(found)
    lines = []
    for (schema, name), found in sorted(reach.items()):
        union = _any_of([q for q, _, _ in found], "UNION", "")
        count = conn.execute(sql.compose("rowcheck_count", rows=union)).fetchone()[0]
        if count:
            how = ", ".join(sorted({f"ON DELETE {a.upper()} from {'.'.join(src)}" for _, a, src in found}))
            lines.append(f"  {schema}.{name}: {count} row(s) ({how})")
    return lines


def refuse(conn: psycopg.Connection, db: m.Database, orgs: Sequence[str] | None, owned: set[Rel]) -> None:
    """Difference (exit 1, nothing changed) when rollback would drop, delete or change rows that are not the
    model's own: see the module docstring. `owned`: the tables schemagen created (the only ones it touches)."""
    tables = [t for t in (db.tables if not orgs else [t for t in db.tables if t.org in orgs])
              if (t.schema, t.name) in owned]
    present = _present(conn, tables)
    problems = [f"  {n}: {c} row(s)" for n, c in _user_rows(conn, present, db, orgs)] if present else []
    touched = present if not orgs else _present(conn, [t for t in db.tables if db.org_registry and t.org is None
                                                        and (t.schema, t.name) == (db.org_registry.schema,
                                                                                   db.org_registry.table)
                                                        and (t.schema, t.name) in owned])
    cascades = _cascades(conn, touched, db, orgs, {(t.schema, t.name) for t in present}) if touched else []
    if problems or cascades:
        text = f"refusing to drop {len(problems)} table(s) that hold rows:\n" + "\n".join(problems) + "\n" \
            if problems else ""
        if cascades:
            text += ("refusing to delete the model's rows: through foreign keys they would delete or change "
                     f"rows of {len(cascades)} other table(s):\n" + "\n".join(cascades) + "\n")
        raise Difference(text + "Nothing was changed. Rerun with --yes to drop them and their rows.")
