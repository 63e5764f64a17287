"""Property-based round trips on real servers: any valid model renders into statements that each parse alone,
applies, shows no drift, applies again as a no-op, survives its init scripts run a second time by hand (they are
idempotent), and rolls back to the very database it started from.

The generator draws whole models: tables with columns of some thirty types (spelled as users spell them),
defaults that fit, identity and serial columns, primary keys (column or composite, named or not), unique and
check constraints, foreign keys (single and composite, across schemas, every on_delete/on_update, deferrable),
indexes of every method (partial, expression, multi-column, INCLUDE, operator classes, storage parameters,
pgvector's hnsw and ivfflat where the server has pgvector), comments, seed rows, views, materialized views,
functions (sql and plpgsql, in/inout/out/variadic arguments, defaults, table and setof results), triggers, and
with TimescaleDB hypertables (time columns of five types, hash and range dimensions, chunk intervals, compression,
retention), continuous aggregates (structured, written as a query, nested, with refresh, compression and retention
policies and indexes), and several orgs with org templates that reference shared tables, per-org overrides and an
org registry. Names are reserved words, mixed case, blanks, quotes, `;`, `--`, `$`, Unicode and 63-byte names that
PostgreSQL shortens in derived names.

Servers: native PostgreSQL 17 + TimescaleDB Apache edition (compression, policies and aggregates left out with
--skip-unsupported), PGlite with the community edition (everything), plain PostgreSQL 15 (no TimescaleDB).

Examples per test: SCHEMAGEN_HYPOTHESIS_EXAMPLES (default 6, the whole file in about half a minute; `make hypothesis`
runs 200). CI=true derandomizes. The terminal summary says how many examples each test ran, how long it took, and
how often each feature came up (`--hypothesis-show-statistics` shows the same per test).
"""
from __future__ import annotations

import io
import os
import re
import time
from collections import Counter
from functools import cache

import pglast
import pytest
import yaml
from helpers import TEST_ROLES, ensure_roles
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from servers import connect, create_database, drop_database, pglite_lock, reset_pglite, server_is_pglite

from schemagen import model as m
from schemagen import render
from schemagen.commands import apply as applying
from schemagen.commands import drift as differ
from schemagen.errors import ModelError
from schemagen.live.connect import connection
from schemagen.load import load_model_text
from schemagen.naming import default_name
from schemagen.sqltext import Interval

EXAMPLES = int(os.environ.get("SCHEMAGEN_HYPOTHESIS_EXAMPLES", "6"))
CI = os.environ.get("CI", "").lower() == "true"

# --- names -----------------------------------------------------------------------------------------------------
# What a user may write as a name (the loader accepts every one of them): reserved words, mixed case, blanks,
# quotes, `;`, `--`, `$`, a leading digit, Unicode. Table and function names hold no `.`: references to them are
# written `schema.name` and split at the last dot (a column or schema name may hold one).
WORDS = ["items", "user", "order", "select", "Mixed Case", 'quo"te', "it's", "naïve", "Ünïcode", "日本語", "a-b",
         "semi;colon", "dash--dash", "dollar$", "1st", "group", "table", "CamelCase", "UPPER", "events", "check",
         "from", "limit", "end"]
COLUMN_WORDS = WORDS + ["id", "name", "value", "a.b", "x1", "amount", "data", "note", "when", "default", "Ü"]
# 63 bytes: PostgreSQL shortens the names derived from it (<table>_<column>_key, _seq, _fkey) byte by byte, never
# cutting a character in two
LONG = "ünïcode_name_long_enough_that_derived_names_get_shortened_xyz"
assert len(LONG.encode()) <= 63
SCHEMAS = ["prop", "Prop Schema", "select", "ünï", "dotted.schema", "public", "UPPER"]
ORG_KEYS = ["acme", "beta", "c3", "delta_co", "o"]
ORG_NAMES = ["Acme Corp", "O'Brien & Sons", "Ünïcode GmbH", "semi; colon -- dash", 'say "hi"', "$$ dollar"]
COMMENTS = ["a comment", "it's quoted", "ünïcode ✓", "$$ and */ and --", "line one\nline two", ""]
SIMPLE = re.compile(r"[a-z_][a-z0-9_]*\Z")


def q(name: str) -> str:
    """A name as SQL text, for the SQL the generator writes (checks, predicates, queries, bodies)."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- column types ----------------------------------------------------------------------------------------------

class Kind:
    """A column type: how users spell it, defaults that fit it, a seed value for row i (distinct per i), whether it
    has equality and a btree operator class (keys, unique, GROUP BY, segment_by), its family, its extension."""

    def __init__(self, spellings, defaults=(), value=None, btree=True, family="other", extension=None):
        self.spellings, self.defaults, self.value = spellings, defaults, value
        self.btree, self.family, self.extension = btree, family, extension


KINDS: dict[str, Kind] = {
    "smallint": Kind(("smallint", "int2"), ("0", "-3", 7, "abs(-5)"), lambda i: i, family="int"),
    "integer": Kind(("integer", "int", "int4"), ("42", 0, "-1", "(1 + 2)"), lambda i: i * 10, family="int"),
    "bigint": Kind(("bigint", "int8"), ("7", "9000000000"), lambda i: 9_000_000_000 + i, family="int"),
    "numeric": Kind(("numeric", "decimal"), ("0", 1.5, "12.345", "(0.1 + 0.2)"), lambda i: i + 0.125,
                    family="number"),
    "numeric(12,2)": Kind(("numeric(12,2)", "decimal(12, 2)"), ("1.50", 0), lambda i: i + 0.5, family="number"),
    "numeric(18,8)": Kind(("numeric(18,8)",), ("0.00000001",), lambda i: f"{i}.12345678", family="number"),
    "real": Kind(("real", "float4", "float(10)"), ("0.25", 0.5), lambda i: i + 0.1, family="number"),
    "double precision": Kind(("double precision", "float8", "float", "float(30)"), ("0.5", 2, "pi()"),
                             lambda i: i / 3, family="number"),
    "money": Kind(("money",), ("0", "'12.34'"), lambda i: f"{i}.25"),
    "text": Kind(("text",), ("'hello'", "''", "'it''s'", "'ünï'", "'x' || 'y'", "lower('ABC')", "CURRENT_USER"),
                 lambda i: f"v{i} it's ü", family="text"),
    "varchar": Kind(("varchar", "character varying"), ("'x'",), lambda i: f"w{i}", family="text"),
    "varchar(40)": Kind(("varchar(40)", "character varying(40)"), ("'a;b'", "'--'"), lambda i: f"s;{i}",
                        family="text"),
    "char(3)": Kind(("char(3)", "character(3)"), ("'abc'", "'a'"), lambda i: f"c{i}", family="text"),
    "boolean": Kind(("boolean", "bool"), ("false", "true", True, False, "NOT true"), lambda i: i % 2 == 0,
                    family="bool"),
    "date": Kind(("date",), ("CURRENT_DATE", "'2024-01-01'", "(CURRENT_DATE + 1)"), lambda i: f"2024-01-{i:02d}",
                 family="time"),
    "time": Kind(("time", "time without time zone", "time(3)"), ("'12:30:00'", "LOCALTIME"),
                 lambda i: f"12:{i:02d}:00.5"),
    "timetz": Kind(("timetz", "time with time zone"), ("'12:30:00+02'",), lambda i: f"12:{i:02d}:00+02"),
    "timestamp": Kind(("timestamp", "timestamp without time zone", "timestamp(0)"),
                      ("'2024-01-01 00:00:00'", "LOCALTIMESTAMP", "now()", "(now() AT TIME ZONE 'UTC')"),
                      lambda i: f"2024-01-01 00:00:{i:02d}", family="time"),
    "timestamptz": Kind(("timestamptz", "timestamp with time zone", "timestamptz(3)"),
                        ("now()", "CURRENT_TIMESTAMP", "'2024-01-01 00:00:00+00'", "clock_timestamp()",
                         "now() + '1 day'::interval"),
                        lambda i: f"2024-01-01 00:00:{i:02d}+02", family="time"),
    "interval": Kind(("interval",), ("'1 day'", "'90 minutes'", "make_interval(days => 1)"),
                     lambda i: f"{i} days 3 hours"),
    "interval hour to minute": Kind(("interval hour to minute",), ("'2 hours'",), lambda i: f"{i}:30"),
    "bytea": Kind(("bytea",), ("'\\x00'", "'\\xdeadbeef'"), lambda i: f"\\x{i:02x}ff"),
    "uuid": Kind(("uuid",), ("gen_random_uuid()", "'00000000-0000-0000-0000-000000000000'"),
                 lambda i: f"00000000-0000-4000-8000-{i:012d}"),
    "json": Kind(("json",), ("'[]'", "'{\"a\": 1}'"), lambda i: f'{{"k": {i},  "long key": [1, 2]}}', btree=False),
    "jsonb": Kind(("jsonb",), ("'{}'", "'{\"a\": [1, 2]}'", "jsonb_build_object('a', 1)"),
                  lambda i: f'{{"long key": {i}, "k": "ü"}}', family="jsonb"),
    "xml": Kind(("xml",), ("'<a/>'",), lambda i: f"<r n=\"{i}\">ü</r>", btree=False),
    "inet": Kind(("inet",), ("'10.0.0.1'", "'::1'"), lambda i: f"10.0.0.{i}"),
    "cidr": Kind(("cidr",), ("'10.0.0.0/8'",), lambda i: f"10.{i}.0.0/16"),
    "macaddr": Kind(("macaddr",), ("'08:00:2b:01:02:03'",), lambda i: f"08:00:2b:01:02:{i:02x}"),
    "macaddr8": Kind(("macaddr8",), ("'08:00:2b:01:02:03:04:05'",), lambda i: f"08:00:2b:01:02:03:04:{i:02x}"),
    "bit(8)": Kind(("bit(8)",), ("B'00000000'",), lambda i: f"{i:08b}"),
    "bit varying(16)": Kind(("bit varying(16)", "varbit(16)"), ("B'101'",), lambda i: f"{i:b}1"),
    "text[]": Kind(("text[]", "text []"), ("'{}'", "ARRAY['a', 'b']", "'{a,b}'", "ARRAY[]::text[]"),
                   lambda i: f"{{a,\"b {i}\"}}", family="array"),
    "varchar(10)[]": Kind(("varchar(10)[]",), ("'{x}'",), lambda i: f"{{v{i}}}", family="array"),
    "integer[]": Kind(("integer[]", "int[]", "int4[]"), ("'{1,2}'", "ARRAY[1, 2]"), lambda i: f"{{1,{i}}}",
                      family="array"),
    "timestamptz[]": Kind(("timestamptz[]",), ("'{}'",), lambda i: f"{{\"2024-01-0{i} 00:00+00\"}}",
                          family="array"),
    "point": Kind(("point",), ("'(1,2)'", "point(1, 2)"), lambda i: f"({i},2)", btree=False, family="point"),
    "box": Kind(("box",), ("'(0,0),(1,1)'",), lambda i: f"(0,0),({i},{i})", btree=False),
    "int4range": Kind(("int4range",), ("'[1,10)'", "'empty'"), lambda i: f"[{i},{i + 10}]", family="range"),
    "tstzrange": Kind(("tstzrange",), ("tstzrange(now(), NULL)",),
                      lambda i: f"[2024-01-01 00:00+02,2024-01-0{i} 00:00+00)", family="range"),
    "daterange": Kind(("daterange",), ("'[2024-01-01,2024-02-01)'",), lambda i: f"[2024-01-01,2024-02-{i:02d})",
                      family="range"),
    "tsvector": Kind(("tsvector",), ("''", "to_tsvector('simple', 'a b')"), lambda i: f"a{i} b", family="tsvector"),
    "vector(3)": Kind(("vector(3)",), ("'[1,2,3]'",), lambda i: f"[{i},2,3.5]", btree=False, family="vector",
                      extension="vector"),
    "halfvec(4)": Kind(("halfvec(4)",), ("'[1,2,3,4]'",), lambda i: f"[{i},2,3,4]", btree=False,
                       family="halfvec", extension="vector"),
    "citext": Kind(("citext",), ("'Hello'",), lambda i: f"Ci{i}", family="text", extension="citext"),
    "hstore": Kind(("hstore",), ("''", "'a=>1'"), lambda i: f"k=>{i}, \"x y\"=>NULL", family="hstore",
                   extension="hstore"),
}
SERIALS = {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"}
TIME_KINDS = ("timestamptz", "timestamp", "date", "integer", "bigint")


class Caps:
    """What a server offers a generated model."""

    def __init__(self, timescaledb: bool, extensions: frozenset[str], pglite: bool = False):
        self.timescaledb, self.extensions, self.pglite = timescaledb, extensions, pglite

    def kinds(self) -> list[str]:
        return [k for k, kind in KINDS.items() if kind.extension is None or kind.extension in self.extensions]


# --- the generator ---------------------------------------------------------------------------------------------

class Gen:
    """One model being drawn. Tracks every name PostgreSQL puts in a schema's one namespace (tables, views,
    aggregates, indexes, sequences, key constraints: after org expansion, cut to 63 bytes) so that drawn names
    never collide, and what each table offers to foreign keys, views and aggregates."""

    def __init__(self, draw, caps: Caps):
        self.draw, self.caps = draw, caps
        self.orgs: list[str] = []
        self.spaces: dict[str, set[bytes]] = {}
        self.tables: dict[tuple[str, str], dict] = {}  # (schema, name) -> info
        self.extensions: dict[str, dict | None] = {}
        self.views: list[dict] = []  # views drawn so far, as sources of later ones
        self.trgm: str | None = None  # pg_trgm's operator class, schema-qualified when it lives elsewhere
        self.counter = 0

    # names
    def n(self) -> int:
        self.counter += 1
        return self.counter

    def expand(self, name: str) -> list[str]:
        return [name.replace("{org}", o) for o in self.orgs] if "{org}" in name else [name]

    def free(self, schema: str, name: str) -> bool:
        space = self.spaces.setdefault(schema, set())
        return all(len(n.encode()) <= 63 and n.encode()[:63] not in space for n in self.expand(name))

    def take(self, schema: str, name: str) -> None:
        assert self.free(schema, name), name
        self.spaces[schema].update(n.encode()[:63] for n in self.expand(name))

    def relation_name(self, schema: str, org: bool, words=WORDS) -> str:
        for _ in range(50):
            base = self.draw(st.sampled_from(words + [LONG[:40]]))
            name = self.draw(st.sampled_from([f"{base}_{{org}}", f"{{org}} {base}"])) if org else base
            if self.free(schema, name):
                self.take(schema, name)
                return name
        name = f"rel_{self.n()}" + ("_{org}" if org else "")
        self.take(schema, name)
        return name

    def index_name(self, schema: str, table: str) -> str:
        org = "{org}" in table
        for _ in range(20):
            base = self.draw(st.sampled_from(["ix", "Ix Ünï", "select", "idx;x", 'i"q']))
            name = f"{base} {self.n()}" + (" {org}" if org else "")
            if self.free(schema, name):
                self.take(schema, name)
                return name
        raise AssertionError("no free index name")

    def ext(self, name: str) -> None:
        self.extensions.setdefault(name, None)

    # sequences of their own
    def sequences(self, schema: str, tables: dict) -> dict:
        """Up to two sequences of `schema`, each read by the nextval() default of a shared table's integer or
        bigint column (no default, identity or serial there yet), maybe OWNED BY it; settings drawn in range. Not a
        foreign key's column: a seed row leaving it to the default would reference a value (-1, say) that the target
        does not hold."""
        draw, out = self.draw, {}
        spots = [(t, c) for t, spec in tables.items() for c, col in spec["columns"].items()
                 if isinstance(col, dict) and self.tables[(schema, t)]["kinds"].get(c) in ("integer", "bigint")
                 and col["type"] not in SERIALS and not {"default", "identity"} & set(col)
                 and c not in self.tables[(schema, t)]["fk_columns"]]
        for t, c in draw(st.lists(st.sampled_from(spots), min_size=1, max_size=2, unique=True)) if spots else ():
            name = f"{draw(st.sampled_from(['seq', 'Order No', 'select', 'q.s', LONG[:40]]))} {self.n()}"
            if not self.free(schema, name):
                continue
            self.take(schema, name)
            kind = self.tables[(schema, t)]["kinds"][c]
            spec: dict = {}
            as_type = draw(st.sampled_from(["integer", "smallint"] + (["bigint", None] if kind == "bigint" else [])))
            if as_type:
                spec["as"] = as_type
            increment = draw(st.sampled_from([1, 1, 7, -1, -3]))
            if increment != 1:
                spec["increment"] = increment
            if draw(st.booleans()):  # a window of its own, the start inside it
                low = draw(st.integers(-1000, 1000))
                high = low + draw(st.integers(1, 5000))
                spec.update({"min": low, "max": high, "start": draw(st.integers(low, high))})
            if draw(st.booleans()):
                spec["cache"] = draw(st.integers(1, 20))
            if draw(st.booleans()):
                spec["cycle"] = draw(st.booleans())
            if draw(st.booleans()):
                spec["owned_by"] = f"{t}.{c}"
            if draw(st.integers(0, 3)) == 0:
                spec["comment"] = draw(st.sampled_from(COMMENTS))
            out[name] = spec
            tables[t]["columns"][c]["default"] = f"nextval({lit(q(schema) + '.' + q(name))})"
        return out

    # columns
    def column(self, kinds: list[str]) -> tuple[str, dict]:
        draw = self.draw
        serial = draw(st.integers(0, 12)) == 0
        if serial:
            spelled = draw(st.sampled_from(sorted(SERIALS)))
            return SERIALS[spelled], {"type": spelled}
        kind = draw(st.sampled_from(kinds))
        spec = {"type": draw(st.sampled_from(KINDS[kind].spellings))}
        if KINDS[kind].extension:
            self.ext(KINDS[kind].extension)
        return kind, spec

    def table(self, schema: str, *, org: bool = False, seeded: bool | None = None) -> tuple[str, dict]:
        """A plain table: columns, keys, checks, foreign keys to tables drawn before it, indexes, comments,
        maybe seed rows."""
        draw = self.draw
        name = self.relation_name(schema, org)
        kinds = self.caps.kinds()
        seeded = draw(st.booleans()) if seeded is None else seeded
        names = draw(st.lists(st.sampled_from(COLUMN_WORDS + [LONG]), min_size=1, max_size=7, unique=True))
        columns: dict[str, dict] = {}
        info = {"schema": schema, "name": name, "kinds": {}, "org": org, "keys": [], "seeded": seeded,
                "fk_columns": set(), "hyper": False}
        constraint_names: set[bytes] = set()

        def constraint(label_name: str, backed: bool) -> bool:
            """A constraint's name is free in its table (and in the schema when an index backs it)."""
            names_ = [x.encode()[:63] for x in self.expand(label_name)]
            if any(x in constraint_names for x in names_) or (backed and not self.free(schema, label_name)):
                return False
            constraint_names.update(names_)
            if backed:
                self.take(schema, label_name)
            return True

        for c in names:
            kind, spec = self.column(kinds)
            info["kinds"][c] = kind
            columns[c] = spec
        serial_cols = [c for c in names if columns[c]["type"] in SERIALS]
        for c in serial_cols:  # the owned sequence takes a name in the schema
            seq = default_name(name, c, "seq") if "{org}" not in name else None
            if seq is not None and not self.free(schema, seq):
                columns[c]["type"] = SERIALS[columns[c]["type"]]
            elif seq is None:
                seqs = [default_name(n, c, "seq") for n in self.expand(name)]
                if all(self.free(schema, s) for s in seqs) and len(set(seqs)) == len(seqs):
                    for s in seqs:
                        self.take(schema, s)
                else:
                    columns[c]["type"] = SERIALS[columns[c]["type"]]
            else:
                self.take(schema, seq)
        table: dict = {"columns": columns}
        keyable = [c for c in names if KINDS[info["kinds"][c]].btree
                   and not (seeded and info["kinds"][c] == "boolean")]
        # primary key: one column's flag, or a list, or a named one
        if keyable and draw(st.integers(0, 3)):
            cols = draw(st.lists(st.sampled_from(keyable), min_size=1, max_size=min(3, len(keyable)), unique=True))
            form = draw(st.sampled_from(["flag", "list", "named"]) if len(cols) == 1 else
                        st.sampled_from(["list", "named"]))
            pk_name = default_name(name, None, "pkey") if form != "named" else f"PK {self.n()} {name}"
            if constraint(pk_name, True):
                if form == "flag":
                    columns[cols[0]]["primary_key"] = True
                elif form == "list":
                    table["primary_key"] = cols
                else:
                    table["primary_key"] = {"name": pk_name, "columns": cols}
                info["keys"].append(tuple(cols))
                info["pk"] = tuple(cols)
        # column options
        for c in names:
            kind, spec = info["kinds"][c], columns[c]
            serial = spec["type"] in SERIALS
            if kind in ("smallint", "integer", "bigint") and not serial and draw(st.integers(0, 6)) == 0:
                spec["identity"] = draw(st.sampled_from(["always", "by default"]))
            elif not serial:
                if draw(st.integers(0, 2)) == 0:
                    spec["not_null"] = True
                if KINDS[kind].defaults and draw(st.booleans()):
                    spec["default"] = draw(st.sampled_from(KINDS[kind].defaults))
            if KINDS[kind].btree and kind != "boolean" and (c,) not in info["keys"] and draw(st.integers(0, 6)) == 0:
                if constraint(default_name(name, c, "key"), True) if "{org}" not in name else \
                        all(constraint(default_name(n, c, "key"), True) for n in self.expand(name)):
                    spec["unique"] = True
                    info["keys"].append((c,))
            check = self.check_for(c, kind, safe=seeded)
            if check and draw(st.integers(0, 3)) == 0:
                if "{org}" not in name and constraint(default_name(name, c, "check"), False) or "{org}" in name \
                        and all(constraint(default_name(n, c, "check"), False) for n in self.expand(name)):
                    spec["check"] = check
            if draw(st.integers(0, 5)) == 0:
                spec["comment"] = draw(st.sampled_from(COMMENTS + ["for {org_name}"] if org else COMMENTS))
        # table-level unique constraints
        if len(keyable) >= 2 and draw(st.integers(0, 3)) == 0:
            cols = draw(st.lists(st.sampled_from(keyable), min_size=2, max_size=3, unique=True))
            if tuple(cols) not in info["keys"]:
                nnd = draw(st.booleans())
                uname = f"uq {self.n()} {name}"
                if constraint(uname, True):
                    table["unique"] = [{"name": uname, "columns": cols, "nulls_not_distinct": nnd} if nnd or
                                       draw(st.booleans()) else cols]
                    if isinstance(table["unique"][0], list):  # unnamed: PostgreSQL's name, taken back
                        self.spaces[schema] -= {uname.encode()[:63] for uname in self.expand(uname)}
                        default = default_name(name, "_".join(cols), "key")
                        if "{org}" in name or not constraint(default, True):
                            table["unique"] = [{"name": uname, "columns": cols}]
                            self.take(schema, uname)
                    info["keys"].append(tuple(cols))
        # table-level checks
        checks = {}
        for _ in range(draw(st.integers(0, 2))):
            cols = [c for c in names if info["kinds"][c] in ("smallint", "integer", "bigint", "numeric", "real")
                    and "identity" not in columns[c]]
            if not cols:
                break
            a, b = draw(st.sampled_from(cols)), draw(st.sampled_from(cols))
            ck = draw(st.sampled_from([f"{q(a)} + {q(b)} > -1000", f"{q(a)} IS NULL OR {q(a)} >= -100",
                                       f"NOT ({q(a)} < -1000)", f"coalesce({q(a)}, 0) <> -999"]))
            cname = draw(st.sampled_from(["ck", "Check Ünï", "check"])) + f" {self.n()}"
            if constraint(cname, False):
                checks[cname] = ck
        if checks:
            table["checks"] = checks
        self.tables[(schema, name)] = info
        info["table"] = table
        self.foreign_keys(schema, name, table, info, constraint)
        self.indexes(schema, name, table, info)
        if draw(st.integers(0, 3)) == 0:
            table["comment"] = draw(st.sampled_from(COMMENTS + ["org {org_name}'s table"] if org else COMMENTS))
        if draw(st.integers(0, 3)) == 0:
            self.security(table, next(iter(columns)))
        if seeded:
            self.seed(table, info)
        return name, table

    def security(self, table: dict, column: str) -> None:
        """Grants to the tests' roles (helpers.TEST_ROLES), maybe row-level security with a policy or two."""
        draw = self.draw
        roles = draw(st.lists(st.sampled_from([*TEST_ROLES, "PUBLIC"]), min_size=1, max_size=3, unique=True))
        privileges = ["select", "insert", "update", "delete", "truncate", "references", "trigger", "all"]
        table["grants"] = {r: draw(st.lists(st.sampled_from(privileges), max_size=3, unique=True)) for r in roles}
        if draw(st.booleans()):
            policies = {"own rows": {"using": f"{q(column)} IS NOT NULL", "roles": [TEST_ROLES[0]]}}
            if draw(st.booleans()):
                policies["p ünï"] = {"command": "insert", "with_check": "true", "permissive": False}
            table["row_level_security"] = {"enabled": draw(st.booleans()), "forced": draw(st.booleans()),
                                           "policies": policies}

    def check_for(self, c: str, kind: str, safe: bool) -> str | None:
        """A column check its defaults and seed values pass (safe: only those; else also ones PostgreSQL rewrites
        when it prints them: IN lists, BETWEEN, LIKE, casts)."""
        family, col = KINDS[kind].family, q(c)
        options = {"int": [f"{col} >= -100"], "number": [f"{col} >= 0"],
                   "text": [f"{col} <> 'forbidden'", f"length({col}) < 100"], "time": [f"{col} > '2000-01-01'"],
                   "jsonb": [f"jsonb_typeof({col}) IN ('object', 'array')"]}.get(family, [])
        if not safe:
            options += {"int": [f"{col} BETWEEN -100 AND 1000000000", f"{col} IN (0, 1, 2, 7, 42, -3, -1)",
                                f"{col}::text <> 'x'"],
                        "text": [f"{col} LIKE '%'", f"{col} !~ '^forbidden$'", f"upper({col}) IS NOT NULL"],
                        "number": [f"{col} IS DISTINCT FROM -1"]}.get(family, [])
        return self.draw(st.sampled_from(options)) if options else None

    def foreign_keys(self, schema: str, name: str, table: dict, info: dict, constraint) -> None:
        """References to keys of tables drawn before (a shared table never references an org one), single and
        composite, every action; the referencing columns are new, typed as their targets (spelled differently)."""
        draw = self.draw
        targets = [(k, t) for k, t in self.tables.items()
                   if t["keys"] and k != (schema, name) and not t["hyper"] and (info["org"] or not t["org"])]
        if not targets or not draw(st.integers(0, 2)):
            return
        (tschema, tname), target = draw(st.sampled_from(targets))
        key = draw(st.sampled_from(target["keys"]))
        if target["org"] and not info["org"]:
            return
        if any(target["kinds"][k] == "varchar(10)[]" for k in key):
            # PostgreSQL (15 and 17) cannot check such a foreign key when a referenced row is deleted: "operator
            # does not exist: anyarray = character varying[]" (arrays of a type with a modifier, also char(n)[])
            return
        cols = []
        for k in key:
            c = f"ref {self.n()} {k}"[:40]
            kind = target["kinds"][k]
            cols.append(c)
            info["kinds"][c] = kind
            info["fk_columns"].add(c)
            spec = {"type": draw(st.sampled_from(KINDS[kind].spellings))}
            if not info["seeded"] and draw(st.integers(0, 2)) == 0:
                spec["not_null"] = True
            table["columns"][c] = spec
        ref_table = tname if tschema == schema and draw(st.booleans()) else f"{tschema}.{tname}"
        actions = ["no action", "restrict", "cascade", "set null", "set default"]
        opts = {}
        if draw(st.booleans()):
            opts["on_delete"] = draw(st.sampled_from(actions))
        if draw(st.integers(0, 2)) == 0:
            opts["on_update"] = draw(st.sampled_from(actions[:4]))
        if draw(st.integers(0, 3)) == 0:
            opts["deferrable"] = True
            opts["initially_deferred"] = draw(st.booleans())
        named = draw(st.booleans())
        fk_name = f"FK {self.n()}" if named else None
        if len(cols) == 1 and draw(st.booleans()):
            if not named and not all(constraint(default_name(n, cols[0], "fkey"), False) for n in self.expand(name)):
                return
            if fk_name and not constraint(fk_name, False):
                return
            if not opts and not fk_name and draw(st.booleans()) and "(" not in ref_table + key[0]:
                table["columns"][cols[0]]["references"] = f"{ref_table}({key[0]})"
            else:
                table["columns"][cols[0]]["references"] = {"table": ref_table, "column": key[0], **opts,
                                                           **({"name": fk_name} if fk_name else {})}
            return
        if not named and not all(constraint(default_name(n, "_".join(cols), "fkey"), False)
                                 for n in self.expand(name)):
            return
        if fk_name and not constraint(fk_name, False):
            return
        table.setdefault("foreign_keys", []).append(
            {"columns": cols, "references": {"table": ref_table, "columns": list(key)}, **opts,
             **({"name": fk_name} if fk_name else {})})

    def element(self, c: str, order: bool = True):
        """An index column as users write it: the bare name, the quoted name with a direction, or a mapping."""
        draw = self.draw
        form = draw(st.sampled_from(["bare", "quoted", "mapping"] if order else ["bare", "mapping"]))
        if form == "bare" and SIMPLE.match(c):
            return c
        if form == "quoted":
            return q(c) + draw(st.sampled_from(["", " DESC", " ASC NULLS FIRST", " DESC NULLS LAST"]))
        out = {"column": c}
        if order and draw(st.booleans()):
            out["order"] = draw(st.sampled_from(["asc", "desc"]))
        if order and draw(st.booleans()):
            out["nulls"] = draw(st.sampled_from(["first", "last"]))
        return out

    def indexes(self, schema: str, name: str, table: dict, info: dict, partition: tuple[str, ...] = ()) -> None:
        """Indexes of every method the columns allow. On a hypertable, unique ones hold the partitioning columns."""
        draw = self.draw
        kinds = info["kinds"]
        cols = list(kinds)
        out: dict = table.setdefault("indexes", {})
        for _ in range(draw(st.integers(0, 3))):
            method = draw(st.sampled_from(["btree", "btree", "btree", "expression", "gin", "gist", "spgist",
                                           "brin", "hash", "hnsw", "ivfflat", "trgm"]))
            ix: dict = {}
            by_family = lambda *fams: [c for c in cols if KINDS[kinds[c]].family in fams]  # noqa: E731
            if method == "btree":
                usable = [c for c in cols if KINDS[kinds[c]].btree]
                if not usable:
                    continue
                picked = draw(st.lists(st.sampled_from(usable), min_size=1, max_size=3, unique=True))
                ix["columns"] = [self.element(c) for c in picked]
                unique = draw(st.integers(0, 3)) == 0 and not info["seeded"]
                if unique and all(p in picked for p in partition):
                    ix["unique"] = True
                    if draw(st.booleans()):
                        ix["nulls_not_distinct"] = True
                rest = [c for c in usable if c not in picked]
                if rest and draw(st.integers(0, 2)) == 0:
                    ix["include"] = draw(st.lists(st.sampled_from(rest), min_size=1, max_size=2, unique=True))
                if draw(st.integers(0, 2)) == 0:
                    ix["where"] = self.predicate(cols, kinds)
                if draw(st.integers(0, 3)) == 0:
                    ix["with"] = draw(st.sampled_from([{"fillfactor": 70}, {"deduplicate_items": "off"},
                                                       {"deduplicate_items": False}]))
            elif method == "expression":
                options = [f"lower({q(c)})" for c in by_family("text") if kinds[c] != "citext"]
                options += [f"({q(c)} ->> 'k')" for c in by_family("jsonb")]
                options += [f"({q(c)} + 1)" for c in by_family("int")]
                options += [f"abs({q(c)})" for c in by_family("number")]
                options += [f"date_trunc('day', {q(c)})" for c in cols if kinds[c] == "timestamp"]
                options += [f"coalesce({q(c)}, '')" for c in cols if kinds[c] == "text"]
                options += [f"(({q(c)})::date)" for c in cols if kinds[c] == "timestamp"]
                if not options:
                    continue
                ix["columns"] = [{"expression": e} for e in draw(st.lists(st.sampled_from(options), min_size=1,
                                                                            max_size=2, unique=True))]
                if draw(st.booleans()):
                    ix["columns"][0]["order"] = "desc"
                if draw(st.integers(0, 3)) == 0 and not info["seeded"] and not partition:
                    ix["unique"] = True
            elif method == "gin":
                usable = by_family("jsonb", "array", "tsvector", "hstore")
                if not usable:
                    continue
                c = draw(st.sampled_from(usable))
                el = {"column": c}
                if kinds[c] == "jsonb" and draw(st.booleans()):
                    el["opclass"] = "jsonb_path_ops"
                ix = {"method": "gin", "columns": [el]}
                if draw(st.booleans()):
                    ix["with"] = draw(st.sampled_from([{"fastupdate": "off"}, {"gin_pending_list_limit": 128},
                                                       {"fastupdate": True}]))
            elif method == "trgm":  # pg_trgm's operator class, maybe from another schema
                usable = [c for c in cols if kinds[c] in ("text", "varchar", "varchar(40)")]
                if not self.trgm or not usable:
                    continue
                ix = {"method": draw(st.sampled_from(["gin", "gist"])),
                      "columns": [{"column": draw(st.sampled_from(usable)), "opclass": self.trgm}]}
                if ix["method"] == "gist":
                    ix["columns"][0]["opclass"] = self.trgm.replace("gin_", "gist_")
            elif method in ("gist", "spgist"):
                opclasses = {"point": None, "range": None, "tsvector": None} if method == "gist" else \
                    {"point": None, "range": None, "text": None}
                usable = [c for c in cols if KINDS[kinds[c]].family in opclasses and kinds[c] != "citext"
                          and not (method == "spgist" and kinds[c] == "char(3)")]
                usable += [c for c in cols if kinds[c] == "inet" or kinds[c] == "box" or
                           kinds[c] == "hstore" and method == "gist"]
                if not usable:
                    continue
                c = draw(st.sampled_from(usable))
                el = {"column": c, "opclass": "inet_ops"} if kinds[c] == "inet" else {"column": c}
                ix = {"method": method, "columns": [el]}
                rest = [x for x in cols if KINDS[kinds[x]].btree and x != c]
                if method == "gist" and rest and draw(st.integers(0, 3)) == 0:
                    ix["include"] = [draw(st.sampled_from(rest))]
            elif method == "brin":
                usable = by_family("time", "int", "number")
                if not usable:
                    continue
                ix = {"method": "brin", "columns": [{"column": draw(st.sampled_from(usable))}]}
                if draw(st.booleans()):
                    ix["with"] = draw(st.sampled_from([{"pages_per_range": 32}, {"autosummarize": "on"}]))
            elif method == "hash":
                usable = [c for c in cols if kinds[c] in ("text", "integer", "uuid", "bigint", "varchar")]
                if not usable:
                    continue
                ix = {"method": "hash", "columns": [{"column": draw(st.sampled_from(usable))}]}
            else:  # pgvector
                usable = by_family("vector") + (by_family("halfvec") if method == "hnsw" else [])
                if not usable:
                    continue
                c = draw(st.sampled_from(usable))
                prefix = "halfvec" if kinds[c].startswith("halfvec") else "vector"
                el = {"column": c}
                if method == "hnsw" or draw(st.booleans()):
                    el["opclass"] = prefix + draw(st.sampled_from(["_l2_ops", "_cosine_ops", "_ip_ops"]))
                ix = {"method": method, "columns": [el]}
                if draw(st.booleans()):
                    ix["with"] = {"m": 8, "ef_construction": 32} if method == "hnsw" else {"lists": 10}
            if draw(st.integers(0, 4)) == 0:
                ix["comment"] = draw(st.sampled_from(COMMENTS))
            out[self.index_name(schema, name)] = ix
        if not out:
            table.pop("indexes")

    def predicate(self, cols: list[str], kinds: dict) -> str:
        options = [f"{q(c)} IS NOT NULL" for c in cols]
        options += [f"{q(c)} > 0" for c in cols if KINDS[kinds[c]].family in ("int", "number")]
        options += [f"{q(c)} <> ''" for c in cols if kinds[c] in ("text", "varchar")]
        options += [f"{q(c)} IN ('a', 'b')" for c in cols if kinds[c] == "text"]
        options += [f"NOT {q(c)}" for c in cols if kinds[c] == "boolean"]
        return self.draw(st.sampled_from(options))

    def seed(self, table: dict, info: dict) -> None:
        """Rows whose values fit their columns, satisfy every check, and differ row by row in every column (no
        unique key sees a duplicate). Columns left out of a row get DEFAULT; foreign key columns stay NULL."""
        draw = self.draw
        columns = table["columns"]
        keys = [k for k in info["keys"] if not any(c in info["fk_columns"] or columns[c].get("identity") == "always"
                                                   for c in k)]
        if not keys:
            return
        n = draw(st.integers(1, 4))
        must = {c for key in info["keys"] for c in key if columns[c].get("identity") != "always"}
        for ix in table.get("indexes", {}).values():
            must |= {e if isinstance(e, str) else e.get("column", "") for e in ix["columns"]}
        rows = []
        for i in range(1, n + 1):
            row = {}
            for c, spec in columns.items():
                kind = info["kinds"][c]
                if c in info["fk_columns"] or spec.get("identity") == "always":
                    continue
                if self.caps.pglite and KINDS[kind].extension == "vector":
                    if spec.get("not_null") and "default" not in spec:
                        return
                    # PGlite's pgvector crashes the server ("memory access out of bounds") on a vector in a
                    # VALUES list under UNION ALL, which the drift check's seed query is with two seeded tables:
                    # `SELECT 1 FROM (VALUES ('[1,2,3]'::vector)) v(v) UNION ALL SELECT 2` is enough
                    continue
                needed = c in must or spec.get("not_null") and "default" not in spec \
                    and spec["type"] not in SERIALS and "identity" not in spec
                if needed or draw(st.integers(0, 3)):
                    pk = table.get("primary_key", ())
                    nullable = not (spec.get("not_null") or spec.get("primary_key") or c in must
                                    or spec["type"] in SERIALS or "identity" in spec
                                    or c in (pk["columns"] if isinstance(pk, dict) else pk))
                    if nullable and draw(st.integers(0, 5)) == 0:
                        row[c] = None
                    else:
                        value = KINDS[kind].value(i)
                        if info["org"] and isinstance(value, str) and kind in ("text", "varchar") and \
                                draw(st.booleans()):
                            value = f"{{org}} {value}"
                        row[c] = value
            rows.append(row)
        seed: dict = {"rows": rows}
        pk = next((k for k in info["keys"] if k == info.get("pk")), None)
        if pk not in keys or draw(st.integers(0, 3)) == 0:
            seed["key"] = list(draw(st.sampled_from(keys)))
        table["seed"] = seed

    # TimescaleDB
    def hypertable(self, schema: str, *, org: bool, shared_targets: list) -> tuple[str, dict, dict]:
        draw = self.draw
        name = self.relation_name(schema, org, ["readings", "Metrics Ünï", "select", 'quo"te', "events", "1st"])
        time_col = draw(st.sampled_from(["at", "time", "Zeit Ü", "user", "ts"]))
        time_kind = draw(st.sampled_from(TIME_KINDS[:3] * 3 + TIME_KINDS[3:]))
        spelled = draw(st.sampled_from(KINDS[time_kind].spellings))
        columns = {time_col: {"type": spelled, "not_null": True}}
        if time_kind == "timestamptz" and draw(st.booleans()):
            columns[time_col]["default"] = "now()"
        device = draw(st.sampled_from(["device", "Device ID", "group"]))
        device_kind = draw(st.sampled_from(["integer", "text", "uuid", "bigint"]))
        columns[device] = {"type": draw(st.sampled_from(KINDS[device_kind].spellings)), "not_null": True}
        info = {"schema": schema, "name": name, "kinds": {time_col: time_kind, device: device_kind}, "org": org,
                "keys": [], "seeded": False, "fk_columns": set(), "hyper": True, "time": time_col,
                "time_kind": time_kind, "table": None}
        for c in draw(st.lists(st.sampled_from(["reading", "Value Ü", "temp", "select", "note", LONG]), max_size=4,
                               unique=True)):
            kind, spec = self.column([k for k in self.caps.kinds() if k not in ("point",)])
            if spec["type"] in SERIALS:
                spec = {"type": SERIALS[spec["type"]]}
            info["kinds"][c] = kind
            if draw(st.integers(0, 3)) == 0 and KINDS[kind].defaults:
                spec["default"] = draw(st.sampled_from(KINDS[kind].defaults))
            if draw(st.integers(0, 5)) == 0:
                spec["comment"] = draw(st.sampled_from(COMMENTS))
            columns[c] = spec
        table = {"columns": columns}
        integer_time = time_kind in ("integer", "bigint")
        ht: dict = {"time_column": time_col}
        if integer_time:
            if draw(st.booleans()):
                ht["chunk_interval"] = draw(st.sampled_from([1000, 100000, 86400]))
        elif time_kind == "date":
            ht["chunk_interval"] = draw(st.sampled_from(["1 day", "7 days", "30 days", "1 week"]))
        else:
            ht["chunk_interval"] = draw(st.sampled_from(["1 day", "7 days", "12 hours", "1 hour", "2 weeks",
                                                         "90 minutes", "30 days", "1 month", "1 day 12 hours"]))
        partition = [time_col]
        dims = []
        if draw(st.booleans()):
            dims.append({"column": device, "partitions": draw(st.integers(1, 8))})
            partition.append(device)
        if draw(st.integers(0, 4)) == 0:  # a range dimension on a second column: an integer or a time
            extra = "logged"
            kind = draw(st.sampled_from(["bigint", "timestamptz", "date"]))
            columns[extra] = {"type": kind, "not_null": True}
            info["kinds"][extra] = kind
            dims.append({"column": extra, "interval": draw(st.sampled_from([1000, 50000] if kind == "bigint" else
                                                                           ["1 day", "7 days"]))})
            partition.append(extra)
        if dims:
            ht["dimensions"] = dims
        if draw(st.integers(0, 3)) == 0:
            ht["create_default_indexes"] = False
        table["hypertable"] = ht
        if draw(st.booleans()):  # keys hold every partitioning column
            pk = partition + ([device] if device not in partition and draw(st.booleans()) else [])
            table["primary_key"] = list(draw(st.permutations(pk)))
            info["keys"].append(tuple(table["primary_key"]))
            if "{org}" not in name:
                self.take(schema, default_name(name, None, "pkey"))
            else:
                for n in self.expand(name):
                    self.take(schema, default_name(n, None, "pkey"))
        if shared_targets and draw(st.booleans()):  # an org (or shared) hypertable referencing a shared table
            (tschema, tname), target = draw(st.sampled_from(shared_targets))
            key = draw(st.sampled_from([k for k in target["keys"] if len(k) == 1
                                        and target["kinds"][k[0]] != "varchar(10)[]"] or [None]))  # see above
            if key is not None:
                c = "ref"
                kind = target["kinds"][key[0]]
                columns[c] = {"type": KINDS[kind].spellings[0],
                              "references": {"table": f"{tschema}.{tname}", "column": key[0],
                                             "on_delete": draw(st.sampled_from(["cascade", "restrict",
                                                                                "set null"]))}}
                info["kinds"][c] = kind
                info["fk_columns"].add(c)
        info["table"] = table
        self.indexes(schema, name, table, info, tuple(partition))
        if draw(st.booleans()) and self.caps.timescaledb:
            segment = [c for c in columns if c not in partition[:1] and KINDS[info["kinds"][c]].btree
                       and c != "logged"]
            comp: dict = {}
            seg = draw(st.lists(st.sampled_from(segment), max_size=2, unique=True)) if segment else []
            if seg:
                comp["segment_by"] = seg
            order_cols = [c for c in columns if c not in seg and KINDS[info["kinds"][c]].btree]
            if draw(st.booleans()):
                ob = [q(time_col) + draw(st.sampled_from([" DESC", "", " ASC NULLS FIRST", " DESC NULLS LAST"]))]
                more = [c for c in order_cols if c != time_col]
                if more and draw(st.booleans()):
                    ob.append(q(draw(st.sampled_from(more))))
                comp["order_by"] = ob
            if not integer_time and draw(st.booleans()):
                comp["after"] = draw(st.sampled_from(["7 days", "30 days", "1 day"] if time_kind != "date"
                                                     else ["7 days", "30 days"]))
                if draw(st.booleans()):
                    comp["schedule_interval"] = draw(st.sampled_from(["12 hours", "1 day"]))
                if not draw(st.integers(0, 3)):
                    comp["scheduled"] = False  # a paused job
            table["compression"] = comp
        self.tables[(schema, name)] = info
        if draw(st.integers(0, 3)) == 0:
            table["comment"] = draw(st.sampled_from(COMMENTS + ["readings of {org_name}"] if org else COMMENTS))
        return name, table, info

    def aggregates(self, schema: str, hname: str, hinfo: dict) -> tuple[dict, Interval | None]:
        """Continuous aggregates on a hypertable (and maybe one on top of the first): structured or written as a
        query, with refresh policies, indexes, compression and retention. Returns them and the longest refresh
        start_offset (the hypertable's retention must exceed it)."""
        draw = self.draw
        kinds, time_col = hinfo["kinds"], hinfo["time"]
        if hinfo["time_kind"] not in ("timestamptz", "timestamp", "date"):
            return {}, None  # aggregates on integer time need an integer_now function the model cannot declare
        org = hinfo["org"]
        out: dict = {}
        longest: Interval | None = None
        buckets = ["1 day", "7 days"] if hinfo["time_kind"] == "date" else ["15 minutes", "1 hour", "1 day"]
        groupable = [c for c in kinds if c != time_col and KINDS[kinds[c]].btree and c != "logged"]
        numeric = [c for c in kinds if KINDS[kinds[c]].family in ("int", "number") and c != "logged"]
        bucket = draw(st.sampled_from(buckets))
        group = draw(st.lists(st.sampled_from(groupable), max_size=2, unique=True)) if groupable else []
        bucket_col = draw(st.sampled_from([b for b in ("bucket", "Bucket Ü", "hour", "select") if b not in group]))
        aggs = {"n": "count(*)"}
        for c in numeric[:2]:
            aggs[f"avg {c}"[:30]] = f"avg({q(c)})"
            aggs[f"max {c}"[:30]] = f"max({q(c)})"
        name = self.relation_name(schema, org, ["hourly", "Agg Ünï", "select", "daily stats"])
        source = hname if draw(st.booleans()) else f"{schema}.{hname}"
        if draw(st.integers(0, 3)) == 0:  # the aggregate written as a query
            cols = ", ".join(q(c) for c in group)
            targets = [f"time_bucket({lit(bucket)}, {q(time_col)}) AS {q(bucket_col)}"] + [q(c) for c in group]
            targets += [f"{expr} AS {q(a)}" for a, expr in aggs.items()]
            # GROUP BY a name prefers the source's column of that name to the output's: positions, or the bucket
            group_by = draw(st.sampled_from([", ".join(str(k) for k in range(1, len(group) + 2)),
                                             ", ".join([targets[0].split(" AS ")[0]] + ([cols] if cols else []))]))
            cagg = {"query": f"SELECT {', '.join(targets)}\nFROM {q(schema)}.{q(hname)}\nGROUP BY {group_by}",
                    "bucket": bucket, "source": source}
            if bucket_col != "bucket" or draw(st.booleans()):
                cagg["bucket_column"] = bucket_col  # what an aggregate on this one reads
        else:
            cagg = {"source": source, "bucket": bucket, "aggregates": aggs}
            if bucket_col != "bucket" or draw(st.booleans()):
                cagg["bucket_column"] = bucket_col
            if group:
                cagg["group_by"] = group
        if draw(st.booleans()):
            cagg["materialized_only"] = draw(st.booleans())
        width = Interval.parse(bucket)
        refresh, start = self.refresh(bucket)
        if refresh:
            cagg["refresh"] = refresh
            longest = start
        if draw(st.integers(0, 2)) == 0:
            cols = [bucket_col] + group
            c = draw(st.sampled_from(cols))
            cagg["indexes"] = {self.index_name(schema, name): {"columns": [self.element(c)]}}
        if refresh and start is not None and draw(st.integers(0, 3)) == 0:
            # compress what the refresh no longer touches
            cagg["compression"] = {"after": draw(st.sampled_from(["90 days", "1 year"]))}
            if group and draw(st.booleans()):
                cagg["compression"]["segment_by"] = group[:1]
        if refresh and start is not None and draw(st.integers(0, 3)) == 0:
            cagg["retention"] = {"drop_after": draw(st.sampled_from(["2 years", "400 days"]))}
        if draw(st.integers(0, 3)) == 0:
            cagg["comment"] = draw(st.sampled_from(COMMENTS + ["{org_name}'s aggregate"] if org else COMMENTS))
        out[name] = cagg
        if width.total <= Interval.parse("1 day").total and draw(st.integers(0, 2)) == 0:
            # an aggregate on the aggregate: a whole multiple of its bucket
            nested_bucket = draw(st.sampled_from([b for b in ("1 day", "7 days", "1 month")
                                                  if Interval.parse(b).total >= width.total
                                                  and Interval.parse(b).total % width.total == 0
                                                  and not (b == "1 month" and width.total > 86400 * 10**6)]))
            nname = self.relation_name(schema, org, ["weekly", "Nested Ünï", "order"])
            nested = {"source": name, "bucket": nested_bucket, "aggregates": {"total": "sum(n)", "peak": "max(n)"}}
            if draw(st.booleans()):
                nested["bucket_column"] = draw(st.sampled_from(["week", "Bucket Ü", "bucket"]))
            if group:
                nested["group_by"] = group[:1]
            r, nstart = self.refresh(nested_bucket)
            if r:
                nested["refresh"] = r
                if nstart is not None and (longest is None or nstart.total > longest.total):
                    longest = nstart
            out[nname] = nested
        return out, longest

    def refresh(self, bucket: str) -> tuple[dict | None, Interval | None]:
        draw = self.draw
        if not draw(st.integers(0, 3)):
            return None, None
        width = Interval.parse(bucket)
        starts = [s for s in ("3 hours", "2 days", "30 days", "90 days", "6 months")
                  if Interval.parse(s).total >= 3 * width.total]
        start = draw(st.sampled_from(starts + [None]))
        end = draw(st.sampled_from([bucket, None] + (["1 hour"] if width.total <= 3600 * 10**6 else [])))
        if start is not None and end is not None and \
                Interval.parse(start).total - Interval.parse(end).total < 2 * width.total:
            end = None
        if start is not None and end is None and Interval.parse(start).total < 2 * width.total:
            start = None
        refresh = {"start_offset": start, "end_offset": end,
                   "schedule_interval": draw(st.sampled_from(["1 hour", "30 minutes", "1 day"]))}
        return refresh, (Interval.parse(start) if start else None)

    # functions, triggers, views
    def functions(self, schema: str) -> dict:
        draw = self.draw
        out: dict = {}
        names = iter(draw(st.permutations(["fn", "select", "Fn Ünï", 'q"f', "calc;x", "add one", "1st", "ä"])))
        picks = draw(st.lists(st.sampled_from(["scalar", "table", "setof", "void", "inout", "variadic", "out"]),
                              max_size=3, unique=True))
        for kind in picks:
            name = next(names)
            f: dict
            if kind == "scalar":
                f = {"arguments": [{"name": "a", "type": "integer"},
                                   {"name": "b b", "type": "int4", "default": draw(st.sampled_from(["1", "-1"]))}],
                     "returns": "integer", "language": "sql", "volatility": "immutable",
                     "strict": draw(st.booleans()), "body": 'SELECT a + "b b"'}
            elif kind == "table":
                f = {"returns": "table(x integer, \"Y y\" text)", "language": "sql", "volatility": "stable",
                     "body": "SELECT 1, 'a' UNION ALL SELECT 2, 'b'"}
            elif kind == "setof":
                f = {"arguments": [{"name": "p", "type": "text", "default": "'x'"}], "returns": "setof text",
                     "language": "sql", "body": "SELECT p || '-' || g::text FROM generate_series(1, 3) g"}
            elif kind == "void":
                f = {"returns": "void", "language": "plpgsql", "security_definer": True,
                     "body": "BEGIN\n  PERFORM 1;  -- nothing; it's a $$ test\nEND"}
            elif kind == "inout":
                f = {"arguments": [{"name": "v", "type": "numeric", "mode": "inout"}], "returns": "numeric",
                     "language": "sql", "volatility": "immutable", "body": "SELECT v * 2"}
            elif kind == "variadic":
                f = {"arguments": [{"name": "xs", "type": "integer[]", "mode": "variadic"}], "returns": "integer",
                     "language": "sql", "body": "SELECT coalesce(array_length(xs, 1), 0)"}
            else:
                f = {"arguments": [{"name": "i", "type": "integer"}, {"name": "o", "type": "text", "mode": "out"}],
                     "returns": "text", "language": "plpgsql",
                     "body": "BEGIN\n  o := i::text;\nEND"}
            if draw(st.integers(0, 3)) == 0:
                f["comment"] = draw(st.sampled_from(COMMENTS))
            out[name] = f
        return out

    def triggers(self, schema: str, tables: dict, functions: dict) -> None:
        """Triggers on some tables: row and statement level, BEFORE and AFTER, WHEN, UPDATE OF, TRUNCATE, and
        PostgreSQL's own suppress_redundant_updates_trigger."""
        draw = self.draw
        candidates = [n for n in tables if draw(st.integers(0, 3)) == 0]
        if not candidates:
            return
        functions["trg row"] = {"returns": "trigger", "language": "plpgsql",  # NULL from BEFORE DELETE: no delete
                                "body": "BEGIN\n  IF TG_OP = 'DELETE' THEN\n    RETURN OLD;\n  END IF;\n"
                                        "  RETURN NEW;\nEND"}
        functions["trg_stmt"] = {"returns": "trigger", "language": "plpgsql",
                                 "body": "BEGIN\n  RETURN NULL;\nEND", "comment": "statement level"}
        for tname in candidates:
            table = tables[tname]
            cols = list(table["columns"])
            triggers: dict = {}
            for k in range(draw(st.integers(1, 3))):
                kind = draw(st.sampled_from(["row", "stmt", "when", "update_of", "suppress"]))
                tr: dict
                if kind == "row":
                    tr = {"function": f"{schema}.trg row", "timing": draw(st.sampled_from(["before", "after"])),
                          "events": draw(st.lists(st.sampled_from(["insert", "update", "delete"]), min_size=1,
                                                  unique=True)), "for_each": "row"}
                elif kind == "stmt":
                    tr = {"function": f"{schema}.trg_stmt", "timing": draw(st.sampled_from(["before", "after"])),
                          "events": draw(st.lists(st.sampled_from(["insert", "update", "delete", "truncate"]),
                                                  min_size=1, unique=True)), "for_each": "statement"}
                elif kind == "when":  # IS DISTINCT FROM needs equality: not json or point
                    c = draw(st.sampled_from([c for c in cols if self.kind_of(schema, tname, c).btree] or [None]))
                    if c is None:
                        continue
                    tr = {"function": f"{schema}.trg row", "timing": "after", "events": ["update"],
                          "for_each": "row", "when": f"OLD.{q(c)} IS DISTINCT FROM NEW.{q(c)}"}
                elif kind == "update_of":
                    tr = {"function": f"{schema}.trg row", "timing": "before", "events": ["update", "insert"],
                          "for_each": "row",
                          "update_of": draw(st.lists(st.sampled_from(cols), min_size=1, max_size=2, unique=True))}
                else:
                    tr = {"function": "pg_catalog.suppress_redundant_updates_trigger", "timing": "before",
                          "events": ["update"], "for_each": "row"}
                if "{org}" in tname:
                    tr_name = f"trg {k} {{org}}" if draw(st.booleans()) else f"trg {k}"
                else:
                    tr_name = draw(st.sampled_from(["trg", "Trg Ünï", "select"])) + f" {k}"
                if "hypertable" not in table and not draw(st.integers(0, 2)):  # TimescaleDB refuses it there
                    tr["enabled"] = draw(st.sampled_from([False, "replica", "always"]))
                triggers[tr_name] = tr
            table["triggers"] = triggers

    def types(self, schema: str, tables: dict) -> dict:
        """The model's own types (`types:`): an enum, a composite built on it, a domain with a CHECK; columns of a
        shared plain table of the schema use them (the enum's with a default that is one of its values)."""
        draw, out = self.draw, {}
        names = {"enum": "sg mood", "composite": "sg pair ☃", "domain": "sg_pos"}
        if not all(self.free(schema, n) for n in names.values()):
            return out
        for n in names.values():
            self.take(schema, n)
        values = draw(st.lists(st.sampled_from(["a", "it's", "B C", "ünï", "x;--"]), min_size=1, max_size=4,
                               unique=True))
        out[names["enum"]] = {"enum": values}
        out[names["composite"]] = {"composite": {"m": q(names["enum"]), "n": "numeric(10,2)"}}
        domain = {"domain": draw(st.sampled_from(["integer", "bigint"])), "check": "VALUE > 0", "default": "1"}
        if draw(st.booleans()):
            domain["not_null"] = True
        if draw(st.booleans()):
            domain["comment"] = draw(st.sampled_from(COMMENTS))
        out[names["domain"]] = domain
        plain = [k for k, t in self.tables.items() if k[0] == schema and not t["org"] and not t["hyper"]
                 and k[1] in tables]
        if plain:
            table = tables[draw(st.sampled_from(plain))[1]]
            cols = table["columns"]
            for name, spec in (("mood col", {"type": q(names["enum"]), "default": lit(draw(st.sampled_from(values)))}),
                               ("pairs col", f"{q(names['composite'])}[]"), ("pos col", names["domain"])):
                if name not in cols:
                    cols[name] = spec
        return out

    def kind_of(self, schema: str, table: str, column: str) -> Kind:
        return KINDS[self.tables[(schema, table)]["kinds"][column]]

    def view(self, schema: str, org: bool, materialized: bool = False) -> tuple[str, dict] | None:
        """A view over a table or view drawn before (or two of them joined): picked columns, some renamed, maybe a
        WHERE and an ORDER BY. A shared view reads shared objects only; an org view its org's too. Materialized
        ones get indexes."""
        draw = self.draw
        sources = [r for r in list(self.tables.values()) + self.views if org or not r["org"]]
        if not sources:
            return None
        parts = [("t", draw(st.sampled_from(sources)))]
        if len(sources) > 1 and draw(st.integers(0, 3)) == 0:
            parts.append(("u", draw(st.sampled_from(sources))))
        targets, kinds = [], {}
        for alias, src in parts:
            for c in draw(st.lists(st.sampled_from(list(src["kinds"])), min_size=1, max_size=3, unique=True)):
                out = c if c not in kinds and draw(st.integers(0, 3)) else f"{c[:20]} {alias}{self.n()}"
                targets.append(f"{alias}.{q(c)}" + (f" AS {q(out)}" if out != c else ""))
                kinds[out] = src["kinds"][c]
        first = parts[0][1]
        query = f"SELECT {', '.join(targets)}\nFROM {q(first['schema'])}.{q(first['name'])} t"
        if len(parts) > 1:
            second = parts[1][1]
            query += f"\n{draw(st.sampled_from(['LEFT JOIN', 'JOIN', 'FULL JOIN']))} " \
                     f"{q(second['schema'])}.{q(second['name'])} u ON true"
        ints = [c for c in first["kinds"] if KINDS[first["kinds"][c]].family == "int"]
        if ints and draw(st.booleans()):
            query += f"\nWHERE t.{q(ints[0])} > 0"
        if not materialized and KINDS[kinds[next(iter(kinds))]].btree and draw(st.integers(0, 3)) == 0:
            query += "\nORDER BY 1"  # json, point: no ordering
        words = ["v", "View Ünï", "select", "current", 'v"q'] if not materialized else ["mv", "Snapshot Ü", "order"]
        name = self.relation_name(schema, org, words)
        view: dict = {"query": query}
        seeded = any(src.get("seeded") for _, src in parts)
        # PostgreSQL refuses to fill a materialized view from one created WITH NO DATA ("has not been populated")
        unpopulated = any(src.get("unpopulated") for _, src in parts)
        if materialized:
            if unpopulated or draw(st.booleans()):
                view["with_data"] = False if unpopulated else draw(st.booleans())
            unpopulated = view.get("with_data") is False
            usable = [c for c in kinds if KINDS[kinds[c]].btree]
            if usable and draw(st.booleans()):
                cols = draw(st.lists(st.sampled_from(usable), min_size=1, max_size=2, unique=True))
                ix: dict = {"columns": [self.element(c) for c in cols]}
                if not seeded and draw(st.booleans()):  # rows seeded in its sources could repeat
                    ix["unique"] = True
                view["indexes"] = {self.index_name(schema, name): ix}
        if draw(st.integers(0, 2)) == 0:
            view["comment"] = draw(st.sampled_from(COMMENTS + ["{org_name}'s view"] if org else COMMENTS))
        self.views.append({"schema": schema, "name": name, "kinds": kinds, "org": org, "seeded": seeded,
                           "unpopulated": unpopulated})
        return name, view


@st.composite
def models(draw, caps: Caps):
    """A whole model for a server with these capabilities: shared tables in one or two schemas, functions,
    triggers, views, materialized views, orgs and org templates, and with TimescaleDB hypertables and aggregates."""
    g = Gen(draw, caps)
    g.orgs = draw(st.lists(st.sampled_from(ORG_KEYS), max_size=3, unique=True))
    main, other = draw(st.lists(st.sampled_from(SCHEMAS), min_size=2, max_size=2, unique=True))
    schemas: dict[str, dict] = {main: {}}
    if draw(st.integers(0, 2)) == 0:
        schemas[other] = {}
    if draw(st.integers(0, 3)) == 0:
        schemas[main]["comment"] = draw(st.sampled_from(COMMENTS))
    if caps.timescaledb:
        g.ext("timescaledb")
    for extension in ("pgcrypto", "uuid-ossp", "hstore"):
        if extension in caps.extensions and draw(st.integers(0, 5)) == 0:
            g.ext(extension)
    if "pg_trgm" in caps.extensions and draw(st.integers(0, 3)) == 0:  # its operator class in an index
        # an operator class is written `name` or `schema.name`, identifiers only (no quoting there)
        where = draw(st.sampled_from([None, "ext", "public"]))
        g.extensions["pg_trgm"] = {"schema": where} if where else None
        g.trgm = f"{where}.gin_trgm_ops" if where and where != "public" else "gin_trgm_ops"
    # shared tables, in either schema; foreign keys reach the tables drawn before
    for _ in range(draw(st.integers(1, 4))):
        schema = draw(st.sampled_from(sorted(schemas)))
        name, table = g.table(schema)
        schemas[schema].setdefault("tables", {})[name] = table
    # sequences of their own, read by the shared tables' defaults
    for schema in sorted(schemas):
        sequences = g.sequences(schema, schemas[schema].get("tables", {}))
        if sequences:
            schemas[schema]["sequences"] = sequences
    # the org registry, a shared table org tables may reference
    registry = None
    if g.orgs and draw(st.booleans()):
        rname = g.relation_name(main, False, ["tenants", "Org Registry", "order"])
        schemas[main].setdefault("tables", {})[rname] = {
            "columns": {"key": {"type": "text", "primary_key": True}, "name": {"type": "text", "not_null": True},
                        "value table": "varchar(80)", "created": {"type": "timestamptz", "default": "now()"}}}
        g.take(main, default_name(rname, None, "pkey"))
        g.tables[(main, rname)] = {"schema": main, "name": rname, "org": False, "keys": [("key",)], "hyper": False,
                                   "seeded": True, "fk_columns": set(),
                                   "kinds": {"key": "text", "name": "text", "value table": "varchar(40)",
                                             "created": "timestamptz"}}
        registry = {"table": f"{main}.{rname}", "key_column": "key",
                    "values": {"key": "{org}", "name": "{org_name}", "value table": "readings_{org}"}}
    hyper_template = None
    if caps.timescaledb and draw(st.integers(0, 4)):
        # one hypertable, or two: a shared one and an org template; aggregates on them, retention beyond their
        # refresh windows
        shared_targets = [(k, t) for k, t in g.tables.items() if t["keys"] and not t["org"] and not t["hyper"]]
        kinds = [bool(g.orgs) and draw(st.booleans())]
        if g.orgs and draw(st.integers(0, 2)) == 0:
            kinds.append(not kinds[0])
        for org in kinds:
            hname, hyper, hinfo = g.hypertable(main, org=org, shared_targets=shared_targets)
            schemas[main].setdefault("tables", {})[hname] = hyper
            caggs, longest = g.aggregates(main, hname, hinfo) if draw(st.integers(0, 2)) else ({}, None)
            schemas[main].setdefault("continuous_aggregates", {}).update(caggs)
            if hinfo["time_kind"] not in ("integer", "bigint") and draw(st.booleans()):
                options = [d for d in ("90 days", "1 year", "2 years")
                           if longest is None or Interval.parse(d).total > longest.total]
                if options:
                    hyper["retention"] = {"drop_after": draw(st.sampled_from(options))}
                    if draw(st.booleans()):
                        hyper["retention"]["schedule_interval"] = "1 day"
                    if not draw(st.integers(0, 3)):
                        hyper["retention"]["initial_start"] = "2030-01-01 00:00:00+00"
            if org:
                hyper_template = (hyper, hinfo)
        if not schemas[main]["continuous_aggregates"]:
            del schemas[main]["continuous_aggregates"]
    # org tables (plain), referencing shared tables and each other
    if g.orgs:
        for _ in range(draw(st.integers(0, 2))):
            name, table = g.table(main, org=True)
            schemas[main].setdefault("tables", {})[name] = table
    # functions and triggers
    functions = g.functions(main)
    g.triggers(main, schemas[main].get("tables", {}), functions)
    if functions:
        schemas[main]["functions"] = functions
    if draw(st.integers(0, 2)) == 0:
        types = g.types(main, schemas[main].get("tables", {}))
        if types:
            schemas[main] = {"types": types, **schemas[main]}
    # views and materialized views (on tables and on views drawn before), shared ones and org ones
    for _ in range(draw(st.integers(0, 3))):
        org = bool(g.orgs) and draw(st.booleans())
        materialized = draw(st.integers(0, 2)) == 0
        made = g.view(main, org, materialized)
        if made:
            schemas[main].setdefault("materialized_views" if materialized else "views", {})[made[0]] = made[1]
    orgs = []
    for key in g.orgs:
        org = {"key": key, "name": draw(st.sampled_from(ORG_NAMES))}
        over = {}
        if hyper_template and draw(st.integers(0, 2)) == 0:
            hyper, hinfo = hyper_template
            if hinfo["time_kind"] in ("timestamptz", "timestamp"):
                over["chunk_interval"] = draw(st.sampled_from(["2 days", "6 hours"]))
            if hyper.get("compression", {}).get("after"):
                over["compress_after"] = draw(st.sampled_from(["14 days", "2 days"]))
            if hyper.get("retention"):
                over["drop_after"] = "3 years"
        if over:
            org["overrides"] = over
        orgs.append(org)
    database: dict = {}
    if g.extensions:
        database["extensions"] = {e: (draw(st.sampled_from([None, {"schema": "public"}])) if e == "vector" else o)
                                  for e, o in sorted(g.extensions.items())}
    if registry:
        database["org_registry"] = registry
    database["schemas"] = schemas
    doc: dict = {}
    if draw(st.booleans()):
        doc["version"] = 1
    if orgs:
        doc["orgs"] = orgs
    doc["databases"] = {draw(st.sampled_from(["propdb", "Prop DB", "ünï"])): database}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)


# --- what a model holds (statistics) ---------------------------------------------------------------------------

def features(model: m.Model) -> set[str]:
    """Tags for what a model exercises: shown per test in the terminal summary and by
    --hypothesis-show-statistics."""
    out: set[str] = set()
    db = model.databases[0]
    out.add(f"orgs={len(model.orgs)}")
    if any(o.overrides for o in model.orgs):
        out.add("org overrides")
    if db.org_registry:
        out.add("org registry")
    out |= {f"extension {e.name}" for e in db.extensions}
    for sq in db.sequences:
        out.add("sequence owned by a column" if sq.owned_by else "sequence")
        if sq.increment < 0:
            out.add("descending sequence")
    if len(db.schemas) > 1:
        out.add("two schemas")
    out |= {f"model type {t.kind}" for t in db.types}
    for t in db.tables:
        out |= {f"type {re.sub(r'[(][0-9, ]+[)]', '', c.type)}" for c in t.columns}
        if any(c.identity for c in t.columns):
            out.add("identity column")
        if any(c.serial for c in t.columns):
            out.add("serial column")
        if any(c.default for c in t.columns):
            out.add("default")
        if t.primary_key:
            out.add("composite primary key" if len(t.primary_key.columns) > 1 else "primary key")
        if t.uniques:
            out.add("unique constraint")
        if t.checks:
            out.add("check constraint")
        for fk in t.foreign_keys:
            out.add("composite foreign key" if len(fk.columns) > 1 else "foreign key")
            out.add(f"on delete {fk.on_delete}")
            if fk.ref_schema != t.schema:
                out.add("foreign key across schemas")
            if t.org:
                out.add("org table referencing " + ("a shared table" if not fk.ref_table.endswith(t.org)
                                                    and t.org not in fk.ref_table else "its org's table"))
        for ix in t.indexes:
            out.add(f"index {ix.method}")
            if ix.where:
                out.add("partial index")
            if ix.include:
                out.add("index include")
            if any(e.expression for e in ix.elements):
                out.add("expression index")
            if ix.unique:
                out.add("unique index")
            if len(ix.elements) > 1:
                out.add("multi-column index")
        if t.triggers:
            out.add("trigger")
        if t.grants:
            out.add("grants")
        if t.row_security:
            out.add("row level security")
        if any(tr.enabled != "enabled" for tr in t.triggers):
            out.add("trigger state")
        if t.compression and t.compression.after and not t.compression.scheduled:
            out.add("paused job")
        if t.retention and t.retention.initial_start:
            out.add("job initial_start")
        if t.seed:
            out.add("seed rows")
        if t.comment or any(c.comment for c in t.columns):
            out.add("comment")
        if t.hypertable:
            out.add("hypertable")
            ht = t.hypertable
            out |= {"hash dimension" if d.partitions else "range dimension" for d in ht.dimensions}
            time_type = t.column(ht.time_column).type
            out.add(f"hypertable on {re.sub(r'[(][0-9, ]+[)]', '', time_type)}")
        if t.compression:
            out.add("compression policy" if t.compression.after else "compression settings")
        if t.retention:
            out.add("retention policy")
    for c in db.continuous_aggregates:
        out.add("continuous aggregate")
        if c.refresh:
            out.add("refresh policy")
        if c.source_relation in {a.qname for a in db.continuous_aggregates}:
            out.add("nested continuous aggregate")
        if c.compression:
            out.add("aggregate compression")
        if c.retention:
            out.add("aggregate retention")
        if c.indexes:
            out.add("aggregate index")
    for v in db.views:
        out.add("materialized view" if v.materialized else "view")
    for f in db.functions:
        out.add(f"function {f.language}")
    return out


RAN: dict[str, Counter] = {}
SECONDS: Counter = Counter()


class _Summary:
    """Prints, at the end of the run, how many examples each test ran, in how long, and what they covered."""

    def pytest_terminal_summary(self, terminalreporter):
        if not RAN:
            return
        terminalreporter.write_sep("-", f"property round trips (SCHEMAGEN_HYPOTHESIS_EXAMPLES={EXAMPLES})")
        for test, tally in RAN.items():
            types = sorted(k[5:] for k in tally if k.startswith("type "))
            terminalreporter.write_line(f"{test}: {tally['examples']} examples, {SECONDS[test]:.1f} s, "
                                        f"{len(types)} column types")
            shown = ", ".join(f"{k} {v}" for k, v in sorted(tally.items())
                              if k != "examples" and not k.startswith("type "))
            for line in _wrap(shown, 116):
                terminalreporter.write_line("    " + line)


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split(", "):
        if line and len(line) + len(word) + 2 > width:
            lines.append(line + ",")
            line = word
        else:
            line = f"{line}, {word}" if line else word
    return lines + [line] if line else lines


@pytest.fixture(scope="module", autouse=True)
def _examples_summary(request):
    manager = request.config.pluginmanager
    if not manager.has_plugin("schemagen-properties-summary"):
        manager.register(_Summary(), "schemagen-properties-summary")
    yield


def _count(test: str, model: m.Model, seconds: float) -> None:
    tally = RAN.setdefault(test, Counter())
    tally["examples"] += 1
    SECONDS[test] += seconds
    for tag in sorted(features(model)):
        tally[tag] += 1
        event(tag)


# --- the round trip --------------------------------------------------------------------------------------------

# More than tests/helpers.snapshot: types, constraints, comments (public's included), and TimescaleDB's catalogs
# (hypertables, dimensions, aggregates, compression settings, jobs), so that a rollback leaving anything behind shows.
SNAPSHOT = r"""
SELECT 'rel ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
   AND n.nspname NOT LIKE '\_timescaledb%' AND n.nspname NOT LIKE 'timescaledb\_%'
UNION ALL SELECT 'schema ' || nspname || ' ' || coalesce(obj_description(oid, 'pg_namespace'), '-') FROM pg_namespace
UNION ALL SELECT 'ext ' || extname || ' ' || extnamespace::regnamespace::text FROM pg_extension
UNION ALL SELECT 'proc ' || p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE '\_timescaledb%'
   AND n.nspname NOT LIKE 'timescaledb\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
UNION ALL SELECT 'type ' || t.oid::regtype::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
   AND n.nspname NOT LIKE '\_timescaledb%' AND n.nspname NOT LIKE 'timescaledb\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
UNION ALL SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname FROM pg_constraint c
  JOIN pg_namespace n ON n.oid = c.connamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE '\_timescaledb%'
   AND n.nspname NOT LIKE 'timescaledb\_%'
UNION ALL SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgname FROM pg_trigger WHERE NOT tgisinternal
UNION ALL SELECT 'comment ' || classoid::regclass::text || ' ' || objsubid || ' ' || description FROM pg_description
 WHERE objoid >= 16384 AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = objoid AND d.deptype = 'e')
UNION ALL SELECT 'setting ' || array_to_string(setconfig, ',') FROM pg_db_role_setting
"""
TIMESCALE_CATALOGS = ["_timescaledb_catalog.hypertable", "_timescaledb_catalog.dimension",
                      "_timescaledb_catalog.chunk", "_timescaledb_catalog.continuous_agg",
                      "_timescaledb_catalog.compression_settings", "_timescaledb_config.bgw_job"]


def snapshot(dsn: str) -> list[str]:
    with connect(dsn) as c:
        rows = [r[0] for r in c.execute(SNAPSHOT).fetchall()]
        for catalog in TIMESCALE_CATALOGS:
            if c.execute("SELECT to_regclass(%s)", (catalog,)).fetchone()[0] is not None:
                rows.append(f"{catalog} {c.execute(f'SELECT count(*) FROM {catalog}').fetchone()[0]}")
    return sorted(rows)


def load(text: str) -> m.Model:
    try:
        return load_model_text(text, "generated.yaml")
    except ModelError as e:
        raise AssertionError(f"the generator drew a model the loader refuses:\n{e}\n--- model ---\n{text}") from None


def drift(dsn: str, model: m.Model, skip: frozenset[str], orgs: list[str] | None = None) -> list[str]:
    with connection(dsn) as conn:
        changes = differ.compare_live(conn, model, model.databases[0], orgs=orgs, skip=skip)
    return [c.summary() for c in changes]


def round_trip(dsn: str, text: str, skip_unsupported: bool) -> m.Model:
    model = load(text)
    scripts = render.render(model)
    assert render.render(load(text)) == scripts, "rendering is not deterministic"
    for s in scripts:
        for statement in s.statements:
            assert len(pglast.parse_sql(statement.sql)) == 1, (s.relpath, statement.sql)
        pglast.parse_sql(render.script_text(s, model))  # the whole file, header and all
    before = snapshot(dsn)
    log = io.StringIO()
    try:
        result = applying.apply(dsn, model, skip_unsupported=skip_unsupported, out=log)
        skip = result.skipped_features
        assert not skip or skip_unsupported
        assert drift(dsn, model, skip) == []
        again = applying.apply(dsn, model, skip_unsupported=skip_unsupported, out=log)
        assert [s.status for s in again.scripts if s.status != "unchanged"] == [], "a second apply changed things"
        # every init script is idempotent: run them all again by hand (as psql would, one transaction each)
        with connect(dsn) as c:
            for s in render.leave_out(render.render(model, only="init"), skip):
                with c.transaction():
                    for statement in s.statements:
                        c.execute(statement.sql)
        assert drift(dsn, model, skip) == [], "running the init scripts again changed the database"
        orgs = list(model.databases[0].orgs)
        if orgs:  # off-board one org and on-board it again; the others never notice
            applying.rollback(dsn, model, orgs=orgs[:1], out=log)
            assert drift(dsn, model, skip, orgs[:1]), f"org {orgs[0]} is still there after its rollback"
            if orgs[1:]:
                assert drift(dsn, model, skip, orgs[1:]) == [], "the other orgs noticed"
            applying.apply(dsn, model, orgs=orgs[:1], skip_unsupported=skip_unsupported, out=log)
            assert drift(dsn, model, skip) == [], f"org {orgs[0]} differs after its rollback and apply"
        applying.rollback(dsn, model, out=log)
        after = snapshot(dsn)
        assert after == before, ("the rollback left the database different from its start: left behind "
                                 f"{sorted(set(after) - set(before))}, gone {sorted(set(before) - set(after))}")
    except Exception as e:
        e.add_note(f"--- schemagen's output ---\n{log.getvalue()}")
        raise
    return model


@cache
def capabilities(name: str) -> Caps:
    from conftest import require

    server = require(name)
    with connect(server.dsn) as c:
        extensions = frozenset(r[0] for r in c.execute("SELECT name FROM pg_available_extensions"))
    return Caps("timescaledb" in extensions and server.has_timescaledb, extensions, server_is_pglite(server))


# Shrinking a failure costs a server round trip per step (minutes for a large model): only on request. The
# failing model is printed as YAML either way.
SHRINK = os.environ.get("SCHEMAGEN_HYPOTHESIS_SHRINK", "") not in ("", "0")
COMMON = settings(max_examples=EXAMPLES, deadline=None, derandomize=CI, print_blob=True,
                  phases=[p for p in Phase if SHRINK or p not in (Phase.shrink, Phase.explain)],
                  **({"database": None} if CI else {}),
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                         HealthCheck.data_too_large, HealthCheck.large_base_example,
                                         HealthCheck.filter_too_much])


def _native(name: str, data, test: str) -> None:
    from conftest import require

    server = require(name)
    caps = capabilities(name)
    text = data.draw(models(caps), label="model")
    started = time.monotonic()
    db = create_database(server)
    ensure_roles(db.dsn)
    try:
        model = round_trip(db.dsn, text, skip_unsupported=server.license == "apache")
    finally:
        drop_database(db)
    _count(test, model, time.monotonic() - started)


@COMMON
@given(data=st.data())
def test_round_trip_on_native_timescaledb_apache(data):
    """PostgreSQL 17 + TimescaleDB's Apache edition: compression, policies and aggregates are left out
    (--skip-unsupported); everything else must round-trip."""
    _native("ts-apache", data, "ts-apache (PG17, TimescaleDB Apache, --skip-unsupported)")


@COMMON
@given(data=st.data())
def test_round_trip_on_plain_postgresql_15(data):
    """PostgreSQL 15 without TimescaleDB: models without it."""
    _native("pg-plain", data, "pg-plain (PG15, no TimescaleDB)")


@COMMON
@given(data=st.data())
def test_round_trip_on_community_timescaledb(data):
    """PGlite + TimescaleDB community: everything, compression, policies and continuous aggregates included."""
    from conftest import require

    server = require("ts-community")
    if not server_is_pglite(server):
        pytest.skip("uses the PGlite reset between examples")
    with pglite_lock():
        caps = capabilities("ts-community")
        text = data.draw(models(caps), label="model")
        started = time.monotonic()
        db = reset_pglite(server)
        ensure_roles(db.dsn)
        model = round_trip(db.dsn, text, skip_unsupported=False)
    _count("ts-community (PGlite PG17.5, TimescaleDB community)", model, time.monotonic() - started)


# The generator alone, without servers: every model it draws for each kind of server validates.
OFFLINE = {"timescaledb": Caps(True, frozenset({"timescaledb", "vector", "pgcrypto", "uuid-ossp", "hstore",
                                                "citext", "pg_trgm"})),
           "plain": Caps(False, frozenset({"pgcrypto", "uuid-ossp", "hstore", "citext", "pg_trgm"}))}


@settings(COMMON, max_examples=EXAMPLES * 10)
@given(data=st.data(), kind=st.sampled_from(sorted(OFFLINE)))
def test_generated_models_validate(data, kind):
    text = data.draw(models(OFFLINE[kind]), label="model")
    model = load(text)
    assert render.render(model)
    for tag in features(model):
        event(tag)
