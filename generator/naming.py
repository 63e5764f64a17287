"""Names PostgreSQL gives objects the model leaves unnamed (constraints, sequences), worked out as the server does."""
from __future__ import annotations


def default_name(table: str, columns: str | None, label: str) -> str:
    """The name PostgreSQL gives an unnamed constraint or sequence (makeObjectName in indexcmds.c / namespace.c):
    `table_columns_label`, the longer of the table and column parts shortened first, byte by byte, until the whole
    fits in 63 bytes, never cutting a character in two. (When that name is taken PostgreSQL appends a digit to the
    label; schemagen writes the name into the statement instead, and validation reports the collision.)"""
    a, b = table.encode(), (columns or "").encode()
    avail = 63 - (len(label) + 1) - (1 if columns is not None else 0)
    la, lb = len(a), len(b)
    while la + lb > avail:
        if la > lb:
            la -= 1
        else:
            lb -= 1
    part1 = a[:la].decode("utf-8", "ignore")  # pg_mbcliplen: drop a partial trailing character
    part2 = b[:lb].decode("utf-8", "ignore")
    return f"{part1}_{part2}_{label}" if columns is not None else f"{part1}_{label}"
