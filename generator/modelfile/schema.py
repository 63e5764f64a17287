"""The model file's JSON Schema (draft 2020-12, shipped as schemagen/model.schema.json) and its errors in words."""
from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

import jsonschema

from schemagen.document import Document
from schemagen.errors import Problem, did_you_mean


@cache
def json_schema() -> dict:
    """The model's JSON Schema (draft 2020-12), shipped as schemagen/model.schema.json."""
    return json.loads(resources.files("schemagen").joinpath("model.schema.json").read_text("utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    """The validator, on the schema with every `$ref` replaced by its definition (the schema has no cycles):
    resolving references costs more than half of the validation of a large model (40,000 tables: 3.5 s -> 1.4 s)."""
    schema = json_schema()
    inlined = _inline(schema, schema["$defs"])
    inlined.pop("$defs")
    return jsonschema.Draft202012Validator(inlined)


def _inline(node, defs: dict):
    if isinstance(node, list):
        return [_inline(x, defs) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _inline(v, defs) for k, v in node.items() if k not in ("$ref", "$defs")}
    if "$defs" in node:
        out["$defs"] = node["$defs"]
    if "$ref" in node:
        out = {**_inline(defs[node["$ref"].rsplit("/", 1)[-1]], defs), **out}
    return out


@cache
def _other_validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads(resources.files("schemagen").joinpath(name).read_text("utf-8"))
    inlined = _inline(schema, schema.get("$defs", {}))
    inlined.pop("$defs", None)
    return jsonschema.Draft202012Validator(inlined)


def problems_against(name: str, doc: Document):
    """Every error of the data against another JSON Schema shipped with schemagen (`targets.schema.json`), each at
    its line and in plain words, as the model's are."""
    for error in _other_validator(name).iter_errors(doc.data):
        for leaf in _leaves(error):
            yield _describe_error(doc, leaf)


def schema_problems(doc: Document):
    """Every JSON Schema error of the data, each at its line and in plain words."""
    for error in _validator().iter_errors(doc.data):
        for leaf in _leaves(error):
            yield _describe_error(doc, leaf)


def refused(data):
    """Where the JSON Schema refuses data, for cutting it out (prune.py): (path, unknown keys) per error, the keys
    empty unless the error is about keys the object may not have."""
    for error in _validator().iter_errors(data):
        for leaf in _leaves(error):
            path = tuple(leaf.absolute_path)
            if leaf.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(leaf.instance,
                                                                                                   dict):
                yield path, tuple(sorted(_unknown_keys(leaf), key=str))
            else:
                yield path, ()


def _unknown_keys(error: jsonschema.ValidationError) -> list:
    known = error.schema.get("properties", {})
    patterns = [re.compile(p) for p in error.schema.get("patternProperties", {})]
    return [k for k in error.instance
            if k not in known and not any(isinstance(k, str) and p.search(k) for p in patterns)] or [None]


def _leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """For anyOf / oneOf (a column is a type string or a mapping of options; an interval is text or a number),
    the errors of the branch the data meant: the one of the data's own JSON type, else the anyOf itself."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    kind = _json_type(error.instance)
    branches: dict[int, list] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    for index, errors in branches.items():
        branch = error.validator_value[index]
        if kind in _branch_types(branch) and not any(e.validator == "type" and not e.relative_path
                                                     for e in errors):
            return [leaf for e in errors for leaf in _leaves(e)]
    return [error]


def _branch_types(schema: dict) -> set[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = json_schema()["$defs"].get(name, {})
    t = schema.get("type")
    if "const" in schema or "enum" in schema:
        values = schema.get("enum", [schema.get("const")])
        return {_json_type(v) for v in values}
    if isinstance(t, list):
        return set(t)
    if t:
        return {t, "integer"} if t == "number" else {t}
    out: set[str] = set()
    for sub in schema.get("anyOf", []) + schema.get("oneOf", []):
        out |= _branch_types(sub)
    return out


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _describe_error(doc: Document, error: jsonschema.ValidationError) -> Problem:
    path = tuple(error.absolute_path)
    v = error.validator
    if "propertyNames" in error.absolute_schema_path and isinstance(error.instance, str):  # a key that is no name
        what = "a name must not be empty: PostgreSQL has no zero-length names" if error.instance == "" else \
            f"invalid name {error.instance!r}: {error.message}"
        return doc.problem(path + (error.instance,), what, key=True)
    if v == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
        key = extra[0] if extra else "?"
        hint = did_you_mean(key, known)
        msg = f"unknown key {key!r}" + (f"; did you mean {hint!r}?" if hint else
                                        f"; expected one of: {', '.join(known)}")
        if key == "comment" and len(path) == 2 and path[0] == "databases":
            msg = ("a database takes no `comment:` (COMMENT ON DATABASE needs the database's owner and its real "
                   "name, which is not the model's when applied elsewhere); write it as a YAML `# comment`, or "
                   "comment its schemas")
        if len(extra) > 1:
            msg += f" (and {len(extra) - 1} more unknown key(s): {', '.join(repr(k) for k in extra[1:4])})"
        return doc.problem(path + (key,), msg, key=True)
    if v == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        return doc.problem(path, f"missing required key: {', '.join(repr(k) for k in missing)}", key=True)
    if v == "propertyNames":
        bad = error.instance if not isinstance(error.instance, dict) else "?"
        return doc.problem(path, f"invalid name {bad!r}: {error.message}", key=True)
    if v in ("type", "anyOf", "oneOf"):
        want = _wanted(error)
        hint = ""
        if len(path) >= 4 and path[-4:-2] == ("seed", "rows") and isinstance(error.instance, (dict, list)):
            hint = ("; write a json or jsonb value as JSON text (`'{\"k\": 1}'`) and an array as PostgreSQL "
                    "writes it (`'{a,b}'`)")
        return doc.problem(path, f"expected {want}, got {_describe(error.instance)}{hint}")
    if v == "enum":
        choices = [str(c).lower() if isinstance(c, bool) else str(c) for c in error.validator_value]  # as YAML
        hint = did_you_mean(str(error.instance).lower(), choices)
        return doc.problem(path, f"{error.instance!r} is not one of: {', '.join(choices)}"
                                 + (f"; did you mean {hint!r}?" if hint else ""))
    if v == "uniqueItems":
        twice = next((x for i, x in enumerate(error.instance) if x in error.instance[:i]), None)
        return doc.problem(path, f"lists {twice!r} twice")
    if v == "const":
        return doc.problem(path, f"must be {error.validator_value!r}, not {error.instance!r}")
    if v == "pattern" and len(path) >= 2 and path[0] == "orgs" and path[-1] == "key":
        return doc.problem(path, f"org key {error.instance!r} must be a lower-case identifier: a letter, then "
                                 "letters, digits or underscores ([a-z][a-z0-9_]*); it becomes part of table names")
    if v == "pattern" and len(path) >= 3 and path[-3:-1] == ("lint", "ignore"):
        return doc.problem(path, f"{error.instance!r} is no lint code: write one as `schemagen lint --list` shows "
                                 "it (SG101), a prefix of codes (SG1), squawk or squawk:<rule>")
    if v in ("minItems", "minProperties"):
        return doc.problem(path, "must not be empty" if error.validator_value == 1 else error.message)
    if v == "minLength" and error.validator_value == 1:
        return doc.problem(path, "must not be empty")
    return doc.problem(path, error.message)


def _wanted(error: jsonschema.ValidationError) -> str:
    """What a type or anyOf error expected, in words: `a string or a mapping`."""
    description = error.schema.get("description", "")
    if error.validator == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    else:
        types = sorted(set().union(*(_branch_types(s) for s in error.validator_value)) - {"null"}) or ["null"]
        if "number" in types and "integer" in types:
            types.remove("integer")
    if {"string", "number", "boolean"} <= set(types) or {"string", "integer", "boolean"} <= set(types):
        return "a plain value (text, a number, true or false)"
    words = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
             "number": "a number", "boolean": "true or false", "null": "nothing"}
    text = " or ".join(words.get(t, t) for t in types)
    return f"{text} ({description.rstrip('.')})" if description and len(description) < 120 else text


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})" if len(value) < 40 else "a string"
    return "a list" if isinstance(value, list) else "a mapping"
