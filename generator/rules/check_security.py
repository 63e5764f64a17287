"""Rules on grants and row-level security: a table's policies (their expressions each exactly one SQL expression,
USING and WITH CHECK only where the command reads or writes rows, roles listed once) and the grants the server
could not give back on rollback. What a grant's privileges may be for its object's kind is checked where it is
read (modelfile/security.py), at the privilege's line.
"""
from __future__ import annotations

from schemagen import model as m
from schemagen.rules.context import Context, short
from schemagen.rules.expressions import expression_kind_error
from schemagen.sqlparse import column_refs, has_subquery, parse_expression

_NO_USING = frozenset({"insert"})  # an INSERT policy checks new rows only
_NO_CHECK = frozenset({"select", "delete"})  # SELECT and DELETE policies see existing rows only


def schema(ck: Context, s: m.Schema) -> None:
    """PUBLIC's privileges on the `public` schema are initdb's: a rollback could not tell what to give back."""
    if s.name == "public" and any(role == "PUBLIC" for role, _ in s.grants):
        ck.add(s.source, "schema public: grants to PUBLIC on the public schema are not supported (its PUBLIC "
                         "privileges are initdb's, which a rollback could not put back); grant to named roles")


def table(ck: Context, t: m.Table) -> None:
    rs = t.row_security
    if rs is None:
        return
    columns = {c.name for c in t.columns}
    for p in rs.policies:
        what = f"policy {p.name} of table {t.qname}"
        if p.using is not None and p.command in _NO_USING:
            ck.add(p.source, f"{what}: a FOR INSERT policy takes no `using` (it sees no existing rows); write "
                             "`with_check`", t.org)
        if p.with_check is not None and p.command in _NO_CHECK:
            ck.add(p.source, f"{what}: a FOR {p.command.upper()} policy takes no `with_check` (it writes no new "
                             "rows); write `using`", t.org)
        for part, text in (("using", p.using), ("with_check", p.with_check)):
            _expression(ck, t, p, f"{what}: {part}", text, columns)


def _expression(ck: Context, t: m.Table, p: m.Policy, what: str, text: str | None, columns: set[str]) -> None:
    """Exactly one expression (a second statement cannot ride along: the parser reads one expression or refuses);
    subqueries are allowed (a policy often looks rows up), aggregates, window and set-returning functions not."""
    if text is None:
        return
    tree = ck.sql(parse_expression, text, p.source)
    if tree is None:
        return
    if isinstance(tree, str):
        ck.add(p.source, f"{what} {tree}: {short(text)}", t.org)
        return
    kind = expression_kind_error(tree, "check")
    if kind:
        ck.add(p.source, f"{what} {kind}: {short(text)}", t.org)
    if not has_subquery(tree):  # a subquery's columns are another table's
        for ref in sorted(column_refs(tree) - columns):
            ck.add(p.source, f"{what} reads unknown column {ref!r}: {short(text)}", t.org)
