"""Stage 5c, what changes behaviour though the model does not describe it: the drift check's second half, read.

The model says nothing of rules, row-level security, policies, grants, owners, UNLOGGED tables, replica
identities, view options (security_invoker, security_barrier, check_option), triggers that no longer fire, nor of
sequences, types, domains, procedures, aggregates, operators, collations or foreign tables. So what it expects of
those is PostgreSQL's default for an object created by the role that applies: none of them set, privileges as
acldefault() or ALTER DEFAULT PRIVILEGES give them, the owner of schemagen.history (the applying role) as owner,
and a serial or identity column reading the sequence `<table>_<column>_seq`. Four catalog queries
(live/sql/{security,grants,objects,sequences}.sql) return only what differs from that, for every managed
schema at once, so the count stays fixed and the rows few; compare/behaviour.py turns them into changes.
Left out on purpose (they change performance, not results or access): storage parameters, statistics targets,
column storage, a table's tablespace.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from schemagen.live import security
from schemagen.live.inspect import Catalog

BEHAVIOUR_QUERIES = ("security", "grants", "objects", "sequences")


@dataclass(frozen=True)
class Live:
    """The rows of the four queries, as read in the drift check's snapshot."""

    security: list[dict]
    grants: list[dict]
    objects: list[dict]
    sequences: list[dict]
    model_grants: list[dict] = field(default_factory=list)  # the model's roles' privileges (live/security.py)


def read(cat: Catalog, schemas: list[str] | None, roles: Sequence[str] = ()) -> Live:
    """Run the four queries (in the caller's transaction, through its Catalog, so that they are counted), and a
    fifth when the model grants to `roles`."""
    p = {"schemas": None if schemas is None else sorted(schemas)}
    return Live(*(cat.rows(name, **p) for name in BEHAVIOUR_QUERIES), security.grants(cat, schemas, roles))
