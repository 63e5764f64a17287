"""Stage 1, load: model.yaml -> JSON Schema check -> Model (org templates stamped out) -> semantic checks.

Every problem is collected and raised at once as `ModelError`, each located at file:line:column with the dotted
path in the model. The pieces: yamlsrc (YAML with positions, safely), the JSON Schema (model.schema.json, also
what `schemagen schema` prints), build (data -> Model), validate (semantic rules on the built Model).
"""
from __future__ import annotations

import gc
from itertools import islice
from pathlib import Path

from schemagen import model as m
from schemagen.document import Document
from schemagen.errors import ModelError, Problem, reset_hints
from schemagen.modelfile.build import Builder
from schemagen.modelfile.schema import schema_problems
from schemagen.modelfile.yamlsrc import parse_text, read
from schemagen.naming import default_name

MAX_SCHEMA_PROBLEMS = 10_000  # the JSON Schema's problems listed at most; then the model is not built

__all__ = ["load_model", "load_model_text", "build", "default_name"]


def load_model(path: str | Path) -> m.Model:
    """Read, validate and build the model; raise ModelError listing every problem."""
    return build(read(path))


def load_model_text(text: str, file: str = "model.yaml") -> m.Model:
    """The same from text (tests, tools): `file` is the name used in messages."""
    return build(parse_text(text, file))


def build(doc: Document) -> m.Model:
    """Schema problems first; then the model is built and checked whenever the structure allows, so one run
    reports every error it can."""
    from schemagen.rules.validate import validate  # semantic rules, on the built model

    reset_hints()
    problems = list(islice(schema_problems(doc), MAX_SCHEMA_PROBLEMS + 1))
    if len(problems) > MAX_SCHEMA_PROBLEMS:  # a file far from the format: listing each of 100,000 helps no one
        last = problems[MAX_SCHEMA_PROBLEMS - 1]
        raise ModelError(problems[:MAX_SCHEMA_PROBLEMS] + [Problem(
            doc.file, last.line, last.column, "", f"stopped after {MAX_SCHEMA_PROBLEMS:,} problems of structure; "
                                                  "fix these, then validate again")])
    builder = Builder(doc)
    collecting = gc.isenabled()
    gc.disable()  # tens of thousands of acyclic objects: the cycle collector would rescan them again and again
    try:
        model = builder.model()
        more = builder.problems + validate(model, doc)
    except Exception as e:
        if not problems:  # the schema let through what the builder cannot read: a bug, still no traceback
            raise ModelError([Problem(doc.file, 1, 1, "", f"cannot read the model ({type(e).__name__}: {e}); "
                                                          "please report this")]) from e
        more = []  # a structure the schema already refused; its errors are enough
    finally:
        if collecting:
            gc.enable()
    if problems:
        seen = {(p.line, p.column) for p in problems}
        problems += [p for p in more if (p.line, p.column) not in seen]
    else:
        problems = more
    if problems:
        raise ModelError(_unique(problems))
    return model


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


# --- JSON Schema errors, in words ------------------------------------------------------------------------------


