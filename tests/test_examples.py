"""The five reference systems as example models (examples/<system>/model.yaml; haystack's is the root model.yaml).

For every example: it validates; its committed out/ is what `render` writes; each of its databases applies to an
empty database on the right server, shows no drift, re-runs cleanly, and rolls back to what was there before.
The mistakes each example's README says the reference DDL makes are refused with the message the README quotes.
A few behaviour checks call what the examples ship (trigger, KPI functions, hierarchical aggregates, cascades).
"""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from helpers import MODEL, ROOT, run_cli, snapshot

from schemagen import model as m
from schemagen import render
from schemagen.commands import apply as applying
from schemagen.commands import drift as differ
from schemagen.errors import ModelError
from schemagen.load import load_model, load_model_text

EXAMPLES_DIR = ROOT / "examples"
EXAMPLES = sorted(p.parent.name for p in EXAMPLES_DIR.glob("*/README.md"))
ROOT_EXAMPLE = "haystack"  # its model is the root model.yaml, its files the root out/: examples/haystack is a README


def _model_file(system: str) -> Path:
    return MODEL if system == ROOT_EXAMPLE else EXAMPLES_DIR / system / "model.yaml"


def _out(system: str) -> Path:
    return ROOT / "out" if system == ROOT_EXAMPLE else EXAMPLES_DIR / system / "out"

# Where a database is tested: TimescaleDB databases on the community-licensed server (compression, policies and
# continuous aggregates need it), plain ones on PostgreSQL without TimescaleDB. One exception, by design:
# agent-memory needs uuid-ossp, which the PGlite build does not ship (it has timescaledb and vector only), and it
# uses no community feature, so it runs on the Apache build, which has pgvector and uuid-ossp.
SERVER_OVERRIDES = {("agent-memory", "agent_memory"): "ts-apache"}


def _databases(system: str) -> list[tuple[str, str]]:
    """(database, server) of an example, read from the YAML alone so collection never depends on the loader."""
    data = yaml.safe_load(_model_file(system).read_text())
    out = []
    for name, spec in data["databases"].items():
        timescale = "timescaledb" in ((spec or {}).get("extensions") or {})
        out.append((name, SERVER_OVERRIDES.get((system, name), "ts-community" if timescale else "pg-plain")))
    return out


DATABASES = [(s, d, srv) for s in EXAMPLES for d, srv in _databases(s)]


def _model(system: str) -> m.Model:
    return load_model(_model_file(system))


def _empty_database(request, server: str, name: str):
    """An empty database on `server`: a native one named after the model's database (hyphens, upper case and
    all), or the single PGlite database, emptied and locked for this test."""
    if server == "ts-community":
        return request.getfixturevalue("ts_community_db")
    factory = request.getfixturevalue("db_factory")
    return factory(server, name)


def _quiet() -> io.StringIO:
    return io.StringIO()


# --- the examples exist and validate ----------------------------------------------------------------------------

def test_the_five_reference_systems_have_examples():
    assert EXAMPLES == ["agent-memory", "enms", "haystack", "home-assistant", "trading"]
    for system in EXAMPLES:
        assert (EXAMPLES_DIR / system / "README.md").is_file(), f"examples/{system}/README.md is missing"


@pytest.mark.parametrize("system", EXAMPLES)
def test_validates(system):
    model = _model(system)
    assert [d.name for d in model.databases] == [d for d, _ in _databases(system)]
    code, _, err = run_cli("validate", "-m", str(_model_file(system)))
    assert code == 0, err


def test_haystack_example_is_the_root_model():
    """examples/haystack is a README about the root model.yaml and out/, with no copy of either to keep in step."""
    folder = EXAMPLES_DIR / ROOT_EXAMPLE
    assert sorted(p.name for p in folder.iterdir()) == ["README.md"]
    readme = (folder / "README.md").read_text()
    assert "](../../model.yaml)" in readme and "](../../out)" in readme


@pytest.mark.parametrize("system", EXAMPLES)
def test_committed_out_is_current(system):
    """`schemagen render --check`: the committed out/ is byte for byte what the model renders (make sql-check)."""
    out = _out(system)
    code, _, err = run_cli("render", "-m", str(_model_file(system)), "-o", str(out), "--check")
    assert code == 0, f"{out.relative_to(ROOT)} is stale; run `make sql`:\n{err}"
    model = _model(system)
    assert sorted(p.name for p in out.iterdir()) == sorted(d.name for d in model.databases)


# --- what each example is there to exercise ----------------------------------------------------------------------

def _tables(db: m.Database) -> dict[str, m.Table]:
    return {t.name: t for t in db.tables}


def test_trading_exercises_its_features():
    model = _model("trading")
    assert [d.name for d in model.databases] == [
        "APPS-WORKSPACE", "APPS-TPCAPITAL", "APPS-TELEGRAM-GATEWAY", "documentation-api"]
    ws = model.database("APPS-WORKSPACE")
    t = _tables(ws)
    orders = t["orders"]
    ix = {i.name: i for i in orders.indexes}
    assert ix["idx_orders_pending_covering"].include and ix["idx_orders_pending_covering"].where
    assert ix["idx_unique_active_order"].unique and ix["idx_unique_active_order"].where
    assert t["order_history"].hypertable.chunk_interval.total == t["workspace_items"].hypertable.chunk_interval.total
    assert str(t["order_history"].hypertable.chunk_interval) == "1 month"
    assert str(t["market_trades"].hypertable.chunk_interval) == "1 day"
    assert t["market_trades"].compression.segment_by == ("symbol",)
    assert str(t["market_trades"].compression.after) == "7 days"
    assert any(i.method == "gin" for i in t["workspace_items"].indexes if i.elements[0].column == "tags")
    assert orders.column("price").type == "numeric(18,8)"
    assert orders.column("id").default == "gen_random_uuid()"
    assert [v.name for v in ws.views if v.materialized] == ["daily_order_stats"]
    assert [c.name for c in ws.continuous_aggregates] == ["hourly_trade_volume"]
    docs = model.database("documentation-api")
    ideas = _tables(docs)["documentation_ideas"]
    fulltext = next(i for i in ideas.indexes if i.name == "idx_ideas_fulltext")
    assert fulltext.method == "gin" and "to_tsvector" in fulltext.elements[0].expression
    junction = _tables(docs)["documentation_idea_tags"]
    assert {fk.on_delete for fk in junction.foreign_keys} == {"cascade"} and len(junction.foreign_keys) == 2
    assert all(t.comment for d in model.databases for t in d.tables), "every trading table is documented"


def test_home_assistant_exercises_its_features():
    model = _model("home-assistant")
    rel, ts = model.database("home_assistant"), model.database("home_assistant_ts")
    assert not rel.uses_timescaledb and ts.uses_timescaledb
    devices = _tables(rel)["home_assistant_devices"]
    assert devices.column("connection_id").not_null, "UNIQUE (entity_id, connection_id) needs it NOT NULL"
    assert all(fk.on_delete == "cascade" for t in rel.tables for fk in t.foreign_keys)
    assert all(c.serial and c.type == "bigint" for t in rel.tables for c in t.columns if c.name == "id")
    for name in ("home_assistant_events", "device_states"):
        t = _tables(ts)[name]
        assert str(t.retention.drop_after) == "1 year" and str(t.compression.after) == "7 days"
    assert {str(c.bucket_width) for c in ts.continuous_aggregates} == {"1 hour"}


def test_agent_memory_exercises_its_features():
    db = _model("agent-memory").database("agent_memory")
    assert [e.name for e in db.extensions] == ["timescaledb", "vector", "uuid-ossp"]
    t = _tables(db)
    assert t["memory"].column("embedding").type == "vector(1536)"
    hnsw = next(i for i in t["memory"].indexes if i.method == "hnsw")
    assert hnsw.elements[0].opclass == "vector_cosine_ops"
    assert [tr.function for tr in t["messages"].triggers] == ["agent.update_conversation_message_count"]
    for name, key in (("messages", ("id", "created_at")), ("logs", ("id", "created_at")),
                      ("plant_flow", ("plant_id", "time"))):
        assert t[name].hypertable and t[name].primary_key.columns == key
    assert str(t["plant_flow"].hypertable.chunk_interval) == "1 day"
    assert t["messages"].foreign_keys[0].ref_table == "conversations" and not t["conversations"].hypertable


ENMS_CAGGS = [("energy_1min", "1 minute", "energy_readings", "00:01:00"),
              ("energy_15min", "15 minutes", "energy_1min", "00:05:00"),
              ("energy_1hour", "1 hour", "energy_15min", "00:15:00"),
              ("energy_1day", "1 day", "energy_1hour", "01:00:00")]
ENMS_FUNCTIONS = {"calculate_sec", "calculate_peak_demand", "calculate_load_factor", "calculate_energy_cost",
                  "calculate_carbon_intensity", "calculate_all_kpis", "get_machine_operating_hours",
                  "get_factory_summary"}


def test_enms_exercises_its_features():
    db = _model("enms").database("enms")
    caggs = {c.name: c for c in db.continuous_aggregates}
    assert list(caggs) == [c[0] for c in ENMS_CAGGS], "sources are created before the aggregates built on them"
    for name, bucket, source, schedule in ENMS_CAGGS:
        c = caggs[name]
        assert str(c.bucket_width) == bucket and c.source_relation == f"public.{source}"
        assert c.refresh.schedule_interval.total == m.Interval.parse(schedule).total
        window = c.refresh.start_offset.total - c.refresh.end_offset.total
        assert window >= 2 * c.bucket_width.total, f"{name}: the refresh window covers two buckets"
    for t in db.tables:
        if t.hypertable:
            assert str(t.hypertable.chunk_interval) == "1 day"
            assert str(t.retention.drop_after) == "90 days" and str(t.compression.after) == "7 days"
    assert {f.name for f in db.functions} >= ENMS_FUNCTIONS
    assert "v_machines_current_status" in {v.name for v in db.views}
    t = _tables(db)
    factories, machines = t["factories"].seed, t["machines"].seed
    assert len(factories.rows) == 2 and len(machines.rows) == 7
    ids = [row[machines.columns.index("id")] for row in machines.rows]
    assert ids == [f"c0000000-0000-0000-0000-{n:012d}" for n in range(1, 8)]
    per_factory = [row[machines.columns.index("factory_id")] for row in machines.rows]
    assert sorted(per_factory.count(f) for f in set(per_factory)) == [2, 5]


# The team's database/init folder and the rendered out/enms/ files that replace each of its scripts.
ENMS_INIT_LAYOUT = {
    "01-extensions.sql": ["010_extensions.sql"],
    "02-schema.sql": ["030_tables.sql", "050_indexes.sql", "110_triggers.sql"],
    "03-timescaledb-setup.sql": ["040_hypertables.sql", "060_compression.sql", "070_policies.sql",
                                 "090_continuous_aggregates.sql"],
    "04-functions.sql": ["080_functions.sql"],
    "05-views.sql": ["100_views.sql"],
    "06-seed-data.sql": ["120_seed.sql"],
}


def test_enms_out_replaces_the_numbered_init_folder():
    out = EXAMPLES_DIR / "enms" / "out" / "enms"
    rendered = sorted(p.name for p in out.glob("*.sql"))
    assert rendered == sorted(f for files in ENMS_INIT_LAYOUT.values() for f in files)
    readme = (EXAMPLES_DIR / "enms" / "README.md").read_text()
    for team_file, files in ENMS_INIT_LAYOUT.items():
        assert team_file in readme and all(f in readme for f in files)
    # Seed rows last, extensions first: the order the container runs them in (ls order) is the apply order.
    assert rendered[0] == "010_extensions.sql" and rendered[-1] == "120_seed.sql"


# --- the reference's mistakes, refused with the message each README quotes ---------------------------------------

MISTAKES = [
    ("haystack", "tag_id INTEGER referencing the varchar tag_def.id",
     [("tag_id: {type: varchar, references: core.tag_def(id)}",
       "tag_id: {type: integer, references: core.tag_def(id)}")],
     "entity_tag.tag_id is integer but tag_def.id is character varying; the types must match"),
    ("haystack", "hourly aggregate refreshed over a 2 hours / 1 hour window",
     [("start_offset: 3 hours", "start_offset: 2 hours")],
     "covers less than two 1 hour buckets; TimescaleDB refuses it"),
    ("trading", "orders as the guide defines it, with the indexes and UNIQUE the guide then adds",
     [("""              order_type: {type: varchar(10), not_null: true, default: "'LIMIT'",
                           check: "order_type IN ('MARKET', 'LIMIT', 'STOP', 'STOP_LIMIT')"}
""", ""),
      ("""              price: {type: "decimal(18,8)", check: price > 0, comment: Limit price; NULL for market orders}
              status: {type: varchar(20), not_null: true, default: "'PENDING'",
                       comment: Lifecycle state (see orders_status_check)}
              idempotency_key: {type: varchar(64), not_null: true, comment: Client-chosen key; a retry reuses it}
""", ""),
      ("""            checks:
              orders_status_check: "status IN ('PENDING', 'SUBMITTED', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED')"
              orders_limit_needs_price: "order_type = 'MARKET' OR price IS NOT NULL"
""", "")],  # noqa: E501 (the model's lines as written)
     "a unique constraint names unknown column 'idempotency_key' of workspace.orders"),
    ("trading", "a hypertable keyed on id alone",
     [("              timestamp: {type: timestamptz, not_null: true}\n            primary_key: [id, timestamp]",
       "              timestamp: {type: timestamptz, not_null: true}\n            primary_key: [id]")],
     "the primary key of hypertable workspace.market_trades must include the partitioning column(s) timestamp"),
    ("home-assistant", "90-day retention on the plain-PostgreSQL events table",
     [("          home_assistant_events:\n            comment: Events received from Home Assistant",
       "          home_assistant_events:\n            retention: {drop_after: 90 days}\n            comment: Events")],
     "compression and retention need a hypertable: add `hypertable:` to public.home_assistant_events"),
    ("home-assistant", "a measurement keyed without its time column",
     [("            primary_key: [connection_id, entity_id, time]",
       "            primary_key: [connection_id, entity_id]")],
     "the primary key of hypertable public.device_states must include the partitioning column(s) time"),
    ("agent-memory", "messages keyed on id alone",
     [("            primary_key: [id, created_at]\n            indexes:\n              idx_messages_conversation_time",
       "            primary_key: [id]\n            indexes:\n              idx_messages_conversation_time")],
     "the primary key of hypertable agent.messages must include the partitioning column(s) created_at"),
    ("agent-memory", "a foreign key to messages(id), half of its composite key",
     [("              source_message_id:\n                type: uuid\n",
       "              source_message_id:\n                type: uuid\n                references: messages(id)\n")],
     "(id) of agent.messages is not its primary key or a unique constraint"),
    ("agent-memory", "uuid_generate_v4() without uuid-ossp",
     [("      uuid-ossp:\n", "")],
     "uuid_generate_v*() needs the extension `uuid-ossp`"),
    ("agent-memory", "vector(1536) without pgvector",
     [("      vector:\n", "")],
     "type vector(1536) needs the extension `vector` under `extensions:`"),
    ("enms", "a 1-minute aggregate refreshed over a single minute",
     [("refresh: {start_offset: 1 hour, end_offset: 1 minute, schedule_interval: 1 minute}",
       "refresh: {start_offset: 2 minutes, end_offset: 1 minute, schedule_interval: 1 minute}")],
     "covers less than two 1 minute buckets"),
    ("enms", "raw data dropped before the 1-minute aggregate has read it",
     [("retention: {drop_after: 90 days}\n\n          production_data", "retention: {drop_after: 30 minutes}\n\n"
                                                                         "          production_data")],
     "still refreshes from 1 hour back: raise drop_after above the refresh start_offset"),
]


@pytest.mark.parametrize("system, what, edits, message", MISTAKES, ids=[f"{s}: {w}" for s, w, _, _ in MISTAKES])
def test_reference_mistake_is_refused(system, what, edits, message):
    text = _model_file(system).read_text()
    for old, new in edits:
        assert text.count(old) == 1, f"the edit no longer matches {_model_file(system).relative_to(ROOT)}: {old!r}"
        text = text.replace(old, new)
    with pytest.raises(ModelError) as e:
        load_model_text(text, "model.yaml")
    assert any(message in str(p) for p in e.value.problems), str(e.value)
    readme = (EXAMPLES_DIR / system / "README.md").read_text()
    assert message in readme, f"examples/{system}/README.md should quote the message: {message}"


# --- apply, no drift, idempotent re-run, rollback to empty --------------------------------------------------------

def _psql_files(dsn: str, files: list[Path]) -> None:
    """Run init files as docker-entrypoint-initdb.d would: psql, stop at the first error, in ls order."""
    for f in files:
        r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", str(f)],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"{f.relative_to(ROOT)} failed on a second run:\n{r.stderr}"


@pytest.mark.parametrize("system, database, server", DATABASES,
                         ids=[f"{s}/{d}@{srv}" for s, d, srv in DATABASES])
def test_apply_diff_rerun_rollback(request, system, database, server):
    model = _model(system)
    db = _empty_database(request, server, database)
    before = snapshot(db)

    result = applying.apply(db.dsn, model, database=database, out=_quiet())
    assert result.count("applied") == len([s for s in render.render(model, database=database) if not s.rollback])
    assert differ.diff(db.dsn, model, database=database).changes == []
    assert snapshot(db) != before

    # Applying again changes nothing, and so does running the committed out/ files by hand: they are idempotent,
    # as an init folder run against an existing volume must be.
    again = applying.apply(db.dsn, model, database=database, out=_quiet())
    assert again.count("applied") == 0 and again.count("unchanged") == len(again.scripts)
    if shutil.which("psql"):
        _psql_files(db.dsn, sorted((_out(system) / database).glob("*.sql")))
    assert differ.diff(db.dsn, model, database=database).changes == []

    applying.rollback(db.dsn, model, database=database, out=_quiet())
    assert snapshot(db) == before


# --- behaviour of what the examples ship ---------------------------------------------------------------------------

def test_agent_memory_trigger_and_vector_search(db_factory):
    model = _model("agent-memory")
    db = db_factory("ts-apache", "agent_memory")
    before = snapshot(db)
    applying.apply(db.dsn, model, out=_quiet())
    with db.connect() as c:
        conv = c.execute("INSERT INTO agent.conversations (agent_role) VALUES ('planner') RETURNING id").fetchone()[0]
        for role in ("user", "assistant", "tool"):
            c.execute("INSERT INTO agent.messages (conversation_id, role, content) VALUES (%s, %s, 'x')", (conv, role))
        c.execute("DELETE FROM agent.messages WHERE role = 'tool'")
        assert c.execute("SELECT message_count FROM agent.conversations WHERE id = %s", (conv,)).fetchone()[0] == 2
        with pytest.raises(Exception, match="messages_role_check"):
            c.execute("INSERT INTO agent.messages (conversation_id, role) VALUES (%s, 'robot')", (conv,))
        for n, importance in ((0, 0.2), (1, 0.9)):
            vec = "[" + ",".join("1" if i == n else "0" for i in range(1536)) + "]"
            c.execute("INSERT INTO agent.memory (agent_role, memory_type, content, embedding, importance) "
                      "VALUES ('planner', 'fact', %s, %s::vector, %s)", (f"m{n}", vec, importance))
        probe = "[" + ",".join("1" if i == 1 else "0" for i in range(1536)) + "]"
        c.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in c.execute(
            "EXPLAIN SELECT content FROM agent.memory ORDER BY embedding <=> %s::vector LIMIT 1", (probe,)))
        assert "idx_memory_embedding" in plan
        assert c.execute("SELECT content FROM agent.memory ORDER BY embedding <=> %s::vector LIMIT 1",
                         (probe,)).fetchone()[0] == "m1"
        c.execute("DELETE FROM agent.conversations")  # cascades into the hypertable's chunks
        assert c.execute("SELECT count(*) FROM agent.messages").fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM agent.memory WHERE conversation_id IS NOT NULL").fetchone()[0] == 0
    applying.rollback(db.dsn, model, yes=True, out=_quiet())
    assert snapshot(db) == before


def test_trading_fulltext_and_junction_cascade(db_factory):
    model = _model("trading")
    db = db_factory("pg-plain", "documentation-api")
    applying.apply(db.dsn, model, database="documentation-api", out=_quiet())
    with db.connect() as c:
        idea = c.execute("INSERT INTO documentation.documentation_ideas (title, description, created_by) "
                         "VALUES ('Faster fills', 'batch the order router', 'ana') RETURNING id").fetchone()[0]
        tag = c.execute("INSERT INTO documentation.documentation_tags (name) VALUES ('perf') "
                        "RETURNING id").fetchone()[0]
        c.execute("INSERT INTO documentation.documentation_idea_tags (idea_id, tag_id) VALUES (%s, %s)", (idea, tag))
        found = c.execute("SELECT count(*) FROM documentation.documentation_ideas WHERE to_tsvector('english', "
                          "title || ' ' || description) @@ to_tsquery('english', 'router')").fetchone()[0]
        assert found == 1
        c.execute("DELETE FROM documentation.documentation_tags")
        assert c.execute("SELECT count(*) FROM documentation.documentation_idea_tags").fetchone()[0] == 0
    applying.rollback(db.dsn, model, database="documentation-api", yes=True, out=_quiet())


def test_enms_kpis_status_and_hierarchical_aggregates(ts_community_db):
    """Real data through the ENMS example: the status trigger, every KPI function, the four aggregate levels."""
    model = _model("enms")
    db = ts_community_db
    before = snapshot(db)
    applying.apply(db.dsn, model, out=_quiet())
    compressor, demo = "c0000000-0000-0000-0000-000000000001", "f0000000-0000-0000-0000-000000000001"
    # 2 hours of 1-second readings would be 7,200 rows; one reading per 10 s at constant power is enough for
    # exact figures (the compressor's data interval is 1 s, so operating hours count 1 s per reading).
    start = (datetime.now(UTC) - timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    with db.connect() as c:
        c.execute("SET TIME ZONE 'UTC'")
        c.execute("""INSERT INTO energy_readings (time, machine_id, power_kw, energy_kwh)
                     SELECT %s::timestamptz + n * INTERVAL '10 seconds', %s,
                            CASE WHEN n < 360 THEN 40 ELSE 20 END, CASE WHEN n < 360 THEN 40 ELSE 20 END / 360.0
                     FROM generate_series(0, 719) n""", (start, compressor))
        c.execute("INSERT INTO production_data (time, machine_id, units_produced, units_rejected) "
                  "VALUES (%s, %s, 110, 10)", (start, compressor))
        status = c.execute("SELECT status, current_power_kw, last_reading_at FROM v_machines_current_status "
                           "WHERE machine_id = %s", (compressor,)).fetchone()
        assert status[0] == "running" and status[1] == 20 and status[2] == start + timedelta(seconds=7190)
        kpis = c.execute("SELECT * FROM calculate_all_kpis(%s, %s, %s)",
                         (compressor, start, start + timedelta(hours=2))).fetchone()
        energy, sec, peak, load_factor, cost, carbon, hours = (float(x) for x in kpis)
        assert energy == pytest.approx(60.0)            # 1 h at 40 kW + 1 h at 20 kW
        assert sec == pytest.approx(0.6)                # 60 kWh / 100 good units
        assert peak == pytest.approx(40.0)              # the highest 15-minute average
        assert load_factor == pytest.approx(0.75)       # 30 kW average / 40 kW peak
        assert cost == pytest.approx(60.0 * 0.12)       # 10:00-12:00 UTC is 02:00-04:00 in Fremont: off-peak
        assert carbon == pytest.approx(60.0 * 0.367 / 100)
        assert hours == pytest.approx(720 / 3600, abs=0.005)
        summary = c.execute("SELECT machine_name, status, total_energy_kwh FROM get_factory_summary(%s, %s, %s)",
                            (demo, start, start + timedelta(hours=2))).fetchall()
        assert len(summary) == 5 and ("Compressor-1", "running", 60) in [(a, b, float(e)) for a, b, e in summary]
        c.execute("INSERT INTO energy_baselines (machine_id, model_type, trained_from, trained_to, is_active) "
                  "VALUES (%s, 'mean', %s, %s, true)", (compressor, start, start + timedelta(hours=1)))
        assert c.execute("SELECT action FROM audit_log WHERE table_name = 'energy_baselines'").fetchone()[0] == "INSERT"
        # Each level is refreshed from the one below it; the day total must equal the raw total.
        end = start + timedelta(days=1)
        for name, *_ in ENMS_CAGGS:
            c.execute(f"CALL refresh_continuous_aggregate('{name}', %s::timestamptz - INTERVAL '1 day', %s)",
                      (start, end))
        for name, *_ in ENMS_CAGGS:
            total = c.execute(f"SELECT sum(energy_kwh) FROM {name} WHERE machine_id = %s", (compressor,)).fetchone()[0]
            assert float(total) == pytest.approx(60.0), name
        peak_day = c.execute("SELECT peak_15min_demand_kw FROM v_daily_energy_by_machine "
                             "WHERE machine_name = 'Compressor-1'").fetchone()[0]
        assert float(peak_day) == pytest.approx(40.0)
    applying.rollback(db.dsn, model, yes=True, out=_quiet())
    assert snapshot(db) == before
