"""Which org a live object belongs to, by the name patterns of the model's org templates (`values_{org}`)."""
from __future__ import annotations

from collections.abc import Iterable

from schemagen import model as m

Template = tuple[str, str, str]  # (schema, prefix, suffix) around {org}


def templates(db: m.Database) -> list[Template]:
    """(schema, prefix, suffix) around {org} of every org template's name."""
    out = set()
    for o in (*db.tables, *db.views, *db.continuous_aggregates):
        if o.template and "{org}" in o.template:
            prefix, suffix = o.template.split("{org}", 1)
            out.add((o.schema, prefix, suffix))
    return sorted(out)


def org_of(schema: str, name: str, templates: list[Template], orgs: Iterable[str]) -> str:
    """The org a live object belongs to, by the org templates' name patterns ("" when shared or unknown).
    Known orgs only: `values_{org}` would otherwise claim `values_acme_current` for an org `acme_current`."""
    known = set(orgs)
    for tschema, prefix, suffix in templates:
        if schema == tschema and name.startswith(prefix) and name.endswith(suffix):
            key = name[len(prefix):len(name) - len(suffix)]
            if key in known:
                return key
    return ""
