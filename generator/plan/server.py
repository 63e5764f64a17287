"""What a live plan reads from the server into its steps: the rows a step would refuse (counted by
live/violations), the chunks its locks and decompression reach, and the steps the server cannot run at all (its
license, its version, no TimescaleDB), which become differences not planned. Pure: the readings come in as values.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from schemagen import model as m
from schemagen.changes import Change
from schemagen.plan.ops import DECOMPRESSION, LOCK, Hazard, NotPlanned, Op, Step

CONCURRENTLY = "concurrently"  # a server that refuses every CONCURRENTLY statement (PGlite): indexes in a transaction


def in_transactions(served: dict[Op, list[Change]], refused: dict[str, str]) -> dict[Op, list[Change]]:
    """On a server that refuses CONCURRENTLY, the index steps of plain tables as plain statements in a transaction
    (their `online` off), rather than steps that would fail there."""
    if CONCURRENTLY not in refused:
        return served
    return {dataclasses.replace(op, online=False) if hasattr(op, "online") else op: cs for op, cs in served.items()}


def refuse(served: dict[Op, list[Change]], refused: dict[str, str]) -> list[NotPlanned]:
    """The operations that need a feature the server lacks, taken out of served, as differences not planned."""
    left: list[NotPlanned] = []
    for op in [op for op in served if op.needs() & set(refused)]:
        why = "; ".join(sorted({refused[f] for f in op.needs() & set(refused)}))
        left += [NotPlanned(c, f"this server cannot run it: {why} (`--skip-unsupported` leaves such objects out)")
                 for c in served.pop(op)]
    return left


def counted(op: Op, count: Callable[[m.Table | None, str, object], int | None]) -> Op:
    """op with the violating rows of its step counted on the live database, when it scans for them (a domain's
    step scans the columns its op names: no table)."""
    what = op.counts()
    return op if what is None else dataclasses.replace(op, violations=count(getattr(op, "table", None), *what))


def with_chunks(step: Step, chunks: dict[str, tuple[int, int]]) -> Step:
    """A step's lock and decompression hazards with the hypertable's (or continuous aggregate's) chunks counted
    (ops.py's sentences), the name matched whole: s.m is not s.m_daily."""
    def counted(h: Hazard) -> Hazard:
        for name, (n, compressed) in chunks.items():
            whole = re.escape(name) + r"(?![\w$\"])"
            if h.kind == LOCK and re.search(rf"(?:hypertable|continuous aggregate) {whole} and on each of its chunks "
                                            r"\(one lock per chunk\)", h.message):
                return Hazard(h.kind, h.message.replace("on each of its chunks (one lock per chunk)",
                                                        f"on each of its {n} chunks ({n + 1} locks)"))
            if h.kind == DECOMPRESSION and re.search(rf"chunk of {whole}", h.message):
                return Hazard(h.kind, f"{h.message} ({compressed} of its {n} chunks compressed when the plan was "
                                      "made)")
        return h
    return dataclasses.replace(step, hazards=tuple(sorted({counted(h) for h in step.hazards})))
