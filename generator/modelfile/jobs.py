"""What every TimescaleDB policy's job may say besides its own arguments: `initial_start` (when it first runs) and
`scheduled` (false: a paused job, `alter_job(id, scheduled => false)` after adding it); and a continuous
aggregate's `refresh:`, one window or a list of them.

`initial_start` is kept as one canonical text, UTC, `2024-01-01 00:00:00+00`, so that the model's spelling and
the catalog's timestamptz compare equal; it must be ISO 8601 with an explicit offset (`Z`, `+01`, `+05:30`): a
timestamp without one would depend on the applying session's TimeZone.
"""
from __future__ import annotations

import re
from datetime import datetime

from schemagen import model as m
from schemagen.document import PathT
from schemagen.modelfile.context import Context
from schemagen.sqltext import canonical_timestamptz as canonical_start

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?\s*(Z|[+-]\d{2}(:?\d{2})?)")


def initial_start(ctx: Context, spec: dict, path: PathT) -> str | None:
    written = spec.get("initial_start")
    if written is None:
        return None
    if isinstance(written, datetime) and written.tzinfo is not None:  # YAML read a timestamp itself
        return canonical_start(written)
    text = str(written).strip()
    if not _ISO.fullmatch(text):
        ctx.fail(path + ("initial_start",), f"initial_start {text!r} must be an ISO 8601 timestamp with an offset, "
                                            "such as '2024-01-01 00:00:00+00' (without one it would depend on the "
                                            "session's TimeZone)")
        return None
    try:
        return canonical_start(datetime.fromisoformat(text.replace(" Z", "Z")))
    except ValueError as e:
        ctx.fail(path + ("initial_start",), f"initial_start {text!r} is not a timestamp: {e}")
        return None


def settings(ctx: Context, spec: dict, path: PathT) -> dict:
    """The job settings of a policy's spec, as keyword arguments of its dataclass."""
    return {"initial_start": initial_start(ctx, spec, path), "scheduled": spec.get("scheduled", True)}


def refresh_policies(ctx: Context, spec, path: PathT) -> tuple[m.RefreshPolicy, ...]:
    """`refresh:` as one mapping or a list of windows."""
    if not spec:
        return ()
    items = [(spec, path)] if isinstance(spec, dict) else [(r, path + (i,)) for i, r in enumerate(spec)]
    return tuple(m.RefreshPolicy(ctx.interval(r.get("start_offset"), p + ("start_offset",)),
                                 ctx.interval(r.get("end_offset"), p + ("end_offset",)),
                                 ctx.interval(r["schedule_interval"], p + ("schedule_interval",)),
                                 ctx.src(p), **settings(ctx, r, p)) for r, p in items)
