"""The JSON Schema editors read: published at schema/model.schema.json (make sql writes it from the package's
copy) and named by the first line of every model in the repository."""
from __future__ import annotations

import os

from helpers import ROOT

from schemagen.commands import validate as validating


def test_published_schema_is_the_packages():
    published = (ROOT / "schema" / "model.schema.json").read_text()
    assert published == validating.schema() + "\n", "schema/model.schema.json is stale: run make sql"


def test_every_model_names_the_published_schema():
    models = [ROOT / "model.yaml", *sorted(ROOT.glob("examples/*/model.yaml"))]
    assert len(models) > 1
    for path in models:
        first = path.read_text().split("\n", 1)[0]
        prefix = "# yaml-language-server: $schema="
        assert first.startswith(prefix), path
        target = (path.parent / first[len(prefix):]).resolve()
        assert target == (ROOT / "schema" / "model.schema.json").resolve(), (path, target)
        assert os.path.isfile(target)
