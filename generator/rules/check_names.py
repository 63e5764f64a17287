"""Rules on names that PostgreSQL accepts quoted but that would still go wrong: names it reserves (system columns,
its own schemas and TimescaleDB's, schemagen's history schema), database names that become folders of out/,
extension names, and placeholders that would stay in a name literally (`{org}` where nothing fills it in,
`{org_name}`, a misspelt `{orgs}`), names holding control characters, and org keys (each once, no SQL keyword).
"""
from __future__ import annotations

import re

from schemagen import model as m
from schemagen.document import Document, PathT, dotted
from schemagen.errors import CONTROL_RE, control_character
from schemagen.rules.context import Context
from schemagen.rules.problems import Problems
from schemagen.sqltext import KEYWORDS

SYSTEM_COLUMNS = frozenset({"tableoid", "xmin", "cmin", "xmax", "cmax", "ctid"})
RESERVED_SCHEMAS = {
    "information_schema": "is PostgreSQL's own schema",
    "schemagen": "is where schemagen keeps its history (schemagen.history); rollback would drop it",
}
_TIMESCALEDB_SCHEMA = re.compile(r"_timescaledb|timescaledb_")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")  # {org}, {org_name}, {orgs}, {ORG}: not `{1,2}`
_EXTENSION = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
_VERSION = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*\Z")
_ORG_IN_NAME = re.compile(r"\w\{org\}|\{org\}\w")
_TEMPLATES = "only the names of tables, views and continuous aggregates are org templates"


def placeholder_error(name: str, stamped: bool = False) -> str | None:
    """Why a `{...}` in a name would stay there literally, else None. `stamped`: a name of a table, view or
    aggregate, where the builder already refused `{org}` outside org templates (and stamped it inside them)."""
    for found in _PLACEHOLDER.findall(name):
        if found == "{org}" and stamped:
            continue
        if found == "{org}":
            return f"`{{org}}` is filled in only for org templates ({_TEMPLATES}); here it would stay literally"
        if found == "{org_name}":
            return "`{org_name}` is filled in only in the registry's values and in comments, never in names; " \
                   "use `{org}`"
        return f"unknown placeholder `{found}`: the only one filled in a name is `{{org}}` (lower case)"
    return None


# Values that are text, not names: a newline or a tab is fine there (each is quoted as a literal, or parsed as SQL).
_FREE_TEXT = frozenset({"comment", "body", "query", "check", "where", "when", "default", "expression", "type",
                        "returns", "chunk_interval", "after", "schedule_interval", "drop_after", "compress_after",
                        "interval", "start_offset", "end_offset", "bucket", "version"})
_FREE_VALUES = frozenset({"checks", "aggregates", "values", "with", "columns"})  # name -> text (columns: a type)


def control_characters(ck: Problems, doc: Document | None) -> None:
    """Every name of the model (every mapping key, every value or list item that names something) free of control
    characters: C0 (a newline, CR, tab, ESC, NUL), DEL, C1 and U+2028/2029. PostgreSQL accepts them in quoted names,
    but a name also becomes a folder or file of out/, a line of a file's `--` header (a newline or CR would end the
    comment, and psql would run the rest as SQL or as a `\\!` shell command) and text printed on a terminal (ESC
    and BEL). Walks the document itself: no name can be missed however the model grows."""
    if doc is None:
        return
    stack: list[tuple[PathT, object]] = [((), doc.data)]
    while stack:  # one regex search over each mapping's keys and one over its text values: 80,000 columns in 0.2 s
        path, node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        texts = [(k, v) for k, v in items if isinstance(v, str)]
        if isinstance(node, dict) and CONTROL_RE.search("".join(map(str, node))):
            for key in node:
                if isinstance(key, str):
                    _refuse(ck, doc, path + (key,), key, key=True)
        if texts and CONTROL_RE.search("".join(v for _, v in texts)):
            for k, value in texts:
                if _is_name(path + (k,)):
                    _refuse(ck, doc, path + (k,), value)
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((path + (k,), v) for k, v in items if isinstance(v, (dict, list)))


def _is_name(path: PathT) -> bool:
    """Whether the text value at path names something (a table, a column list's item, a constraint's `name:`, an
    org key, a trigger's function, an operator class) rather than holding free text."""
    last = next((p for p in reversed(path) if isinstance(p, str)), "")
    if last in _FREE_TEXT or (len(path) >= 2 and isinstance(path[-1], str) and path[-2] in _FREE_VALUES):
        return False
    if len(path) >= 3 and path[-3] == "rows" and isinstance(path[-2], int):  # a seed row's value
        return False
    return not (len(path) == 3 and path[0] == "orgs" and path[2] == "name")  # an org's name is free text


def _refuse(ck: Problems, doc: Document, path: PathT, text: str, key: bool = False) -> None:
    code = control_character(text)
    if code is None:
        return
    line, column = doc.where(path, key=key)
    what = "name" if key or path[-1] != "key" or path[0] != "orgs" else "org key"
    ck.add(m.Source(doc.file, line, column, dotted(path)),
           f"{what} {text!r} holds the control character {code}: a name becomes a folder or file of out/, a "
           "line of the scripts' `--` headers (a line break would end the comment) and text on a terminal; "
           "schemagen refuses control characters in names")


def org_keys(ck: Problems, model: m.Model) -> None:
    """Each org key once, and none an SQL keyword."""
    keys: dict[str, m.Org] = {}
    for org in model.orgs:
        if org.key in keys:
            ck.add(org.source, f"org key {org.key!r} is given twice (first on line {keys[org.key].source.line})")
        keys.setdefault(org.key, org)
        if org.key in KEYWORDS:
            ck.add(org.source, f"org key {org.key!r} is an SQL keyword; pick another (it becomes part of names and "
                               "queries)")


def database_names(ck: Problems, model: m.Model) -> None:
    """A database's name is also the folder out/<database>/ its scripts are written to. Also where the names of
    the whole document are checked for control characters (once per model)."""
    control_characters(ck, ck.doc)
    folders: dict[str, str] = {}
    for db in model.databases:
        error = placeholder_error(db.name)
        if error:
            ck.add(db.source, f"database {db.name!r}: {error}")
        if db.name in (".", "..") or "/" in db.name or "\\" in db.name:
            ck.add(db.source, f"database name {db.name!r} cannot be used: it becomes the folder out/<database>/, "
                              "so it cannot be `.` or `..` or hold `/` or `\\`")
        folded = db.name.casefold()
        if folded in folders:
            ck.add(db.source, f"databases {folders[folded]!r} and {db.name!r} differ only in case: their folders "
                              "in out/ would be one on macOS and Windows")
        folders.setdefault(folded, db.name)


def names(ck: Context) -> None:
    """Schemas, extensions, functions; then every name of tables, views and aggregates (once per template)."""
    db = ck.db
    timescaledb = db.uses_timescaledb
    for e in db.extensions:
        if not _EXTENSION.match(e.name):
            ck.add(e.source, f"{e.name!r} is not an extension name (letters, digits, `_`, `-` and `.`)")
        if e.version is not None and not _VERSION.match(e.version):
            ck.add(e.source, f"extension {e.name}: {e.version!r} is not a version (letters, digits, `.`, `_`, `-`, "
                             "`+`)")
    for s in db.schemas:
        error = placeholder_error(s.name)
        if error:
            ck.add(s.source, f"schema {s.name!r}: {error}")
        if s.name in RESERVED_SCHEMAS:
            ck.add(s.source, f"schema name {s.name!r} {RESERVED_SCHEMAS[s.name]}; pick another")
        elif _TIMESCALEDB_SCHEMA.match(s.name) and timescaledb:
            ck.add(s.source, f"schema name {s.name!r}: schemas starting with _timescaledb or timescaledb_ are "
                             "TimescaleDB's own")
    for f in db.functions:
        texts = [("name", f.name), ("returns", f.returns)] + [("argument", a.name) for a in f.arguments if a.name]
        problem = next(((what, error) for what, text in texts if (error := placeholder_error(text))), None)
        if problem is None and _ORG_IN_NAME.search(f.body):  # `values_{org}`; a JSON path '{org}' is fine
            problem = ("body", f"`{{org}}` is filled in only for org templates ({_TEMPLATES}); a function is "
                               "shared, so its body would name `..._{org}` literally")
        if problem:
            ck.add(f.source, f"function {f.qname}, {problem[0]}: {problem[1]}")
    seen: set[tuple] = set()
    for obj in db.tables + db.views + db.continuous_aggregates:
        key = (type(obj).__name__, obj.schema, obj.template or obj.name)
        if key in seen:
            continue  # a later org of a template: the same names with another key
        seen.add(key)
        for what, name, source in _object_names(obj):
            error = placeholder_error(name, stamped=True)
            if error:
                ck.add(source, f"{what} {name!r}: {error}", obj.org, f"placeholder {what}")
    for t in db.tables:
        for c in t.columns:
            if c.name in SYSTEM_COLUMNS:
                ck.add(c.source, f"column name {c.name!r} is a system column's (tableoid, xmin, cmin, xmax, cmax, "
                                 "ctid): PostgreSQL refuses it", t.org, "system column")
    reg = db.org_registry
    if reg:
        for column, template in reg.values:
            unknown = [p for p in _PLACEHOLDER.findall(template) if p not in ("{org}", "{org_name}")]
            if unknown:
                ck.add(reg.source, f"org_registry: the value of {column} ({template!r}) has the unknown placeholder "
                                   f"`{unknown[0]}`; values may use `{{org}}` and `{{org_name}}`")


def _object_names(obj) -> list[tuple[str, str, m.Source]]:
    out = [("name", obj.name, obj.source)]
    for ix in obj.indexes:
        out.append(("index", ix.name, ix.source))
    if isinstance(obj, m.Table):
        out += [("column", c.name, c.source) for c in obj.columns]
        out += [("constraint", k.name, k.source) for k in (obj.checks + obj.uniques + obj.foreign_keys)]
        out += [("trigger", tr.name, tr.source) for tr in obj.triggers]
        if obj.primary_key:
            out.append(("constraint", obj.primary_key.name, obj.primary_key.source))
    elif isinstance(obj, m.ContinuousAggregate) and obj.bucket_column:
        out.append(("bucket column", obj.bucket_column, obj.source))
    return out
