"""Sequences of their own (`sequences:`): validated, rendered in 027_sequences.sql (OWNED BY in 030_tables.sql),
applied on every server with no drift, each out-of-band change reported with expected and actual values, and
rolled back to the database as it was."""
from __future__ import annotations

import subprocess

import pytest
from helpers import ROOT, model_from, run_cli, snapshot

from schemagen import render
from schemagen.commands import apply as applying
from schemagen.commands import drift as differ
from schemagen.errors import ModelError
from schemagen.live.connect import connection
from schemagen.load import load_model
from schemagen.scripts import BY_NAME

MODEL = """
databases:
  app:
    schemas:
      app:
        sequences:
          order_no: {as: bigint, start: 1000, increment: 1, min: 1, max: 9999999, cache: 1, cycle: false,
                     owned_by: orders.no, comment: Order numbers}
          ticket: {}
          Down Count: {as: integer, increment: -1, cache: 3}
        tables:
          orders:
            columns:
              no: {type: bigint, primary_key: true, default: "nextval('app.order_no')"}
              ticket: {type: integer, not_null: true, default: "nextval('app.ticket'::regclass)"}
              down: {type: integer, default: "nextval('app.\\"Down Count\\"')"}
              plain: serial
"""


class _Sink:
    def write(self, _text):
        return 0

    def flush(self):
        pass


def _model(text: str = MODEL):
    return model_from(text)


# --- validate and render -------------------------------------------------------------------------------------

def test_settings_resolve_to_postgresql_defaults():
    seqs = {q.name: q for q in _model().databases[0].sequences}
    assert (seqs["ticket"].as_type, seqs["ticket"].start, seqs["ticket"].min, seqs["ticket"].max) == (
        "bigint", 1, 1, 2 ** 63 - 1)
    down = seqs["Down Count"]
    assert (down.start, down.min, down.max, down.increment, down.cache) == (-1, -2 ** 31, -1, -1, 3)
    assert seqs["order_no"].owned_by == ("orders", "no") and seqs["order_no"].comment == "Order numbers"


def test_owned_by_splits_at_the_table_that_exists():
    model = _model("""
        databases:
          d:
            schemas:
              s:
                tables:
                  a.b: {columns: {c.d: bigint}}
                sequences:
                  q: {owned_by: a.b.c.d}
        """)
    assert model.databases[0].sequences[0].owned_by == ("a.b", "c.d")


def test_nextval_of_an_undeclared_sequence_suggests_declaring_it():
    with pytest.raises(ModelError) as e:
        _model(MODEL.replace("          ticket: {}\n", ""))
    text = str(e.value)
    assert "model.yaml:14:15: " in text and "nextval reads sequence app.ticket, which the model does not create" in text
    assert "declare it under `sequences:` of schema app" in text
    assert "app.order_no" in text  # the model's sequences there are listed


def test_a_serial_sequence_and_a_declared_one_of_one_name_collide():
    with pytest.raises(ModelError) as e:
        _model(MODEL.replace("ticket: {}", "orders_plain_seq: {}").replace("app.ticket", "app.orders_plain_seq"))
    assert "sequence app.orders_plain_seq collides with sequence app.orders_plain_seq" in str(e.value)


def test_rendered_in_027_with_owned_by_after_the_table_and_dropped_in_973():
    scripts = {s.relpath: s for s in render.render(_model())}
    assert BY_NAME["sequences"].number == 27
    seqs = scripts["app/027_sequences.sql"].text
    assert ('CREATE SEQUENCE IF NOT EXISTS app.order_no AS bigint INCREMENT BY 1 MINVALUE 1 MAXVALUE 9999999 '
            'START WITH 1000 CACHE 1 NO CYCLE;') in seqs
    assert 'CREATE SEQUENCE IF NOT EXISTS app."Down Count" AS integer INCREMENT BY -1 MINVALUE -2147483648 ' \
           'MAXVALUE -1 START WITH -1 CACHE 3 NO CYCLE;' in seqs
    assert "COMMENT ON SEQUENCE app.order_no IS 'Order numbers';" in seqs
    tables = scripts["app/030_tables.sql"].text
    assert tables.index("CREATE TABLE IF NOT EXISTS app.orders") < tables.index(
        "ALTER SEQUENCE app.order_no OWNED BY app.orders.no;")
    undo = scripts["app/rollback/973_sequences.sql"].text
    assert undo.index('DROP SEQUENCE IF EXISTS app."Down Count";') < undo.index("DROP SEQUENCE IF EXISTS app.order_no;")
    undo_order = sorted(s.filename for s in scripts.values() if s.rollback)  # `ls` order is the order they run
    assert undo_order == ["970_tables.sql", "973_sequences.sql", "980_schemas.sql"]


# --- on the servers --------------------------------------------------------------------------------------------

def _changes(db, model) -> set[tuple[str, str, str, str, str | None, str | None]]:
    with connection(db.dsn) as conn:
        found = differ.compare_live(conn, model, model.databases[0])
    return {(c.kind, c.object, c.change, c.attribute, c.expected_text, c.actual_text) for c in found}


CASES = [
    ("ALTER SEQUENCE app.order_no INCREMENT 10", "ALTER SEQUENCE app.order_no INCREMENT 1",
     {("sequence", "app.order_no", "changed", "increment", "1", "10")}),
    ("ALTER SEQUENCE app.ticket MAXVALUE 500 START 7 CACHE 4 CYCLE",
     "ALTER SEQUENCE app.ticket MAXVALUE 9223372036854775807 START 1 CACHE 1 NO CYCLE",
     {("sequence", "app.ticket", "changed", "max", "9223372036854775807", "500"),
      ("sequence", "app.ticket", "changed", "start", "1", "7"),
      ("sequence", "app.ticket", "changed", "cache", "1", "4"),
      ("sequence", "app.ticket", "changed", "cycle", "false", "true")}),
    ('ALTER SEQUENCE app."Down Count" AS smallint MINVALUE -100', 'ALTER SEQUENCE app."Down Count" AS integer '
     "MINVALUE -2147483648",
     {("sequence", 'app."Down Count"', "changed", "as", "integer", "smallint"),
      ("sequence", 'app."Down Count"', "changed", "min", "-2147483648", "-100")}),
    ("ALTER SEQUENCE app.order_no OWNED BY NONE", "ALTER SEQUENCE app.order_no OWNED BY app.orders.no",
     {("sequence", "app.order_no", "changed", "owned_by", "app.orders.no", None)}),
    ("COMMENT ON SEQUENCE app.order_no IS 'x'", "COMMENT ON SEQUENCE app.order_no IS 'Order numbers'",
     {("sequence", "app.order_no", "changed", "comment", "Order numbers", "x")}),
    ("ALTER TABLE app.orders ALTER no SET DEFAULT nextval('app.ticket')",
     "ALTER TABLE app.orders ALTER no SET DEFAULT nextval('app.order_no')",
     {("table", "app.orders", "changed", "column no: default sequence", "app.order_no", "app.ticket")}),
    ("ALTER TABLE app.orders ALTER ticket SET DEFAULT nextval('app.order_no')",
     "ALTER TABLE app.orders ALTER ticket SET DEFAULT nextval('app.ticket')",
     {("table", "app.orders", "changed", "column ticket: default", "nextval('app.ticket'::regclass)",
       "nextval('app.order_no'::regclass)")}),
    ("CREATE SEQUENCE app.stray", "DROP SEQUENCE app.stray", {("sequence", "app.stray", "extra", "", None, None)}),
    ("DROP SEQUENCE app.\"Down Count\" CASCADE", "render:app/027_sequences.sql",
     {("sequence", 'app."Down Count"', "missing", "", None, None),
      # the server cannot print the model's default without its sequence: the model's text
      ("table", "app.orders", "changed", "column down: default", "nextval('app.\"Down Count\"')", None)}),
]


def test_apply_no_drift_each_change_reported_and_rollback(any_db):
    model = _model()
    before = snapshot(any_db)
    applying.apply(any_db.dsn, model, out=_Sink(), check_drift=False)
    with any_db.connect() as c:
        assert c.execute("SELECT nextval('app.order_no'), nextval('app.\"Down Count\"')").fetchone() == (1000, -1)
        assert c.execute("SELECT pg_get_serial_sequence('app.orders', 'no')").fetchone()[0] == "app.order_no"
    assert _changes(any_db, model) == set()
    scripts = {s.relpath: s for s in render.render(model)}
    for do, undo, expected in CASES:
        with any_db.connect() as c:
            c.execute(do)
        assert _changes(any_db, model) == expected, do
        with any_db.connect() as c:
            if undo.startswith("render:"):
                for st in scripts[undo[7:]].statements:
                    c.execute(st.sql)
                c.execute("ALTER TABLE app.orders ALTER down SET DEFAULT nextval('app.\"Down Count\"')")
            else:
                c.execute(undo)
        assert _changes(any_db, model) == set(), undo
    applying.apply(any_db.dsn, model, out=_Sink())  # a second apply changes nothing and finds no drift
    applying.rollback(any_db.dsn, model, out=_Sink())
    assert snapshot(any_db) == before


def test_diff_cli_prints_expected_and_actual(pg_plain_db, tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(MODEL)
    assert run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(path))[0] == 0
    with pg_plain_db.connect() as c:
        c.execute("ALTER SEQUENCE app.order_no INCREMENT 10")
    code, out, _ = run_cli("diff", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert code == 1
    assert "sequence app.order_no\n      increment: expected 1, found 10" in out
    assert run_cli("rollback", "--dsn", pg_plain_db.dsn, "-m", str(path))[0] == 0
    with pg_plain_db.connect() as c:
        assert c.execute("SELECT count(*) FROM pg_class WHERE relkind = 'S'").fetchone()[0] == 0


def test_apply_refuses_a_sequence_schemagen_did_not_create(pg_plain_db):
    with pg_plain_db.connect() as c:
        c.execute("CREATE SCHEMA app; CREATE SEQUENCE app.ticket")
    model = _model()
    with pytest.raises(Exception) as e:
        applying.apply(pg_plain_db.dsn, model, out=_Sink())
    assert "sequence app.ticket" in str(e.value) and "did not create" in str(e.value)
    with pg_plain_db.connect() as c:
        assert c.execute("SELECT count(*) FROM pg_class WHERE relname = 'ticket'").fetchone()[0] == 1


# --- a real schema: hedera_v1 (tests/realschemas), standalone sequences feeding nextval() defaults ---------------

HEDERA = ROOT / "tests" / "realschemas" / "hedera_v1"
HEDERA_ROLES = ("mirror_node", "mirror_api")


@pytest.mark.parametrize("server", ["pg-plain", "ts-apache"])
def test_hedera_v1_built_by_its_own_sql_has_no_drift_against_the_model(db_factory, server):
    """original.sql applied with psql; the model (tests/realschemas/hedera_v1/model.yaml, with its grants) then
    has no drift: the grants original.sql gives mirror_node and mirror_api on the public schema, every table, the
    view and each of the seven sequences are the model's. A privilege taken from one sequence is drift on it."""
    db = db_factory(server)
    with db.connect() as c:
        made = [r for r in HEDERA_ROLES
                if not c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (r,)).fetchone()]
    try:
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db.dsn, "-f", str(HEDERA / "original.sql")],
                       check=True, capture_output=True)
        code, out, err = run_cli("diff", "--dsn", db.dsn, "-m", str(HEDERA / "model.yaml"))
        assert code == 0, out + err
        model = load_model(HEDERA / "model.yaml")
        with connection(db.dsn) as conn:
            assert differ.compare_live(conn, model, model.databases[0]) == []
        with db.connect() as c:
            c.execute("REVOKE UPDATE ON public.s_events_id_seq FROM mirror_node")
        with connection(db.dsn) as conn:
            changes = differ.compare_live(conn, model, model.databases[0])
        assert [(c.kind, c.object, c.attribute, c.expected_text, c.actual_text) for c in changes] == [
            ("sequence", "public.s_events_id_seq", "privileges of mirror_node", "SELECT, UPDATE, USAGE",
             "SELECT, USAGE")]
    finally:
        with db.connect() as c:
            for role in made:  # the roles original.sql created (cluster-wide): gone again
                c.execute(f"DROP OWNED BY {role}")
                c.execute(f"DROP ROLE {role}")
