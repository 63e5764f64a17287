"""julep (tests/realschemas/julep/): what its model files must keep true beyond tests/test_realschemas.py.

PGlite has no contrib extensions, so julep has a PGlite variant of its DDL (original.pglite.sql) and of its model
(model.pglite.yaml). The two models must differ only as the two DDL files do, or the PGlite run would test a
different schema from the one model.yaml describes.
"""
from __future__ import annotations

import re

import yaml
from helpers import ROOT, run_cli

HERE = ROOT / "tests" / "realschemas" / "julep"
CONTRIB = {"btree_gin", "btree_gist", "citext", "uuid-ossp", "unaccent", "pg_trgm", "dict_int", "dict_xsyn",
           "fuzzystrmatch", "pgcrypto"}


def _load(name: str) -> dict:
    return yaml.safe_load((HERE / name).read_text())["databases"]["julep"]


def _created_extensions(name: str) -> set[str]:
    text = (HERE / name).read_text()
    return set(re.findall(r'(?m)^CREATE EXTENSION IF NOT EXISTS "?([\w-]+)"?', text))


def _as_on_pglite(db: dict) -> dict:
    """model.yaml with original.pglite.sql's changes: no contrib extensions, citext as text, no trigram index."""
    db["extensions"] = {k: v for k, v in db["extensions"].items() if k not in CONTRIB}
    for schema in db["schemas"].values():
        for table in schema.get("tables", {}).values():
            for column in table["columns"].values():
                if isinstance(column, dict) and column.get("type") == "citext":
                    column["type"] = "text"
            indexes = table.get("indexes", {})
            for name in [n for n, i in indexes.items()
                         if any(isinstance(c, dict) and c.get("opclass") == "gin_trgm_ops" for c in i["columns"])]:
                del indexes[name]
    return db


def test_the_models_declare_the_extensions_their_ddl_creates():
    assert set(_load("model.yaml")["extensions"]) == _created_extensions("original.sql")
    assert set(_load("model.pglite.yaml")["extensions"]) == _created_extensions("original.pglite.sql")
    assert _created_extensions("original.sql") - _created_extensions("original.pglite.sql") == CONTRIB


def test_the_pglite_model_is_model_yaml_with_the_pglite_changes():
    full, pglite = _load("model.yaml"), _load("model.pglite.yaml")
    assert _as_on_pglite(full) == pglite


# --- schemagen fixes found on julep ---------------------------------------------------------------------------

_MISSING_TYPE_MODEL = """
databases:
  julep:
    extensions: {citext: }
    schemas:
      public:
        tables:
          agents:
            columns:
              name: {type: citext, not_null: true}
              about: {type: text, default: "NULL"}
              metadata: {type: jsonb, not_null: true, default: "'{}'::jsonb"}
            checks:
              ct_about_length: "about IS NULL OR length(about) <= 5000"
              ct_metadata_is_object: "jsonb_typeof(metadata) = 'object'"
            row_level_security:
              policies:
                own: {using: "about IS NOT NULL"}
"""


def test_a_column_of_a_type_the_server_lacks_leaves_the_other_columns_compared_as_printed(tmp_path, pg_plain_db):
    """julep on PGlite (no citext): one column of a type the server does not have made the drift check compare
    every CHECK and default of its table as the model wrote them, reporting each one as changed."""
    with pg_plain_db.connect() as c:
        c.execute("CREATE TABLE agents (name text NOT NULL, about text, metadata jsonb NOT NULL DEFAULT '{}'::jsonb,"
                  " CONSTRAINT ct_about_length CHECK (about IS NULL OR length(about) <= 5000),"
                  " CONSTRAINT ct_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object'))")
        c.execute("ALTER TABLE agents ENABLE ROW LEVEL SECURITY")
        c.execute("CREATE POLICY own ON agents USING (about IS NOT NULL)")
    model = tmp_path / "model.yaml"
    model.write_text(_MISSING_TYPE_MODEL)
    code, out, err = run_cli("diff", "--dsn", pg_plain_db.dsn, "-m", str(model))
    assert code == 1, err
    assert "extension citext: missing" in out
    assert "column name: type: expected citext, found text" in out
    assert "difference(s)" in out and "database julep: 2 difference(s)" in out, out
