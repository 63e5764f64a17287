"""Reading model.yaml safely, remembering where every key and value was written.

PyYAML alone would keep the last of two duplicate keys silently, expand an alias bomb into exponential work for
every later walk, and forget line numbers once it builds Python objects. This module composes the YAML node graph
itself, refuses duplicates and oversized expansions, and returns plain Python data plus a map from each path in
that data to its (line, column).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ModelError, Problem

MAX_BYTES = 20 * 1024 * 1024  # a model is hand-written YAML; anything larger is a mistake
MAX_NODES = 2_000_000  # nodes after expanding aliases: bounds time and memory against "billion laughs"

PathT = tuple  # keys (str) and list indexes (int) from the document root


def dotted(path: PathT) -> str:
    """databases.datakwip.schemas.core.tables.entity.columns[0]"""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


@dataclass
class Document:
    """The model's data and where each piece of it was written."""

    file: str
    data: object
    marks: dict[PathT, tuple[int, int]] = field(default_factory=dict)  # value positions
    key_marks: dict[PathT, tuple[int, int]] = field(default_factory=dict)  # positions of mapping keys

    def where(self, path: PathT, *, key: bool = False) -> tuple[int, int]:
        """(line, column) of the value at path (or of its key), else of the nearest enclosing value."""
        p = tuple(path)
        while True:
            if key and p in self.key_marks:
                return self.key_marks[p]
            if p in self.marks:
                return self.marks[p]
            if not p:
                return (1, 1)
            p = p[:-1]

    def problem(self, path: PathT, message: str, *, key: bool = False) -> Problem:
        line, col = self.where(path, key=key)
        return Problem(self.file, line, col, dotted(path), message)


def read(path: str | Path) -> Document:
    """Read and parse a model file; raise ModelError with file:line:col for anything that is not sound YAML."""
    name = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_BYTES:
            raise ModelError([Problem(name, 1, 1, "", f"the file is {size:,} bytes; a model may be at most "
                                                        f"{MAX_BYTES:,} bytes")])
        raw = Path(path).read_bytes()
    except OSError as e:
        raise ModelError([Problem(name, 1, 1, "", f"cannot read the model: {e.strerror or e}")]) from None
    return parse_bytes(raw, name)


def parse_bytes(raw: bytes, name: str = "model.yaml") -> Document:
    if len(raw) > MAX_BYTES:
        raise ModelError([Problem(name, 1, 1, "", f"a model may be at most {MAX_BYTES:,} bytes")])
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise ModelError([Problem(name, line, 1, "", "the file is binary (it contains NUL bytes), not YAML")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise ModelError([Problem(name, line, col, "", f"the file is not UTF-8 (byte 0x{raw[e.start]:02x})")]) from None
    return parse_text(text, name)


def parse_text(text: str, name: str = "model.yaml") -> Document:
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise ModelError([Problem(name, 1, 1, "", "the model is empty: it needs at least `databases:`")])
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(filter(None, [e.context, e.problem]))
        if "\t" in text and "\\t" in str(e.problem):
            what += " (YAML does not allow tabs for indentation; use spaces)"
        raise ModelError([Problem(name, line, col, "", f"invalid YAML: {what}")]) from None
    except yaml.YAMLError as e:
        raise ModelError([Problem(name, 1, 1, "", f"invalid YAML: {e}")]) from None
    finally:
        loader.dispose()
    if node is None:
        raise ModelError([Problem(name, 1, 1, "", "the model is empty: it needs at least `databases:`")])
    _check_expansion(node, name)
    doc = Document(name, None)
    problems: list[Problem] = []
    doc.data = _convert(node, (), doc, loader, problems)
    if problems:
        raise ModelError(problems)
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else f"a {type(doc.data).__name__} scalar"
        raise ModelError([Problem(name, node.start_mark.line + 1, node.start_mark.column + 1, "",
                                  f"the model must be a mapping with `databases:`, not {kind}")])
    return doc


def _check_expansion(root: yaml.Node, name: str) -> None:
    """Count nodes as if every alias were expanded, with memoisation, so a bomb is refused in linear time."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children = []
        if isinstance(node, yaml.MappingNode):
            children = [n for kv in node.value for n in kv]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1 + sum(sizes.get(id(c), 1) for c in children)
        if total > MAX_NODES:
            m = node.start_mark
            raise ModelError([Problem(name, m.line + 1, m.column + 1, "",
                                      f"the YAML expands to more than {MAX_NODES:,} nodes through aliases "
                                      "(an alias bomb?); refusing to read it")])
        sizes[id(node)] = total


def _convert(node: yaml.Node, path: PathT, doc: Document, loader: yaml.SafeLoader, problems: list[Problem]):
    doc.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        seen: dict[object, yaml.Node] = {}
        for key_node, _ in node.value:  # explicit keys only: keys brought in by a << merge may be overridden
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = loader.construct_object(key_node, deep=True)
            if key in seen:
                first = seen[key].start_mark.line + 1
                problems.append(Problem(doc.file, key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                                        dotted(path + (str(key),)),
                                        f"duplicate key {key!r} (first written on line {first}); YAML would "
                                        "silently keep only the last one"))
            else:
                seen[key] = key_node
        loader.flatten_mapping(node)
        out: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, bool, float)) or isinstance(key, bool):
                problems.append(Problem(doc.file, key_node.start_mark.line + 1, key_node.start_mark.column + 1,
                                        dotted(path), f"a key must be a name, not {key!r}"))
                continue
            key = str(key)
            kpath = path + (key,)
            doc.key_marks[kpath] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _convert(value_node, kpath, doc, loader, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(v, path + (i,), doc, loader, problems) for i, v in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as e:
        problems.append(Problem(doc.file, node.start_mark.line + 1, node.start_mark.column + 1, dotted(path),
                                f"invalid value: {e}"))
        return None
