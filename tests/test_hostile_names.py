"""Issue 13, "Nothing injected through names and paths" and "No password is ever printed", as real attacks.

- tests/hostile/names/: hostile models. `# expect: <message>`: refused (exit 2) at the `# <-` line, nothing
  written; `# valid: ...`: rendered, every file parsed by pglast holds exactly the model's statements, and psql runs
  them on ts-apache with no other statement and no meta-command.
- the model file's own name in the headers (`m\\n\\\\! touch x\\n.yaml`), symbolic links under out/, ESC and BEL in
  names a low-privilege role plants in the live database, read back by a superuser's diff and apply.
- tests/hostile/dsns.txt: hostile DSNs, each with its password, through the real CLI (diff, apply, rollback, verify,
  DATABASE_URL) against real servers: a throwaway PostgreSQL 15 that really asks for passwords (scram-sha-256),
  ts-apache for unknown databases and server-side errors, closed ports and unresolvable hosts.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from pathlib import Path

import pytest
from helpers import run_cli
from pglast import parse_sql
from psycopg import sql
from servers import connect
from test_render_psql import PSQL

from schemagen.load import load_model
from schemagen.render import prelude, render

HOSTILE = Path(__file__).parent / "hostile"
MODELS = sorted((HOSTILE / "names").glob("*.yaml"))
REFUSED = [p for p in MODELS if p.read_text().startswith("# expect:")]
VALID = [p for p in MODELS if p.read_text().startswith("# valid")]
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # anything but a newline, unescaped

SMALL = """\
databases:
  app:
    schemas:
      s:
        tables:
          t:
            columns: {id: {type: int, primary_key: true}, note: text}
"""


def _psql_files(dsn: str, files: list[Path], cwd: Path) -> None:
    for f in files:
        r = subprocess.run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", str(f)], cwd=cwd,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"psql failed on {f}:\n{r.stderr}"


def _init_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.sql"))


def _assert_exact_statements(model_path: Path, out: Path) -> int:
    """Every rendered file parses, and holds the model's statements plus BEGIN and COMMIT, no more."""
    model = load_model(model_path)
    checked = 0
    for script in render(model):
        text = (out / script.relpath).read_bytes().decode()
        header = text.split("\n")[:4]
        assert all(line.startswith("-- ") for line in header) and text.split("\n")[4] == "", header
        pins = len(prelude(model.database(script.relpath.split("/", 1)[0])))  # SET LOCAL search_path, ...
        assert len(parse_sql(text)) == len(script.statements) + 2 + pins, script.relpath
        checked += 1
    return checked


# --- hostile names --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", REFUSED, ids=lambda p: p.stem)
def test_hostile_name_refused_where_written(path, tmp_path):
    expect = path.read_text().split("\n", 1)[0].removeprefix("# expect:").strip()
    line = next(n for n, text in enumerate(path.read_text().split("\n"), 1) if "# <-" in text)
    code, out, err = run_cli("validate", "-m", str(path))
    assert code == 2 and "Traceback" not in err
    assert any(f"{path}:{line}:" in row and expect in row for row in err.splitlines()), err
    assert not RAW_CONTROL.search(out + err), "a control character reached the terminal unescaped"
    code, _, err = run_cli("render", "-m", str(path), "-o", str(tmp_path / "out"))
    assert code == 2 and not (tmp_path / "out").exists()


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_hostile_text_renders_only_the_models_statements(path, tmp_path, ts_apache_db):
    out = tmp_path / "out"
    code, _, err = run_cli("render", "-m", str(path), "-o", str(out))
    assert code == 0, err
    assert _assert_exact_statements(path, out) >= 4
    (folder,) = list(out.iterdir())
    _psql_files(ts_apache_db.dsn, _init_files(folder), tmp_path)
    assert ts_apache_db.scalar("SELECT count(*) FROM pg_class WHERE relname = 'pwned'") == 0
    assert not (tmp_path / "pwned").exists()
    _psql_files(ts_apache_db.dsn, _init_files(folder / "rollback"), tmp_path)


@pytest.mark.parametrize("name", ["m\n\\! touch x\n.yaml", "m\r\\! touch x\r.yaml", "m\u2028x\x1b[2J\x85.yaml",
                                  "m\n; CREATE TABLE pwned (x int); --.yaml", "m\udcff\x1b.yaml"])
def test_model_file_name_cannot_leave_the_header(name, tmp_path, ts_apache_db):
    model = tmp_path / name
    model.write_text(SMALL)
    out = tmp_path / "out"
    code, _, err = run_cli("render", "-m", str(model), "-o", str(out))
    assert code == 0, err
    assert _assert_exact_statements(model, out) == 4
    header = (out / "app" / "030_tables.sql").read_text().split("\n")[0]
    assert "touch x" not in header or "\\n" in header or "\\r" in header, header
    _psql_files(ts_apache_db.dsn, _init_files(out / "app"), tmp_path)
    assert not (tmp_path / "x").exists(), "psql ran a shell command from a header"
    assert ts_apache_db.scalar("SELECT count(*) FROM pg_class WHERE relname = 'pwned'") == 0


# --- symbolic links under out/ ------------------------------------------------------------------------------

@pytest.fixture
def rendered(tmp_path):
    model = tmp_path / "model.yaml"
    model.write_text(SMALL)
    out = tmp_path / "out"
    assert run_cli("render", "-m", str(model), "-o", str(out))[0] == 0
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine\n")
    return model, out, victim


def _render(model: Path, out: Path, *extra: str) -> tuple[int, str]:
    code, _, err = run_cli("render", "-m", str(model), "-o", str(out), *extra)
    assert "Traceback" not in err
    return code, err


def test_render_refuses_to_write_through_a_linked_file(rendered):
    model, out, victim = rendered
    target = out / "app" / "030_tables.sql"
    target.unlink()
    target.symlink_to(victim / "keep.txt")
    for extra in ((), ("--check",)):
        code, err = _render(model, out, *extra)
        assert code == 2 and str(target) in err and "symbolic link" in err, err
    assert (victim / "keep.txt").read_text() == "mine\n"


@pytest.mark.parametrize("check", [False, True], ids=["render", "render --check"])
def test_render_refuses_a_fifo_in_place_of_a_script(rendered, check):
    """A FIFO where a script goes (no process at its other end): render must neither hang on it nor write into it;
    it refuses, exit 2, naming it. Run in a thread with a deadline, so a hang fails the test instead of CI."""
    import os
    import threading
    model, out, _ = rendered
    target = out / "app" / "030_tables.sql"
    target.unlink()
    os.mkfifo(target)
    got: list = []
    worker = threading.Thread(target=lambda: got.append(_render(model, out, *(["--check"] if check else []))),
                              daemon=True)
    worker.start()
    worker.join(20)
    if worker.is_alive():  # unblock the hung open/read so the daemon thread can end, then fail
        fd = os.open(target, os.O_RDWR | os.O_NONBLOCK)
        os.close(fd)
        pytest.fail("render hung on a FIFO in out/")
    code, err = got[0]
    assert code in (1, 2) if check else code == 2, err
    assert str(target) in err, err
    assert target.is_fifo()


def test_render_refuses_a_linked_rollback_folder(rendered):
    model, out, victim = rendered
    rollback = out / "app" / "rollback"
    for f in rollback.iterdir():  # the victim's folder looks like one of ours: render would rewrite and clean it
        (victim / f.name).write_bytes(f.read_bytes())
    (victim / "900_org_gone.sql").write_bytes((rollback / "970_tables.sql").read_bytes())
    before = sorted(p.name for p in victim.iterdir())
    for f in rollback.iterdir():
        f.unlink()
    rollback.rmdir()
    rollback.symlink_to(victim)
    for extra in ((), ("--check",)):
        code, err = _render(model, out, *extra)
        assert code == 2 and str(rollback) in err, err
    assert sorted(p.name for p in victim.iterdir()) == before


def test_render_refuses_a_linked_database_folder(rendered):
    model, out, victim = rendered
    (out / "app" / "rollback").rename(victim / "rollback")
    for f in (out / "app").iterdir():
        f.rename(victim / f.name)
    (out / "app").rmdir()
    (out / "app").symlink_to(victim)
    before = {p.name: p.read_bytes() for p in victim.iterdir() if p.is_file()}
    code, err = _render(model, out)
    assert code == 2 and str(out / "app") in err
    assert {p.name: p.read_bytes() for p in victim.iterdir() if p.is_file()} == before


def test_render_never_follows_a_linked_folder_of_a_removed_database(rendered):
    """`out/old` linked elsewhere, holding files that name database `old` in their header: not ours to delete."""
    model, out, victim = rendered
    for f in (out / "app").glob("*.sql"):
        (victim / f.name).write_text(f.read_text().replace("-- database: app", "-- database: old"))
    (out / "old").symlink_to(victim)
    before = sorted(p.name for p in victim.iterdir())
    code, err = _render(model, out)
    assert code == 0, err
    assert sorted(p.name for p in victim.iterdir()) == before


# --- ESC and BEL from the live database -----------------------------------------------------------------------

ESCAPES = "evil\x1b]0;owned\x07\x1b[2J\x9b31m"


@pytest.fixture
def hostile_role(ts_apache_db):
    name = f"sg_hostile_{uuid.uuid4().hex[:10]}"
    with connect(ts_apache_db.server.dsn) as c:
        c.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    yield name
    with ts_apache_db.connect() as c:
        c.execute(sql.SQL("DROP OWNED BY {} CASCADE").format(sql.Identifier(name)))
    with connect(ts_apache_db.server.dsn) as c:
        c.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def test_names_planted_in_the_live_database_reach_the_terminal_escaped(ts_apache_db, hostile_role, tmp_path):
    model = tmp_path / "model.yaml"
    model.write_text(SMALL)
    assert run_cli("apply", "--dsn", ts_apache_db.dsn, "-m", str(model))[0] == 0
    with ts_apache_db.connect() as c:
        c.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA s TO {}").format(sql.Identifier(hostile_role)))
    role_dsn = re.sub(r"//[^@/]*@", f"//{hostile_role}@", ts_apache_db.dsn)
    with connect(role_dsn) as c:  # the low-privilege role plants its objects
        c.execute(sql.SQL("CREATE TABLE s.{} (x int)").format(sql.Identifier(ESCAPES)))
        c.execute(sql.SQL("CREATE INDEX {} ON s.{} (x)").format(sql.Identifier(ESCAPES + "_i"),
                                                               sql.Identifier(ESCAPES)))
    code, out, err = run_cli("diff", "--dsn", ts_apache_db.dsn, "-m", str(model))
    assert code == 1 and "evil\\x1b]0;owned\\x07\\x1b[2J\\x9b31m" in out, out
    assert not RAW_CONTROL.search(out + err)
    code, out, err = run_cli("diff", "--dsn", ts_apache_db.dsn, "-m", str(model), "--format", "json")
    objects = [c["object"] for d in json.loads(out)["databases"] for c in d["changes"]]
    assert code == 1 and any(ESCAPES in o for o in objects)  # JSON: valid, and the name exactly as it is
    assert "\x1b" not in out and "\x07" not in out
    model.write_text(SMALL + "          u: {columns: {id: int}}\n")
    code, out, err = run_cli("apply", "--dsn", ts_apache_db.dsn, "-m", str(model))
    assert code in (0, 1) and "Traceback" not in err
    assert not RAW_CONTROL.search(out + err)


# --- passwords ------------------------------------------------------------------------------------------------

def _dsn_cases() -> list[tuple[str, str, str, str]]:
    """(password, exit codes, what stderr says, DSN template) from tests/hostile/dsns.txt."""
    cases = []
    for line in (HOSTILE / "dsns.txt").read_text().split("\n"):
        if line.strip() and not line.startswith("#"):
            password, codes, says, dsn = line.split("\t")
            cases.append(pytest.param(password, codes, says, dsn, id=dsn))
    return cases


ROLE_PASSWORD = "R1ght-S3cretPW"  # the role of the throwaway server that asks for passwords


@pytest.fixture(scope="module")
def asking_server():
    """A throwaway PostgreSQL 15 (tests/faults.py) whose TCP logins need a password (scram-sha-256), with a role
    `hostile` that has one: a wrong password is really refused by a real server."""
    from faults import PG15, PrivateServer

    if not (PG15 / "initdb").exists():
        message = f"no PostgreSQL 15 in {PG15}: start the test servers with `scripts/testdb.sh start`, as root"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    server = PrivateServer()
    try:
        server.start()
        with connect(server.dsn) as c:
            c.execute(sql.SQL("CREATE ROLE hostile LOGIN PASSWORD {}").format(sql.Literal(ROLE_PASSWORD)))
        hba = server.data / "pg_hba.conf"
        hba.write_text("local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
        server._run(PG15 / "pg_ctl", "-D", server.data, "reload")
        yield server
    finally:
        server.remove()


def _fill(template: str, asking, apache_port: str) -> str:
    return template.replace("{asking}", str(asking.port)).replace("{apache}", apache_port)


def _secrets(password: str) -> set[str]:
    """The password, its decoded form, and its pieces between URI delimiters of 4 characters or more."""
    from urllib.parse import unquote

    return {password, unquote(password)} | {p for p in re.split(r"[@/:?#]", password) if len(p) >= 4}


@pytest.mark.parametrize("password,codes,says,template", _dsn_cases())
def test_no_password_in_any_output(password, codes, says, template, asking_server, ts_apache_db, tmp_path, monkeypatch):
    apache_port = re.search(r":(\d+)/", ts_apache_db.server.dsn)[1]
    dsn = _fill(template, asking_server, apache_port)
    model = tmp_path / "model.yaml"
    model.write_text(SMALL)
    runs = [("diff", "--dsn", dsn), ("apply", "--dsn", dsn), ("rollback", "--dsn", dsn),
            ("apply", "--dsn", dsn, "--dry-run"), ("diff", "--dsn", dsn, "--format", "json"), ("verify", "--dsn", dsn)]
    outputs = [(args, *run_cli(*args, "-m", str(model))) for args in runs]
    monkeypatch.setenv("DATABASE_URL", dsn)
    outputs += [(("DATABASE_URL", cmd), *run_cli(cmd, "-m", str(model)))
                for cmd in ("diff", "apply", "rollback", "verify")]
    for args, code, out, err in outputs:
        text = out + err
        assert str(code) in codes.split(","), (args, code, err)
        assert "Traceback" not in err and says in err, (args, err)
        for secret in _secrets(password):  # a short one as a word: `e` is in every message
            found = secret in text if len(secret) >= 4 else re.search(rf"(?<!\w){re.escape(secret)}(?!\w)", text)
            assert not found, (args, secret, err)
        assert not re.search(r"\w\*\*\*|\*\*\*\w", text), f"*** inside a word: {err}"
        if password == "e":  # a one-letter password leaves every other `e` alone
            assert "e" in err.replace("error", "")
