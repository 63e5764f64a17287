"""The inspector on objects made with plain SQL: what the catalogs hold, as the model's dataclasses; what it
leaves out (system and TimescaleDB schemas, chunks, extension members, schemagen's history); a fixed number of
catalog queries; the SQL files' conventions."""
from __future__ import annotations

import re
from importlib import resources

import pglast
import pytest
from pglast import parse_sql
from pglast.visitors import Visitor

from schemagen import model as m
from schemagen.live import sql
from schemagen.live.behaviour import BEHAVIOUR_QUERIES
from schemagen.live.inspect import CATALOG_QUERIES, TIMESCALEDB_QUERIES, Catalog, inspect, query
from schemagen.live.security import GRANTS_QUERIES
from schemagen.sqltext import Interval

PLAIN_SQL = """
CREATE SCHEMA shop;
COMMENT ON SCHEMA shop IS 'The shop';
CREATE TABLE shop.category (code varchar(20) PRIMARY KEY, label text NOT NULL);
CREATE TABLE shop.item (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    n serial,
    name varchar(100) NOT NULL,
    category varchar(20) REFERENCES shop.category (code) ON DELETE CASCADE ON UPDATE RESTRICT
        DEFERRABLE INITIALLY DEFERRED,
    tags text[] DEFAULT '{}',
    side varchar(4) CHECK (side IN ('BUY', 'SELL')),
    at timestamptz DEFAULT now(),
    CONSTRAINT item_name_key UNIQUE NULLS NOT DISTINCT (name, category)
);
COMMENT ON TABLE shop.item IS 'Things';
COMMENT ON COLUMN shop.item.name IS 'Display name';
CREATE INDEX item_tags ON shop.item USING gin (tags);
CREATE INDEX item_cover ON shop.item (side DESC NULLS LAST, name text_pattern_ops) INCLUDE (at)
    WHERE side <> 'SELL';
CREATE UNIQUE INDEX item_lower ON shop.item ((lower(name))) WITH (fillfactor = 70);
COMMENT ON INDEX shop.item_lower IS 'case-insensitive';
CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.at := now(); RETURN NEW; END$$;
CREATE TRIGGER item_touch BEFORE INSERT OR UPDATE OF name ON shop.item FOR EACH ROW
    WHEN (NEW.name IS NOT NULL) EXECUTE FUNCTION shop.touch();
CREATE FUNCTION shop.add(a int, b int DEFAULT 1) RETURNS int LANGUAGE sql IMMUTABLE STRICT AS 'SELECT a + b';
COMMENT ON FUNCTION shop.add(int, int) IS 'adds';
CREATE VIEW shop.names AS SELECT name FROM shop.item WHERE side = 'BUY';
CREATE MATERIALIZED VIEW shop.counts AS SELECT count(*) AS n FROM shop.item;
CREATE INDEX counts_n ON shop.counts (n);
CREATE EXTENSION pg_trgm SCHEMA shop;  -- its functions and operator classes land in shop: not reported
CREATE SCHEMA schemagen;
CREATE TABLE schemagen.history (script text);
"""


def _inspect(db, schemas=("shop",)):
    with db.connect() as conn:
        cat = Catalog(conn)
        got = inspect(conn, schemas=schemas, name="test", catalog=cat)
    return got, cat.queries


def test_plain_objects_as_the_model_speaks_them(pg_plain_db):
    with pg_plain_db.connect() as c:
        c.execute(PLAIN_SQL)
    db, queries = _inspect(pg_plain_db)
    assert queries == len(CATALOG_QUERIES) == 10, "no TimescaleDB: its views are not read"
    assert db.schemas == (m.Schema("shop", "The shop"),)
    assert ("pg_trgm", "shop") in {(e.name, e.schema) for e in db.extensions}
    category, item = db.tables
    assert category == m.Table("shop", "category", (m.Column("code", "character varying(20)", True),
                                                    m.Column("label", "text", True)),
                               m.PrimaryKey("category_pkey", ("code",)))
    assert item.columns == (
        m.Column("id", "bigint", True, identity="always"),
        m.Column("n", "integer", True, serial=True),
        m.Column("name", "character varying(100)", True, comment="Display name"),
        m.Column("category", "character varying(20)"),
        m.Column("tags", "text[]", default="'{}'::text[]"),
        m.Column("side", "character varying(4)"),
        m.Column("at", "timestamp with time zone", default="now()"),
    )
    assert item.comment == "Things"
    assert item.primary_key == m.PrimaryKey("item_pkey", ("id",))
    assert item.uniques == (m.Unique("item_name_key", ("name", "category"), True),)
    assert item.foreign_keys == (m.ForeignKey("item_category_fkey", ("category",), "shop", "category", ("code",),
                                              "cascade", "restrict", True, True),)
    assert item.checks == (m.Check("item_side_check", "(side::text = ANY (ARRAY['BUY'::character varying, "
                                                      "'SELL'::character varying]::text[]))"),)
    assert item.indexes == (
        m.Index("item_cover", (m.IndexElement("side", descending=True, nulls_first=False),
                               m.IndexElement("name", opclass="text_pattern_ops")),
                include=("at",), where="side::text <> 'SELL'::text"),
        m.Index("item_lower", (m.IndexElement(expression="lower(name::text)"),), unique=True,
                with_=(("fillfactor", "70"),), comment="case-insensitive"),
        m.Index("item_tags", (m.IndexElement("tags"),), method="gin"),
    )
    assert item.triggers == (m.Trigger("item_touch", "shop.touch", "before", ("insert", "update"), "row",
                                       "new.name IS NOT NULL", ("name",)),)
    assert item.hypertable is None and item.compression is None and item.retention is None
    names, counts = sorted(db.views, key=lambda v: v.name, reverse=True)
    assert (names.materialized, names.query.split()) == (False, ["SELECT", "item.name", "FROM", "shop.item",
                                                                 "WHERE", "item.side::text", "=", "'BUY'::text;"])
    assert counts.materialized and counts.indexes == (m.Index("counts_n", (m.IndexElement("n"),)),)
    functions = {f.name: f for f in db.functions}
    assert set(functions) == {"touch", "add"}, "pg_trgm's functions are extension members"
    add = functions["add"]
    assert (add.arguments, add.returns, add.language, add.volatility, add.strict, add.body, add.comment) == (
        (m.Argument("a", "integer"), m.Argument("b", "integer", default="1")), "integer", "sql", "immutable", True,
        "SELECT a + b", "adds")


def test_all_schemas_leave_out_system_and_schemagen(pg_plain_db):
    with pg_plain_db.connect() as c:
        c.execute(PLAIN_SQL)
    db, _ = _inspect(pg_plain_db, schemas=None)
    assert {s.name for s in db.schemas} == {"public", "shop"}
    assert {t.schema for t in db.tables} == {"shop"}, "schemagen.history and the catalogs are not reported"


def test_timescaledb_internals_are_left_out(ts_apache_db):
    with ts_apache_db.connect() as c:
        c.execute("CREATE EXTENSION timescaledb")
        c.execute("CREATE TABLE public.m (at timestamptz NOT NULL, device int NOT NULL, v float8)")
        c.execute("SELECT create_hypertable('public.m', by_range('at', INTERVAL '1 day'))")
        c.execute("SELECT add_dimension('public.m', by_hash('device', 4))")
        c.execute("INSERT INTO public.m SELECT now() - n * INTERVAL '1 day', n, n FROM generate_series(1, 20) n")
        c.execute("CREATE TABLE public.ticks (t bigint NOT NULL, v int)")
        c.execute("SELECT create_hypertable('public.ticks', by_range('t', 1000), create_default_indexes => false)")
        chunks = c.execute("SELECT count(*) FROM timescaledb_information.chunks").fetchone()[0]
    assert chunks >= 20
    db, queries = _inspect(ts_apache_db, schemas=None)
    assert queries == len(CATALOG_QUERIES) + len(TIMESCALEDB_QUERIES) == 14
    assert [t.qname for t in db.tables] == ["public.m", "public.ticks"], \
        "chunks live in _timescaledb_internal: not reported"
    assert {s.name for s in db.schemas} == {"public"}
    assert db.functions == () and db.views == (), "TimescaleDB's own functions and views are extension members"
    hyper = {t.name: t for t in db.tables}
    assert hyper["m"].hypertable == m.Hypertable("at", Interval.parse("1 day"), (m.Dimension("device", 4),))
    assert hyper["ticks"].hypertable == m.Hypertable("t", 1000)
    # the default time index is in the catalogs; the differ, which knows the model, leaves it out
    assert {i.name for i in hyper["m"].indexes} == {"m_at_idx"}
    assert hyper["ticks"].indexes == ()


# the files of the modules of those names
OTHERS = ("apply_", "privileges_", "preflight_", "drift_", "plan_", "import_", "verify_")
MODULES = ("history_", "connect_", "ownership_", "rowcheck_", "normalize_", *OTHERS)


def _sql_files() -> list[str]:
    return sorted(p.name.removesuffix(".sql") for p in resources.files("schemagen.live.sql").iterdir()
                  if p.name.endswith(".sql"))


def test_the_sql_files_follow_the_conventions():
    names = _sql_files()
    catalog = [n for n in names if not n.startswith(MODULES) and n not in sql.FRAGMENTS]
    assert catalog == sorted(CATALOG_QUERIES + TIMESCALEDB_QUERIES + BEHAVIOUR_QUERIES + GRANTS_QUERIES)
    for name in catalog:
        text = re.sub(r"--[^\n]*", "", query(name, frozenset({"pg15"})))
        last = [line.strip() for line in text.strip().splitlines()][-1]
        assert last.startswith("ORDER BY"), name
        if name not in ("extensions",):
            assert "@managed(" in sql.text(name), f"{name} keeps to the managed schemas (sql/managed.sql)"
            assert "_timescaledb" in text and "%(history_schema)s" in text, f"{name} leaves out internal schemas"
    for fragment in sql.FRAGMENTS:
        assert any(f"@{fragment}(" in sql.text(n) for n in names), f"{fragment}.sql is included somewhere"
    for name in names:
        assert sql.text(name).startswith("-- "), f"{name}.sql begins by saying what it is for"
        code = re.sub(r"--[^\n]*", "", sql.text(name))
        if not name.startswith(OTHERS):
            assert not re.search(r"'schemagen'|\bschemagen\.", code), f"{name}.sql: the history schema's name is " \
                "history.SCHEMA (a parameter, or the :\"schema\" variable)"


# A value for each variable of the templates, of the kind the modules pass (sql/__init__.py)
SAMPLES = {"schema": "schemagen", "table": ("pg_temp", "t"), "column": "a", "name": "x", "view": ("pg_temp", "v"),
           "function": ("pg_temp", "f"), "child": ("s", "c"), "parent": ("s", "p"), "child_columns": ["a", "b"],
           "parent_columns": ["a", "b"], "columns": "a integer", "default": "1", "expression": "a > 0",
           "keys": "a, (a + 1) int4_ops", "method": "btree", "where": "a > 0", "timing": "BEFORE",
           "events": "INSERT OR UPDATE", "for_each": "ROW", "when": "new.a > 0", "query": "SELECT 1",
           "mode": "OUT", "type": "integer", "arguments": "a integer", "language": "sql", "returns": "integer",
           "body": "$b$SELECT 1$b$",
           "model_rows": "true", "value": "1", "values": "1, 2", "condition": "true", "rows": "SELECT 1",
           "selected": "SELECT tableoid, ctid FROM s.p", "timeout": "1ms", "path": ["pg_catalog", "pg_temp"],
           "referenced": ("s", "p"), "key_columns": ["a", "b"], "part": "0", "same": "true",
           "expected": "'a', 1", "actual": "'a', 1", "tuples": "(0, 1)", "key": "true", "domain": ("pg_temp", "d"),
           "base": "integer", "database": "schemagen_verify_x", "counts": "SELECT 1 AS n"}
_WRAPS = ("{}", "SELECT {}", "CREATE FUNCTION f({}) RETURNS integer LANGUAGE sql AS 'SELECT 1'")  # fragments


class _Unqualified(Visitor):
    def __init__(self):
        super().__init__()
        self.found: set[str] = set()

    def visit_FuncCall(self, ancestors, node):
        names = [n.sval for n in node.funcname]
        if names[0] not in ("pg_catalog", "pg_temp"):  # pg_temp: a function of the query's own, rolled back
            self.found.add(".".join(names))


def _parsed(name: str):
    text = query(name, frozenset({"pg15", "timescaledb", "where", "mode", "name", "default"}))
    text = re.sub(r"%\(\w+\)s|%s", "$1", sql.substitute(text, SAMPLES)).replace("%%", "%")
    for wrap in _WRAPS:
        try:
            return parse_sql(wrap.format(text))
        except pglast.parser.ParseError:
            continue
    raise AssertionError(f"{name}.sql does not parse:\n{text}")


@pytest.mark.parametrize("name", [n for n in _sql_files() if n not in sql.FRAGMENTS])
def test_every_function_the_sql_calls_is_pg_catalog_s(name):
    """The drift check runs its queries under the scripts' search_path, and the history's writes run in the
    scripts' transactions: a built-in called by its bare name there could reach an overload planted in a schema of
    that path with a closer signature (tests/test_hostile_searchpath.py plants them). Fragments are checked where
    they are included."""
    visitor = _Unqualified()
    for statement in _parsed(name):
        visitor(statement)
    assert not visitor.found, f"{name}.sql calls {sorted(visitor.found)} without pg_catalog."


@pytest.mark.parametrize("markers, present, absent", [
    (frozenset({"pg15"}), "indnullsnotdistinct", "false AS nulls_not_distinct"),
    (frozenset({"pre_pg15"}), "false AS nulls_not_distinct", "indnullsnotdistinct"),
])
def test_version_markers_are_uncommented(markers, present, absent):
    for name in ("constraints", "indexes"):
        live = re.sub(r"--[^\n]*", "", query(name, markers))
        assert present in live and absent not in live


def test_inside_a_transaction_no_lock_outlives_its_query(pg_plain_db):
    """Printing a view locks what it reads; each catalog query runs in a savepoint rolled back at once, so the
    drift check's transaction does not pile up locks on live tables (max_locks_per_transaction is 64)."""
    with pg_plain_db.connect() as conn:
        conn.execute(PLAIN_SQL)
        conn.execute("CREATE TABLE shop.t (id int)")
        for n in range(80):  # more views than lock slots per transaction
            conn.execute(f"CREATE TABLE shop.t{n} (id int); CREATE VIEW shop.v{n} AS SELECT id FROM shop.t{n}")
        with conn.transaction(force_rollback=True):
            db = inspect(conn, schemas=["shop"], name="test")
            held = conn.execute("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = pg_backend_pid() "
                                "AND n.nspname = 'shop'").fetchone()[0]
    assert len(db.views) == 82 and held == 0
