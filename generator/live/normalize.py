"""Free-form SQL and types of the model, as the server prints them.

The server rewrites what it stores: `now()` stays `now()`, but `'{}'` becomes `'{}'::jsonb`, `side IN ('BUY')`
becomes `((side)::text = ANY (...))`, a view's query is re-printed with casts and aliases. Comparing the model's
text with the catalog's would report drift that is not there. So the expected side goes through the server too:
its tables, views and functions are created as shadow objects in pg_temp (templates sql/normalize_*.sql, names
quoted by sqltext through the loader) and read back with the functions the inspector uses (format_type,
pg_get_expr, pg_get_constraintdef, pg_get_indexdef, pg_get_triggerdef, pg_get_viewdef, pg_get_function_result; a
function's arguments one by one, with sql/function_arguments.sql as inspect reads them).

- It all happens inside the caller's transaction, which is always rolled back, in savepoints of BATCH objects
  that are rolled back as soon as they are read: rolling back a savepoint releases its locks, so lock slots stay
  bounded (max_locks_per_transaction is 64) whatever the number of objects. Temp objects take no lock on live
  tables, except a share lock on the sources of a view while its batch lasts.
- A batch is sent as one multi-statement string and read back with one query per kind: the number of round
  trips grows with the number of batches, not of objects. When the server refuses a statement of a batch (its
  source table is gone, an extension is missing), the batch runs again one statement per savepoint; what is
  refused keeps the model's text, which then differs: that is drift anyway. Lock timeouts and other operational
  errors are not swallowed.
- Tables are shadowed once per distinct shape (column types and defaults, check expressions, index expressions
  and predicates, trigger WHEN clauses: no names), so the org tables stamped from one template share one shadow
  and the count does not grow with orgs. Views and continuous aggregates are shadowed once per distinct query
  (an org's query names that org's tables, so one per org, in batches).

`statements` counts what this sent (batches and read-backs), apart from the inspector's catalog queries.
"""
from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg.rows import dict_row

from schemagen import model as m
from schemagen.live import sql
from schemagen.live.inspect import WHEN, arguments
from schemagen.model import replace
from schemagen.sqlparse import is_null_constant
from schemagen.sqltext import dollar_quote, quote_ident

# Errors that say nothing about the model's SQL and must not read as "the server refuses this object" (which
# would leave the model's text unprinted and report false drift): a lock timeout, out of shared memory, and a
# read-only transaction (a role with default_transaction_read_only, a hot standby) where no shadow can be made.
NOT_THE_MODELS = (psycopg.OperationalError, psycopg.errors.ReadOnlySqlTransaction)

BATCH = 10  # objects per savepoint: a shadow table holds up to ~5 locks (itself, toast, indexes)
_PREFIX = "sg_shadow_"


class Normalizer:
    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.statements = 0
        self._n = 0

    def _name(self, kind: str) -> str:
        self._n += 1
        return f"{_PREFIX}{kind}{self._n}"

    def _exec(self, text: str, params=None) -> list[tuple]:
        self.statements += 1
        cur = self.conn.execute(text, params)
        return cur.fetchall() if cur.description else []

    def _read(self, name: str, names: list[str]) -> list[tuple]:
        """A read-back query of sql/ over the shadow objects of these names."""
        return self._exec(sql.query(name), (names,))

    def _batches(self, objects: list[tuple[str, list[str]]], read, size: int = BATCH,
                 prelude: str | None = None) -> dict[str, object]:
        """objects: (shadow name, statements; the first creates it). Runs them in rolled-back savepoints of
        `size` objects (each starting with `prelude`) and returns read(names created) merged: {name: read}."""
        out: dict[str, object] = {}
        for start in range(0, len(objects), size):
            chunk = objects[start:start + size]
            with self.conn.transaction(force_rollback=True):
                if prelude:
                    self._exec(prelude)
                try:
                    with self.conn.transaction():
                        self._exec(";\n".join(s for _, stmts in chunk for s in stmts))
                    made = [name for name, _ in chunk]
                except NOT_THE_MODELS:
                    raise
                except psycopg.Error:
                    made = [name for name, stmts in chunk if self._one_by_one(stmts)]
                if made:
                    out.update(read(made))
        return out

    def _one_by_one(self, statements: list[str]) -> bool:
        """Each statement in its own savepoint; False when the first (the object itself) is refused."""
        for k, statement in enumerate(statements):
            try:
                with self.conn.transaction():
                    self._exec(statement)
            except NOT_THE_MODELS:
                raise
            except psycopg.Error:
                if k == 0:
                    return False
        return True

    # -- tables: column types and defaults, checks, index expressions and predicates, trigger WHEN --

    @staticmethod
    def table_shape(t: m.Table) -> tuple:
        return (tuple((c.name, c.type, None if c.serial else c.default) for c in t.columns),
                tuple(k.expression for k in t.checks),
                tuple((i.method, tuple((e.column, e.expression, e.opclass) for e in i.elements), i.where)
                      for i in t.indexes if _shadowed(i)),
                tuple((tr.function, tr.timing, tr.events, tr.for_each, tr.when) for tr in t.triggers
                      if tr.when and tr.timing != "instead of"))

    def _shadow_table(self, name: str, shape: tuple) -> list[str]:
        columns, checks, indexes, triggers = shape
        table = ("pg_temp", name)  # pg_temp is searched last: a same-named table elsewhere would win
        statements = shadow_table(table, [(c, t) for c, t, _ in columns])
        # one statement per default, check, index and trigger: the slow path can refuse one and keep the others
        statements += [sql.compose("normalize_default", table=table, column=c, default=default)
                       for c, _, default in columns if default]
        statements += [sql.compose("normalize_check", table=table, name=f"c{k}", expression=expr)
                       for k, expr in enumerate(checks)]
        for k, (method, elements, where) in enumerate(indexes):
            keys = ", ".join((quote_ident(col) if col else f"({expr})") + (f" {opclass}" if opclass else "")
                             for col, expr, opclass in elements)
            statements.append(sql.compose("normalize_index", markers={"where"} if where else (), name=f"{name}_i{k}",
                                          table=table, method=method, keys=keys, where=where))
        for k, (function, timing, events, for_each, when) in enumerate(triggers):
            statements.append(sql.compose(
                "normalize_trigger", name=f"t{k}", timing=timing.upper(), events=" OR ".join(e.upper() for e in events),
                table=table, for_each=for_each.upper(), when=when, function=tuple(function.rsplit(".", 1))))
        return statements

    def _read_tables(self, names: list[str]) -> dict[str, dict]:
        out = {n: {"columns": {}, "checks": {}, "indexes": {}, "whens": {}} for n in names}
        for rel, col, ctype, default in self._read("normalize_read_columns", names):
            out[rel]["columns"][col] = (ctype, default)
        for rel, con, definition in self._read("normalize_read_checks", names):
            out[rel]["checks"][int(con[1:])] = definition.removeprefix("CHECK ")
        # operator classes as the inspector reads them: none where it is the default one of the type and method
        for rel, index, defs, pred, opclasses in self._read("normalize_read_indexes", names):
            out[rel]["indexes"][int(index.rsplit("_i", 1)[1])] = (defs, pred, opclasses)
        for rel, trigger, definition in self._read("normalize_read_triggers", names):
            found = WHEN.search(definition)
            out[rel]["whens"][int(trigger[1:])] = found[1] if found else None
        return out

    def tables(self, tables: Sequence[m.Table]) -> list[m.Table]:
        names: dict[tuple, str] = {}
        for t in tables:
            names.setdefault(self.table_shape(t), "")
        for shape in names:
            names[shape] = self._name("t")
        read = self._batches([(n, self._shadow_table(n, s)) for s, n in names.items()], self._read_tables)
        memo: dict = {}  # org tables of one template share their columns and checks: rebuilt once, not per org
        return [self._apply_table(t, read.get(names[shape]), memo)
                for t, shape in ((t, self.table_shape(t)) for t in tables)]

    @staticmethod
    def _apply_table(t: m.Table, read: dict | None, memo: dict) -> m.Table:
        if not read:
            return t
        key = (id(read), t.columns, t.checks)
        if key not in memo:
            cols = []
            for c in t.columns:
                ctype, default = read["columns"].get(c.name, (c.type, None))
                # a default the server refused (its function is gone) keeps the model's text: it differs, as it
                # should; a NULL the server stored no default for is none (`default: "NULL"` is no drift)
                if not default and c.name in read["columns"] and is_null_constant(c.default):
                    default = None
                elif not default:
                    default = c.default
                cols.append(replace(c, type=ctype, default=None if c.serial else default))
            memo[key] = tuple(cols), tuple(replace(k, expression=read["checks"].get(n, k.expression))
                                           for n, k in enumerate(t.checks))
        columns, checks = memo[key]
        indexes, n = [], 0
        for i in t.indexes:
            if _shadowed(i):
                if n in read["indexes"]:
                    defs, pred, opclasses = read["indexes"][n]
                    elements = tuple(replace(e, expression=defs[k] if e.expression else None,
                                             opclass=opclasses[k] if e.opclass else None)
                                     if e.expression or e.opclass else e for k, e in enumerate(i.elements))
                    i = replace(i, elements=elements, where=pred)
                n += 1
            indexes.append(i)
        triggers, n = [], 0
        for tr in t.triggers:
            if tr.when and tr.timing != "instead of":
                tr = replace(tr, when=read["whens"].get(n, tr.when))
                n += 1
            triggers.append(tr)
        return replace(t, columns=columns, checks=checks, indexes=tuple(indexes), triggers=tuple(triggers))

    # -- views, materialized views, continuous aggregates: their queries --

    def queries(self, texts: Sequence[str]) -> dict[str, tuple[str, str]]:
        """query text -> (pg_get_viewdef(v, true), pg_get_viewdef(v)): views are compared pretty-printed,
        continuous aggregates as timescaledb_information prints them (not pretty)."""
        names = {q: self._name("v") for q in dict.fromkeys(texts)}

        def read(made: list[str]) -> dict:
            return {r[0]: (r[1], r[2]) for r in self._read("normalize_read_views", made)}

        read_back = self._batches([(n, [sql.compose("normalize_view", view=("pg_temp", n), query=q)])
                                   for q, n in names.items()], read, 25)
        return {q: read_back[n] for q, n in names.items() if n in read_back}

    # -- functions: arguments and result as the server prints them --

    def functions(self, functions: Sequence[m.Function]) -> list[m.Function]:
        def read(made: list[str]) -> dict:
            self.statements += 1
            with self.conn.cursor(row_factory=dict_row) as cur:
                return {r["name"]: r for r in cur.execute(sql.query("normalize_read_functions"), (made,))}

        names = [self._name("f") for _ in functions]
        # bodies are compared as text, not compiled: a body naming a missing table is still read back
        read_back = self._batches([(n, [_shadow_function(n, f)]) for n, f in zip(names, functions)], read, 50,
                                  prelude=sql.query("normalize_no_body_check"))
        return [replace(f, arguments=arguments(read_back[n]), returns=read_back[n]["returns"])
                if n in read_back else f for n, f in zip(names, functions)]


def shadow_table(table: tuple[str, str], columns: Sequence[tuple[str, str]]) -> list[str]:
    """A shadow table of these (name, type) columns: created empty, then one statement per column, so that a
    type the server lacks (an extension not installed) costs that column only, not the table's other columns,
    defaults, checks and policies."""
    return [sql.compose("normalize_table", table=table)] + [
        sql.compose("normalize_column", table=table, column=c, type=t) for c, t in columns]


def _shadow_function(name: str, f: m.Function) -> str:
    """CREATE FUNCTION of a shadow function in pg_temp: the model's arguments, result, language and body."""
    args = ", ".join(
        sql.compose("normalize_argument", markers=[k for k, v in (("mode", a.mode != "in"), ("name", a.name),
                                                                   ("default", a.default)) if v],
                    mode=a.mode.upper(), name=a.name or "", type=a.type, default=a.default or "")
        for a in f.arguments)
    return sql.compose("normalize_function", function=("pg_temp", name), arguments=args, returns=f.returns,
                       language=f.language, body=dollar_quote(f.body))


def _shadowed(i: m.Index) -> bool:
    """An index whose shadow the server must print: a predicate, an expression, or an operator class written out
    (the model may name the default one, which the catalog does not)."""
    return bool(i.where or any(e.expression or e.opclass for e in i.elements))


def normalize(conn: psycopg.Connection, db: m.Database) -> tuple[m.Database, int]:
    """The expected database with its free-form SQL and types as the server prints them, and the number of
    statements that took. Must run inside a transaction that the caller rolls back."""
    n = Normalizer(conn)
    tables = n.tables(db.tables)
    texts = [v.query for v in db.views] + [c.query for c in db.continuous_aggregates]
    printed = n.queries(texts) if texts else {}
    views = tuple(replace(v, query=printed[v.query][0]) if v.query in printed else v for v in db.views)
    caggs = tuple(replace(c, query=printed[c.query][1]) if c.query in printed else c
                  for c in db.continuous_aggregates)
    functions = tuple(n.functions(db.functions))
    return replace(db, tables=tuple(tables), views=views, continuous_aggregates=caggs,
                   functions=functions), n.statements
