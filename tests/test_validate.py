"""Semantic validation: the SQL checks one by one, the rules that must fire and the ones that must not.

The corpus in tests/invalid/ shows each rule's message at its line; these tests pin the building blocks
(expression, query and type checks against injection) and guard against false alarms on sound models.
"""
from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest
from helpers import MODEL, haystack, model_from

from schemagen.errors import ModelError
from schemagen.load import load_model_text
from schemagen.rules.validate import comparable_type, validate, value_error
from schemagen.sqlparse import (
    MAX_SQL,
    column_refs,
    expression_error,
    output_columns,
    parse_expression,
    parse_select,
    returns_error,
    select_error,
    statements_error,
    trim,
    type_error,
)

# --- one expression, nothing more --------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "now()", "0", "false", "'pending'", "gen_random_uuid()", "x > 0 AND y < 10", "(a + b) * 2",
    "lower(title) || ' ' || coalesce(body, '')", "CASE WHEN a THEN 1 ELSE 2 END", "ARRAY[1, 2]", "'{}'::jsonb",
    "status IN ('PENDING', 'SUBMITTED')", "$$dollar$$", "x::text COLLATE \"C\"", "a /* inline */ + 1",
    "(SELECT 1)",  # an expression (PostgreSQL refuses it in a default: a rule, not the parser, says so)
])
def test_single_expressions_pass(text):
    assert expression_error(text) is None


@pytest.mark.parametrize("text,why", [
    ("1), (2", "break out"),
    ("1) FROM pg_class WHERE (true", "break out"),
    ("1)::int + (2", "break out"),
    ("true) EXECUTE FUNCTION evil(); --", "not a valid SQL expression"),
    ("1; DROP TABLE users", "not a valid SQL expression"),
    ("1); DROP TABLE x; --", "not a valid SQL expression"),
    ("x > 0 -- comment", "ends in a -- comment"),
    ("1 AS alias", "not a valid SQL expression"),
    ("(1) UNION SELECT (2)", "not a valid SQL expression"),
    ("a b", "not a valid SQL expression"),
    ("'unterminated", "not a valid SQL expression"),
    ("/* open comment", "not a valid SQL expression"),
    ("", "is empty"),
    ("x" * (MAX_SQL + 1), "characters long"),
])
def test_anything_else_is_refused(text, why):
    error = expression_error(text)
    assert error is not None and why in error


def test_expression_facts():
    parsed = parse_expression('NEW.a IS DISTINCT FROM OLD.a AND "we""ird" > 0 AND lower(t.x) = y')
    assert column_refs(parsed) == {'we"ird', "y"}


@pytest.mark.parametrize("text", [
    "SELECT 1", "SELECT a, b FROM s.t WHERE a > 0 ORDER BY b", "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
    "SELECT 1 UNION ALL SELECT 2", "SELECT '--' AS not_a_comment", "SELECT 1 /* trailing block comment */",
])
def test_queries_pass(text):
    assert select_error(text) is None


@pytest.mark.parametrize("text,why", [
    ("SELECT 1; DROP TABLE x", "not 2 statements"),
    ("SELECT 1; SELECT 2", "not 2 statements"),
    ("DELETE FROM x", "not DELETE"),
    ("INSERT INTO x VALUES (1)", "not INSERT"),
    ("SELECT 1 INTO x", "SELECT INTO"),
    ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "must not modify data"),
    ("SELECT 1 -- swallows the ;", "ends in a -- comment"),
    ("SELEC 1", "not valid SQL"),
])
def test_queries_refused(text, why):
    error = select_error(text)
    assert error is not None and why in error


def test_output_columns_are_named_as_postgresql_names_them():
    parsed = parse_select("SELECT time_bucket('1 hour', ts) AS hour, device_id, avg(v), t.x FROM s.t GROUP BY 1, 2")
    assert output_columns(parsed) == ["hour", "device_id", "avg", "x"]


@pytest.mark.parametrize("text,ok", [
    ("integer", True), ("varchar(50)", True), ("timestamp(3) with time zone", True), ("text[]", True),
    ("vector(1536)", True), ("double precision", True), ("public.citext", True),
    ('"a" "b"', False), ("int, b int", False), ("int -- x", False), ("int; DROP TABLE x", False),
    ("int NOT NULL", False), ("1", False),
])
def test_types(text, ok):
    assert (type_error(text) is None) is ok


@pytest.mark.parametrize("text,ok", [
    ("integer", True), ("setof text", True), ("table(a int, b text)", True), ("trigger", True),
    ("int LANGUAGE c", False), ("int AS 'libc', 'system'", False), ("int -- x", False),
])
def test_return_types(text, ok):
    assert (returns_error(text) is None) is ok


def test_sql_function_bodies_parse():
    assert statements_error("SELECT 1; SELECT 2") is None
    assert "not valid SQL" in statements_error("SELEC 1")


@pytest.mark.parametrize("text,statement,trimmed", [
    ("SELECT 1 -- comment\n", True, "SELECT 1"),
    ("SELECT 1;\n-- done\n", True, "SELECT 1"),
    ("SELECT '--' AS x", True, "SELECT '--' AS x"),
    ("now() -- when written", False, "now()"),
    ("a /* keep */ + 1", False, "a /* keep */ + 1"),
])
def test_trim(text, statement, trimmed):
    assert trim(text, statement) == trimmed


@pytest.mark.parametrize("type_,value,error", [
    ("integer", 1, None), ("integer", "12", None), ("integer", "one", "not an integer"),
    ("bigint", True, "YAML boolean"), ("text", False, "YAML boolean"), ("numeric", True, "YAML boolean"),
    ("boolean", "yes", None), ("boolean", True, None), ("boolean", "maybe", "not a boolean"),
    ("boolean", 1, "the number 1"), ("numeric(10,2)", "1.5", None),
    ("numeric", "abc", "not a number"), ("character varying(3)", "abcd", "longer than"), ("text", "x" * 99, None),
    ("text", 1.1, "quote the value"), ("text", 7, None),
    ("smallint", 32767, None), ("smallint", 32768, "out of the range"), ("integer", "-2147483648", None),
    ("integer", 2 ** 31, "out of the range"), ("bigint", 2 ** 63 - 1, None), ("bigint", 2 ** 63, "out of the range"),
    ("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", None), ("uuid", "{a0eebc999c0b4ef8bb6d6bb9bd380a11}", None),
    ("uuid", "not-a-uuid", "not a uuid"), ("uuid", 5, "the number 5"),
    ("jsonb", '{"a": [1, 2]}', None), ("json", "{bad", "not JSON"), ("jsonb", "NaN", "not JSON"),
    ("jsonb", 5, "the number 5"), ("date", 20240101, "the number"), ("text[]", True, None),
])
def test_seed_values(type_, value, error):
    found = value_error(type_, value)
    assert (found is None) if error is None else (error in found)


def test_comparable_types_keep_arrays():
    assert comparable_type("character varying(50)") == comparable_type("character varying")
    assert comparable_type("integer[]") != comparable_type("integer")


# --- whole models -----------------------------------------------------------------------------------------------

def _problems(text: str) -> list[str]:
    try:
        load_model_text(textwrap.dedent(text))
    except ModelError as e:
        return [p.message for p in e.problems]
    return []


def test_the_haystack_model_is_sound():
    model = haystack()
    assert validate(model) == []


SOUND = """
orgs:
  - {key: acme, name: "Acme's"}
databases:
  app:
    extensions: {timescaledb: , vector: , uuid-ossp: }
    org_registry: {table: s.org, key_column: key, values: {key: "{org}", name: "{org_name}"}}
    schemas:
      s:
        tables:
          org:
            columns:
              key: {type: text, primary_key: true}
              name: {type: text, not_null: true}
          doc:
            columns:
              id: {type: uuid, primary_key: true, default: uuid_generate_v4()}
              code: {type: varchar(20), not_null: true}
              tags: "text[]"
              body: jsonb
              embedding: vector(3)
              n: {type: bigint, identity: by default}
              at: timestamp(3) with time zone
              money: numeric(18,8)
              ratio: float(24)
              status: {type: text, default: "'new'", check: "status IN ('new', 'done')"}
            indexes:
              ux_code: {columns: [code], unique: true}
              ix_tags: {columns: [tags], method: gin}
              ix_body: {columns: [body], method: gin}
              ix_emb: {columns: [{column: embedding, opclass: vector_cosine_ops}], method: hnsw, with: {m: 16}}
              ix_lower: {columns: [{expression: lower(code)}], where: "status <> 'done'"}
            triggers:
              trg_touch: {function: s.touch, timing: before, events: [update], update_of: [status],
                          when: "OLD.status IS DISTINCT FROM NEW.status"}
              trg_dedupe: {function: pg_catalog.suppress_redundant_updates_trigger, timing: before, events: [update]}
              trg_stmt: {function: s.touch, events: [truncate], for_each: statement}
            seed:
              key: [code]
              rows:
                - {id: "00000000-0000-0000-0000-000000000001", code: first}
          ref:
            columns:
              code: {type: varchar(20), references: {table: s.doc, column: code, on_delete: cascade,
                                                     deferrable: true}}
          m_{org}:
            columns:
              ts: {type: timestamptz, not_null: true}
              device: int
              v: float8
            primary_key: [device, ts]
            hypertable: {time_column: ts, chunk_interval: 1 day, dimensions: [{column: device, partitions: 4}]}
            compression: {segment_by: [device], order_by: [ts DESC], after: 30 days}
            retention: {drop_after: 1 year}
        continuous_aggregates:
          m_{org}_daily:
            source: m_{org}_hourly
            bucket: 1 day
            group_by: [device]
            aggregates: {v: avg(v)}
            refresh: {start_offset: 3 days, end_offset: null, schedule_interval: 1 day}
          m_{org}_hourly:
            source: m_{org}
            bucket: 1 hour
            group_by: [device]
            aggregates: {v: avg(v), n: count(*)}
            refresh: {start_offset: 1 day, end_offset: 1 hour, schedule_interval: 30 minutes}
            indexes: {ix_hourly_device: {columns: [device, bucket DESC]}}
          m_{org}_monthly:
            query: SELECT time_bucket('1 month', bucket) AS month, avg(v) AS v FROM s.m_{org}_daily GROUP BY 1
            bucket: 1 month
            source: m_{org}_daily
            refresh: {start_offset: 3 months, end_offset: 1 day, schedule_interval: 1 day}
        views:
          v_docs:
            query: |
              WITH recent AS (SELECT * FROM s.doc WHERE status = 'new')  -- a comment
              SELECT id, code FROM recent;
        functions:
          touch: {returns: trigger, language: plpgsql, body: "BEGIN RETURN NEW; END"}
          add: {returns: int, language: sql, volatility: immutable, body: SELECT $1 + $2,
                arguments: [{name: a, type: int}, {name: b, type: int, default: 0}]}
"""


def test_no_false_alarms_on_a_sound_model():
    assert _problems(SOUND) == []


ODD_BUT_SOUND = r"""
orgs: [{key: a, name: A}, {key: b, name: B}]
databases:
  app:
    extensions: {timescaledb: , vector: , plpython3u: }
    org_registry: {table: s.org, key_column: key, values: {key: "{org}", name: "{org_name} ({org})"}}
    schemas:
      timescale_stuff: {}
      s:
        tables:
          org: {columns: {key: {type: text, primary_key: true}, name: text}}
          shared: {columns: {id: {type: int, primary_key: true}}}
          "t{1,2}":
            columns:
              id: {type: serial, primary_key: true}
              at: {type: timestamptz, default: CURRENT_TIMESTAMP}
              flag: {type: boolean, default: "'t'"}
              small: {type: smallint, default: -1}
              n: {type: int, default: 1.5, check: '"t{1,2}".n > 0'}
              tags: {type: "text[]", default: "'{}'"}
              doc: {type: jsonb, default: "'{}'"}
              label: {type: text, default: 5}
              span: interval day to second
              emb: vector(3)
              half: halfvec(3000)
              code: text
            indexes:
              ix_lower: {columns: [{expression: lower(code)}]}
              ix_day: {columns: [{expression: "date_trunc('day', at AT TIME ZONE 'UTC')"}], where: "n > 0"}
              ix_ivf: {method: ivfflat, columns: [emb], with: {lists: 100}}
              ix_half: {method: hnsw, columns: [{column: half, opclass: halfvec_l2_ops}], with: {m: 16, ef_construction: 32}}
              ix_fill: {columns: [code], with: {fillfactor: 90, deduplicate_items: off}}
            triggers:
              trg: {function: s.touch, timing: before, events: [update], when: "NEW.* IS DISTINCT FROM OLD.*"}
            seed:
              rows: [{id: 1, code: "NO", flag: "yes", label: "1.10", doc: '{"a": [1, 2.5, null]}'}]
          m_{org}:
            columns:
              ts: {type: timestamptz, not_null: true}
              v: float8
              shared_id: {type: int, references: s.shared(id)}
            hypertable: {time_column: ts, chunk_interval: 1 month}
        continuous_aggregates:
          m_{org}_daily:
            bucket: 1 day
            bucket_column: day
            query: "SELECT time_bucket(INTERVAL '24 hours', ts) AS day, shared_id, avg(v) AS v FROM s.m_{org} GROUP BY 1, 2"
          m_{org}_monthly: {source: "m_{org}_daily", bucket: 1 month, group_by: [shared_id], aggregates: {v: avg(v)}}
          m_{org}_quarterly: {source: "m_{org}_monthly", bucket: 3 months, aggregates: {v: max(v)}}
        views:
          v_{org}: {query: "SELECT m.ts, s.id FROM s.m_{org} m JOIN s.shared s ON s.id = m.shared_id"}
          v_series: {query: "WITH shared AS (SELECT 1 AS id) SELECT g, id FROM generate_series(1, 3) g, shared"}
          v_seq: {query: 'SELECT last_value FROM s."t{1,2}_id_seq"'}
        functions:
          touch: {returns: trigger, language: plpgsql, body: "BEGIN RETURN NEW; END"}
          rows_of: {returns: "setof s.shared", language: sql, body: "SELECT * FROM s.shared"}
          py: {returns: int, language: plpython3u, body: "return 1"}
          org_of: {returns: text, language: plpgsql, arguments: [{name: j, type: jsonb}], body: "BEGIN RETURN j #>> '{org}'; END"}
"""


def test_no_false_alarms_on_odd_but_sound_sql():
    """What the stricter rules must still let through: each of these is accepted by PostgreSQL (or TimescaleDB)."""
    assert _problems(ODD_BUT_SOUND) == []


def test_each_rule_fires_on_its_own_mistake():
    """A sound model, broken one way at a time: exactly the expected rule speaks."""
    cases = {
        "code: {type: varchar(20), references": ("code: {type: integer, references", "the types must match"),
        "ux_code: {columns: [code], unique: true}": ("ux_code: {columns: [code]}", "not its primary key"),
        "primary_key: [device, ts]": ("primary_key: [device]", "must include the partitioning column(s) ts"),
        "drop_after: 1 year": ("drop_after: 12 hours", "still refreshes from 1 day back"),
        "start_offset: 1 day, end_offset: 1 hour": ("start_offset: 2 hours, end_offset: 1 hour", "less than two"),
        "bucket: 1 day\n": ("bucket: 90 minutes\n", "whole multiple"),
        "timescaledb: , vector": ("vector", "needs the extension `timescaledb`"),
        "function: s.touch, timing": ("function: s.add, timing", "must return trigger"),
        "group_by: [device]\n            aggregates: {v: avg(v), n": (
            "group_by: [devices]\n            aggregates: {v: avg(v), n", "unknown column 'devices'"),
        "status IN ('new', 'done')": ("status IN ('new', 'done')) OR (true", "break out"),
        "name: {type: text, not_null: true}": ("name: {type: varchar(3), not_null: true}", "is longer than"),
    }
    for before, (after, message) in cases.items():
        assert before in SOUND, before
        problems = _problems(SOUND.replace(before, after, 1))
        assert any(message in p for p in problems), (before, problems)


def test_aggregate_ordering_and_time_column():
    model = model_from(SOUND)
    db = model.databases[0]
    names = [c.name for c in db.continuous_aggregates]
    assert names.index("m_acme_hourly") < names.index("m_acme_daily") < names.index("m_acme_monthly")
    daily = next(c for c in db.continuous_aggregates if c.name == "m_acme_daily")
    assert 'time_bucket(INTERVAL \'1 day\', bucket) AS bucket' in daily.query and "FROM s.m_acme_hourly" in daily.query


def test_sql_size_is_bounded(tmp_path):
    big = "1+" * (MAX_SQL // 2) + "1"
    problems = _problems(f"""
        databases:
          app:
            schemas:
              s:
                tables:
                  t:
                    columns:
                      n: {{type: int, default: "{big}"}}
    """)
    assert any("characters long" in p for p in problems)


def test_pathological_sql_stops_within_budget():
    """Many large distinct expressions: checking stops at the parse budget, in bounded time."""
    term = "f(a)+" * 12000
    columns = "".join(f"      c{i}: {{type: int, check: \"{term}{i} > 0\"}}\n" for i in range(60))
    text = "databases:\n  app:\n    schemas:\n      s:\n        tables:\n          t:\n            columns:\n" + \
        textwrap.indent(columns, "        ")
    started = time.process_time()  # CPU time: a guard against runaway parsing (about 2 s here), not a speed target
    with pytest.raises(ModelError) as caught:
        load_model_text(text)
    assert time.process_time() - started < 20
    assert any("too large or complex to check" in p.message for p in caught.value.problems)


def test_template_problems_name_the_org_and_count_the_rest():
    text = MODEL.read_text().replace("entity_id: {type: integer, not_null: true}\n              timestamp",
                                     "entity_id: {type: integer, not_null: true}\n              timestampp", 1)
    with pytest.raises(ModelError) as caught:
        model_from(text)
    messages = [p.message for p in caught.value.problems]
    assert any("(org acme; and 2 other org(s))" in m for m in messages), messages


def test_org_counts_are_exact():
    """A template's problem counts every org once; a name problem names only the orgs it hits."""
    text = """
        orgs: [{key: a, name: A}, {key: b, name: B}, {key: averyveryveryverylongorgkey, name: Long}]
        databases:
          app:
            schemas:
              s:
                tables:
                  table_{org}_with_a_long_name_for_the_limit:
                    columns:
                      n: {type: int, check: "n > 0) OR (true"}
    """
    problems = _problems(text)
    breakout = [p for p in problems if "break out" in p]
    too_long = [p for p in problems if "cuts names to 63 bytes" in p and p.startswith("table name")]
    assert len(breakout) == 1 and breakout[0].endswith("(org a; and 2 other org(s))"), problems
    assert len(too_long) == 1 and too_long[0].endswith("(org averyveryveryverylongorgkey)"), problems


def test_an_org_override_is_checked_for_that_org():
    """An override can break what the template gets right: a drop_after below an aggregate's refresh window."""
    text = MODEL.read_text().replace("      drop_after: 2 years", "      drop_after: 2 hours")
    with pytest.raises(ModelError) as caught:
        model_from(text)
    [problem] = caught.value.problems
    assert "retention drops data of core.values_globex older than 2 hours" in problem.message
    assert problem.message.endswith("(org globex)")
    assert problem.line == MODEL.read_text().splitlines().index("      drop_after: 2 years") + 1


def test_nextval_of_a_sequence_the_model_creates_or_does_not_hold(pg_plain_db):
    """nextval of another table's serial sequence, or of a sequence in a schema the model does not hold: valid
    (the second is the server's business); the first applies and shows no drift."""
    from schemagen.commands import apply as applying
    from schemagen.commands import drift as differ

    text = textwrap.dedent("""\
        databases:
          app:
            schemas:
              s:
                tables:
                  t: {columns: {id: serial}}
                  u: {columns: {id: {type: integer, default: "nextval('s.t_id_seq'::regclass)"}}}
        """)
    model = model_from(text)
    applying.apply(pg_plain_db.dsn, model, out=_Quiet())
    assert differ.diff(pg_plain_db.dsn, model).changes == []
    applying.rollback(pg_plain_db.dsn, model, out=_Quiet())
    model_from(text.replace("s.t_id_seq", "elsewhere.seq"))  # not the model's schema: no problem


class _Quiet:
    def write(self, _text):
        return 0

    def flush(self):
        pass


def test_a_seed_null_in_a_not_null_column_with_a_default():
    """Found by the property-based round trips: a seed row's `null` is NULL, not DEFAULT, so a NOT NULL column
    refuses it even when it is serial, an identity or has a default (only an absent value gets those)."""
    text = textwrap.dedent("""
        databases:
          app:
            schemas:
              s:
                tables:
                  t:
                    columns:
                      id: integer
                      n: serial
                      g: {type: integer, identity: by default}
                      d: {type: integer, not_null: true, default: 0}
                      ok: {type: integer, default: 0}
                    primary_key: [id]
                    seed: {rows: [{id: 1, n: null, g: null, d: null, ok: null}, {id: 2}]}
        """)
    with pytest.raises(ModelError) as e:
        load_model_text(text)
    assert [p.message for p in e.value.problems] == [
        "seed row 1 gives null to NOT NULL column(s) n, g, d (leave a column out of the row for its default)"]
    load_model_text(text.replace("n: null, g: null, d: null, ", ""))


def test_an_aggregate_index_with_a_comment_is_refused_at_its_line():
    """TimescaleDB builds an aggregate's index on its materialization hypertable in its own schema, where COMMENT ON
    INDEX schema.name finds nothing (checked on TimescaleDB 2.23): validate says so rather than apply failing."""
    text = (Path(__file__).parent / "plans" / "091_aggregate_changed_in_place" / "before.yaml").read_text()
    text = text.replace("m_hourly_old: {columns: [max_v]}", "m_hourly_old: {columns: [max_v], comment: why}")
    with pytest.raises(ModelError) as e:
        load_model_text(text, "model.yaml")
    assert "model.yaml:20:" in str(e.value) and "m_hourly_old of continuous aggregate s.m_hourly takes no comment" \
        in str(e.value)
