"""`schemagen validate` and `schemagen schema`: the model checked (load raised every problem already), and the JSON
Schema editors use."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from schemagen.commands import Say, silent
from schemagen.errors import printable

if TYPE_CHECKING:
    from schemagen import model as m


@dataclass(frozen=True)
class Validated:
    databases: int
    orgs: int


def validate(model: m.Model, model_path: Path, *, say: Say = silent) -> Validated:
    """The loaded model (load_model raised ModelError for any problem): say it is valid, and how big it is."""
    return valid(model_path, len(model.databases), len(model.orgs), say=say)


def valid(model_path: Path, databases: int, orgs: int, *, say: Say = silent) -> Validated:
    """Say that the model is valid, and how big it is (from the model, or from the cache's record of it)."""
    result = Validated(databases, orgs)
    say(printable(f"{model_path}: valid ({result.databases} database(s), {result.orgs} org(s))"))
    return result


def schema() -> str:
    """The model's JSON Schema, as text (what `schemagen schema` prints)."""
    import json

    from schemagen.modelfile.schema import json_schema

    return json.dumps(json_schema(), indent=2, sort_keys=False)
