"""Reading model.yaml safely, remembering where every key and value was written.

PyYAML alone keeps the last of two duplicate keys silently, expands an alias bomb into exponential work, recurses
(or, with libyaml, overflows the C stack) on deeply nested input, turns `2024-01-01` into a date and `no:` into
False, and forgets line numbers once it builds Python objects. So this module builds the data itself from the
parser's events, in one iterative pass with bounded depth and size: duplicates are refused, aliases count against
a node budget, keys are names (their text as written), and a tree of positions mirrors the data.
"""
from __future__ import annotations

import bisect
import gc
import re
from pathlib import Path

import yaml

from schemagen.document import Document, PathT, Pos, clip, dotted
from schemagen.errors import ModelError, Problem
from schemagen.modelfile.regularfile import MAX_BYTES, read_regular

MAX_NODES = 250_000  # values after expanding aliases (a 5,000-org model has ~25,000): bounds time and memory
MAX_DEPTH = 64  # nesting levels (a model needs about 12)


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ten times faster


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """Safe scalars, except that dates and times stay the text written (a model has no date type)."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_PLAIN = {"tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
          _STR}


def read(path: str | Path) -> Document:
    """Read and parse a model file; raise ModelError with file:line:col for anything that is not sound YAML."""
    name = str(path)
    try:
        raw = read_regular(name, MAX_BYTES)
    except OSError as e:
        raise ModelError([Problem(name, 1, 1, "", f"cannot read the model: {e.strerror or e}")]) from None
    return parse_bytes(raw, name)


def parse_bytes(raw: bytes, name: str = "model.yaml", *, top: str = "databases") -> Document:
    if len(raw) > MAX_BYTES:
        raise ModelError([Problem(name, 1, 1, "", f"a model may be at most {MAX_BYTES:,} bytes")])
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or raw[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00"):
        kind = "UTF-32" if raw[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00") else "UTF-16"
        raise ModelError([Problem(name, 1, 1, "", f"the file is {kind} (it starts with a {kind} byte order mark); "
                                                  "save it as UTF-8")])
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise ModelError([Problem(name, line, 1, "", "the file is binary (it contains NUL bytes), not YAML")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise ModelError([Problem(name, line, col, "", f"the file is not UTF-8 (byte 0x{raw[e.start]:02x}); "
                                                      "save it as UTF-8")]) from None
    return parse_text(text, name, top=top)


def parse_text(text: str, name: str = "model.yaml", *, top: str = "databases") -> Document:
    """Parse YAML text into plain data (dict, list, str, int, float, bool, None) and its positions. `top`: the key
    the file's mapping needs (`databases` for a model, `targets` for a targets file), named when it is empty."""
    if len(text) > MAX_BYTES:
        raise ModelError([Problem(name, 1, 1, "", f"a model may be at most {MAX_BYTES:,} bytes")])
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ModelError([Problem(name, line, 1, "", "the file is binary (it contains NUL bytes), not YAML")])
    text, restore = _yaml12_breaks(text)
    builder = _Builder(name, text, restore)
    collecting = gc.isenabled()
    gc.disable()  # only acyclic containers are made: the cycle collector would rescan them again and again
    try:
        data, pos = builder.run()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = _Lines(text).at(mark) if mark else (1, 1)
        what = " ".join(filter(None, [e.context, e.problem])).translate(restore or {})
        lines = text.split("\n")
        if "\t" in (lines[line - 1] if 0 < line <= len(lines) else "") or "\\t" in what:
            what += " (tabs: YAML indents with spaces only)"
        elif "escape" in what:
            what += " (write the character itself; \\u escapes of surrogates are not YAML)"
        raise ModelError([Problem(name, line, col, "", f"invalid YAML: {what}")]) from None
    except yaml.YAMLError as e:
        raise ModelError([Problem(name, 1, 1, "", f"invalid YAML: {e}")]) from None
    finally:
        if collecting:
            gc.enable()
    if builder.problems:
        raise ModelError(builder.problems)
    if data is _EMPTY or data is None:
        what = "the model" if top == "databases" else "the file"
        raise ModelError([Problem(name, 1, 1, "", f"{what} is empty: it needs at least `{top}:`")])
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {_kind(data)}"
        raise ModelError([Problem(name, pos.line, pos.column, "",
                                  f"{'the model' if top == 'databases' else 'the file'} must be a mapping with "
                                  f"`{top}:`, not {kind}")])
    return Document(name, data, pos)


def _kind(value: object) -> str:
    return {type(None): "null", bool: "boolean", int: "number", float: "number", str: "string"}.get(
        type(value), type(value).__name__) + " scalar"


_EMPTY = object()
_YAML11_BREAKS = "\x85\u2028\u2029"
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def _yaml12_breaks(text: str) -> tuple[str, dict | None]:
    """The text with U+0085, U+2028 and U+2029 swapped for private-use characters it lacks, and the table that
    swaps them back. PyYAML and libyaml follow YAML 1.1, where these end a line: one in a `# comment` ends the
    comment (the rest becomes YAML, an error an editor cannot show), one in a quoted string is folded into a space.
    YAML 1.2, editors, grep and GitHub keep them inside the line: so does this reader, and each value keeps them."""
    if not any(c in text for c in _YAML11_BREAKS):
        return text, None
    used = set(_PRIVATE_USE.findall(text))
    free = [c for c in map(chr, range(0xF8FF, 0xDFFF, -1)) if c not in used][:len(_YAML11_BREAKS)]
    if len(free) < len(_YAML11_BREAKS):  # a text holding the whole private use area is no model
        return text, None
    return (text.translate(str.maketrans(dict(zip(_YAML11_BREAKS, free)))),
            str.maketrans(dict(zip(free, _YAML11_BREAKS))))


class _Lines:
    """Line and column (from 1) of a parser mark as an editor shows them. PyYAML also breaks lines at U+0085,
    U+2028 and U+2029, which editors, grep and GitHub show inside a line: with any of them in the text, the line is
    counted from the mark's character index instead."""

    def __init__(self, text: str):
        self.breaks: list[int] | None = None
        if any(c in text for c in "\x85\u2028\u2029"):
            self.breaks = [n for n, c in enumerate(text) if c == "\n"]

    def at(self, mark) -> tuple[int, int]:
        if self.breaks is None:
            return mark.line + 1, mark.column + 1
        before = bisect.bisect_left(self.breaks, mark.index)
        start = self.breaks[before - 1] + 1 if before else 0
        return before + 1, mark.index - start + 1


class _Frame:
    """A mapping or sequence being built."""

    __slots__ = ("data", "pos", "size", "anchor", "key", "key_mark", "merges", "seen")

    def __init__(self, data, pos: Pos, anchor: str | None):
        self.data, self.pos, self.anchor = data, pos, anchor
        self.size = 1
        self.key = self.key_mark = None
        self.merges: list[tuple[object, Pos, int]] = []  # (value, pos, number of keys written before the <<)
        self.seen: dict[str, int] = {}


def _path(stack) -> PathT:
    """The path of the value being read: the keys and list indexes that lead to it (a key being read ends it)."""
    out: list = []
    for frame in stack:
        if isinstance(frame.data, list):
            out.append(len(frame.data))
        elif frame.key is None:
            break
        else:
            out.append("<<" if frame.key is _MERGE else frame.key)
    return tuple(out)


class _Builder:
    """Data and positions from the parser's events, without recursion."""

    def __init__(self, name: str, text: str, restore: dict | None = None):
        self.name, self.text, self.restore = name, text, restore
        self.lines = _Lines(text)
        self.loader = _Loader(text)
        self.problems: list[Problem] = []
        self.anchors: dict[str, tuple[object, Pos, int]] = {}  # anchor -> (data, pos, node count)
        self.nodes = 0

    def fail(self, mark, message: str, stack: list[_Frame] | None = None) -> None:
        """A problem at mark; with the stack of what is being built, named by its path in the model."""
        self.problems.append(Problem(self.name, *self.lines.at(mark), clip(dotted(_path(stack or ()))),
                                     clip(message)))

    def run(self):
        try:
            return self._run()
        finally:
            self.loader.dispose()

    def _run(self):
        get = self.loader.get_event
        stack: list[_Frame] = []
        result, result_pos, documents = _EMPTY, None, 0
        while True:
            event = get()
            if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentEndEvent)):
                continue
            if isinstance(event, yaml.StreamEndEvent):
                return result, result_pos
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    self.fail(event.start_mark, "a model is one YAML document; remove the second `---`")
                    raise ModelError(self.problems)
                continue
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                self._open(event, stack)
                continue
            value, pos, size = self._node(event, stack)
            if not stack:
                result, result_pos = value, pos
                continue
            self._add(stack[-1], value, pos, size, event.start_mark, event, stack)

    def _open(self, event, stack: list[_Frame]) -> None:
        """A mapping or sequence starts: a new frame on the stack, within the depth limit."""
        mark = event.start_mark
        if len(stack) >= MAX_DEPTH:
            self.fail(mark, f"nested more than {MAX_DEPTH} levels deep; a model needs far fewer")
            raise ModelError(self.problems)
        mapping = isinstance(event, yaml.MappingStartEvent)
        if event.tag and event.tag not in ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "!"):
            self.fail(mark, f"unsupported YAML tag {event.tag}", stack)
        self._count(1, mark)
        pos = Pos(*self.lines.at(mark), {} if mapping else [])
        stack.append(_Frame({} if mapping else [], pos, event.anchor))

    def _node(self, event, stack: list[_Frame]) -> tuple[object, Pos, int]:
        """(value, position, node count) of a finished node: a closed mapping or sequence, an alias, a scalar."""
        mark = event.start_mark
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frame = stack.pop()
            if frame.merges:
                self._merge(frame, _path(stack))
            if frame.anchor:
                self.anchors[frame.anchor] = (frame.data, frame.pos, frame.size)
            return frame.data, frame.pos, frame.size
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                self.fail(mark, f"unknown alias *{event.anchor} (no &{event.anchor} before it)", stack)
                return None, Pos(*self.lines.at(mark)), 1
            value, pos, size = self.anchors[event.anchor]
            # The value is shared, not copied; charge its size so nested aliases cannot multiply work.
            self._count(size, mark)
            return value, Pos(*self.lines.at(mark), pos.children), size
        self._count(1, mark)  # a scalar
        value = self._scalar(event, stack)
        pos = Pos(*self.lines.at(mark))
        if event.anchor:
            self.anchors[event.anchor] = (value, pos, 1)
        return value, pos, 1

    def _count(self, n: int, mark) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            self.fail(mark, f"the YAML expands to more than {MAX_NODES:,} values (an alias bomb, or a model far "
                            "larger than any schema); refusing to read it")
            raise ModelError(self.problems)

    def _scalar(self, event, stack: list[_Frame]):
        """A scalar value; a mapping key is the text written (`no:` is the name "no", not False)."""
        value = event.value.translate(self.restore) if self.restore else event.value
        if "\x00" in value:
            self.fail(event.start_mark, "a NUL character (\\0) cannot be stored in PostgreSQL: remove it", stack)
            return "?"
        parent = stack[-1] if stack else None
        if parent is not None and isinstance(parent.data, dict) and parent.key is None:
            if value == "<<" and event.implicit[0]:
                return _MERGE
            return value
        tag = event.tag
        if tag in (None, "!"):
            tag = self.loader.resolve(yaml.ScalarNode, value, event.implicit)
        if tag not in _PLAIN:
            if tag == "tag:yaml.org,2002:timestamp":
                return value
            self.fail(event.start_mark, f"unsupported YAML tag {tag}: write a plain value", stack)
            return None
        node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
        try:
            return self.loader.yaml_constructors[tag](self.loader, node)
        except (yaml.YAMLError, ValueError) as e:
            self.fail(event.start_mark, f"invalid value {value!r}: {e}", stack)
            return None

    def _add(self, frame: _Frame, value, pos: Pos, size: int, mark, event, stack=()) -> None:
        frame.size += size
        if isinstance(frame.data, list):
            frame.data.append(value)
            frame.pos.children.append(pos)
            return
        if frame.key is None:  # this is a key
            alias_of_text = isinstance(event, yaml.AliasEvent) and isinstance(value, str)
            if not isinstance(event, yaml.ScalarEvent) and not alias_of_text:
                what = "an alias of a list, mapping, number or boolean" if isinstance(event, yaml.AliasEvent) \
                    else "a list or mapping"
                self.problems.append(Problem(self.name, pos.line, pos.column, clip(dotted(_path(stack))),
                                             f"a key must be a name, not {what}"))
                frame.key, frame.key_mark = "?", mark
                return
            frame.key, frame.key_mark = value, mark
            return
        key, kmark = frame.key, frame.key_mark
        frame.key = frame.key_mark = None
        if key is _MERGE:
            frame.merges.append((value, pos, len(frame.data)))
            return
        if key in frame.seen:
            self.fail(kmark, f"duplicate key {clip(repr(key), 100)} (first written on line {frame.seen[key]}); "
                             "YAML would silently keep only the last one")
            return
        pos.key_line, pos.key_column = self.lines.at(kmark)
        frame.seen[key] = pos.key_line
        frame.data[key] = value
        frame.pos.children[key] = pos

    def _merge(self, frame: _Frame, path: PathT = ()) -> None:
        """`<<: *base` (or a list of them): keys written here win, then earlier merged mappings. Keys are in the
        order written with each `<<` expanded in its place, as a YAML mapping reads them (a key first seen in a
        merge keeps that place when a key written later overrides its value), so `columns: {<<: *a, z: smallint}`
        puts a's columns before z."""
        inserted: dict[int, list[tuple[str, object, Pos]]] = {}
        for value, pos, at in frame.merges:
            sources = list(zip(value, pos.children)) if isinstance(value, list) else [(value, pos)]
            for data, where in sources:
                if not isinstance(data, dict):
                    self.problems.append(Problem(self.name, where.line, where.column, clip(dotted(path)),
                                                 "`<<` merges mappings only"))
                    continue
                inserted.setdefault(at, []).extend(
                    (key, item, where.children.get(key, where) if where.children else where)
                    for key, item in data.items())
        written = list(frame.data.items())
        data, kids = frame.data, frame.pos.children
        positions = dict(kids)
        data.clear()
        kids.clear()
        for i in range(len(written) + 1):
            for key, item, where in inserted.get(i, ()):
                if key not in data:  # an earlier merge, or a key written here (filled in below), wins
                    data[key], kids[key] = (item, where) if key not in positions else (None, None)
            if i < len(written):
                key, item = written[i]
                data[key], kids[key] = item, positions[key]
