"""What the tests share that is not a fixture: the frozen "today", the in-process CLI, the
real-process command line and terminal, files to import, and readings of a store.

Fixtures (the clock, a store per test, the CLI on it) are in conftest.py; tests import
everything else from here (`from helpers import Cli, write`).
"""

from __future__ import annotations

import fcntl
import importlib
import json
import os
import pty
import pwd
import shlex
import sqlite3
import struct
import subprocess
import sys
import termios
from collections.abc import Callable, Mapping
from contextlib import closing
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from typer.testing import CliRunner, Result

from stream_exempt.cli.app import app
from stream_exempt.model import Exemption

LONDON = ZoneInfo("Europe/London")
# Monday 4 January 2027, noon in London: "today" in most tests.
MONDAY = datetime(2027, 1, 4, 12, 0, tzinfo=LONDON)
# The `clock` fixture's value: call it to move the frozen time to another instant.
Clock = Callable[[datetime], None]


def os_login() -> str:
    """The login running the tests, as the operating system names it: what every change
    records as its actor (SPEC 7), whatever LOGNAME says (set to "tester" by conftest)."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid-{uid}"


class Cli:
    """Runs stream-exempt in-process through Typer's CliRunner against one store: a SQLite file
    (a `Path`) or a PostgreSQL database (its URL, a `str`).

    `location` is what `--db` is given; `shown` is how the tool names the store in its messages
    (a URL without its password). `store_path` is the SQLite file: a test that reads it is about
    SQLite files and must be marked `sqlite_only`.
    """

    def __init__(self, store: Path | str) -> None:
        self.location = str(store)
        self.postgres = is_postgres(self.location)
        self._path = None if self.postgres else Path(store)
        self.shown = shown_url(self.location) if self.postgres else self.location
        self.runner = CliRunner()

    @property
    def store_path(self) -> Path:
        if self._path is None:
            raise SqliteOnlyError(
                f"this test reads the SQLite file of its store, but the store is {self.shown}: "
                "use cli.location / cli.shown / cli.has_store(), or mark the test sqlite_only"
            )
        return self._path

    def has_store(self) -> bool:
        """Whether the store exists: the SQLite file, or the schema in the PostgreSQL database."""
        return bool(snapshot(self.location)) if self.postgres else self.store_path.exists()

    def __call__(
        self, *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None
    ) -> Result:
        return self.runner.invoke(
            app,
            ["--db", self.location, *args],
            input=input,
            env=env,
            catch_exceptions=False,
        )

    def ok(self, *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
        result = self(*args, input=input, env=env)
        assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
        return result

    def add(self, student: str = "201234567", *extra: str) -> int:
        """Add an exemption (placement for 2 weeks from 11 Jan 2027 unless told) and return its id."""
        options = list(extra)
        if "--type" not in options:
            options += ["--type", "placement"]
        if "--start" not in options:
            options += ["--start", "2027-01-11"]
        if "--end" not in options and "--for" not in options:
            options += ["--for", "2w"]
        return int(self.ok("add", student, *options, "-q").stdout.strip())


def listed(cli: Cli, *args: str) -> list[dict[str, Any]]:
    """Every exemption `list` gives (deleted and expired too), as its JSON records."""
    rows: list[dict[str, Any]] = json.loads(
        cli.ok("list", "--status", "all", "--format", "json", *args).stdout
    )
    return rows


def record(cli: Cli, exemption_id: int) -> dict[str, Any]:
    """Exemption `exemption_id` as `list` gives it in JSON (deleted and expired too)."""
    return next(r for r in listed(cli) if r["id"] == exemption_id)


def ids_in(cli: Cli, *args: str) -> list[str]:
    """The student IDs of every exemption `list` gives (deleted and expired too)."""
    return [r["student_id"] for r in listed(cli, *args)]


def write(folder: Path, data: str | bytes, *, name: str = "cohort.csv", encoding: str = "utf-8") -> str:
    """A file to import (text in `encoding`, or bytes as they are) in `folder`: its path."""
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return str(path)


def open_location(location: Path | str, *, create: bool = False) -> Any:
    """The store at `location` (a SQLite path or a PostgreSQL URL), opened as the tool opens it
    (`stream_exempt.store.open_store`); close it after use."""
    store_module = importlib.import_module("stream_exempt.store")
    opener = getattr(store_module, "open_store", None)
    if opener is None:  # before the PostgreSQL store: SQLite alone
        return store_module.Store.open(Path(location), create=create)
    return opener(location if is_postgres(location) else Path(location), create=create)


def is_postgres(location: Path | str) -> bool:
    """Whether a store location is a PostgreSQL URL (SPEC 12) rather than a SQLite file."""
    return str(location).startswith(("postgresql:", "postgres:"))


def shown_url(url: str) -> str:
    """A PostgreSQL URL as messages show it: without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}"))


class SqliteOnlyError(AssertionError):
    """A test that reads the SQLite file ran on a PostgreSQL store: mark it sqlite_only."""


def snapshot(location: Path | str) -> dict[str, list[tuple[object, ...]]]:
    """Everything a store holds, table by table, to prove that nothing was written: {} when
    there is no store (no SQLite file; no table in the PostgreSQL database)."""
    if is_postgres(location):
        return _postgres_snapshot(str(location))
    path = Path(location)
    if not path.exists():
        return {}
    conn = sqlite3.connect(path)
    try:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def scalar(location: Path | str, query: str) -> Any:
    """The one value `query` (SQL without parameters, the same on both backends) gives."""
    if is_postgres(location):
        import psycopg

        with psycopg.connect(str(location)) as pg:
            row = pg.execute(query).fetchone()
    else:
        with closing(sqlite3.connect(location)) as conn:
            row = conn.execute(query).fetchone()
    assert row is not None
    return row[0]


def _postgres_snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            (schema, name)
            for schema, name in conn.execute(
                "SELECT table_schema, table_name FROM information_schema.tables"
                " WHERE table_type = 'BASE TABLE'"
                " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
            )
        ]
        return {
            name if schema == "public" else f"{schema}.{name}": sorted(
                conn.execute(f'SELECT * FROM "{schema}"."{name}"').fetchall(),
                key=repr,
            )
            for schema, name in tables
        }


def exemption(
    start: date = date(2027, 1, 11),
    end: date = date(2027, 1, 24),
    *,
    in_force_from: date = date(2027, 1, 6),
    id: int = 1,
    student_id: str = "201234567",
    type: str = "placement",
    deleted: bool = False,
    deleted_on: date | None = None,
) -> Exemption:
    """A recorded exemption for tests of the rules: a fortnight's placement unless told.

    `deleted=True` without a day: deleted before it started (so deleted on every day)."""
    if deleted and deleted_on is None:
        deleted_on = date.min
    return Exemption(
        id=id,
        student_id=student_id,
        type=type,
        start=start,
        end=end,
        reason=None,
        batch=None,
        created_by="tester",
        created_at="2027-01-04T12:00:00Z",
        in_force_from=in_force_from,
        deleted_on=deleted_on,
    )


def command(store: Path | str, *args: str) -> list[str]:
    """The command line that runs stream-exempt as a real process on `store`."""
    return [sys.executable, "-m", "stream_exempt", "--db", str(store), *args]


def shell(store: Path | str, script: str) -> subprocess.CompletedProcess[str]:
    """Run `script` in bash, where `SE` is the command; its last line prints `rc=<status>`."""
    program = f"{shlex.quote(sys.executable)} -m stream_exempt --db {shlex.quote(str(store))}"
    return subprocess.run(
        ["bash", "-c", f'SE() {{ {program} "$@"; }}\n{script}'],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "80"},
    )


def read_terminal(leader: int) -> bytes:
    """Everything written to a pseudo-terminal until the process on its other side has ended
    (reading then fails, or gives nothing), and the terminal closed."""
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process has ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return b"".join(chunks)


def run_on_terminal(program: list[str], env: Mapping[str, str], *, columns: int = 200) -> tuple[bytes, str]:
    """Run `program` (in `env`) with its standard output on a pseudo-terminal `columns` wide and
    50 lines high; it must succeed. What it wrote to the terminal, and its standard error."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen(
        program, stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE, env=dict(env)
    )
    os.close(follower)
    raw = read_terminal(leader)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return raw, err.decode()
