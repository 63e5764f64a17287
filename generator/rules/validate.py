"""Semantic rules: what the server would reject late, or worse accept and get silently wrong.

Runs on the built model (org templates already stamped out), so it sees the names PostgreSQL will see. Each rule
adds a Problem at the object's source line to the collector (rules.problems); nothing stops at the first one. A
problem of an org template repeats for every org: it is reported once, naming the first org and how many others
it hits. Free-form SQL is checked with PostgreSQL's own parser (sqlparse).

This module is the driver: it runs the rule modules (check_*.py, which never import each other) in a fixed order,
object by object. The order matters beyond the messages' order: a template's first org is checked fully and its
later orgs lightly, the first name claimed in a schema is the one a later one collides with, and the parse budget
runs out at the same piece of SQL every time.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.document import Document
from schemagen.errors import Problem
from schemagen.rules import (
    check_early_functions,
    check_foreign_keys,
    check_functions,
    check_indexes,
    check_jobs,
    check_names,
    check_namespace,
    check_relations,
    check_renames,
    check_rows,
    check_security,
    check_sequences,
    check_tables,
    check_timescale,
    check_trigger_state,
    check_triggers,
    check_types,
)
from schemagen.rules.context import Context, ModelRelations
from schemagen.rules.problems import Problems
from schemagen.rules.types import comparable_type
from schemagen.rules.values import value_error

# The rules of a table beyond its names, in order: for a shared table, and for the first org of a template.
TABLE_RULES = (check_tables.table, check_foreign_keys.foreign_keys, check_indexes.table_indexes,
               check_triggers.triggers, check_rows.seed, check_types.enum_columns,
               check_security.table, check_jobs.integer_now, check_jobs.compress_chunk_interval,
               check_trigger_state.trigger_states)


def validate(model: m.Model, doc: Document | None = None) -> list[Problem]:
    """Every semantic problem of the model (empty when it is sound)."""
    problems = Problems(model, doc)
    check_names.org_keys(problems, model)
    check_names.database_names(problems, model)
    relations = ModelRelations(model)
    for db in model.databases:
        _database(Context(problems, db, relations))
    return problems.finish()


def _database(ck: Context) -> None:
    check_namespace.database_name(ck)
    ck.problems.start_database(ck.db)
    check_names.names(ck)
    check_namespace.relations(ck)
    check_types.types(ck)
    check_sequences.sequences(ck)
    check_relations.unknown_sequences(ck)
    for s in ck.db.schemas:
        check_security.schema(ck, s)
    for t in ck.db.tables:
        _table(ck, t)
    for v in ck.db.views:
        check_relations.reads(ck, v, ck.query(v.source, v.query, v.org))
        for ix in v.indexes:
            ck.claim(v.schema, ix.name, "index", ix.source, v.org)
            check_indexes.index(ck, ix, None, v.org)
    for f in ck.db.functions:
        check_functions.function(ck, f)
    check_early_functions.early_functions(ck)
    outputs = check_timescale.timescale_rules(ck, check_indexes.index)
    for c in ck.db.continuous_aggregates:
        check_relations.reads(ck, c, outputs.get(c.qname))
        check_jobs.refresh_windows(ck, c)
        check_jobs.cagg_compress_chunk_interval(ck, c)
    check_rows.registry(ck)
    check_renames.renames(ck)


def _table(ck: Context, t: m.Table) -> None:
    """A table's names and its references to orgs for every org; its other rules once per template (for the
    template's later orgs, only what differs: that their SQL parses, and seed values that may hold {org})."""
    check_namespace.table_names(ck, t)
    check_foreign_keys.org_references(ck, t)
    with ck.once(t) as first:
        if first:
            for rule in TABLE_RULES:
                rule(ck, t)
        else:
            check_tables.sql_parses(ck, t)
            check_rows.seed(ck, t)


__all__ = ["validate", "value_error", "comparable_type"]
