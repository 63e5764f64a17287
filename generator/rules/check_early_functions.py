"""Rules on the functions the tables need (028_early_functions.sql): one created before the tables cannot take or
return a table's row type, which exists only once the table does.
"""
from __future__ import annotations

from schemagen.order import row_types_named, why_early
from schemagen.rules.context import Context


def early_functions(ck: Context) -> None:
    """A function the tables call while they are created (a CHECK, a DEFAULT, an index expression or predicate,
    or a function those call) whose arguments or result name a table's or view's row type: no order works."""
    for f, why in why_early(ck.db).values():
        rows = row_types_named(ck.db, f)
        if rows:
            ck.add(f.source, f"function {f.qname}{f.signature} must exist before the tables ({why}), but its "
                             f"arguments or result name the row type of {', '.join(rows)}, which exists only "
                             "after them; take or return plain types instead (or call it from a trigger)")
