"""Shared fixtures: a frozen clock, a private store per test, and the CLI runner."""

from __future__ import annotations

import os
import pwd
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from typer.testing import CliRunner

from stream_exempt import config
from stream_exempt.cli.app import app
from stream_exempt.model import Exemption
from stream_exempt.store import Store

LONDON = ZoneInfo("Europe/London")
# Monday 4 January 2027, noon in London: "today" in most tests.
MONDAY = datetime(2027, 1, 4, 12, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in (
        "STREAM_EXEMPT_DB",
        "STREAM_EXEMPT_TZ",
        "STREAM_EXEMPT_ID_PATTERN",
        "STREAM_EXEMPT_DEBUG",
        "STREAM_EXEMPT_CONFIG",
    ):
        monkeypatch.delenv(name, raising=False)
    # No configuration file of the machine running the tests: an empty per-user folder (also for
    # the real processes tests start) and no system file.
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setattr(config, "SYSTEM_FILE", home / "etc" / "config.toml")
    monkeypatch.setenv("COLUMNS", "200")  # deterministic Rich tables
    monkeypatch.setenv("LOGNAME", "tester")


def os_login() -> str:
    """The login running the tests, as the operating system names it: what every change
    records as its actor (SPEC 7), whatever LOGNAME says (set to "tester" above)."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid-{uid}"


@pytest.fixture
def login() -> str:
    return os_login()


@pytest.fixture
def clock() -> Iterator[Callable[[datetime], None]]:
    """Freeze time at MONDAY; call the fixture's value to move to another instant."""
    traveller = time_machine.travel(MONDAY, tick=False)
    frozen = traveller.start()

    def move_to(moment: datetime) -> None:
        frozen.move_to(moment)

    yield move_to
    traveller.stop()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "exemptions.db"


class Cli:
    """Runs stream-exempt in-process through Typer's CliRunner against one store."""

    def __init__(self, store_path: Path) -> None:
        self.store_path = store_path
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return self.runner.invoke(
            app,
            ["--db", str(self.store_path), *args],
            input=input,
            env=env,
            catch_exceptions=False,
        )

    def ok(self, *args: str, **kwargs):  # type: ignore[no-untyped-def]
        result = self(*args, **kwargs)
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


@pytest.fixture
def cli(store_path: Path, clock: Callable[[datetime], None]) -> Cli:
    """The CLI on an empty store, as `init` (or a first write) would leave it.

    Read commands never create a store (SPEC 2); a test of a missing store uses `bare_cli`.
    """
    Store.open(store_path, create=True).close()
    return Cli(store_path)


@pytest.fixture
def bare_cli(store_path: Path, clock: Callable[[datetime], None]) -> Cli:
    """The CLI with no store at its path yet."""
    return Cli(store_path)


def snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Everything a store holds, table by table, to prove that nothing was written."""
    import sqlite3

    if not path.exists():
        return {}
    conn = sqlite3.connect(path)
    try:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


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


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


os.environ.setdefault("COLUMNS", "200")


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


def shell(store: Path, script: str) -> subprocess.CompletedProcess[str]:
    """Run `script` in bash, where `SE` is the command; its last line prints `rc=<status>`."""
    program = f"{shlex.quote(sys.executable)} -m stream_exempt --db {shlex.quote(str(store))}"
    return subprocess.run(
        ["bash", "-c", f'SE() {{ {program} "$@"; }}\n{script}'],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "80"},
    )
