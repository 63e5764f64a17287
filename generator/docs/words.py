"""The model's settings in words: "compressed after 30 days, segmented by `entity_id`", "chunks older than 1 year
are dropped", "refreshed every 1 hour, from 3 hours ago to 1 hour ago". Each function takes one model object and
returns Markdown (names through text.code, free SQL through text.code/cell_code)."""
from __future__ import annotations

from schemagen import model as m
from schemagen.docs.text import cell_code, code, names, span, sql_name, text

_DEFAULT_CHUNKS = "TimescaleDB's default chunk interval (7 days)"


def _job(schedule, initial_start: str | None, scheduled: bool, every: str = "runs every") -> str:
    """A policy's job settings: how often it runs, its first run, paused."""
    parts = [f"{every} {span(schedule)}" if schedule is not None else "runs on TimescaleDB's default schedule"]
    if initial_start:
        parts.append(f"first run at {code(initial_start)}")
    if not scheduled:
        parts.append("**paused** (not scheduled)")
    return ", ".join(parts)


def hypertable(h: m.Hypertable, time_type: str | None) -> str:
    """A hypertable's time column, chunk interval, integer_now and extra dimensions, in one sentence or a few."""
    integer = bool(time_type) and not time_type.startswith(("timestamp", "date"))
    chunks = f"chunks of {span(h.chunk_interval)}" if h.chunk_interval is not None else _DEFAULT_CHUNKS
    out = f"Hypertable on {code(h.time_column)}" + (f" ({text(time_type)})" if time_type else "") + f", {chunks}"
    if integer:
        now = f"{code(h.integer_now + '()')}" if h.integer_now else "no integer_now function (policies cannot run)"
        out += f"; an integer time column whose current value is {now}"
    for d in h.dimensions:
        if d.partitions is not None:
            out += f"; space dimension: {code(d.column)} hashed into {d.partitions} partitions"
        else:
            out += f"; range dimension: {code(d.column)}" + (f", intervals of {span(d.interval)}"
                                                          if d.interval is not None else "")
    if not h.create_default_indexes:
        out += "; no default index on the time column"
    return out + "."


def _order_by(items: tuple[m.OrderBy, ...]) -> str:
    out = []
    for o in items:
        words = code(o.column) + (" descending" if o.descending else "")
        if o.nulls_first is not None:
            words += ", nulls first" if o.nulls_first else ", nulls last"
        out.append(words)
    return "; ".join(out)


def compression(c: m.Compression) -> str:
    """Compression settings and its policy: "compressed after 30 days, segmented by `entity_id`, ordered by
    `timestamp` descending; the policy runs every 12 hours"."""
    head = f"Compressed after {span(c.after)}" if c.after is not None else "Compression enabled (no policy: " \
                                                                            "chunks are compressed by hand)"
    parts = [head]
    if c.segment_by:
        parts.append(f"segmented by {names(c.segment_by)}")
    if c.order_by:
        parts.append(f"ordered by {_order_by(c.order_by)}")
    if c.chunk_time_interval is not None:
        parts.append(f"compressed chunks merged up to {span(c.chunk_time_interval)}")
    out = ", ".join(parts)
    if c.after is not None:
        out += "; the policy " + _job(c.schedule_interval, c.initial_start, c.scheduled)
    return out + "."


def retention(r: m.Retention) -> str:
    return (f"Retention: chunks older than {span(r.drop_after)} are dropped; the policy "
            f"{_job(r.schedule_interval, r.initial_start, r.scheduled)}.")


def _offset(value, none: str) -> str:
    return none if value is None else f"{span(value)} ago"


def refresh(p: m.RefreshPolicy) -> str:
    """A refresh policy's window and schedule: "refreshed every 1 hour, from 3 hours ago to 1 hour ago"."""
    window = f"the window from {_offset(p.start_offset, 'the beginning')} to {_offset(p.end_offset, 'now')}"
    return "Refreshed " + _job(p.schedule_interval, p.initial_start, p.scheduled, every="every") + f", over {window}."


def foreign_key(fk: m.ForeignKey) -> str:
    out = (f"{code(fk.name)}: {names(fk.columns)} → {code(sql_name(fk.ref_schema, fk.ref_table))} "
           f"({names(fk.ref_columns)})")
    actions = [f"on delete {fk.on_delete}" if fk.on_delete != "no action" else "",
               f"on update {fk.on_update}" if fk.on_update != "no action" else "",
               ("deferrable, initially deferred" if fk.initially_deferred else "deferrable") if fk.deferrable else ""]
    return out + "".join(f", {a}" for a in actions if a)


def _element(e: m.IndexElement) -> str:
    words = code(e.column) if e.column is not None else code(f"({e.expression})")
    if e.opclass:
        words += f" {code(e.opclass)}"
    if e.descending:
        words += " descending"
    if e.nulls_first is not None:
        words += " nulls first" if e.nulls_first else " nulls last"
    return words


def index(i: m.Index) -> str:
    """An index in words: "`ix_name`: unique btree on `a`, `b` descending, including `c`, where `...`"."""
    kind = ("unique " if i.unique else "") + i.method
    out = f"{code(i.name)}: {kind} on " + ", ".join(_element(e) for e in i.elements)
    if i.nulls_not_distinct:
        out += ", nulls not distinct"
    if i.include:
        out += f", including {names(i.include)}"
    if i.with_:
        out += ", with " + ", ".join(code(f"{k} = {v}") for k, v in i.with_)
    if i.where:
        out += f", where {code(i.where)}"
    if i.comment:
        out += f" — {text(i.comment)}"
    return out


def trigger(t: m.Trigger) -> str:
    events = " or ".join(e + (f" of {names(t.update_of)}" if e == "update" and t.update_of else "")
                         for e in t.events)
    out = f"{code(t.name)}: {t.timing} {events}, for each {t.for_each}, runs {code(t.function + '()')}"
    if t.when:
        out += f", when {code(t.when)}"
    if t.enabled != "enabled":
        out += f" (**{t.enabled}**)" if t.enabled == "disabled" else f" (fires {t.enabled})"
    return out


def policy(p: m.Policy) -> str:
    """A row-level security policy: "`own_rows` (permissive) for select to `app`: using `...`"."""
    kind = "permissive" if p.permissive else "restrictive"
    out = f"{code(p.name)} ({kind}) for {p.command} to {', '.join(code(r) for r in p.roles)}"
    if p.using:
        out += f"; using {code(p.using)}"
    if p.with_check:
        out += f"; with check {code(p.with_check)}"
    return out


def row_security(rs: m.RowSecurity) -> str:
    state = "enabled" if rs.enabled else "disabled"
    return f"Row-level security {state}" + (", forced for the owner too" if rs.forced else "") + "."


def grants(g: m.Grants) -> str:
    """`app`: select, insert; `PUBLIC`: usage."""
    return "; ".join(f"{code(role)}: {', '.join(privs) or 'nothing (all revoked)'}" for role, privs in g)


def column_default(c: m.Column) -> str:
    """What fills a column left out: its identity, serial sequence or DEFAULT expression (a cell_code)."""
    if c.identity:
        return f"identity ({c.identity})"
    if c.serial:
        return "serial (its own sequence)"
    return cell_code(c.default) if c.default is not None else ""


def sequence_range(q: m.Sequence) -> str:
    lo, hi = m.SEQUENCE_TYPES[q.as_type]
    bounds = [f"min {q.min}" if q.min != (1 if q.increment > 0 else lo) else "",
              f"max {q.max}" if q.max != (hi if q.increment > 0 else -1) else ""]
    return ", ".join(b for b in bounds if b) or "the type's range"
