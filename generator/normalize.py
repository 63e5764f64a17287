"""Free-form SQL of the model, as the server prints it.

The server rewrites what it stores: `now()` stays `now()`, but `'{}'` becomes `'{}'::jsonb`, `side IN ('BUY')`
becomes `((side)::text = ANY (...))`, a view's query is re-printed with casts and aliases. Comparing the model's text
with the catalog's would report drift that is not there. So the expected side goes through the server too: its
expressions and queries are created as shadow objects in pg_temp, inside a transaction that is always rolled back,
and read back with the same functions the inspector uses (pg_get_expr, pg_get_constraintdef, pg_get_indexdef,
pg_get_viewdef, pg_get_function_arguments). Shadow objects take no lock on live tables, except a share lock on
the sources of a view; they are created in batches so lock slots stay bounded. One that the server refuses (its
table is gone, an extension is missing) keeps the model's text, which then differs: that is drift anyway.

Tables stamped from one org template share a shape (same columns, defaults, checks, index expressions), so they
are shadowed once, not once per org.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

import psycopg
from psycopg import sql as psql

from . import model as m
from .sqltext import qualified, quote_ident

BATCH = 100  # shadow objects per transaction: lock slots stay far below max_locks_per_transaction x connections


class Normalizer:
    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.statements = 0  # counted apart from catalog queries
        self._n = 0

    def _name(self, prefix: str) -> str:
        self._n += 1
        return f"sg_{prefix}_{self._n}"

    def _batches(self, jobs: list[tuple[Callable[[], str | None], Callable[[str], object]]]) -> list:
        """Run (create, read) pairs in rolled-back transactions of BATCH; None where the server refused."""
        results: list = []
        for start in range(0, len(jobs), BATCH):
            chunk = jobs[start:start + BATCH]
            self.conn.execute("BEGIN")
            try:
                made = []
                for create, _ in chunk:
                    self.conn.execute("SAVEPOINT sg")
                    try:
                        made.append(create())
                        self.statements += 1
                        self.conn.execute("RELEASE SAVEPOINT sg")
                    except psycopg.Error:
                        self.conn.execute("ROLLBACK TO SAVEPOINT sg")
                        made.append(None)
                for name, (_, read) in zip(made, chunk):
                    results.append(None if name is None else read(name))
            finally:
                self.conn.execute("ROLLBACK")
        return results

    def _exec(self, statement: str) -> None:
        self.conn.execute(statement)

    def _one(self, query: str, *args):
        row = self.conn.execute(query, args).fetchone()
        return row[0] if row else None

    # -- tables: defaults, checks, index expressions and predicates, trigger WHEN --

    def table_shape(self, t: m.Table) -> tuple:
        return (tuple((c.name, c.type, c.default) for c in t.columns if not c.serial),
                tuple((k.name, k.expression) for k in t.checks),
                tuple((i.name, tuple(e.expression for e in i.elements), i.where) for i in t.indexes
                      if i.where or any(e.expression for e in i.elements)),
                tuple((tr.name, tr.function, tr.when, tr.events, tr.timing) for tr in t.triggers if tr.when))

    def tables(self, tables: list[m.Table]) -> list[m.Table]:
        shapes: dict[tuple, m.Table] = {}
        for t in tables:
            shape = self.table_shape(t)
            if any(shape) and shape not in shapes:
                shapes[shape] = t
        jobs = [(lambda t=t: self._shadow_table(t), lambda name: self._read_table(name))
                for t in shapes.values()]
        read = dict(zip(shapes, self._batches(jobs)))
        return [self._apply_table(t, read.get(self.table_shape(t))) for t in tables]

    def _shadow_table(self, t: m.Table) -> str:
        name = self._name("t")
        cols = [f"{quote_ident(c.name)} {c.type}" + (f" DEFAULT {c.default}" if c.default else "")
                for c in t.columns if not c.serial] + [f"{quote_ident(c.name)} {c.type}" for c in t.columns if c.serial]
        cols += [f"CONSTRAINT {quote_ident(k.name)} CHECK ({k.expression})" for k in t.checks]
        self._exec(f"CREATE TEMP TABLE {name} ({', '.join(cols)})")
        for n, i in enumerate(t.indexes):
            if not (i.where or any(e.expression for e in i.elements)):
                continue
            elements = ", ".join(quote_ident(e.column) if e.column else f"({e.expression})" for e in i.elements)
            method = f" USING {i.method}" if i.method != "btree" else ""
            where = f" WHERE {i.where}" if i.where else ""
            self._exec(f"CREATE INDEX {name}_i{n} ON {name}{method} ({elements}){where}")
        for n, tr in enumerate(t.triggers):
            if tr.when:
                events = " OR ".join(e.upper() for e in tr.events)
                self._exec(f"CREATE TRIGGER {name}_tr{n} {tr.timing.upper()} {events} ON {name} FOR EACH ROW "
                           f"WHEN ({tr.when}) EXECUTE FUNCTION {qualified(*tr.function.rsplit('.', 1))}()")
        return name

    def _read_table(self, name: str) -> dict:
        rel = f"pg_temp.{name}"
        defaults = dict(self.conn.execute(
            "SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a "
            "ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = %s::regclass", (rel,)).fetchall())
        checks = {k: v.removeprefix("CHECK ") for k, v in self.conn.execute(
            "SELECT conname, pg_get_constraintdef(oid, true) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'c'", (rel,)).fetchall()}
        indexes = {}
        for iname, defs, pred in self.conn.execute(
                "SELECT c.relname, ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, "
                "i.indnkeyatts) k), pg_get_expr(i.indpred, i.indrelid, true) FROM pg_index i JOIN pg_class c ON "
                "c.oid = i.indexrelid WHERE i.indrelid = %s::regclass", (rel,)).fetchall():
            indexes[int(iname.rsplit("_i", 1)[1])] = (defs, pred)
        whens = {}
        for tname, definition in self.conn.execute(
                "SELECT tgname, pg_get_triggerdef(oid, true) FROM pg_trigger WHERE tgrelid = %s::regclass",
                (rel,)).fetchall():
            found = re.search(r"\sWHEN \((.*)\) EXECUTE (?:FUNCTION|PROCEDURE) ", definition, re.S)
            whens[int(tname.rsplit("_tr", 1)[1])] = found[1] if found else None
        return {"defaults": defaults, "checks": checks, "indexes": indexes, "whens": whens}

    @staticmethod
    def _apply_table(t: m.Table, read: dict | None) -> m.Table:
        if not read:
            return t
        cols = tuple(replace(c, default=read["defaults"].get(c.name)) if c.default else c for c in t.columns)
        checks = tuple(replace(k, expression=read["checks"].get(k.name, k.expression)) for k in t.checks)
        indexes = []
        for n, i in enumerate(t.indexes):
            if n in read["indexes"]:
                defs, pred = read["indexes"][n]
                elements = tuple(replace(e, expression=defs[k]) if e.expression else e
                                 for k, e in enumerate(i.elements))
                i = replace(i, elements=elements, where=pred)
            indexes.append(i)
        triggers = tuple(replace(tr, when=read["whens"].get(n, tr.when)) if tr.when else tr
                         for n, tr in enumerate(t.triggers))
        return replace(t, columns=cols, checks=checks, indexes=tuple(indexes), triggers=triggers)

    # -- views, materialized views, continuous aggregates: their queries --

    def queries(self, texts: list[str]) -> dict[str, str]:
        unique = list(dict.fromkeys(texts))

        def create(q: str) -> str:
            name = self._name("v")
            self._exec(f"CREATE TEMP VIEW {name} AS\n{q}")
            return name

        jobs = [(lambda q=q: create(q), lambda name: self._one("SELECT pg_get_viewdef(%s::regclass, true)",
                                                                 f"pg_temp.{name}")) for q in unique]
        return {q: r for q, r in zip(unique, self._batches(jobs)) if r is not None}

    # -- functions: arguments and result as the server prints them --

    def functions(self, functions: list[m.Function]) -> list[m.Function]:
        def create(f: m.Function) -> str:
            name = self._name("f")
            args = ", ".join(" ".join(filter(None, [a.mode.upper() if a.mode != "in" else "",
                                                    quote_ident(a.name) if a.name else "", a.type,
                                                    f"DEFAULT {a.default}" if a.default else ""]))
                             for a in f.arguments)
            self._exec("SET LOCAL check_function_bodies = off")
            self._exec(psql.SQL("CREATE FUNCTION pg_temp.{}({}) RETURNS {} LANGUAGE {} AS {}").format(
                psql.Identifier(name), psql.SQL(args), psql.SQL(f.returns), psql.Identifier(f.language),
                psql.Literal(f.body)).as_string(self.conn))
            return name

        def read(name: str):
            return self.conn.execute(
                "SELECT pg_get_function_arguments(p.oid), pg_get_function_result(p.oid) FROM pg_proc p "
                "WHERE p.proname = %s AND p.pronamespace = pg_my_temp_schema()", (name,)).fetchone()

        results = self._batches([(lambda f=f: create(f), read) for f in functions])
        out = []
        for f, r in zip(functions, results):
            out.append(replace(f, arguments=(m.Argument(None, r[0]),), returns=r[1]) if r else f)
        return out


def normalize(conn: psycopg.Connection, db: m.Database) -> tuple[m.Database, int]:
    """The expected database with its free-form SQL as the server prints it, and the statements it took."""
    n = Normalizer(conn)
    tables = n.tables(list(db.tables))
    texts = [v.query for v in db.views] + [c.query for c in db.continuous_aggregates]
    printed = n.queries(texts) if texts else {}
    views = tuple(replace(v, query=printed.get(v.query, v.query)) for v in db.views)
    caggs = tuple(replace(c, query=printed.get(c.query, c.query)) for c in db.continuous_aggregates)
    functions = tuple(n.functions(list(db.functions))) if db.functions else ()
    return replace(db, tables=tuple(tables), views=views, continuous_aggregates=caggs, functions=functions), n.statements
