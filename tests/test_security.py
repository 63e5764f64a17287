"""Grants and row-level security: validate (privileges per kind, policy expressions, roles), render (phases 105
and 115, rollbacks 895 and 885, hostile role names quoted), apply on the servers, no drift after apply, each
out-of-band change reported with expected and actual, the pre-flight refusing roles that do not exist, rollback
back to the starting state."""
from __future__ import annotations

import pytest
from helpers import TEST_ROLES, applied, drift_then_rollback, live_changes, model_from, run_cli, snapshot

from schemagen import render
from schemagen.commands import apply as applying
from schemagen.errors import ModelError, UnsupportedFeatures

ODD = TEST_ROLES[2]  # 'sg odd "role" ü'

MODEL = f"""
orgs:
  - {{key: acme, name: Acme}}
databases:
  app:
    schemas:
      app:
        grants: {{sg_reader: [usage], '{ODD}': [usage, create]}}
        tables:
          orders:
            columns:
              id: {{type: bigint, primary_key: true}}
              owner: {{type: text, not_null: true}}
            grants: {{sg_reader: [select], sg_writer: [select, insert, update, delete], PUBLIC: []}}
            row_level_security:
              enabled: true
              forced: true
              policies:
                own_rows:
                  command: select
                  roles: [sg_reader]
                  using: "owner = current_user"
                ins:
                  command: insert
                  roles: [sg_writer, '{ODD}']
                  with_check: "owner = current_user AND id > 0"
                  permissive: false
          "t_{{org}}":
            columns:
              id: {{type: bigint, primary_key: true}}
            grants: {{sg_reader: [all]}}
            row_level_security:
              policies:
                p: {{using: "id IN (SELECT id FROM app.orders)"}}
        views:
          v: {{query: "SELECT id FROM app.orders", grants: {{sg_reader: [select]}}}}
        functions:
          f:
            returns: integer
            language: sql
            body: "SELECT 1"
            grants: {{PUBLIC: [], sg_reader: [execute]}}
"""


def _path(tmp_path, text: str = MODEL):
    p = tmp_path / "model.yaml"
    p.write_text(text)
    return p


def _bad(text: str) -> list[str]:
    with pytest.raises(ModelError) as e:
        model_from(text)
    return [str(p) for p in e.value.problems]


# --- validate ---------------------------------------------------------------------------------------------------

BASE = """
databases:
  app:
    schemas:
      app:
        tables:
          t:
            columns: {id: bigint, owner: text}
"""


def test_model_validates():
    model = model_from(MODEL)
    db = model.databases[0]
    orders = db.tables[0]
    assert orders.grants == (("sg_reader", ("select",)), ("sg_writer", ("delete", "insert", "select", "update")),
                             ("PUBLIC", ()))
    assert [p.name for p in orders.row_security.policies] == ["own_rows", "ins"]
    acme = next(t for t in db.tables if t.name == "t_acme")
    assert acme.grants == (("sg_reader", ("all",)),) and acme.row_security.enabled


@pytest.mark.parametrize("extra, message", [
    ("            grants: {sg_reader: [usage]}", "'usage' is not a privilege of a table"),
    ("            grants: {'{org}_reader': [select]}", "{org} is not allowed in a role name"),
    ("            grants: {public: [select]}", "write PUBLIC for every role"),
    ("            row_level_security: {policies: {p: {command: select, with_check: 'true'}}}",
     "a FOR SELECT policy takes no `with_check`"),
    ("            row_level_security: {policies: {p: {command: delete, with_check: 'true'}}}",
     "a FOR DELETE policy takes no `with_check`"),
    ("            row_level_security: {policies: {p: {command: insert, using: 'true'}}}",
     "a FOR INSERT policy takes no `using`"),
    ("            row_level_security: {policies: {p: {using: 'true); DROP TABLE app.t; SELECT (1'}}}",
     "policy p of table app.t: using"),
    ("            row_level_security: {policies: {p: {using: 'nope = 1'}}}", "reads unknown column 'nope'"),
    ("            row_level_security: {policies: {p: {using: 'count(*) > 0'}}}", "cannot use an aggregate"),
    ("            row_level_security: {policies: {p: {command: merge}}}", "merge"),
    ("            grants: {sg_reader: [select, fly]}", "fly"),
])
def test_bad_grants_and_policies(extra, message):
    problems = _bad(BASE + extra + "\n")
    assert any(message in p and p.startswith("model.yaml:9:") for p in problems), problems  # at its line


def test_bad_privilege_per_kind_names_its_line():
    problems = _bad("""
databases:
  app:
    schemas:
      app:
        grants: {sg_reader: [select]}
        functions:
          f: {returns: integer, language: sql, body: "SELECT 1", grants: {sg_reader: [select]}}
""")
    assert any(":6:" in p and "'select' is not a privilege of a schema (it takes usage, create or all)" in p
               for p in problems), problems
    assert any(":8:" in p and "'select' is not a privilege of a function" in p for p in problems), problems


def test_public_schema_grants_to_public_refused():
    problems = _bad("""
databases:
  app:
    schemas:
      public:
        grants: {PUBLIC: [usage]}
""")
    assert any("grants to PUBLIC on the public schema are not supported" in p for p in problems), problems


# --- render -----------------------------------------------------------------------------------------------------

def test_render_phases_and_quoting():
    scripts = {s.relpath: s for s in render.render(model_from(MODEL))}
    assert {"app/105_row_security.sql", "app/115_grants.sql", "app/rollback/895_row_security.sql",
            "app/rollback/885_grants.sql"} <= set(scripts)
    grants = scripts["app/115_grants.sql"].text
    assert 'GRANT CREATE, USAGE ON SCHEMA app TO "sg odd ""role"" ü";' in grants
    assert "REVOKE ALL ON TABLE app.orders FROM PUBLIC;" in grants
    assert "GRANT EXECUTE ON FUNCTION app.f() TO sg_reader;" in grants
    rls = scripts["app/105_row_security.sql"].text
    assert "ALTER TABLE app.orders FORCE ROW LEVEL SECURITY;" in rls
    assert 'TO sg_writer, "sg odd ""role"" ü"' in rls and "AS RESTRICTIVE FOR INSERT" in rls
    org = scripts["app/900_org_acme.sql"].text  # an org table's grants and policies are in its org's file
    assert "GRANT ALL ON TABLE app.t_acme TO sg_reader;" in org and "CREATE POLICY p ON app.t_acme" in org
    undo = scripts["app/rollback/885_grants.sql"].text
    assert "REVOKE DELETE, INSERT, SELECT, UPDATE ON TABLE app.orders FROM sg_writer;" in undo
    assert "DISABLE ROW LEVEL SECURITY" in scripts["app/rollback/895_row_security.sql"].text


# --- apply, drift, rollback ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("fixture", ["pg_plain_db", "ts_community_db"])
def test_apply_no_drift_out_of_band_and_rollback(request, fixture, tmp_path):
    db, path = request.getfixturevalue(fixture), tmp_path / "model.yaml"
    before, model = applied(db, path, MODEL)
    assert db.scalar("SELECT has_table_privilege('sg_reader', 'app.orders', 'SELECT')") is True
    assert db.scalar("SELECT has_function_privilege('public', 'app.f()', 'EXECUTE')") is False
    with db.connect() as c:
        c.execute("REVOKE SELECT ON app.orders FROM sg_reader")
        c.execute("GRANT TRUNCATE ON app.t_acme TO sg_writer")  # a role the model does not name: from defaults
        c.execute("ALTER TABLE app.orders NO FORCE ROW LEVEL SECURITY")
        c.execute("ALTER TABLE app.t_acme DISABLE ROW LEVEL SECURITY")
        c.execute("DROP POLICY own_rows ON app.orders")
        c.execute("ALTER POLICY ins ON app.orders WITH CHECK (true)")
        c.execute("CREATE POLICY sneaky ON app.orders USING (true)")
        c.execute("GRANT EXECUTE ON FUNCTION app.f() TO PUBLIC")
        c.commit()
    found = "\n".join(live_changes(db, model))
    for expected in ("privileges of sg_reader: expected SELECT, found (none)",
                     "privileges of sg_writer: expected (none), found TRUNCATE",
                     "force row level security: expected enabled, found disabled",
                     "row level security: expected enabled, found disabled",
                     "policy own_rows", "policy sneaky", "WITH CHECK (true)",
                     "privileges of PUBLIC: expected (none), found EXECUTE"):
        assert expected in found, found
    drift_then_rollback(db, path, "expected SELECT, found (none)", before)


def test_apply_refuses_missing_roles(pg_plain_db, tmp_path):
    text = MODEL.replace("sg_writer, '", "sg_nobody_here, '").replace("sg_reader: [usage]", '"ghost role": [usage]')
    before = snapshot(pg_plain_db)
    with pytest.raises(UnsupportedFeatures) as e:
        applying.apply(pg_plain_db.dsn, model_from(text), out=None, say=lambda _t: None)
    assert 'role "ghost role" does not exist' in str(e.value) and "role sg_nobody_here does not exist" in str(e.value)
    assert "nothing was changed" in str(e.value)
    code, out, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(_path(tmp_path, text)))
    assert code == 3 and "sg_nobody_here" in err, out + err
    assert snapshot(pg_plain_db) == before


def test_policies_apply_to_rows(pg_plain_db, tmp_path):
    """The policy does what it says: a reader sees only its own rows."""
    code, out, err = run_cli("apply", "--dsn", pg_plain_db.dsn, "-m", str(_path(tmp_path)))
    assert code == 0, out + err
    with pg_plain_db.connect() as c:
        c.execute("INSERT INTO app.orders VALUES (1, 'sg_reader'), (2, 'someone')")
        c.execute("SET ROLE sg_reader")
        assert c.execute("SELECT id FROM app.orders").fetchall() == [(1,)]
        c.rollback()
