"""Changes: the differences between a live database and the model, one object part at a time."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Change:
    database: str
    org: str  # "" for shared objects
    kind: str  # table, view, materialized view, continuous aggregate, function, extension, schema, seed row, org row
    object: str  # qualified name
    change: str  # missing | extra | changed
    attribute: str = ""  # what differs: "column value: type", "index ix_x" (a missing part), "" (the object)
    expected: str | None = None
    actual: str | None = None

    def summary(self) -> str:
        who = f"[org {self.org}] " if self.org else ""
        if self.change == "changed":
            return (f"{who}{self.kind} {self.object}: {self.attribute}: expected {shown(self.expected)}, "
                    f"found {shown(self.actual)}")
        what = f" {self.attribute}" if self.attribute else ""
        return f"{who}{self.kind} {self.object}{what}: {self.change}"


def shown(value: str | None) -> str:
    return "(none)" if value is None else value
