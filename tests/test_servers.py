"""Smoke tests: each real server answers and has what the suite relies on."""
from __future__ import annotations

import psycopg
import pytest


def _report(db) -> tuple[str, str | None]:
    with db.connect() as c:
        version = c.execute("SHOW server_version").fetchone()[0]
        license_ = None
        if db.server.timescaledb:
            c.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
            license_ = c.execute("SELECT current_setting('timescaledb.license', true)").fetchone()[0]
    print(f"{db.server.name}: server_version={version} timescaledb.license={license_}")
    return version, license_


def _hypertable(c) -> None:
    c.execute("CREATE TABLE m (ts timestamptz NOT NULL, device int, v double precision)")
    c.execute("SELECT create_hypertable('m', by_range('ts', INTERVAL '1 day'))")
    n = c.execute("SELECT count(*) FROM timescaledb_information.hypertables WHERE hypertable_name = 'm'").fetchone()
    assert n == (1,)


def test_ts_apache(ts_apache_db):
    version, license_ = _report(ts_apache_db)
    assert version.startswith("17")
    assert license_ == "apache"
    with ts_apache_db.connect() as c:
        _hypertable(c)
        c.execute("CREATE EXTENSION vector")
        c.execute("CREATE TABLE e (id int PRIMARY KEY, emb vector(3))")
        c.execute("CREATE INDEX ON e USING hnsw (emb vector_cosine_ops)")
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="apache"):
            c.execute("SELECT add_retention_policy('m', INTERVAL '90 days')")
        assert c.execute("SHOW max_locks_per_transaction").fetchone() == ("64",)


def test_ts_community(ts_community_db):
    version, license_ = _report(ts_community_db)
    assert version.startswith("17")
    assert license_ == "timescale"
    with ts_community_db.connect() as c:
        _hypertable(c)
        c.execute("ALTER TABLE m SET (timescaledb.compress, timescaledb.compress_segmentby = 'device')")
        c.execute("SELECT add_compression_policy('m', INTERVAL '7 days')")
        c.execute("SELECT add_retention_policy('m', INTERVAL '90 days')")
        c.execute("CREATE MATERIALIZED VIEW m_hourly WITH (timescaledb.continuous) AS "
                  "SELECT time_bucket('1 hour', ts) AS bucket, device, avg(v) FROM m GROUP BY 1, 2 WITH NO DATA")
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


def test_pglite_reset_leaves_nothing(ts_community_db):
    """A table and an open transaction left by one test are gone for the next."""
    from servers import reset_pglite

    if not ts_community_db.server.kind == "pglite" or ts_community_db.server.own:
        pytest.skip("only our PGlite is reset in place")
    c = ts_community_db.connect()
    c.execute("CREATE SCHEMA leftover")
    c.execute("CREATE TABLE leftover.t (id int)")
    c.execute("CREATE TABLE public.p (id int)")
    c.execute("BEGIN")
    c.execute("CREATE TABLE public.in_tx (id int)")
    c.pgconn.finish()  # a client that dies mid-transaction
    reset_pglite(ts_community_db.server)
    with ts_community_db.connect() as c2:
        left = c2.execute("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE n.nspname IN ('public', 'leftover')").fetchall()
        assert left == []
        assert c2.execute("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'").fetchone() == (1,)
