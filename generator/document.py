"""Where each piece of the model file was written: the parsed data beside a tree of positions.

Built by `modelfile.yamlsrc` from YAML; read by the rules (and the builder) to put file:line:column on every problem.
"""
from __future__ import annotations

from dataclasses import dataclass

from schemagen.errors import Problem

PathT = tuple  # keys (str) and list indexes (int) from the document root


def dotted(path: PathT) -> str:
    """databases.datakwip.schemas.core.tables.entity.columns[0]"""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


class Pos:
    """Where a value was written (1-based), where its key was (for mapping values), and its children's Pos:
    a dict for a mapping, a list for a sequence. A tree beside the data, cheaper than a map of whole paths."""

    __slots__ = ("line", "column", "key_line", "key_column", "children")

    def __init__(self, line: int, column: int, children: dict | list | None = None):
        self.line, self.column = line, column
        self.key_line = self.key_column = 0
        self.children = children


@dataclass
class Document:
    """The model's data and where each piece of it was written."""

    file: str
    data: object
    pos: Pos | None = None

    def where(self, path: PathT, *, key: bool = False) -> tuple[int, int]:
        """(line, column) of the value at path (or of its key), else of the deepest enclosing value found."""
        node = self.pos
        if node is None:
            return (1, 1)
        for part in path:
            kids = node.children
            if isinstance(kids, dict) and part in kids:
                node = kids[part]
            elif isinstance(kids, list) and isinstance(part, int) and 0 <= part < len(kids):
                node = kids[part]
            else:
                return (node.line, node.column)
        if key and node.key_line:
            return (node.key_line, node.key_column)
        return (node.line, node.column)

    def data_at(self, path: PathT) -> object:
        """The data at path (None where the path leads nowhere)."""
        node = self.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return node

    def problem(self, path: PathT, message: str, *, key: bool = False) -> Problem:
        line, col = self.where(path, key=key)
        return Problem(self.file, line, col, clip(dotted(path)), clip(message))


def clip(text: str, limit: int = 1000) -> str:
    """A message or path short enough to read: a name may be a megabyte long."""
    return text if len(text) <= limit else f"{text[: limit - 300]} ... {text[-250:]}"
