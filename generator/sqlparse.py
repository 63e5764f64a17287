"""Free-form SQL in the model, checked with PostgreSQL's own parser (pglast) before anything is rendered.

Each piece of SQL the model carries goes into a fixed place of a statement (`DEFAULT <expr>`, `CHECK (<expr>)`,
`CREATE VIEW v AS <query>`), so each must be exactly one thing of the expected kind: one expression that cannot
close the parenthesis around it, one SELECT with no second statement, one type. The checks parse through the JSON
form of the parse tree (five times faster than pglast's Python objects) and cache by text: 5,000 orgs stamp the
same expressions 5,000 times.
"""
from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from functools import lru_cache, wraps
from itertools import accumulate


def _parser():
    """pglast's parser module, imported on first use (pglast takes ~20 ms to import; `schemagen diff` of a model
    whose defaults and views need no parse never loads it)."""
    import pglast.parser

    return pglast.parser


class _Lazy:
    """A name of pglast.parser resolved on first use: `ParseError`, `parse_sql_json`, ... read as before."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, *args, **kwargs):
        return getattr(_parser(), self.name)(*args, **kwargs)


parse_sql_json, parse_plpgsql_json, scan = _Lazy("parse_sql_json"), _Lazy("parse_plpgsql_json"), _Lazy("scan")


def _parse_error() -> type[Exception]:
    return _parser().ParseError


def _cache_small(maxsize: int):
    """A cache by text for short texts only (a long one is checked each time and its parse not kept in memory),
    the `maxsize` most recently used kept. The budget the work is charged to is no part of the key: a text checked
    once costs nothing the next time, whoever asks. Safe across threads (`diff --targets` compares several
    databases at once): the cache's reordering is under a lock, the parse itself outside it."""
    def wrap(fn):
        cache: OrderedDict[str, object] = OrderedDict()  # the most recently used last
        lock = threading.Lock()

        @wraps(fn)
        def call(text: str, budget: Budget | None = None):
            if len(text) > 2048:
                return fn(text, budget)
            with lock:
                if text in cache:
                    cache.move_to_end(text)
                    return cache[text]
            value = fn(text, budget)
            with lock:
                cache[text] = value
                if len(cache) > maxsize:
                    cache.popitem(last=False)
            return value

        call.cache_clear = cache.clear  # type: ignore[attr-defined]
        return call
    return wrap


MAX_SQL = 64 * 1024  # one expression or query; more is no hand-written SQL, and its parse tree grows ~50x


class Parsed:
    """A piece of SQL that passed its check: the compact JSON text of its parse, and the tree of the expression
    or SELECT, decoded from `part` only when a rule needs it (most facts are read from the text)."""

    __slots__ = ("json", "_part", "_tree")

    def __init__(self, raw: str, part: str | None = None):
        self.json, self._part, self._tree = raw, part, None  # part None: the first statement's node

    @property
    def tree(self) -> dict:
        if self._tree is None:
            if self._part is not None:
                self._tree = json.loads(self._part)
            else:
                self._tree = next(iter(json.loads(self.json)["stmts"][0]["stmt"].values()))
        return self._tree


class TooMuchSql(Exception):
    """The model's SQL is too large or complex to check in bounded time and memory."""


MAX_WORK = 96 * 1024 * 1024  # bytes of parse trees per model: a 5,000-org model makes ~20 MB


class Budget:
    """The parse work one model's checks may cost: every parse charges the bytes of its tree, so that a model of
    pathological SQL stops in bounded time instead of taking minutes. Each check takes the budget to charge (the
    rules' problem collector holds one per model); without one, nothing is counted."""

    __slots__ = ("spent",)

    def __init__(self) -> None:
        self.spent = 0

    def charge(self, size: int, check: bool = True) -> None:
        self.spent += size
        if check and self.spent > MAX_WORK:
            raise TooMuchSql(f"the model's SQL is too large or complex to check (more than {MAX_WORK >> 20} MB of "
                             "parse trees); split it or simplify the expressions")


# Levels of nesting of a parse tree's JSON at most. Decoding it (json.loads), render's and diff's walks of it and
# pglast's own objects recurse once or twice per level, and Python stops at 1,000 frames (a RecursionError,
# "cannot read the model"). Measured: render fails from ~490 levels (240 chained operators in a default), json.loads
# from ~1,000. 300 levels are about 140 chained operators (`1 + 1 + ...`: a level of A_Expr each) or 40 nested
# subqueries, beyond hand-written SQL; a list (`IN (...)`, CASE branches, AND/OR terms) is one level at any length.
MAX_TREE_DEPTH = 300
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")  # every byte but the four: deleted by bytes.translate
_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\x02\x02")
_DELTA = (0, 1, -1)


def tree_depth(raw: str, sql: str) -> int:
    """How deeply the JSON text of sql's parse nests, at C speed: only its brackets are kept, and a string's
    brackets (a literal `'{a,b}'`, an `arr[1]`) only exist when sql has some; then strings are left out first."""
    if raw.count("{") + raw.count("[") <= MAX_TREE_DEPTH:  # no deeper than its brackets
        return 0
    if any(c in sql for c in "[]{}"):
        raw = _JSON_STRING.sub("", raw)
    steps = raw.encode().translate(_STEP, _BRACKETS)
    return max(accumulate(map(_DELTA.__getitem__, steps)), default=0)


def _too_deep(depth: int) -> Exception:
    return _parse_error()(f"it nests {depth:,} levels deep in PostgreSQL's parse tree; schemagen checks at most "
                      f"{MAX_TREE_DEPTH:,} (about 140 chained operators or 40 nested subqueries): split it, "
                      "e.g. into a function")


def _parse_raw(text: str, budget: Budget | None) -> str | Exception:
    """The JSON text of the parse (pglast's C side only: decoding it in Python is what costs). Every parse
    counts against the budget. A tree nested deeper than MAX_TREE_DEPTH is refused as a parse error: nothing
    could decode it."""
    spent = 0
    try:
        raw = parse_sql_json(text)
        depth = tree_depth(raw, text)
        if depth > MAX_TREE_DEPTH:
            spent += len(raw)
            raw = _too_deep(depth)
    except _parse_error() as e:
        raw = e
    spent += len(raw) if isinstance(raw, str) else 32 * len(text)  # a failed parse may have gone deep
    if budget is not None:
        budget.charge(spent)
    return raw


def _message(error: Exception) -> str:
    return str(error.args[0]) if error.args else "syntax error"


_FIRST_KIND = re.compile(r'"stmts":\[\{"stmt":\{"(\w+)":')
# `SELECT <one unnamed expression>` and nothing else: the statement is a SelectStmt whose first key is the target
# list, whose only target (the one at offset 7, just after "SELECT ") has no name and is followed by the two keys
# every plain SELECT ends with. Any FROM, WHERE, second target, alias or set operation changes this shape.
_EXPR_HEAD = re.compile(r'\{"version":\d+,"stmts":\[\{"stmt":\{"SelectStmt":\{"targetList":\[\{"ResTarget":\{"val":')
_EXPR_TAIL = ',"location":7}}],"limitOption":"LIMIT_OPTION_DEFAULT","op":"SETOP_NONE"}}}]}'


def _one_expression(sql: str, budget: Budget | None) -> Parsed | None:
    """The expression of `SELECT <expression>` when sql is exactly that, else None."""
    raw = _parse_raw(sql, budget)
    if isinstance(raw, _parse_error()) or raw.count('{"stmt":') != 1 or not raw.endswith(_EXPR_TAIL):
        return None
    head = _EXPR_HEAD.match(raw)
    return Parsed(raw, raw[head.end():-len(_EXPR_TAIL)]) if head else None


@_cache_small(8192)
def parse_expression(text: str, budget: Budget | None = None) -> Parsed | str:
    """The parse of text when it is exactly one SQL expression, else why not.

    `SELECT (<text>)` must be one expression, and so must `SELECT <text>`: text that closes the parenthesis
    and opens another (`1), (2` or `1) FROM x WHERE (true`) cannot pass both; nor can a trailing `--` comment,
    which would swallow what follows it on the line (`,` or `)`)."""
    if not text.strip():
        return "is empty"
    if len(text) > MAX_SQL:
        return f"is {len(text):,} characters long; at most {MAX_SQL:,}"
    inner = _one_expression(f"SELECT ({text})", budget)
    if inner is None:
        error = _parse_raw(f"SELECT ({text}\n)", budget)
        if isinstance(error, _parse_error()):
            return f"is not a valid SQL expression ({_message(error)})"
        if _one_expression(f"SELECT ({text}\n)", budget) is not None:  # fine but for the end of the line
            return "ends in a -- comment, which would swallow the SQL after it; use /* ... */"
        return "must be exactly one SQL expression (it would break out of its statement)"
    if _one_expression(f"SELECT {text}", budget) is None:
        return "must be exactly one SQL expression (it would break out of its statement)"
    return inner


def is_null_constant(text: str | None) -> bool:
    """True when an expression is the NULL constant, cast or not (`NULL`, ` null `, `NULL::text`): as a column's
    default, PostgreSQL stores none (unless the column's type is a domain)."""
    if not text or "null" not in text.lower():  # no parse needed (nor pglast loaded) for `now()`, `0`, `'x'`
        return False
    parsed = parse_expression(text.strip()) if text.strip() else None
    if not isinstance(parsed, Parsed):
        return False
    node = parsed.tree
    while "TypeCast" in node:
        node = node["TypeCast"].get("arg", {})
    return node.get("A_Const", {}).get("isnull") is True


def expression_error(text: str, budget: Budget | None = None) -> str | None:
    """None when text is exactly one SQL expression, else why not."""
    parsed = parse_expression(text, budget)
    return parsed if isinstance(parsed, str) else None


@_cache_small(8192)
def parse_select(text: str, budget: Budget | None = None) -> Parsed | str:
    """The parse of text when it is exactly one SELECT (a view's or an aggregate's query), else why not.
    Decided on the JSON text: in it `{"stmt":` only starts a top-level statement (quotes inside strings are
    escaped), so counting and reading the kind needs no decoding."""
    if len(text) > MAX_SQL:
        return f"is {len(text):,} characters long; at most {MAX_SQL:,}"
    raw = _parse_raw(text, budget)
    if isinstance(raw, _parse_error()):
        return f"is not valid SQL ({_message(raw)})"
    count = raw.count('{"stmt":')
    if count != 1:
        return f"must be exactly one SELECT statement, not {count} statements"
    kind = _FIRST_KIND.search(raw)[1]
    if kind != "SelectStmt" or '"intoClause":' in raw:
        return f"must be a SELECT, not {kind.removesuffix('Stmt').upper()}" + (" INTO" if kind == "SelectStmt" else "")
    if '"withClause":' in raw and any(f'"{k}":' in raw for k in ("InsertStmt", "UpdateStmt", "DeleteStmt",
                                                                 "MergeStmt")):
        return "must not modify data (INSERT, UPDATE or DELETE in WITH)"
    if "--" in text:
        both = _parse_raw(f"{text};SELECT 1", budget)
        if isinstance(both, _parse_error()) or both.count('{"stmt":') != 2:
            return "ends in a -- comment, which would swallow the `;` after it; use /* ... */"
    return Parsed(raw)


def select_error(text: str, budget: Budget | None = None) -> str | None:
    parsed = parse_select(text, budget)
    return parsed if isinstance(parsed, str) else None


@_cache_small(1024)
def statements_error(text: str, budget: Budget | None = None) -> str | None:
    """None when text parses as SQL statements (a LANGUAGE sql function's body)."""
    if len(text) > MAX_SQL:
        return f"is {len(text):,} characters long; at most {MAX_SQL:,}"
    raw = _parse_raw(text, budget)
    if isinstance(raw, _parse_error()):
        return f"is not valid SQL ({_message(raw)})"
    if '{"stmt":' not in raw:
        return "is empty"
    return None


# What the PL/pgSQL parser says of a body's own text. libpg_query compiles a body without a catalog, so what
# depends on one (a variable's row type, `%ROWTYPE` of a table in another schema) can fail there and work on the
# server: only errors of the text itself are reported.
_PLPGSQL_TEXT_ERRORS = re.compile(r"syntax error|unterminated|mismatched parentheses|missing expression|"
                                  r"end label .* differs|there is no label")


@_cache_small(1024)
def plpgsql_error(create: str, budget: Budget | None = None) -> str | None:
    """None unless PostgreSQL's PL/pgSQL parser refuses the body of `create` (a whole CREATE FUNCTION ...
    LANGUAGE plpgsql statement) for its text: unbalanced BEGIN/END, a missing `;`, an unterminated string."""
    if len(create) > 4 * MAX_SQL:
        return f"is {len(create):,} characters long; at most {4 * MAX_SQL:,}"
    try:
        raw = parse_plpgsql_json(create)
    except _parse_error() as e:
        if budget is not None:
            budget.charge(32 * len(create), check=False)
        message = _message(e)
        return f"is not valid PL/pgSQL ({message})" if _PLPGSQL_TEXT_ERRORS.match(message) else None
    except Exception:  # whatever else the catalog-less compiler cannot do: the server decides
        return None
    if budget is not None:
        budget.charge(len(raw))
    return None


@_cache_small(4096)
def type_error(text: str, budget: Budget | None = None) -> str | None:
    """None when text is exactly one type name (as written after a column name), else why not."""
    cast = _one_expression(f"SELECT (NULL::{text})", budget)
    if cast is None or '"val":{"TypeCast":' not in cast.json[:120] or \
            _one_expression(f"SELECT NULL::{text}", budget) is None:
        return f"{text!r} is not a type"
    return None


@_cache_small(1024)
def returns_error(text: str, budget: Budget | None = None) -> str | None:
    """None when text is what may follow RETURNS: a type, `setof <type>`, `table(<col> <type>, ...)`."""
    raw = _parse_raw(f"CREATE FUNCTION f() RETURNS {text} LANGUAGE sql AS 'x'", budget)
    if isinstance(raw, _parse_error()) or raw.count('{"stmt":') != 1:
        return f"{text!r} is not a return type"
    fn = json.loads(raw)["stmts"][0]["stmt"].get("CreateFunctionStmt")
    if fn is None or len(fn.get("options", ())) != 2:
        return f"{text!r} is not a return type (it adds to the statement)"
    return None


# --- reading parse trees ------------------------------------------------------------------------------------
# Facts are read from the tree's compact JSON text with regular expressions: the tree of a 5,000-org model's
# queries holds millions of nodes, and a walk in Python costs seconds where these cost milliseconds.

_S = r'"((?:[^"\\]|\\.)*)"'  # a JSON string's contents
_CALL = re.compile(r'"FuncCall":\{"funcname":\[((?:\{"String":\{"sval":' + _S + r'\}\},?)+)\]')
_LAST_NAME = re.compile(r'"sval":' + _S + r'\}\}$')
_COLUMN = re.compile(r'"ColumnRef":\{"fields":\[\{"String":\{"sval":' + _S + r'\}\}(\]|,)')


def json_of(sql: Parsed | object) -> str:
    """The compact JSON text of a parse (or of part of a decoded tree), which the facts below are read from."""
    return sql.json if isinstance(sql, Parsed) else json.dumps(sql, separators=(",", ":"))


def unescape(s: str) -> str:
    """A JSON string's contents (as the patterns here capture them) as the text they stand for."""
    return json.loads(f'"{s}"') if "\\" in s else s


def column_refs(tree: object) -> set[str]:
    """Unqualified column names an expression reads (`a`, not `t.a` or `NEW.a`)."""
    return {unescape(m[1]) for m in _COLUMN.finditer(json_of(tree)) if m[2] == "]"}


def row_refs(tree: object) -> set[str]:
    """The first names of qualified column references (`new` of `NEW.a`)."""
    return {unescape(m[1]) for m in _COLUMN.finditer(json_of(tree)) if m[2] == ","}


def has_subquery(tree: object) -> bool:
    return '"SubLink":' in json_of(tree)


def calls(tree: object) -> set[str]:
    """Names of the functions an expression calls (without schema)."""
    return {unescape(_LAST_NAME.search(m[1])[1]) for m in _CALL.finditer(json_of(tree))}


_NOT_NAMES = frozenset({"SCONST", "USCONST", "BCONST", "XCONST", "ICONST", "FCONST", "PARAM", "Op", "SQL_COMMENT",
                        "C_COMMENT", "TYPECAST", "DOT_DOT", "COLON_EQUALS", "EQUALS_GREATER", "LESS_EQUALS",
                        "GREATER_EQUALS", "NOT_EQUALS"})


@lru_cache(maxsize=4096)  # 5,000 orgs stamp the same defaults and checks
def call_names(text: str) -> frozenset[tuple[str | None, str]]:
    """(schema or None, name) of every `name(` and `schema.name(` in a piece of SQL or a PL/pgSQL body, read from
    its tokens (so a body that needs a catalog to compile is read too): a superset of the functions it calls (a
    type's modifier `varchar(10)` is a name too), never one fewer. Nothing when the text does not scan."""
    try:
        tokens = scan(text)
    except Exception:  # an unterminated string or comment: validation reports it
        return frozenset()

    def name(t) -> str | None:
        if t.name in _NOT_NAMES or t.name.startswith("ASCII_"):
            return None
        word = text[t.start:t.end + 1]
        return word[1:-1].replace('""', '"') if word.startswith('"') else word.lower()

    found: set[tuple[str | None, str]] = set()
    for n in range(1, len(tokens)):
        if tokens[n].name != "ASCII_40" or (last := name(tokens[n - 1])) is None:
            continue
        qualified = n >= 3 and tokens[n - 2].name == "ASCII_46" and name(tokens[n - 3]) is not None
        found.add((name(tokens[n - 3]) if qualified else None, last))
    return frozenset(found)


def _names(fields: list) -> list[str]:
    return [f["String"]["sval"] for f in fields if "String" in f]


def aliases(select: Parsed) -> set[str]:
    """The names a SELECT gives its columns with AS."""
    return {t["ResTarget"]["name"] for t in select.tree.get("targetList", ()) if "name" in t["ResTarget"]}


def output_columns(select: Parsed) -> list[str]:
    """The column names a SELECT produces, as PostgreSQL names them (alias, column, or function name)."""
    out = []
    for target in select.tree.get("targetList", ()):
        res = target["ResTarget"]
        val = res.get("val", {})
        if "name" in res:
            out.append(res["name"])
        elif "ColumnRef" in val:
            out.append(_names(val["ColumnRef"]["fields"])[-1] if _names(val["ColumnRef"]["fields"]) else "*")
        elif "FuncCall" in val:
            out.append(_names(val["FuncCall"]["funcname"])[-1])
        else:
            out.append("?column?")
    return out


def query_relations(query: str) -> list[tuple[str | None, str]]:
    """(schema, name) of every relation a query names, in the order pglast's visitor meets them (CTE names
    included); nothing when it does not parse (validation reports it). What orders views after the views they read."""
    import pglast
    from pglast.visitors import Visitor

    found: list[tuple[str | None, str]] = []

    class Relations(Visitor):
        def visit_RangeVar(self, ancestors, node):  # pglast names its visitor methods after node types
            found.append((node.schemaname, node.relname))

    try:
        Relations()(pglast.parse_sql(query))
    except pglast.parser.ParseError:
        return []
    return found


def trim(text: str, statement: bool = False) -> str:
    """The SQL text without surrounding blanks, a trailing `--` comment, or (for a statement) a final `;`.

    A query written as a YAML block ends with a newline and often a comment; rendered before a `;` or `,` the
    comment would swallow it."""
    text = text.strip()
    if statement and text.endswith(";") and "--" not in text and "/*" not in text:
        return text[:-1].rstrip()
    if "--" not in text and "/*" not in text:
        return text
    try:
        tokens = scan(text)
    except Exception:  # an unterminated string or comment: validation reports it
        return text
    while tokens and tokens[-1].name in ("SQL_COMMENT", "C_COMMENT"):
        tokens.pop()
    if statement:
        while tokens and tokens[-1].name == "ASCII_59":  # ;
            tokens.pop()
            while tokens and tokens[-1].name in ("SQL_COMMENT", "C_COMMENT"):
                tokens.pop()
    return text[: tokens[-1].end + 1].rstrip() if tokens else text


# --- for render: where a column DEFAULT needs parentheses ----------------------------------------------------

def column_definition(statement: str):
    """The column definition of a one-column CREATE TABLE as parsed, without positions; None if it does not parse
    as one statement of one column."""
    try:
        tree = json.loads(parse_sql_json(statement))
    except _parse_error():
        return None
    stmts = tree.get("stmts", [])
    elements = stmts[0]["stmt"].get("CreateStmt", {}).get("tableElts", []) if len(stmts) == 1 else []
    return _without_locations(elements) if len(elements) == 1 else None


def _without_locations(node):
    if isinstance(node, dict):
        return {k: _without_locations(v) for k, v in node.items() if k != "location"}
    if isinstance(node, list):
        return [_without_locations(v) for v in node]
    return node
