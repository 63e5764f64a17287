"""Tables and their parts: columns, keys, unique and check constraints, foreign keys, indexes, triggers, seed rows.

A constraint can be written on its column (`primary_key: true`, `unique: true`, `check:`, `references:`) or on the
table (`primary_key:`, `unique:`, `checks:`, `foreign_keys:`); both become the same model objects, the column's
first. The TimescaleDB parts of a table (hypertable, compression, retention) are built by `timescale`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from schemagen import model as m
from schemagen.document import PathT
from schemagen.modelfile import security, timescale
from schemagen.modelfile.context import Context, comment_of, parse_reference
from schemagen.modelfile.indexes import indexes
from schemagen.modelfile.stamp import default_name_for
from schemagen.sqltext import SERIAL_TYPES

MAX_SEED_CELLS = 4_000_000  # rows x distinct columns of one table's seed (the YAML holds at most 250,000 values)


def table(ctx: Context, schema: str, name: str, spec: dict, path: PathT) -> m.Table:
    parts = _ColumnParts(pk_path=path + ("primary_key",))
    for cname, cspec in (spec.get("columns") or {}).items():
        _column(ctx, schema, name, cname, cspec, path + ("columns", cname), parts)
    primary = _primary_key(ctx, name, spec.get("primary_key"), path, parts)
    parts.uniques += _uniques(ctx, name, spec.get("unique"), path)
    parts.fks += _foreign_keys(ctx, schema, name, spec.get("foreign_keys"), path)
    parts.checks += [m.Check(cname, ctx.sql(expr), ctx.src(path + ("checks", cname)))
                     for cname, expr in (spec.get("checks") or {}).items()]
    hyper = spec.get("hypertable")
    return m.Table(
        schema, name, tuple(parts.columns), primary, tuple(parts.uniques), tuple(parts.fks), tuple(parts.checks),
        indexes(ctx, spec.get("indexes"), path), triggers(ctx, spec.get("triggers"), schema, path),
        comment=comment_of(spec),
        hypertable=timescale.hypertable(ctx, hyper, path + ("hypertable",), schema) if hyper else None,
        compression=timescale.compression(ctx, spec.get("compression"), path + ("compression",)),
        retention=timescale.retention(ctx, spec.get("retention"), path + ("retention",)),
        seed=seed(ctx, spec.get("seed"), primary, path + ("seed",)),
        source=ctx.src(path),
        grants=security.grants(ctx, spec, "table", path), row_security=security.row_security(ctx, spec, path),
        renamed_from=spec.get("renamed_from"),
    )


@dataclass
class _ColumnParts:
    """What a table's columns contribute, in the order written: the columns, and the constraints written on them."""

    pk_path: PathT
    pk_cols: list[str] = field(default_factory=list)
    columns: list[m.Column] = field(default_factory=list)
    uniques: list[m.Unique] = field(default_factory=list)
    fks: list[m.ForeignKey] = field(default_factory=list)
    checks: list[m.Check] = field(default_factory=list)


def _column(ctx: Context, schema: str, table: str, cname: str, cspec, cpath: PathT, parts: _ColumnParts) -> None:
    if not isinstance(cspec, dict):
        cspec = {"type": cspec}
    raw_type = str(cspec["type"])
    serial = raw_type.strip().lower() in SERIAL_TYPES
    if not serial and raw_type.strip().lower().rstrip("[] ") in SERIAL_TYPES:
        ctx.fail(cpath + ("type",), f"{raw_type}: PostgreSQL has no arrays of serial")
    ctype = ctx.type_(raw_type, cpath + ("type",))
    if cspec.get("primary_key"):
        parts.pk_cols.append(cname)
        parts.pk_path = cpath + ("primary_key",)
    if cspec.get("unique"):
        parts.uniques.append(m.Unique(default_name_for(table, cname, "key"), (cname,), False,
                                      ctx.src(cpath + ("unique",))))
    if cspec.get("check") is not None:
        parts.checks.append(m.Check(default_name_for(table, cname, "check"), ctx.sql(cspec["check"]),
                                    ctx.src(cpath + ("check",))))
    if cspec.get("references") is not None:
        fk = column_fk(ctx, table, schema, cname, cspec["references"], cpath + ("references",))
        if fk:
            parts.fks.append(fk)
    default = cspec.get("default")
    parts.columns.append(m.Column(
        cname, ctype,
        not_null=bool(cspec.get("not_null") or serial or cspec.get("primary_key") or cspec.get("identity")),
        default=None if default is None else ctx.sql(default),
        identity=cspec.get("identity"), serial=serial, comment=comment_of(cspec), source=ctx.src(cpath),
        renamed_from=cspec.get("renamed_from"),
    ))


def _primary_key(ctx: Context, table: str, pk, path: PathT, parts: _ColumnParts) -> m.PrimaryKey | None:
    """The primary key written on its columns or on the table (not both); its columns become NOT NULL."""
    pk_cols, pk_name, pk_path = parts.pk_cols, default_name_for(table, None, "pkey"), parts.pk_path
    if pk is not None:
        if pk_cols:
            ctx.fail(path + ("primary_key",), "the primary key is given both here and on columns "
                                              f"({', '.join(pk_cols)}); keep one")
        pk_cols, pk_name = (pk, pk_name) if isinstance(pk, list) else (pk["columns"], pk.get("name") or pk_name)
        pk_path = path + ("primary_key",)
        parts.columns = [c if c.name not in pk_cols else replace(c, not_null=True) for c in parts.columns]
    return m.PrimaryKey(pk_name, tuple(pk_cols), ctx.src(pk_path)) if pk_cols else None


def _uniques(ctx: Context, table: str, spec: list | None, path: PathT) -> list[m.Unique]:
    out = []
    for i, u in enumerate(spec or ()):
        cols, uname, nnd = (u, None, False) if isinstance(u, list) else (
            u["columns"], u.get("name"), u.get("nulls_not_distinct", False))
        out.append(m.Unique(uname or default_name_for(table, "_".join(cols), "key"), tuple(cols), nnd,
                            ctx.src(path + ("unique", i))))
    return out


def _foreign_keys(ctx: Context, schema: str, table: str, spec: list | None, path: PathT) -> list[m.ForeignKey]:
    out = []
    for i, f in enumerate(spec or ()):
        ref = f["references"]
        rschema, _, rtable = ref["table"].rpartition(".")
        out.append(m.ForeignKey(
            f.get("name") or default_name_for(table, "_".join(f["columns"]), "fkey"), tuple(f["columns"]),
            rschema or schema, rtable, tuple(ref["columns"]), f.get("on_delete", "no action"),
            f.get("on_update", "no action"), f.get("deferrable", False), f.get("initially_deferred", False),
            ctx.src(path + ("foreign_keys", i))))
    return out


def column_fk(ctx: Context, table: str, schema: str, column: str, ref, path: PathT) -> m.ForeignKey | None:
    if isinstance(ref, str):
        rschema, rtable, rcol = parse_reference(ref)
        if rtable is None:
            ctx.fail(path, f"a reference is written schema.table(column) or table(column), not {ref!r}")
            return None
        opts: dict = {}
    else:
        opts = ref
        rschema, _, rtable = ref["table"].rpartition(".")
        rcol = ref.get("column")
    return m.ForeignKey(
        opts.get("name") or default_name_for(table, column, "fkey"), (column,), rschema or schema, rtable,
        (rcol,) if rcol else (), opts.get("on_delete", "no action"), opts.get("on_update", "no action"),
        opts.get("deferrable", False), opts.get("initially_deferred", False), source=ctx.src(path))


# --- triggers, seed rows -------------------------------------------------------------------------------

# `enabled:` in the model -> the state the model keeps (pg_trigger.tgenabled O, D, R, A)
TRIGGER_STATES = {True: "enabled", False: "disabled", "replica": "replica", "always": "always"}


def triggers(ctx: Context, spec: dict | None, schema: str, path: PathT) -> tuple[m.Trigger, ...]:
    out = []
    for name, t in (spec or {}).items():
        fschema, _, fname = t["function"].rpartition(".")
        fschema, fname = fschema or schema, fname.removesuffix("()")
        events = tuple(sorted(set(t.get("events") or ["insert"])))
        when = t.get("when")
        out.append(m.Trigger(name, f"{fschema}.{fname}", t.get("timing", "after"), events,
                             t.get("for_each", "row"), None if when is None else ctx.sql(when),
                             tuple(t.get("update_of") or ()), ctx.src(path + ("triggers", name)),
                             TRIGGER_STATES[t.get("enabled", True)]))
    return tuple(out)


def seed(ctx: Context, spec: dict | None, primary: m.PrimaryKey | None, path: PathT) -> m.SeedRows | None:
    if not spec:
        return None
    key = tuple(spec.get("key") or (primary.columns if primary else ()))
    named: dict[str, None] = {}
    for row in spec["rows"]:
        for c in row:
            named.setdefault(c)
    columns = tuple(named)
    sources = tuple(ctx.src(path + ("rows", i)) for i in range(len(spec["rows"])))
    if len(columns) * len(spec["rows"]) > MAX_SEED_CELLS:  # rows each naming other columns: a memory bomb
        ctx.fail(path + ("rows",), f"{len(spec['rows']):,} seed rows name {len(columns):,} different columns"
                                   + (": more than a table can have (1,600)" if len(columns) > 1600 else
                                      ", too many to check") + "; check the column names")
        return m.SeedRows(key, (), (), ctx.src(path))
    rows = tuple(tuple(row.get(c, m.SEED_DEFAULT) for c in columns) for row in spec["rows"])
    return m.SeedRows(key, columns, rows, ctx.src(path), sources)
