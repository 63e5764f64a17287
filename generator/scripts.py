"""Scripts: what `render` produces and `apply` runs, statement by statement, each knowing its object.

The text written to out/ is rendered from these statements; apply runs the same statements from memory, so what
is applied is byte for byte what a reviewer read in out/. The phases (which numbered file holds which kind of
object) are here too: `PHASES` is the one place that decides the order of the init files.
"""
from __future__ import annotations

from dataclasses import dataclass

from schemagen.model import ObjectKey


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

    @property
    def filename(self) -> str:
        return f"{self.number:03d}_{self.phase}.sql"

    @property
    def relpath(self) -> str:
        """Path under out/: `<database>/NNN_phase.sql` or `<database>/rollback/NNN_phase.sql`."""
        return f"{self.database}/rollback/{self.filename}" if self.rollback else f"{self.database}/{self.filename}"


@dataclass(frozen=True)
class Phase:
    number: int  # fixed per phase: a phase that gains its first object adds a file and renumbers nothing
    name: str
    why: str  # why it comes where it does (kept next to the number, where a reader looks for it)
    undo: str | None = None  # when its rollback has nothing to run: why (written into the rollback file)


PHASES: tuple[Phase, ...] = (
    Phase(10, "extensions", "everything else may use their types and functions (timescaledb, vector, ...)"),
    Phase(20, "schemas", "tables, views and functions live in them"),
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
    Phase(110, "triggers", "they need their table and their function; created after the objects they may touch"),
    Phase(120, "seed", "rows last among shared objects: tables, defaults and triggers all exist"),
)


# One file per org after every shared phase: an org's objects may use every shared object, and adding an org
# adds a file without renumbering any other. Inside it, the org's objects follow PHASES' order.
ORG_NUMBER = 900


BY_NAME = {p.name: p for p in PHASES}


def rollback_number(number: int) -> int:
    """The rollback file's number: reversed, so `ls rollback/` runs the undo in the right order."""
    return 1000 - number
