"""Scripts: what `render` produces and `apply` runs, statement by statement, each knowing its object.

The text written to out/ is rendered from these statements (`Script.text`, filled by render); apply runs the same
statements from memory, so what is applied is byte for byte what a reviewer read in out/. The phases (which
numbered file holds which kind of object) are here too: `PHASES` is the one place that decides the order of the
init files. So is the search_path every script runs under, a pure function of the model's database.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from schemagen.model import Database, ObjectKey


@dataclass(frozen=True)
class Statement:
    sql: str  # one statement, ending with ";"
    object: str  # what it creates or drops, for messages: "table core.values_acme"
    feature: str | None = None  # one of the FEATURE_* names, None for plain PostgreSQL
    # False for the few statements PostgreSQL or TimescaleDB refuse inside a transaction block; they are
    # written after the file's COMMIT and run on their own by apply.
    transactional: bool = True
    # The object the statement acts on, as schemagen's ownership table keys it (ownership.py): apply refuses to
    # touch one that exists and is not recorded as schemagen's, rollback leaves such an object alone. None for
    # statements on no object of the model (a session setting, the public schema's comment).
    target: ObjectKey | None = None
    defines: bool = False  # it creates (init) or drops (rollback) the target itself, not only changes it


@dataclass(frozen=True)
class Script:
    database: str
    number: int  # 10, 20, ... for shared phases; 900 for org files (rollback: 1000 - number)
    phase: str  # "tables", "indexes", ... or "org_<key>"
    statements: tuple[Statement, ...]
    org: str | None = None
    rollback: bool = False
    # What render fills in (render.finish), from the statements above and these two:
    prelude: tuple[str, ...] = ()  # the settings the file pins right after BEGIN; apply runs them in each transaction
    source: str = ""  # the model file's name, as the header names it
    text: str = ""  # the exact content of the file
    lines: tuple[int, ...] = ()  # the line (1-based, in text) where each statement starts, in statement order
    notes: tuple[str, ...] = ()  # comment lines written before BEGIN (what `render --edition` left out)

    @property
    def filename(self) -> str:
        return f"{self.number:03d}_{self.phase}.sql"

    @property
    def relpath(self) -> str:
        """Path under out/: `<database>/NNN_phase.sql` or `<database>/rollback/NNN_phase.sql`."""
        return f"{self.database}/rollback/{self.filename}" if self.rollback else f"{self.database}/{self.filename}"

    @property
    def name(self) -> str:
        """The path within the database's folder, as the history records it: "900_org_acme.sql",
        "rollback/100_org_acme.sql"."""
        return f"rollback/{self.filename}" if self.rollback else self.filename

    @property
    def init_name(self) -> str:
        """The file name of the init script this one is or undoes: rollback/970_tables.sql undoes 030_tables.sql."""
        return f"{rollback_number(self.number):03d}_{self.phase}.sql" if self.rollback else self.filename

    @cached_property
    def checksum(self) -> str:
        """What the history records of the script: the sha256 of its text."""
        return checksum(self.text)


def checksum(text: str) -> str:
    """The history's checksum of a script's text: its sha256."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Phase:
    number: int  # fixed per phase: a phase that gains its first object adds a file and renumbers nothing
    name: str
    why: str  # why it comes where it does (kept next to the number, where a reader looks for it)
    undo: str | None = None  # when its rollback has nothing to run: why (written into the rollback file)


PHASES: tuple[Phase, ...] = (
    Phase(10, "extensions", "everything else may use their types and functions (timescaledb, vector, ...)"),
    Phase(20, "schemas", "tables, views and functions live in them"),
    Phase(25, "types", "enums, composites and domains: tables, functions and other types may use them; each after "
                       "the model types it is built on"),
    Phase(27, "sequences", "nextval() defaults of the tables read them. OWNED BY comes in 030_tables.sql, right "
                           "after the owning table's CREATE TABLE: it needs the table, and so the one idempotent "
                           "script that creates the table also ties the sequence to it (rollback/970_tables.sql "
                           "drops an owned sequence with its table; rollback/973_sequences.sql, after it, drops the "
                           "others, which the tables' defaults depended on, IF EXISTS)"),
    Phase(28, "early_functions", "the functions the tables need while they are created: called by a CHECK, a "
                                 "DEFAULT, an index expression or predicate (and what those functions call); one "
                                 "whose arguments or result name a table's row type cannot come here (validate "
                                 "refuses it)"),
    Phase(30, "tables", "columns and constraints; foreign key targets come before the tables that reference them"),
    Phase(40, "hypertables", "create_hypertable needs the table, and runs before the indexes so TimescaleDB "
                             "builds them on every chunk",
          undo="dropping the tables (rollback/970_tables.sql) removes the hypertables and their chunks"),
    Phase(50, "indexes", "on tables and hypertables (TimescaleDB repeats them on each chunk)"),
    Phase(60, "compression", "compression settings need the hypertable",
          undo="dropping the tables (rollback/970_tables.sql) removes their compression settings"),
    Phase(70, "policies", "compression and retention policies need the hypertable and its compression settings"),
    Phase(80, "functions", "bodies are not checked at creation (check_function_bodies = off), so they may name "
                           "objects of later phases; views, aggregates and triggers after them may call them"),
    Phase(90, "continuous_aggregates", "they read hypertables and may call functions; an aggregate built on "
                                       "another comes after it"),
    Phase(100, "views", "views and materialized views may read tables, continuous aggregates and functions"),
    Phase(105, "row_security", "ENABLE / FORCE ROW LEVEL SECURITY and policies: their expressions may call "
                               "functions and read views; before the triggers and the seed rows they govern"),
    Phase(110, "triggers", "they need their table and their function; created after the objects they may touch"),
    Phase(115, "grants", "privileges of every kind of object, after all the objects exist"),
    Phase(120, "seed", "rows last among shared objects: tables, defaults and triggers all exist"),
)


# One file per org after every shared phase: an org's objects may use every shared object, and adding an org
# adds a file without renumbering any other. Inside it, the org's objects follow PHASES' order.
ORG_NUMBER = 900


BY_NAME = {p.name: p for p in PHASES}


def rollback_number(number: int) -> int:
    """The rollback file's number: reversed, so `ls rollback/` runs the undo in the right order."""
    return 1000 - number


def extension_schema(db: Database | None, name: str) -> str:
    """The schema the model's extension `name` lives in: the one it names, else `public`. Never left to the server:
    under the scripts' search_path (pg_catalog first) CREATE EXTENSION would install it into pg_catalog. plpgsql's
    control file fixes pg_catalog. TimescaleDB's functions are called qualified with its schema."""
    for e in db.extensions if db else ():
        if e.name == name and e.schema:
            return e.schema
    return "pg_catalog" if name == "plpgsql" else "public"


def search_path(db: Database | None) -> tuple[str, ...]:
    """The search_path every script runs under (and the drift check prints expressions under): pg_catalog first,
    so a function or type another role plants in a writable schema never shadows a built-in (PostgreSQL's advice
    after CVE-2018-1058); then the extensions' schemas and `public`, where the model's free-form SQL finds its
    unqualified names (vector, uuid_generate_v4, time_bucket) as it did under the default path, and `public` when
    the model has objects there; no other schema: one that others may create in is then not searched at all;
    pg_temp last, explicitly, or it would be searched first."""
    schemas = [extension_schema(db, e.name) for e in (db.extensions if db else ())]
    schemas += ["public"] if db and any(s.name == "public" for s in db.schemas) else []
    return ("pg_catalog", *dict.fromkeys(s for s in schemas if s not in ("pg_catalog", "pg_temp")), "pg_temp")
