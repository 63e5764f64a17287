"""Functions as the inspector reads them: their arguments one by one (name, canonical type, mode, default), as the
model declares them, so that what the catalogs hold could be written back as a model; the shadow functions of the
drift check read the same way."""
from __future__ import annotations

from helpers import run_cli

from schemagen import model as m
from schemagen.live.inspect import inspect
from schemagen.live.normalize import normalize
from schemagen.load import load_model_text

MODEL = """
version: 1
databases:
  app:
    schemas:
      s:
        functions:
          f:
            arguments: [{name: a, type: int}, {name: b, type: INTEGER, default: 1}, {name: c, type: text, mode: out}]
            returns: text
            language: sql
            body: SELECT (a + b)::text
          g:
            arguments: [{type: int4}, {type: timestamptz}, {name: rest, type: "varchar[]", mode: variadic}]
            returns: integer
            language: sql
            body: SELECT $1
          h:
            arguments: [{name: v, type: numeric, mode: inout}, {name: "Odd name", type: bigint, default: 7}]
            returns: numeric
            language: sql
            body: SELECT v
          t:
            arguments: [{name: n, type: integer}]
            returns: "TABLE(x integer, y text)"
            language: sql
            body: SELECT n, n::text
          none:
            returns: void
            language: sql
            body: SELECT
"""


def _apply(db, tmp_path, text: str = MODEL) -> tuple[m.Database, tuple]:
    path = tmp_path / "model.yaml"
    path.write_text(text)
    code, _, err = run_cli("apply", "--dsn", db.dsn, "-m", str(path))
    assert code == 0, err
    return load_model_text(text).database("app"), ("--dsn", db.dsn, "-m", str(path))


def test_arguments_read_back_as_the_model_declares_them(pg_plain_db, tmp_path):
    model, _ = _apply(pg_plain_db, tmp_path)
    with pg_plain_db.connect() as conn:
        live = inspect(conn, schemas=["s"], name="app")
    got = {f.name: f.arguments for f in live.functions}
    assert got == {f.name: f.arguments for f in model.functions}
    assert got["g"] == (m.Argument(None, "integer"), m.Argument(None, "timestamp with time zone"),
                        m.Argument("rest", "character varying[]", "variadic"))
    assert got["t"] == (m.Argument("n", "integer"),), "the columns of RETURNS TABLE are the result's"
    assert got["none"] == ()


def test_shadow_functions_read_back_like_the_live_ones(pg_plain_db, tmp_path):
    """The expected side of the drift check: the model's functions created in pg_temp and read back the same way
    as the inspector reads the live ones, typmods dropped as the server drops them."""
    model, _ = _apply(pg_plain_db, tmp_path, MODEL.replace('type: "varchar[]"', 'type: "varchar(20)[]"'))
    with pg_plain_db.connect() as conn:
        live = inspect(conn, schemas=["s"], name="app")
        with conn.transaction(force_rollback=True):
            expected, _ = normalize(conn, model)
    assert sorted((f.name, f.arguments, f.returns) for f in expected.functions) == \
        sorted((f.name, f.arguments, f.returns) for f in live.functions)


def test_a_changed_default_or_mode_is_drift(pg_plain_db, tmp_path):
    _, args = _apply(pg_plain_db, tmp_path)
    with pg_plain_db.connect() as c:
        c.execute("CREATE OR REPLACE FUNCTION s.f(a integer, b integer DEFAULT 2, OUT c text) LANGUAGE sql "
                  "AS 'SELECT (a + b)::text'")
        c.execute("DROP FUNCTION s.g(integer, timestamptz, varchar[])")
        c.execute("CREATE FUNCTION s.g(integer, timestamptz, rest varchar[]) RETURNS integer LANGUAGE sql "
                  "AS 'SELECT $1'")
    code, out, _ = run_cli("diff", *args)
    assert code == 1
    assert "arguments: expected a integer, b integer DEFAULT 1, OUT c text, found a integer, b integer DEFAULT 2, " \
           "OUT c text" in out, out
    assert "arguments: expected integer, timestamp with time zone, VARIADIC rest character varying[], found " \
           "integer, timestamp with time zone, rest character varying[]" in out, out
