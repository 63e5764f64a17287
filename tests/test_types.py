"""The model's own types (`types:`): enums, composites and domains. Validate (good and bad), render (phase 025,
rollback 975, dependency order, qualified names), apply on every server, no drift, out-of-band changes reported
with expected and actual values, extra types, and rollback back to the snapshot from before."""
from __future__ import annotations

import pytest
from helpers import model_from, run_cli, snapshot

from schemagen import render
from schemagen.errors import ModelError

MODEL = """
version: 1
databases:
  app:
    schemas:
      app:
        types:
          tagged:
            composite: {role: chat_role, addr: app.address, n: positive_int}
          chat_role: {enum: [user, assistant, system], comment: who speaks}
          address:
            composite: {street: text, city: text, zip: varchar(10)}
          positive_int:
            domain: integer
            not_null: true
            default: "1"
            check: "VALUE > 0"
            comment: at least one
          "Odd Name": {enum: ["it's", "two words"]}
        tables:
          msg:
            columns:
              id: {type: integer, primary_key: true}
              role: {type: chat_role, not_null: true, default: "'user'"}
              roles: chat_role[]
              addr: app.address
              n: positive_int
              odd: '"Odd Name"'
            seed:
              rows:
                - {id: 1, role: assistant, roles: "{user,system}", n: 3}
        functions:
          first_role:
            arguments: [{name: r, type: "chat_role[]"}]
            returns: app.chat_role
            language: plpgsql
            body: |
              DECLARE x app.chat_role;
              BEGIN
                x := r[1];
                RETURN x;
              END
      public:
        types:
          level: {enum: [low, high]}
        tables:
          p:
            columns:
              id: {type: integer, primary_key: true}
              lv: {type: level, default: "'low'::level"}
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(ModelError) as e:
        model_from(text)
    return [str(p) for p in e.value.problems]


def test_types_are_built_qualified_and_in_dependency_order():
    db = model_from(MODEL).database("app")
    assert [t.name for t in db.types] == ["chat_role", "address", "positive_int", "tagged", "Odd Name", "level"]
    msg = next(t for t in db.tables if t.name == "msg")
    assert [c.type for c in msg.columns] == ["integer", "app.chat_role", "app.chat_role[]", "app.address",
                                             "app.positive_int", 'app."Odd Name"']
    assert db.functions[0].arguments[0].type == "app.chat_role[]" and db.functions[0].returns == "app.chat_role"
    tagged = next(t for t in db.types if t.name == "tagged")
    assert tagged.attributes == (("role", "app.chat_role"), ("addr", "app.address"), ("n", "app.positive_int"))
    assert next(t for t in db.tables if t.name == "p").columns[1].type == "public.level"


def test_render_puts_types_in_025_and_drops_them_in_975_after_the_tables():
    scripts = render.render(model_from(MODEL))
    names = [s.name for s in scripts]
    assert "025_types.sql" in names and "rollback/975_types.sql" in names
    init = next(s for s in scripts if s.name == "025_types.sql").text
    assert init.index("app.chat_role AS ENUM ('user', 'assistant', 'system')") < init.index("CREATE TYPE app.tagged")
    assert "CREATE DOMAIN app.positive_int AS integer DEFAULT 1 NOT NULL CONSTRAINT positive_int_check CHECK " \
           "(VALUE > 0)" in init
    assert "COMMENT ON DOMAIN app.positive_int IS 'at least one';" in init
    assert """CREATE TYPE app."Odd Name" AS ENUM ('it''s', 'two words')""" in init
    undo = next(s for s in scripts if s.name == "rollback/975_types.sql").text
    assert undo.index("DROP TYPE IF EXISTS app.tagged;") < undo.index("DROP TYPE IF EXISTS app.chat_role;")
    tables = next(s for s in scripts if s.name == "030_tables.sql").text
    assert "role app.chat_role NOT NULL DEFAULT 'user'" in tables and "roles app.chat_role[]" in tables


BAD = """
databases:
  app:
    schemas:
      app:
        types:
          empty: {enum: []}
          twice: {enum: [a, b, a]}
          msg: {enum: [x]}
          t_{org}: {enum: [x]}
          self_ref: {composite: {me: self_ref}}
          d: {domain: integr, check: "VALUE > other.x"}
        tables:
          msg:
            columns:
              id: {type: integer}
              role: {type: twice, default: "'c'"}
              other: chat_role
              typo: {type: twise}
"""


def test_bad_types_are_refused_at_their_lines():
    problems = _problems(BAD)
    text = "\n".join(problems)
    assert "model.yaml:7:25: databases.app.schemas.app.types.empty.enum: must not be empty" in text
    assert "enum app.twice lists the value 'a' twice" in text
    assert "type app.msg collides with table app.msg" in text
    assert "type app.\"t_{org}\": `{org}` is not filled in in type names" in text
    assert "type app.self_ref is built on itself" in text
    assert "unknown type 'integr'; did you mean 'integer'?" in text
    assert "'c' is not a value of enum app.twice (a, b, a)" in text
    unknown = next(p for p in problems if "'chat_role'" in p)
    assert "did you mean" not in unknown and "declares under `types:`" in unknown
    assert "unknown type 'twise'; did you mean 'app.twice'?" in text


def test_enum_defaults_and_seed_values_must_be_values():
    text = MODEL.replace("default: \"'user'\"", "default: \"'nobody'::app.chat_role\"").replace(
        "role: assistant", "role: robot")
    problems = "\n".join(_problems(text))
    assert "the default of msg.role: 'nobody' is not a value of enum app.chat_role" in problems
    assert "seed value 'robot' of msg.role is not a value of enum app.chat_role" in problems


def _cli_apply(db, path) -> None:
    code, _, err = run_cli("apply", "--dsn", db.dsn, "-m", str(path))
    assert code == 0, err


def test_apply_no_drift_out_of_band_changes_and_rollback(any_db, tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(MODEL)
    before = snapshot(any_db)
    _cli_apply(any_db, path)
    code, out, err = run_cli("diff", "--dsn", any_db.dsn, "-m", str(path))
    assert code == 0, out + err
    with any_db.connect() as c:
        assert c.execute("SELECT app.first_role(ARRAY['system','user']::app.chat_role[])::text").fetchone()[0] == \
            "system"
        for statement in ("ALTER TYPE app.chat_role ADD VALUE 'tool'",
                          "ALTER DOMAIN app.positive_int DROP CONSTRAINT positive_int_check",
                          "ALTER DOMAIN app.positive_int ADD CONSTRAINT positive_int_check CHECK (VALUE > 1)",
                          "ALTER DOMAIN app.positive_int DROP NOT NULL", "ALTER DOMAIN app.positive_int SET DEFAULT 2",
                          "ALTER TYPE app.tagged ALTER ATTRIBUTE n TYPE bigint",
                          "ALTER TYPE public.level ADD VALUE 'mid' BEFORE 'high'",
                          "CREATE TYPE app.mood AS ENUM ('sad')", "CREATE DOMAIN app.pos AS int"):
            c.execute(statement)
        c.commit()
    code, out, err = run_cli("diff", "--dsn", any_db.dsn, "-m", str(path))
    assert code == 1
    for line in ("type app.chat_role\n      values: expected user, assistant, system, found user, assistant, system, "
                 "tool", "default: expected 1, found 2", "not null: expected true, found false",
                 "check positive_int_check: expression: expected ((VALUE > 0)), found ((VALUE > 1))",
                 "attribute: n: type: expected app.positive_int, found bigint",
                 "values: expected low, high, found low, mid, high", "type app.mood: extra", "type app.pos: extra"):
        assert line in out, out
    with any_db.connect() as c:
        c.execute("DROP TYPE app.mood")
        c.execute("DROP DOMAIN app.pos")
        c.commit()
    code, _, err = run_cli("rollback", "--dsn", any_db.dsn, "-m", str(path), "--yes")
    assert code == 0, err
    assert snapshot(any_db) == before


def test_a_type_the_model_does_not_declare_is_still_extra(pg_plain_db, tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(MODEL)
    _cli_apply(pg_plain_db, path)
    with pg_plain_db.connect() as c:
        c.execute("CREATE TYPE app.pair AS (a int, b int)")
        c.execute("CREATE TYPE app.fr AS RANGE (subtype = float8)")
        c.commit()
    code, out, _ = run_cli("diff", "--dsn", pg_plain_db.dsn, "-m", str(path))
    assert code == 1 and "type app.pair: extra" in out and "range type app.fr: extra" in out
    assert "chat_role" not in out and "positive_int" not in out
