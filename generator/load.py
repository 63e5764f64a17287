"""Stage 1, load: model.yaml -> JSON Schema check -> Model (org templates stamped out) -> semantic checks.

Every problem is collected and raised at once as `ModelError`, each located at file:line:column with the dotted
path in the model. The pieces: yamlsrc (YAML with positions, safely), the JSON Schema (model.schema.json, also
what `schemagen schema` prints), build (data -> Model), validate (semantic rules on the built Model).
"""
from __future__ import annotations

import gc
import re
from itertools import islice
from pathlib import Path

from schemagen import model as m
from schemagen.document import Document
from schemagen.errors import ModelError, Problem, reset_hints
from schemagen.modelfile.build import Builder
from schemagen.modelfile.prune import pruned
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
    reset_hints()
    problems = list(islice(schema_problems(doc), MAX_SCHEMA_PROBLEMS + 1))
    if len(problems) > MAX_SCHEMA_PROBLEMS:  # a file far from the format: listing each of 100,000 helps no one
        last = problems[MAX_SCHEMA_PROBLEMS - 1]
        raise ModelError(problems[:MAX_SCHEMA_PROBLEMS] + [Problem(
            doc.file, last.line, last.column, "", f"stopped after {MAX_SCHEMA_PROBLEMS:,} problems of structure; "
                                                  "fix these, then validate again")])
    if problems:  # check the rest of the file too: build what the schema accepts, keep what does not follow
        raise ModelError(_unique(problems + _semantic_after_cuts(doc, problems)))
    model, more = _built(doc)
    if more:
        raise ModelError(_unique(more))
    return model


def _built(doc: Document) -> tuple[m.Model, list[Problem]]:
    """The model and its semantic problems (the builder's and the rules')."""
    from schemagen.rules.validate import validate  # semantic rules, on the built model

    builder = Builder(doc)
    collecting = gc.isenabled()
    gc.disable()  # tens of thousands of acyclic objects: the cycle collector would rescan them again and again
    try:
        model = builder.model()
        return model, builder.problems + validate(model, doc)
    except Exception as e:  # the schema let through what the builder cannot read: a bug, still no traceback
        raise ModelError([Problem(doc.file, 1, 1, "", f"cannot read the model ({type(e).__name__}: {e}); "
                                                      "please report this")]) from e
    finally:
        if collecting:
            gc.enable()


def _semantic_after_cuts(doc: Document, problems: list[Problem]) -> list[Problem]:
    """The semantic problems of a file the JSON Schema refused: of the file as it is when it can be built, else of
    the file without what was refused; except those at a place already reported and those naming something cut
    out (they would go away with the fix)."""
    cut = pruned(doc)
    lost = cut[1] if cut else set()
    try:  # most refused structures still build (a value of the wrong form is read as far as it goes)
        _, more = _built(doc)
    except ModelError:  # the builder cannot read what was refused: build the rest without it
        if cut is None:
            return []
        try:
            _, more = _built(cut[0])
        except ModelError:
            return []
    seen = {(p.line, p.column) for p in problems}
    follows = re.compile("|".join(rf"(?<![\w.]){re.escape(n)}(?![\w])" for n in sorted(lost))) if lost else None
    return [p for p in more if (p.line, p.column) not in seen and not (follows and follows.search(p.message))]


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


# --- JSON Schema errors, in words ------------------------------------------------------------------------------


