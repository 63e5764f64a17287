"""Seed rows imported: the rows of the shared lookup tables, as `seed: {rows: [...]}`.

A lookup table is a shared table (no org's, not the org registry, not a hypertable) with a primary key that a
foreign key of another table references, holding at most `limit` rows (--seed-rows, 100 by default; 0 reads
none): the rows the application needs to run (tag definitions, factories, types), which a database rendered from
the model must have too. Other tables' rows are data, never read. A table whose primary key is an identity
GENERATED ALWAYS column is left (seed rows give no value to one). Values come as the server prints them (text,
each record's output, read by `record`);
integers and booleans are written as YAML numbers and booleans, the others as the text the server prints (dates
and timestamps in ISO 8601 under the session's DateStyle ISO), which validate and the server read back as the
same value.
"""
from __future__ import annotations

from schemagen import model as m

Candidate = tuple[str, str, tuple[str, ...]]  # schema, table, primary key columns (the rows' order)
_INTEGERS = ("smallint", "integer", "bigint")


def candidates(db: m.Database, org_tables: set[tuple[str, str]]) -> list[Candidate]:
    """The shared tables whose rows may be seed rows (the caller reads at most limit + 1 rows of each)."""
    referenced = {(k.ref_schema, k.ref_table) for t in db.tables for k in t.foreign_keys
                  if (k.ref_schema, k.ref_table) != (t.schema, t.name)}
    out = []
    for t in db.tables:
        where = (t.schema, t.name)
        if where in org_tables or where not in referenced or t.primary_key is None or t.hypertable is not None:
            continue
        if any(c.identity == "always" for c in t.columns):
            continue
        out.append((t.schema, t.name, t.primary_key.columns))
    return out


def unreferenced(tables: dict[tuple[str, str], m.Table], chosen: set[tuple[str, str]]) -> list[tuple]:
    """Take out of chosen (in place) each table with a foreign key to another table whose rows are not seed rows
    (a database rendered from the model would refuse its rows), until none is left; ((schema, table), target) of
    each taken out."""
    out = []
    while True:
        taken = next(((where, f"{k.ref_schema}.{k.ref_table}") for where in sorted(chosen)
                      for k in tables[where].foreign_keys
                      if (k.ref_schema, k.ref_table) != where and (k.ref_schema, k.ref_table) not in chosen), None)
        if taken is None:
            return out
        chosen.discard(taken[0])
        out.append(taken)


def value(column: m.Column | None, text: str | None):
    """One value as the seed row writes it."""
    if text is None or column is None:
        return text
    if column.type in _INTEGERS:
        return int(text)
    if column.type == "boolean":
        return text in ("t", "true")
    return text


def record(text: str) -> list[str | None]:
    r"""A record's text output, as (1,"a b",,{x}), as its fields: quoted ones unescaped (a doubled quote, a
    backslash before a character), an empty unquoted field NULL (record_out writes an empty string quoted)."""
    body, i, out = text[1:-1], 0, []
    while True:
        if body.startswith('"', i):
            i, chars = i + 1, []
            while body[i] != '"' or body.startswith('""', i):
                step = 2 if body[i] == "\\" or body.startswith('""', i) else 1
                chars.append(body[i + step - 1])
                i += step
            out.append("".join(chars))
            i += 1
        else:
            end = body.find(",", i)
            end = len(body) if end < 0 else end
            out.append(body[i:end] or None)
            i = end
        if i >= len(body):
            return out
        i += 1  # the comma
        if i == len(body):
            out.append(None)
            return out


def rows_of(t: m.Table, texts: list[str]) -> list[dict]:
    """The records read (import_seed_rows.sql) as rows: column -> text (None for NULL), in column order."""
    names = [c.name for c in t.columns]
    return [dict(zip(names, record(text))) for text in texts]


def seed(t: m.Table, rows: list[dict]) -> dict:
    """`seed: {rows: [...]}` of the table (the key is its primary key, the default); a column's NULL is left out
    of its row when the column has no default (the same as writing null)."""
    columns = {c.name: c for c in t.columns}
    written = []
    for r in rows:
        row = {}
        for name, text in r.items():
            c = columns.get(name)
            if text is None and c is not None and c.default is None and not c.serial and not c.identity:
                continue
            row[name] = value(c, text)
        written.append(row)
    return {"rows": written}
