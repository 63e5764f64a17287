"""TimescaleDB settings (issue 15): a hypertable's integer_now (set_integer_now_func, its function created early
in 028), compression's chunk_time_interval, every policy's initial_start and `scheduled: false` (a paused job),
several refresh windows of one aggregate, and a trigger's enabled state. Rendered, applied on the servers, no
drift after apply, each out-of-band change reported with expected and actual, rollback to the starting state."""
from __future__ import annotations

import pytest
from helpers import model_from, snapshot

from schemagen import render
from schemagen.commands import apply as applying
from schemagen.commands import drift as differ
from schemagen.errors import UnsupportedFeatures
from schemagen.live.connect import ServerInfo, connection, server_info
from schemagen.load import load_model_text

MODEL = """
databases:
  app:
    extensions:
      timescaledb: {}
    schemas:
      led:
        functions:
          unix_now:
            returns: bigint
            language: sql
            volatility: stable
            body: "SELECT (extract(epoch FROM now()) * 1000000000)::bigint"
          audit:
            returns: trigger
            language: plpgsql
            body: "BEGIN RETURN NEW; END"
        tables:
          tx:
            columns:
              ns: {type: bigint, not_null: true}
              payer: {type: bigint}
            hypertable:
              time_column: ns
              chunk_interval: 604800000000000
              integer_now: led.unix_now
            compression:
              segment_by: [payer]
              after: 2592000000000000
              scheduled: false
            retention:
              drop_after: 31536000000000000
              initial_start: "2030-01-01 00:00:00+00"
          acct:
            columns:
              id: {type: bigint, not_null: true}
            primary_key: [id]
            triggers:
              t_replica: {function: led.audit, events: [insert], enabled: replica}
              t_off: {function: led.audit, events: [update], enabled: false}
              t_always: {function: led.audit, events: [delete], enabled: always}
              t_on: {function: led.audit, events: [truncate], for_each: statement}
          ev:
            columns:
              ts: {type: timestamptz, not_null: true}
              dev: {type: integer}
              v: {type: double precision}
            hypertable: {time_column: ts, chunk_interval: 1 day}
            compression:
              segment_by: [dev]
              chunk_time_interval: 7 days
              after: 30 days
              initial_start: "2030-01-01T01:00:00+01:00"
        continuous_aggregates:
          ev_hourly:
            source: ev
            bucket: 1 hour
            group_by: [dev]
            aggregates: {avg_v: avg(v)}
            refresh:
              - {start_offset: 1 day, end_offset: 1 hour, schedule_interval: 1 hour}
              - {start_offset: 30 days, end_offset: 1 day, schedule_interval: 1 day,
                 initial_start: "2030-01-01 00:00:00+00", scheduled: false}
"""


class _Sink:
    def write(self, _text):
        return 0

    def flush(self):
        pass


def _model():
    return load_model_text(MODEL, "tsset.yaml")


def _changes(db, model) -> set[tuple[str, str, object, object]]:
    with connection(db.dsn) as conn:
        found = differ.compare_live(conn, model, model.databases[0])
    return {(c.object, c.attribute, c.expected_text, c.actual_text) for c in found}


def _texts(model) -> dict[str, str]:
    return {s.relpath: s.text for s in render.render(model, database="app")}


# --- render ------------------------------------------------------------------------------------------------------

def test_render_places_integer_now_and_its_function_before_the_tables():
    files = _texts(_model())
    early, hyper = files["app/028_early_functions.sql"], files["app/040_hypertables.sql"]
    assert "FUNCTION led.unix_now()" in early and "led.audit" not in early
    assert "led.audit" in files["app/080_functions.sql"] and "unix_now" not in files["app/080_functions.sql"]
    assert "DROP FUNCTION IF EXISTS led.unix_now()" in files["app/rollback/972_early_functions.sql"]
    create = hyper.index("public.create_hypertable('led.tx'")
    now = hyper.index("SELECT public.set_integer_now_func('led.tx'::pg_catalog.regclass, "
                      "'led.unix_now()'::pg_catalog.regprocedure::pg_catalog.regproc, replace_if_exists => TRUE);")
    assert create < now < hyper.index("set_chunk_time_interval('led.tx'")


def test_render_settings_and_states():
    files = _texts(_model())
    assert "timescaledb.compress_chunk_time_interval = '7 days'" in files["app/060_compression.sql"]
    policies = files["app/070_policies.sql"]
    assert "initial_start => '2030-01-01 00:00:00+00'::pg_catalog.timestamptz" in policies
    assert policies.count("alter_job(") == 1 and "'policy_compression'::pg_catalog.name" in policies
    caggs = files["app/090_continuous_aggregates.sql"]
    assert caggs.count("add_continuous_aggregate_policy(") == 2 and caggs.count("alter_job(") == 1
    assert "IS NOT DISTINCT FROM INTERVAL '30 days'" in caggs
    triggers = files["app/110_triggers.sql"]
    for statement in ("ALTER TABLE led.acct ENABLE REPLICA TRIGGER t_replica;",
                      "ALTER TABLE led.acct DISABLE TRIGGER t_off;",
                      "ALTER TABLE led.acct ENABLE ALWAYS TRIGGER t_always;"):
        assert statement in triggers
    assert "t_on;" not in triggers


def test_features_apache_and_older_servers_refuse():
    """set_integer_now_func is any edition's; alter_job a policy's (community); a second refresh window 2.21+."""
    scripts = render.render(_model(), database="app", only="init")
    features = {(st.object, st.feature) for s in scripts for st in s.statements if "alter_job" in st.sql
                or "set_integer_now_func" in st.sql or "add_continuous_aggregate_policy" in st.sql}
    assert ("hypertable led.tx", "timescaledb") in features
    assert ("compression policy of led.tx", "policy") in features
    assert ("refresh policy of led.ev_hourly", "several refresh policies") in features
    old = ServerInfo("17", 170000, True, "2.19.3", "timescale").unsupported()
    assert list(old) == ["several refresh policies"] and "2.21 or later" in old["several refresh policies"]
    assert "several refresh policies" in ServerInfo("17", 170000, True, "2.19.3", "apache").unsupported()
    assert ServerInfo("17", 170000, True, "2.23.0-dev", "timescale").unsupported() == {}


# --- the servers -------------------------------------------------------------------------------------------------

OUT_OF_BAND = [
    "ALTER TABLE led.acct ENABLE TRIGGER t_off",
    "ALTER TABLE led.acct DISABLE TRIGGER t_replica",
    "ALTER TABLE led.acct ENABLE ALWAYS TRIGGER t_on",
    "SELECT public.alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs "
    "WHERE proc_name = 'policy_retention' AND hypertable_name = 'tx'",
    "SELECT public.alter_job(job_id, scheduled => true) FROM timescaledb_information.jobs "
    "WHERE proc_name = 'policy_compression' AND hypertable_name = 'tx'",
    "SELECT public.alter_job(job_id, initial_start => '2031-01-01 00:00:00+00') FROM timescaledb_information.jobs "
    "WHERE proc_name = 'policy_compression' AND hypertable_name = 'ev'",
    "SELECT public.alter_job(job_id, scheduled => true) FROM timescaledb_information.jobs "
    "WHERE proc_name = 'policy_refresh_continuous_aggregate' AND config->>'end_offset' = '1 day'",
    "CREATE FUNCTION led.other_now() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT 1::bigint'",
    "SELECT public.set_integer_now_func('led.tx', 'led.other_now', replace_if_exists => true)",
    "ALTER TABLE led.ev SET (timescaledb.compress_chunk_time_interval = '14 days')",
]
EXPECTED = {
    ("led.acct", "trigger t_off: enabled", "disabled", "enabled"),
    ("led.acct", "trigger t_replica: enabled", "replica", "disabled"),
    ("led.acct", "trigger t_on: enabled", "enabled", "always"),
    ("led.tx", "retention policy: scheduled", "true", "false"),
    ("led.tx", "compression policy: scheduled", "false", "true"),
    ("led.ev", "compression policy: initial_start", "2030-01-01 00:00:00+00", "2031-01-01 00:00:00+00"),
    ("led.ev_hourly", "refresh policy 2: scheduled", "false", "true"),
    ("led.tx", "hypertable: integer_now", "led.unix_now", "led.other_now"),
}


def test_apply_no_drift_out_of_band_and_rollback(ts_community_db):
    db, model = ts_community_db, _model()
    before = snapshot(db)
    applying.apply(db.dsn, model, database="app", out=_Sink(), check_drift=False)
    with db.connect() as c:
        states = dict(c.execute("SELECT tgname, tgenabled::text FROM pg_trigger WHERE tgname LIKE 't\\_%'").fetchall())
        jobs = c.execute("SELECT proc_name, scheduled, initial_start IS NOT NULL FROM timescaledb_information.jobs "
                         "WHERE job_id >= 1000 ORDER BY 1, 2").fetchall()
    assert states == {"t_replica": "R", "t_off": "D", "t_always": "A", "t_on": "O"}
    assert ("policy_compression", False, False) in jobs and ("policy_retention", True, True) in jobs
    assert [j for j in jobs if j[0] == "policy_refresh_continuous_aggregate"] == [
        ("policy_refresh_continuous_aggregate", False, True), ("policy_refresh_continuous_aggregate", True, False)]
    assert _changes(db, model) == set(), "no drift right after apply"
    with db.connect() as c:
        for statement in OUT_OF_BAND:
            c.execute(statement)
    found = _changes(db, model)
    assert found >= EXPECTED, sorted(map(str, found))
    assert ("led.ev", "compression: chunk_time_interval") in {(o, a) for o, a, _, _ in found}
    with db.connect() as c:
        c.execute("SELECT public.set_integer_now_func('led.tx', 'led.unix_now', replace_if_exists => true)")
        c.execute("DROP FUNCTION led.other_now()")
    applying.rollback(db.dsn, model, database="app", yes=True, out=_Sink())
    assert snapshot(db) == before


def test_apache_takes_integer_now_and_skips_the_rest(ts_apache_db):
    """Apache: set_integer_now_func runs; the policies and alter_job are refused by license, named by the
    pre-flight, and left out with --skip-unsupported (then no drift)."""
    db, model = ts_apache_db, _model()
    with pytest.raises(UnsupportedFeatures) as refused:
        applying.apply(db.dsn, model, database="app", out=_Sink(), check_drift=False)
    assert "compression policy of led.tx" in str(refused.value) and "refresh policy of led.ev_hourly" in str(
        refused.value)
    applying.apply(db.dsn, model, database="app", out=_Sink(), check_drift=False, skip_unsupported=True)
    with db.connect() as c:
        now = c.execute("SELECT integer_now_func FROM timescaledb_information.dimensions "
                        "WHERE hypertable_name = 'tx'").fetchone()[0]
    assert now == "unix_now"
    with connection(db.dsn) as conn:
        skip = frozenset(server_info(conn, db.dsn).unsupported())
        assert differ.compare_live(conn, model, model.databases[0], skip=skip) == []


def test_model_disabled_trigger_is_no_drift_but_a_default_one_disabled_is(pg_plain_db):
    model = model_from("""
        databases:
          app:
            schemas:
              s:
                functions:
                  f: {returns: trigger, language: plpgsql, body: "BEGIN RETURN NEW; END"}
                tables:
                  t:
                    columns: {id: integer}
                    triggers:
                      off: {function: s.f, enabled: false}
                      on: {function: s.f, events: [update]}
        """)
    applying.apply(pg_plain_db.dsn, model, database="app", out=_Sink(), check_drift=False)
    assert _changes(pg_plain_db, model) == set()
    with pg_plain_db.connect() as c:
        c.execute("ALTER TABLE s.t DISABLE TRIGGER \"on\"")
    assert _changes(pg_plain_db, model) == {("s.t", "trigger on: enabled", "enabled", "disabled")}


# --- the real schema: hedera mirror node v2 (tests/realschemas/hedera_timescale) ---------------------------------

HEDERA = """
databases:
  mirror:
    extensions: {timescaledb: {}}
    schemas:
      public:
        functions:
          unix_now:
            returns: bigint
            language: sql
            volatility: stable
            body: "select extract(epoch from now())::bigint * 1000000000"
        tables:
          transaction:
            columns:
              consensus_ns: {type: bigint, not_null: true}
              type: {type: smallint, not_null: true}
              payer_account_id: {type: bigint, not_null: true}
            hypertable: {time_column: consensus_ns, chunk_interval: 604800000000000, integer_now: unix_now}
            compression: {segment_by: [payer_account_id, type], after: 604800000000000}
          record_file:
            columns:
              id: {type: integer, not_null: true}
            hypertable: {time_column: id, chunk_interval: 1000%s}
"""


def test_hedera_integer_now_and_compression_expressible():
    model = model_from(HEDERA % "")
    text = "".join(_texts_of(model, "mirror").values())
    assert "public.set_integer_now_func('public.transaction'::pg_catalog.regclass, " \
           "'public.unix_now()'::pg_catalog.regprocedure::pg_catalog.regproc, replace_if_exists => TRUE);" in text
    assert "add_compression_policy('public.transaction'::pg_catalog.regclass, compress_after => 604800000000000" in text
    # hedera's own bug: record_file's integer id with the bigint unix_now, which TimescaleDB refuses
    with pytest.raises(Exception) as refused:
        model_from(HEDERA % ", integer_now: unix_now")
    assert "the function returns bigint, but the time column id is integer" in str(refused.value)


def _texts_of(model, database: str) -> dict[str, str]:
    return {s.relpath: s.text for s in render.render(model, database=database)}
