"""Smoke tests: each real server answers and has what the suite relies on; the fixtures hand out empty databases."""
from __future__ import annotations

import psycopg
import pytest
from servers import SERVERS, reset_pglite, server_is_pglite


def _report(db) -> tuple[str, str | None]:
    with db.connect() as c:
        version = c.execute("SHOW server_version").fetchone()[0]
        license_ = None
        if db.server.has_timescaledb:
            c.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
            license_ = c.execute("SELECT current_setting('timescaledb.license', true)").fetchone()[0]
            ts = c.execute("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'").fetchone()[0]
            version = f"{version}, timescaledb {ts}"
    print(f"{db.server.name}: server_version={version} timescaledb.license={license_}")
    return version, license_


def _hypertable(c) -> None:
    c.execute("CREATE TABLE m (ts timestamptz NOT NULL, device int, v double precision)")
    c.execute("SELECT create_hypertable('m', by_range('ts', INTERVAL '1 day'))")
    n = c.execute("SELECT count(*) FROM timescaledb_information.hypertables "
                  "WHERE hypertable_schema = 'public' AND hypertable_name = 'm'").fetchone()
    assert n == (1,)
    c.execute("INSERT INTO m SELECT t, (t::date - '2026-01-01')::int % 5, 1 "
              "FROM generate_series(timestamptz '2026-01-01', '2026-01-20', INTERVAL '1 hour') t")


def test_ts_apache(ts_apache_db):
    version, license_ = _report(ts_apache_db)
    assert version.startswith("17")
    if not ts_apache_db.server.own:
        assert license_ == "apache"
    with ts_apache_db.connect() as c:
        _hypertable(c)
        c.execute("CREATE EXTENSION vector")
        c.execute("CREATE TABLE e (id int PRIMARY KEY, emb vector(3))")
        c.execute("CREATE INDEX ON e USING hnsw (emb vector_cosine_ops)")
        if license_ == "apache":
            refused = 'not supported under the current "apache" license'
            with pytest.raises(psycopg.errors.FeatureNotSupported, match=refused):
                c.execute("SELECT add_retention_policy('m', INTERVAL '90 days')")
        assert c.execute("SHOW max_locks_per_transaction").fetchone() == ("64",)
        assert int(c.execute("SHOW max_connections").fetchone()[0]) >= 100
        assert c.execute("SHOW shared_preload_libraries").fetchone()[0] == "timescaledb"


def test_ts_community(ts_community_db):
    version, license_ = _report(ts_community_db)
    assert version.startswith("17")
    assert license_ == "timescale"
    with ts_community_db.connect() as c:
        _hypertable(c)
        c.execute("ALTER TABLE m SET (timescaledb.compress, timescaledb.compress_segmentby = 'device')")
        c.execute("SELECT add_compression_policy('m', INTERVAL '7 days')")
        compressed = c.execute("SELECT count(compress_chunk(ch)) FROM show_chunks('m') ch").fetchone()[0]
        assert compressed > 0
        assert c.execute("SELECT count(*), sum(v) FROM m").fetchone() == (457, 457)
        c.execute("SELECT add_retention_policy('m', INTERVAL '90 days')")
        c.execute("CREATE MATERIALIZED VIEW m_hourly WITH (timescaledb.continuous) AS "
                  "SELECT time_bucket('1 hour', ts) AS bucket, device, avg(v) FROM m GROUP BY 1, 2 WITH NO DATA")
        c.execute("CALL refresh_continuous_aggregate('m_hourly', NULL, NULL)")
        assert c.execute("SELECT count(*) FROM m_hourly").fetchone() == (457,)
        c.execute("SELECT add_continuous_aggregate_policy('m_hourly', start_offset => INTERVAL '3 hours', "
                  "end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour')")
        jobs = c.execute("SELECT proc_name FROM timescaledb_information.jobs WHERE job_id >= 1000 "
                         "ORDER BY proc_name").fetchall()
        assert [j[0] for j in jobs] == ["policy_compression", "policy_refresh_continuous_aggregate",
                                        "policy_retention"]


def test_pg_plain(pg_plain_db):
    version, license_ = _report(pg_plain_db)
    assert version.startswith("15")
    with pg_plain_db.connect() as c:
        assert c.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'").fetchone() == (0,)
        c.execute("CREATE TABLE t (id bigserial PRIMARY KEY, doc jsonb)")


_USER_RELATIONS = """SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE (n.nspname NOT IN ('pg_catalog', 'information_schema') OR c.oid >= 16384)
   AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE '\\_timescaledb%'
   AND n.nspname NOT LIKE 'timescaledb\\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"""


def test_any_db_is_empty_and_writable(any_db):
    """Each server's fixture gives an empty database the test can create in (and that it may leave dirty)."""
    assert any_db.server is SERVERS[any_db.server.name]
    with any_db.connect() as c:
        assert c.execute("SELECT current_database()").fetchone() == (any_db.name,)
        assert c.execute(_USER_RELATIONS).fetchall() == []
        assert c.execute("SELECT count(*) FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN "
                         "('information_schema', 'public') AND nspname NOT LIKE '%timescaledb%'").fetchone() == (0,)
        c.execute("CREATE SCHEMA dirty")
        c.execute("CREATE TABLE dirty.t (id int)")
        c.execute("CREATE TABLE left_in_public (id int)")


def test_db_factory_quoted_names(db_factory):
    """Several databases for one test on a native server, names that need quoting included."""
    for server in ("ts-apache", "pg-plain"):
        made = [db_factory(server, "APPS-WORKSPACE"), db_factory(server, "datakwip"), db_factory(server)]
        assert made[0].name.startswith("APPS-WORKSPACE_")
        for db in made:
            with db.connect() as c:
                assert c.execute("SELECT current_database()").fetchone() == (db.name,)
    exact = db_factory("pg-plain", "Exact-Name", exact=True)
    assert exact.name == "Exact-Name"


def _our_pglite(db):
    if not server_is_pglite(db.server):
        pytest.skip("only our PGlite is reset in place")


def test_pglite_reset_leaves_nothing(ts_community_db):
    """A schema, tables, a type, a role, a database and an open transaction left by one test are gone for the next."""
    _our_pglite(ts_community_db)
    c = ts_community_db.connect()
    c.execute("CREATE SCHEMA leftover")
    c.execute("CREATE TABLE leftover.t (id int)")
    c.execute("CREATE TABLE public.p (id int)")
    c.execute("CREATE TYPE public.mood AS ENUM ('ok')")
    c.execute("CREATE ROLE leftover_role")
    c.execute("CREATE DATABASE leftover_db")
    c.execute("RESET ALL")  # PGlite's reset value of search_path is pg_catalog: this table lands there
    c.execute("CREATE TABLE in_catalog (id int)")
    c.execute("BEGIN")
    c.execute("CREATE TABLE public.in_tx (id int)")
    c.pgconn.finish()  # a client that dies mid-transaction
    db = reset_pglite(ts_community_db.server)
    with db.connect() as c2:
        assert c2.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert c2.execute(_USER_RELATIONS).fetchall() == []
        assert c2.execute("SELECT to_regnamespace('leftover'), to_regtype('public.mood')").fetchone() == (None, None)
        assert c2.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'leftover_role'").fetchone() == (0,)
        assert c2.execute("SELECT count(*) FROM pg_database WHERE datname = 'leftover_db'").fetchone() == (0,)
        assert c2.execute("SELECT extname FROM pg_extension ORDER BY 1").fetchall() == [("plpgsql",), ("timescaledb",)]
        assert c2.execute("SHOW search_path").fetchone() == ('"$user", public',)


def test_pglite_disconnect_ends_the_session(ts_community_db):
    """Our server.mjs does what a backend's exit would: the next client gets no open transaction, no settings,
    no advisory lock, and a usable search_path (pg_dump's disconnect used to leave a read-only transaction)."""
    _our_pglite(ts_community_db)
    c = ts_community_db.connect()
    c.execute("SET lock_timeout = '7s'")
    c.execute("SELECT set_config('search_path', '', false)")
    c.execute("SELECT pg_advisory_lock(4242)")
    c.execute("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    c.execute("SELECT 1")
    c.pgconn.finish()
    with ts_community_db.connect() as c2:
        assert c2.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert c2.execute("SHOW lock_timeout").fetchone() == ("0",)
        assert c2.execute("SHOW search_path").fetchone() == ('"$user", public',)
        assert c2.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone() == (0,)
        c2.execute("CREATE TABLE after_disconnect (id int)")  # not read-only
        assert c2.execute("SELECT to_regclass('public.after_disconnect')").fetchone()[0] is not None


def test_pglite_restarts_when_timescaledb_was_dropped(ts_community_db):
    """TimescaleDB cannot be created twice in one PGlite session: the reset restarts PGlite instead."""
    _our_pglite(ts_community_db)
    with ts_community_db.connect() as c:
        c.execute("DROP EXTENSION timescaledb CASCADE")
    db = reset_pglite(ts_community_db.server)
    with db.connect() as c:
        assert c.execute("SELECT extnamespace::regnamespace::text FROM pg_extension "
                         "WHERE extname = 'timescaledb'").fetchone() == ("public",)
        c.execute("CREATE TABLE m (ts timestamptz NOT NULL)")
        c.execute("SELECT create_hypertable('m', by_range('ts'))")
