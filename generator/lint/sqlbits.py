"""What the rules read of free-form SQL (CHECK expressions, index predicates) by pattern: only to decide whether to
give advice, never to build SQL. A miss means a finding less or one more, never a wrong statement."""
from __future__ import annotations

import re


def in_list_length(expression: str, column: str) -> int | None:
    """The number of values of `column IN ('a', 'b', ...)` in a CHECK expression, None when there is none."""
    found = re.search(rf'(?<![\w"]){re.escape(column)}"?(?:\s*::\s*\w+)?\s+in\s*\(([^()]*)\)', expression, re.I)
    if found is None:
        return None
    return len([v for v in re.split(r",(?=(?:[^']*'[^']*')*[^']*$)", found[1]) if v.strip()])
