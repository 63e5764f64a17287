"""Live objects (model dataclasses, as inspect reads them) -> the mappings model.yaml writes for them.

The format's shorthands where they apply: a column that is only a type is its type, a one-column primary key,
unique constraint or foreign key of PostgreSQL's default name is written on its column, default constraint names
are left out, server defaults (no action, btree, ascending, enabled, ...) too. Types are written the short way a
person writes them (`timestamptz`, `varchar(50)`); a column owning its `<table>_<column>_seq` by a nextval()
default is `serial`. Each function returns plain dicts and lists; yamltext writes them.
"""
from __future__ import annotations

import re

from schemagen import model as m
from schemagen.importer import sqlfix
from schemagen.naming import default_name
from schemagen.sqltext import Interval

_SHORT_TYPES = (("timestamp with time zone", "timestamptz"), ("timestamp without time zone", "timestamp"),
                ("time with time zone", "timetz"), ("time without time zone", "time"),
                ("character varying", "varchar"), ("character", "char"), ("bit varying", "varbit"))
_ZONED = re.compile(r"^(timestamp|time)(\(\d+\)) (with|without) time zone")
_SERIAL = {"integer": "serial", "bigint": "bigserial", "smallint": "smallserial"}
SERIAL_TYPES = tuple(_SERIAL)
_PLAIN_NAME = re.compile(r"[^\s\"]+\Z")


def short_type(canonical: str) -> str:
    """`timestamp with time zone` -> `timestamptz`, `character varying(50)[]` -> `varchar(50)[]`."""
    zoned = _ZONED.match(canonical)
    if zoned:
        short = ("timestamptz" if zoned[1] == "timestamp" else "timetz") if zoned[3] == "with" else zoned[1]
        return short + zoned[2] + canonical[zoned.end():]
    for long, short in _SHORT_TYPES:
        if canonical == long or canonical.startswith((long + "(", long + "[")):
            return short + canonical[len(long):]
    return canonical


def interval(value: Interval | int | None):
    """An interval as a person writes it (`1 hour`, `7 days`); an integer interval stays an integer."""
    return value.canonical if isinstance(value, Interval) else value


def ordered(name: str, descending: bool, nulls_first: bool | None) -> str:
    """`name`, `name DESC`, `name ASC NULLS FIRST` (a name with blanks or quotes double-quoted, as in SQL)."""
    text = name if _PLAIN_NAME.match(name) else '"' + name.replace('"', '""') + '"'
    if descending:
        text += " DESC"
    if nulls_first is not None and nulls_first != descending:
        text += (" ASC" if not descending else "") + (" NULLS FIRST" if nulls_first else " NULLS LAST")
    return text


def relation_name(schema: str, name: str, here: str) -> str:
    """A relation as the model names one: its name when it is in `here`, else schema.name."""
    return name if schema == here else f"{schema}.{name}"


# --- tables -------------------------------------------------------------------------------------------------

def _column(t: m.Table, c: m.Column, inline: dict) -> object:
    spec: dict = {}
    if c.serial and c.type in _SERIAL:
        spec["type"] = _SERIAL[c.type]
    else:
        spec["type"] = short_type(c.type)
    in_pk = bool(t.primary_key and c.name in t.primary_key.columns)
    if inline.get(("pk", c.name)):
        spec["primary_key"] = True
    if c.not_null and not in_pk and not c.serial and not c.identity:
        spec["not_null"] = True
    if c.identity:
        spec["identity"] = c.identity
    if c.default is not None:
        spec["default"] = sqlfix.default(c.default)
    if inline.get(("unique", c.name)):
        spec["unique"] = True
    fk = inline.get(("fk", c.name))
    if fk is not None:
        spec["references"] = fk
    if c.comment is not None:
        spec["comment"] = c.comment
    return spec["type"] if list(spec) == ["type"] else spec


def _fk_spec(t: m.Table, k: m.ForeignKey, one_column: bool):
    target = relation_name(k.ref_schema, k.ref_table, t.schema)
    options = {}
    if k.on_delete != "no action":
        options["on_delete"] = k.on_delete
    if k.on_update != "no action":
        options["on_update"] = k.on_update
    if k.deferrable:
        options["deferrable"] = True
    if k.initially_deferred:
        options["initially_deferred"] = True
    if one_column:
        simple = all(_PLAIN_NAME.match(x) and "(" not in x and ")" not in x and "." not in x
                     for x in (k.ref_table, k.ref_columns[0]))
        if not options and simple:
            return f"{target}({k.ref_columns[0]})"
        return {"table": target, "column": k.ref_columns[0], **options}
    spec = {"columns": list(k.columns), "references": {"table": target, "columns": list(k.ref_columns)}, **options}
    if k.name != default_name(t.name, "_".join(k.columns), "fkey"):
        spec["name"] = k.name
    return spec


def table(t: m.Table) -> dict:
    inline: dict = {}
    spec: dict = {}
    pk = t.primary_key
    pk_default = pk is not None and pk.name == default_name(t.name, None, "pkey")
    if pk and len(pk.columns) == 1 and pk_default:
        inline[("pk", pk.columns[0])] = True
    uniques = []
    for u in t.uniques:
        default = u.name == default_name(t.name, "_".join(u.columns), "key")
        if len(u.columns) == 1 and default and not u.nulls_not_distinct and ("unique", u.columns[0]) not in inline:
            inline[("unique", u.columns[0])] = True
        elif default and not u.nulls_not_distinct:
            uniques.append(list(u.columns))
        else:
            entry = {"columns": list(u.columns)}
            if not default:
                entry["name"] = u.name
            if u.nulls_not_distinct:
                entry["nulls_not_distinct"] = True
            uniques.append(entry)
    fks = []
    for k in t.foreign_keys:
        if len(k.columns) == 1 and k.name == default_name(t.name, k.columns[0], "fkey") \
                and ("fk", k.columns[0]) not in inline:
            inline[("fk", k.columns[0])] = _fk_spec(t, k, True)
        else:
            fks.append(_fk_spec(t, k, False))
    if t.comment is not None:
        spec["comment"] = t.comment
    spec["columns"] = {c.name: _column(t, c, inline) for c in t.columns}
    if pk and not (len(pk.columns) == 1 and pk_default):
        spec["primary_key"] = list(pk.columns) if pk_default else {"name": pk.name, "columns": list(pk.columns)}
    if uniques:
        spec["unique"] = uniques
    if fks:
        spec["foreign_keys"] = fks
    if t.checks:
        spec["checks"] = {k.name: sqlfix.reparsable(k.expression) for k in t.checks}
    own = _default_indexes(t)
    mine = tuple(i for i in t.indexes if i.name not in own)
    if mine:
        spec["indexes"] = indexes(mine)
    if t.triggers:
        spec["triggers"] = {tr.name: trigger(tr, t.schema) for tr in t.triggers}
    if t.hypertable:
        spec["hypertable"] = hypertable(t.hypertable, t.schema)
        if own and not own & {i.name for i in t.indexes}:
            spec["hypertable"]["create_default_indexes"] = False
    if t.compression:
        spec["compression"] = compression(t.compression)
    if t.retention:
        spec["retention"] = retention(t.retention)
    return spec


def _default_indexes(t: m.Table) -> set[str]:
    """The indexes create_hypertable adds (`<table>_<time column>_idx`, one per hash dimension): TimescaleDB's."""
    ht = t.hypertable
    if not ht:
        return set()
    return {f"{t.name}_{ht.time_column}_idx"} | {f"{t.name}_{d.column}_{ht.time_column}_idx"
                                                  for d in ht.dimensions if d.partitions}


# --- indexes, triggers -------------------------------------------------------------------------------------

def _element(e: m.IndexElement):
    if e.column is not None and e.opclass is None:
        return ordered(e.column, e.descending, e.nulls_first)
    spec: dict = {"column": e.column} if e.column is not None else {"expression": e.expression}
    if e.descending:
        spec["order"] = "desc"
    if e.nulls_first is not None and e.nulls_first != e.descending:
        spec["nulls"] = "first" if e.nulls_first else "last"
    if e.opclass:
        spec["opclass"] = e.opclass
    return spec


def indexes(items: tuple[m.Index, ...]) -> dict:
    out = {}
    for i in items:
        spec: dict = {}
        if i.method != "btree":
            spec["method"] = i.method
        spec["columns"] = [_element(e) for e in i.elements]
        if i.unique:
            spec["unique"] = True
        if i.nulls_not_distinct:
            spec["nulls_not_distinct"] = True
        if i.include:
            spec["include"] = list(i.include)
        if i.where:
            spec["where"] = sqlfix.reparsable(i.where)
        if i.with_:
            spec["with"] = {k: _number(v) for k, v in i.with_}
        if i.comment is not None:
            spec["comment"] = i.comment
        out[i.name] = spec
    return out


def _number(text: str):
    return int(text) if re.fullmatch(r"-?\d+", text) else text


_TRIGGER_ENABLED = {"enabled": None, "disabled": False, "replica": "replica", "always": "always"}


def trigger(tr: m.Trigger, here: str) -> dict:
    fschema, _, fname = tr.function.partition(".")
    spec: dict = {"function": tr.function if fschema != here else fname}
    if tr.timing != "after":
        spec["timing"] = tr.timing
    if tr.events != ("insert",):
        spec["events"] = list(tr.events)
    if tr.for_each != "row":
        spec["for_each"] = tr.for_each
    if tr.when:
        spec["when"] = tr.when
    if tr.update_of:
        spec["update_of"] = list(tr.update_of)
    if _TRIGGER_ENABLED[tr.enabled] is not None:
        spec["enabled"] = _TRIGGER_ENABLED[tr.enabled]
    return spec


# --- TimescaleDB ----------------------------------------------------------------------------------------------

def hypertable(h: m.Hypertable, here: str) -> dict:
    spec: dict = {"time_column": h.time_column}
    if h.chunk_interval is not None:
        spec["chunk_interval"] = interval(h.chunk_interval)
    if h.dimensions:
        spec["dimensions"] = [{"column": d.column, **({"partitions": d.partitions} if d.partitions else
                                                      {"interval": interval(d.interval)})} for d in h.dimensions]
    if h.integer_now:
        schema, _, name = h.integer_now.partition(".")
        spec["integer_now"] = name if schema == here else h.integer_now
    return spec


def _job(spec: dict, job) -> dict:
    if job.initial_start:
        spec["initial_start"] = job.initial_start
    if not job.scheduled:
        spec["scheduled"] = False
    return spec


def compression(c: m.Compression) -> dict:
    spec: dict = {}
    if c.segment_by:
        spec["segment_by"] = list(c.segment_by)
    if c.order_by:
        spec["order_by"] = [ordered(o.column, o.descending, o.nulls_first) for o in c.order_by]
    if c.chunk_time_interval is not None:
        spec["chunk_time_interval"] = interval(c.chunk_time_interval)
    if c.after is not None:
        spec["after"] = interval(c.after)
        if c.schedule_interval is not None:
            spec["schedule_interval"] = interval(c.schedule_interval)
        _job(spec, c)
    return spec


def retention(r: m.Retention) -> dict:
    spec: dict = {"drop_after": interval(r.drop_after)}
    if r.schedule_interval is not None:
        spec["schedule_interval"] = interval(r.schedule_interval)
    return _job(spec, r)


def refresh(r: m.RefreshPolicy) -> dict:
    return _job({"start_offset": interval(r.start_offset), "end_offset": interval(r.end_offset),
                 "schedule_interval": interval(r.schedule_interval)}, r)


# --- views, functions, sequences, types ----------------------------------------------------------------------

def view(v: m.View) -> dict:
    spec: dict = {"query": sqlfix.reparsable(v.query.strip())}
    if v.indexes:
        spec["indexes"] = indexes(v.indexes)
    if v.comment is not None:
        spec["comment"] = v.comment
    return spec


def function(f: m.Function) -> dict:
    spec: dict = {}
    if f.arguments:
        spec["arguments"] = [_argument(a) for a in f.arguments]
    spec["returns"] = short_type(f.returns)
    spec["language"] = f.language
    if f.volatility != "volatile":
        spec["volatility"] = f.volatility
    if f.strict:
        spec["strict"] = True
    if f.security_definer:
        spec["security_definer"] = True
    spec["body"] = f.body
    if f.comment is not None:
        spec["comment"] = f.comment
    return spec


def _argument(a: m.Argument) -> dict:
    spec: dict = {}
    if a.name:
        spec["name"] = a.name
    spec["type"] = short_type(a.type)
    if a.mode != "in":
        spec["mode"] = a.mode
    if a.default is not None:
        spec["default"] = a.default
    return spec


def sequence(q: m.Sequence) -> dict:
    lo, hi = m.SEQUENCE_TYPES[q.as_type]
    up = q.increment > 0
    spec: dict = {}
    if q.as_type != "bigint":
        spec["as"] = q.as_type
    if q.start != (q.min if up else q.max):
        spec["start"] = q.start
    if q.increment != 1:
        spec["increment"] = q.increment
    if q.min != (1 if up else lo):
        spec["min"] = q.min
    if q.max != (hi if up else -1):
        spec["max"] = q.max
    if q.cache != 1:
        spec["cache"] = q.cache
    if q.cycle:
        spec["cycle"] = True
    if q.owned_by:
        spec["owned_by"] = f"{q.owned_by[0]}.{q.owned_by[1]}"
    if q.comment is not None:
        spec["comment"] = q.comment
    return spec


def type_(ty: m.Type) -> dict:
    if ty.kind == "enum":
        spec: dict = {"enum": list(ty.values)}
    elif ty.kind == "composite":
        spec = {"composite": {n: short_type(t) for n, t in ty.attributes}}
    else:
        spec = {"domain": short_type(ty.base or "")}
        if ty.not_null:
            spec["not_null"] = True
        if ty.default is not None:
            spec["default"] = ty.default
        if ty.checks:
            spec["checks"] = {k.name: k.expression for k in ty.checks}
    if ty.comment is not None:
        spec["comment"] = ty.comment
    return spec
