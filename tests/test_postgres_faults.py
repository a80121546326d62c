"""A PostgreSQL store when the server misbehaves (SPEC 12), and real processes racing on it.

Each fault is exit 4 with one sentence on stderr: never a traceback, never the password, nothing
written. These tests need a real server (see conftest.py: `pg_server`); the races run on both
stores.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from typer.testing import Result

from helpers import Cli, command, open_location, scalar, snapshot

if TYPE_CHECKING:
    from conftest import PostgresServer

pytestmark = pytest.mark.slow

# SPEC 12 sums it up as "not a stream-exempt store; run init"; the sentence says both, and more.
NOT_A_STORE = ("not a stream-exempt store", "stream-exempt init")
ADD = ("add", "201234567", "--type", "placement", "--start", "+1w", "--for", "2w")
READS: list[tuple[str, ...]] = [
    ("list",),
    ("check", "201234567"),
    ("history", "1"),
    ("requests",),
    ("batches",),
    ("summary",),
    ("doctor",),
]


def one_sentence(result: Result, *, secret: str | None = None) -> str:
    """The refusal of a store that cannot be used: exit 4, nothing on stdout, one sentence on
    stderr (no traceback, no password): that sentence."""
    assert result.exit_code == 4, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and lines[0].endswith("."), lines[0]
    assert "Traceback" not in result.stderr and "psycopg" not in result.stderr, result.stderr
    if secret is not None:
        assert secret not in result.stderr
    return lines[0]


def tcp_url(server: PostgresServer, database: str, *, user: str, password: str | None = None) -> str:
    """A URL reaching the server over TCP (where it asks for a password), not its socket."""
    port = os.environ.get("PGPORT", "5432")
    who = user if password is None else f"{user}:{password}"
    return f"postgresql://{who}@127.0.0.1:{port}/{database}"


def database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def backends_of(server: PostgresServer, database: str) -> list[int]:
    """The server processes connected to `database` (the tests' own admin connection is on
    another database)."""
    rows = server.admin.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (database,)
    ).fetchall()
    return [pid for (pid,) in rows]


def waiting_backend(server: PostgresServer, database: str, process: subprocess.Popen[Any]) -> int:
    """The server process of `process`'s command once it waits for a lock on `database`."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = server.admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            (database,),
        ).fetchall()
        if rows:
            return int(rows[0][0])
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)  # polling the server for a state, not timing
    raise AssertionError("the command never waited for the lock")


def free_port() -> int:
    """A TCP port on this machine with nothing listening on it."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def role(pg_server: PostgresServer) -> Iterator[tuple[str, str]]:
    """A login role with a password: (its name, the password)."""
    name = f"{pg_server.prefix}_role_{os.getpid()}"
    password = "right-horse-battery-staple"
    pg_server.admin.execute(f'DROP ROLE IF EXISTS "{name}"')
    pg_server.admin.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'")
    yield name, password
    pg_server.admin.execute(f'DROP ROLE IF EXISTS "{name}"')


# -- the server refuses or is not there ---------------------------------------------------------


@pytest.mark.parametrize("args", [ADD, ("list",)], ids=["add", "list"])
def test_a_server_that_cannot_be_reached_is_exit_4(
    pg_server: PostgresServer, clock: Callable[[datetime], None], args: tuple[str, ...]
) -> None:
    url = f"postgresql://someone:sesame-open@127.0.0.1:{free_port()}/exemptions?connect_timeout=5"
    started = time.monotonic()
    said = one_sentence(Cli(url)(*args), secret="sesame-open")
    assert time.monotonic() - started < 10  # within connect_timeout, not a hang
    assert "127.0.0.1" in said


@pytest.mark.parametrize("args", [ADD, ("list",)], ids=["add", "list"])
def test_a_wrong_password_is_exit_4_and_never_shown(
    pg_server: PostgresServer,
    pg_store: str,
    role: tuple[str, str],
    clock: Callable[[datetime], None],
    args: tuple[str, ...],
) -> None:
    import psycopg

    name, password = role
    database = database_of(pg_store)
    # The right password is let in over TCP: so it is the password that is refused below.
    psycopg.connect(tcp_url(pg_server, database, user=name, password=password)).close()
    before = snapshot(pg_store)
    wrong = "wrong-horse-battery-staple"
    said = one_sentence(Cli(tcp_url(pg_server, database, user=name, password=wrong))(*args), secret=wrong)
    assert password not in said and "password" in said.lower()
    assert snapshot(pg_store) == before


@pytest.mark.parametrize("args", [ADD, ("list",), ("init",)], ids=["add", "list", "init"])
def test_a_missing_database_is_exit_4_and_never_created(
    pg_server: PostgresServer, clock: Callable[[datetime], None], args: tuple[str, ...]
) -> None:
    missing = f"{pg_server.prefix}_missing_{os.getpid()}"
    said = one_sentence(Cli(pg_server.url(missing))(*args))
    assert missing in said
    exists = pg_server.admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (missing,)).fetchone()
    assert exists is None  # the database is made by the DBA, never by the tool (SPEC 12)


@pytest.mark.parametrize("args", READS, ids=[a[0] for a in READS])
def test_a_read_on_a_database_without_the_schema_is_exit_4_and_makes_none(
    pg_empty: str, clock: Callable[[datetime], None], args: tuple[str, ...]
) -> None:
    said = one_sentence(Cli(pg_empty)(*args))
    assert all(words in said for words in NOT_A_STORE), said
    assert snapshot(pg_empty) == {}


def test_a_write_on_a_database_without_the_schema_creates_it_and_says_so(
    pg_empty: str, clock: Callable[[datetime], None]
) -> None:
    cli = Cli(pg_empty)
    first = cli(*ADD, "-q")
    assert first.exit_code == 0, first.stderr
    assert first.stdout == "1\n"
    assert first.stderr == f"Created a new store at {cli.shown}.\n"
    again = cli(*ADD[:2], "--type", "dissertation", "--start", "+5w", "--for", "1w", "-q")
    assert again.exit_code == 0 and again.stderr == "" and again.stdout == "2\n"


# -- the connection is lost --------------------------------------------------------------------


def test_a_connection_lost_between_two_operations_of_one_store_is_the_stores_error(
    pg_server: PostgresServer, pg_store: str
) -> None:
    """The store object lets the driver's error through; `backend_error` (what every command's
    error handling asks) makes it the store's one sentence."""
    from stream_exempt.errors import StoreUnusable
    from stream_exempt.store import backend_error

    cli = Cli(pg_store)
    cli.add()
    store = open_location(pg_store)
    try:
        assert [e.id for e in store.select()] == [1]
        (pid,) = backends_of(pg_server, database_of(pg_store))
        pg_server.admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(Exception) as lost:
            store.select()
    finally:
        with suppress(Exception):  # closing a dead connection may complain; what matters is above
            store.close()
    error = lost.value if isinstance(lost.value, StoreUnusable) else backend_error(lost.value, pg_store)
    assert isinstance(error, StoreUnusable), repr(lost.value)
    said = str(error)
    assert "\n" not in said and "Traceback" not in said and "lost" in said, said
    assert cli.ok("list", "--ids").stdout == "1\n"  # the next command connects again


def test_a_connection_lost_between_two_commands_costs_nothing(
    pg_server: PostgresServer, pg_store: str
) -> None:
    """Each command connects anew: a server restart (every connection ended) between two
    commands is not seen by the second."""
    cli = Cli(pg_store)
    cli.add()
    for pid in backends_of(pg_server, database_of(pg_store)):
        pg_server.admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert cli.ok("list", "--ids").stdout == "1\n"


@pytest.mark.parametrize("args", [("list", "--format", "csv"), ("check", "201234567")], ids=["list", "check"])
def test_a_read_whose_connection_is_ended_mid_command_is_exit_4(
    pg_server: PostgresServer, pg_store: str, args: tuple[str, ...]
) -> None:
    import psycopg

    Cli(pg_store).add()
    with psycopg.connect(pg_store) as holder:
        holder.execute("LOCK TABLE exemptions IN ACCESS EXCLUSIVE MODE")  # the command waits for it
        reader = subprocess.Popen(
            command(pg_store, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        pid = waiting_backend(pg_server, database_of(pg_store), reader)
        pg_server.admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        out, err = reader.communicate(timeout=60)
        holder.rollback()
    assert reader.returncode == 4, (reader.returncode, out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert len(out.splitlines()) <= 1, out  # a streamed listing may have said its header: no row
    assert "Traceback" not in err


def test_a_bulk_whose_server_process_is_killed_writes_nothing(
    pg_server: PostgresServer, pg_store: str, tmp_path: Path
) -> None:
    import psycopg

    cohort = tmp_path / "cohort.csv"
    cohort.write_text("student_id\n" + "".join(f"{300000000 + i}\n" for i in range(2000)))
    Cli(pg_store).add()
    before = snapshot(pg_store)
    with psycopg.connect(pg_store) as holder:
        holder.execute("LOCK TABLE exemptions IN ACCESS EXCLUSIVE MODE")
        bulk = subprocess.Popen(
            command(pg_store, "bulk", str(cohort), "--type", "placement", "--start", "+1w", "--for", "2w"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        pid = waiting_backend(pg_server, database_of(pg_store), bulk)
        pg_server.admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        out, err = bulk.communicate(timeout=60)
        holder.rollback()
    assert bulk.returncode == 4, (bulk.returncode, out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert "Traceback" not in err
    assert snapshot(pg_store) == before  # nothing of the batch, no event, no batch row


# -- real processes at once, on both stores --------------------------------------------------------


def run_all(commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "COLUMNS": "200"}
    processes = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for c in commands
    ]
    results = []
    for process, args in zip(processes, commands, strict=True):
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    return results


def clean(results: list[subprocess.CompletedProcess[str]]) -> None:
    for result in results:
        assert result.returncode != 70, result.stderr
        for word in ("Traceback", "could not serialize", "deadlock", "locked"):
            assert word not in result.stderr, result.stderr


def test_eight_processes_adding_overlapping_exemptions_for_one_student_leave_one(
    store_location: Path | str,
) -> None:
    results = run_all(
        [
            command(
                store_location,
                "add",
                "201234567",
                "--type",
                "placement",
                "--start",
                f"+{7 + i}d",
                "--for",
                "2w",
            )
            for i in range(8)
        ]
    )
    clean(results)
    codes = sorted(r.returncode for r in results)
    assert codes == [0] + [2] * 7, [r.stderr for r in results]
    assert all("already has exemption 1 " in r.stderr for r in results if r.returncode == 2), [
        r.stderr for r in results
    ]
    assert scalar(store_location, "SELECT count(*) FROM exemptions") == 1


def test_four_processes_approving_one_request_approve_it_once(store_location: Path | str) -> None:
    asked = subprocess.run(
        command(
            store_location,
            "request",
            "201234567",
            "-t",
            "placement",
            "-s",
            "+2w",
            "--for",
            "1w",
            "--from",
            "Dr Jones",
        ),
        capture_output=True,
        text=True,
    )
    assert asked.returncode == 0, asked.stderr
    results = run_all([command(store_location, "approve", "R1")] * 4)
    clean(results)
    codes = sorted(r.returncode for r in results)
    assert codes == [0, 2, 2, 2], [r.stderr for r in results]
    assert all("already approved" in r.stderr for r in results if r.returncode == 2), [
        r.stderr for r in results
    ]
    assert scalar(store_location, "SELECT count(*) FROM exemptions") == 1
