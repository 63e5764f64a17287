"""The targets file of `schemagen diff --targets`: the databases one model is checked against.

    defaults: {database: datakwip, timeout: 30}   # optional
    targets:
      - {name: prod-eu, dsn_env: PROD_EU_DSN}     # the DSN in an environment variable (the password stays out)
      - {name: staging, database: datakwip, dsn: "postgresql://ro@staging/datakwip", timeout: 10}

Read as the model is (YAML with positions, duplicate keys refused, bounded), checked against its own small JSON
Schema (`targets.schema.json`) and a few rules; every problem is raised at once as ModelError with file:line:column.
A DSN is never part of a message.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schemagen.document import Document
from schemagen.errors import ModelError, Problem
from schemagen.modelfile.regularfile import read_regular
from schemagen.modelfile.schema import problems_against
from schemagen.modelfile.yamlsrc import parse_bytes

MAX_BYTES = 1024 * 1024
DEFAULT_TIMEOUT = 30.0  # seconds: to connect, for each statement and for the whole check of one target


@dataclass(frozen=True)
class Target:
    name: str
    database: str | None  # None: the model's only database (or --database)
    dsn: str | None  # written in the file
    dsn_env: str | None  # the environment variable holding it
    timeout: float
    line: int  # where the target was written, for messages


def read_targets(path: str | Path, *, databases: list[str] | None = None) -> list[Target]:
    """The targets of the file, in the order written; `databases`: the model's, which a target's `database:`
    must name. Raises ModelError listing every problem."""
    name = str(path)
    try:
        raw = read_regular(name, MAX_BYTES)
    except OSError as e:
        raise ModelError([Problem(name, 1, 1, "", f"cannot read the targets file: {e.strerror or e}")]) from None
    if len(raw) > MAX_BYTES:
        raise ModelError([Problem(name, 1, 1, "", f"a targets file may be at most {MAX_BYTES:,} bytes")])
    doc = parse_bytes(raw, name, top="targets")
    problems = list(problems_against("targets.schema.json", doc))
    if problems:
        raise ModelError(problems)
    targets, problems = _targets(doc, databases)
    if problems:
        raise ModelError(problems)
    return targets


def _targets(doc: Document, databases: list[str] | None) -> tuple[list[Target], list[Problem]]:
    data = doc.data
    defaults = data.get("defaults") or {}
    problems: list[Problem] = []
    if databases is not None and "database" in defaults and defaults["database"] not in databases:
        problems.append(_unknown(doc, ("defaults", "database"), defaults["database"], databases))
    seen: dict[str, int] = {}
    targets = []
    for i, item in enumerate(data["targets"]):
        path = ("targets", i)
        if ("dsn" in item) == ("dsn_env" in item):
            problems.append(doc.problem(path, "give the DSN as exactly one of `dsn:` (the connection string) and "
                                              "`dsn_env:` (the environment variable holding it)", key=True))
        if item["name"] in seen:
            problems.append(doc.problem(path + ("name",), f"target {item['name']!r} is named twice (first at line "
                                                          f"{seen[item['name']]})"))
        line = doc.where(path)[0]
        seen.setdefault(item["name"], line)
        database = item.get("database", defaults.get("database"))
        if databases is not None and "database" in item and item["database"] not in databases:
            problems.append(_unknown(doc, path + ("database",), item["database"], databases))
        targets.append(Target(item["name"], database, item.get("dsn"), item.get("dsn_env"),
                              float(item.get("timeout", defaults.get("timeout", DEFAULT_TIMEOUT))), line))
    return targets, problems


def _unknown(doc: Document, path: tuple, name: str, databases: list[str]) -> Problem:
    return doc.problem(path, f"unknown database {name!r}; the model has: {', '.join(databases)}")
