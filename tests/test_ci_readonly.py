"""docs/ci.md's production drift check with a read-only role: a LOGIN role with CONNECT and TEMPORARY on the
database, USAGE on the model's schemas and SELECT on its tables, all declared in the model (so they are no drift),
gets `no drift`; a role whose transactions are read-only gets exit 3 saying why, never a false drift report."""
from __future__ import annotations

import os

import psycopg
from helpers import run_cli
from psycopg import sql

MODEL = """\
databases:
  app:
    schemas:
      s:
        grants: {ROLE: [usage]}
        tables:
          a:
            columns: {id: {type: int, primary_key: true}, name: text, note: {type: text, default: "'x'"}}
            checks: {c_id: "id > 0"}
            seed: {rows: [{id: 1, name: x}]}
            grants: {ROLE: [select]}
        views:
          v: {query: "SELECT id FROM s.a", grants: {ROLE: [select]}}
"""


def test_drift_check_with_a_read_only_role(pg_plain_db, tmp_path):
    role = f"sg_ci_ro_{os.getpid()}"
    with psycopg.connect(pg_plain_db.dsn, autocommit=True) as c:
        c.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    try:
        path = tmp_path / "model.yaml"
        path.write_text(MODEL.replace("ROLE", role))
        assert run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(path))[0] == 0
        with psycopg.connect(pg_plain_db.dsn, autocommit=True) as c:
            c.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(pg_plain_db.name), sql.Identifier(role)))
        ro = f"{pg_plain_db.dsn} user={role}"
        code, out, err = run_cli("diff", "--dsn", ro, "-m", str(path))
        assert (code, out.strip()) == (0, "database app: no drift"), out + err
        with psycopg.connect(ro, autocommit=True) as c:  # it really is read-only where it matters
            try:
                c.execute("INSERT INTO s.a VALUES (2, 'y')")
                raise AssertionError("the read-only role could write")
            except psycopg.errors.InsufficientPrivilege:
                pass
        with psycopg.connect(pg_plain_db.dsn, autocommit=True) as c:
            c.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(sql.Identifier(role)))
        code, out, err = run_cli("diff", "--dsn", ro, "-m", str(path))
        assert code == 3 and "read-only transaction" in err and "shadow objects" in err, out + err
        assert "difference" not in out, "no false drift"
    finally:
        with psycopg.connect(pg_plain_db.dsn, autocommit=True) as c:
            c.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            c.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
