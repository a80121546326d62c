"""The store: a private SQLite file in WAL mode, migrated forward, refusing what is not a store."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from helpers import Cli
from stream_exempt import schema
from stream_exempt.cli.app import app
from stream_exempt.errors import StoreUnusable
from stream_exempt.store import Store

pytestmark = pytest.mark.sqlite_only(
    "about SQLite files themselves: paths, permissions, WAL, damaged and foreign files, schema versions"
)


def test_a_new_store_is_private_in_wal_with_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "store.db"
    Store.open(path, create=True).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (path.parent, path.parent.parent):  # every level it made
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = [
        n
        for (n,) in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'stream-exempt'")
    ]
    assert names == list(schema.NAMES)


def test_connection_settings(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.db", create=True)
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_nothing_is_ever_physically_deleted(cli: Cli) -> None:
    cli.add()
    conn = sqlite3.connect(cli.store_path)
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        conn.execute("DELETE FROM exemptions")
    with pytest.raises(sqlite3.IntegrityError, match="never"):
        conn.execute("UPDATE events SET actor = 'someone else'")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a database, just text\n" * 100, "not a stream-exempt store"),
        (b"\x00" * 4096, "not a stream-exempt store"),
    ],
)
def test_a_file_that_is_not_a_store_is_exit_4(cli: Cli, content: bytes, message: str) -> None:
    cli.store_path.write_bytes(content)
    result = cli("list")
    assert result.exit_code == 4
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert cli.store_path.read_bytes() == content


def test_another_sqlite_database_is_not_a_store(bare_cli: Cli) -> None:
    cli = bare_cli
    conn = sqlite3.connect(cli.store_path)
    conn.execute("CREATE TABLE accounts (id INTEGER)")
    conn.commit()
    conn.close()
    result = cli("list")
    assert result.exit_code == 4 and "not a stream-exempt store" in result.stderr


@pytest.mark.parametrize(
    "args", [["list"], ["add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w"]]
)
def test_a_folder_in_its_place_is_exit_4(bare_cli: Cli, args: list[str]) -> None:
    bare_cli.store_path.mkdir()
    result = bare_cli(*args)
    assert result.exit_code == 4 and "is a folder" in result.stderr


def test_a_newer_schema_is_exit_4_asking_to_upgrade(cli: Cli) -> None:
    cli.add()
    conn = sqlite3.connect(cli.store_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('stream-exempt', '0099_future', 'x')"
    )
    conn.commit()
    conn.close()
    result = cli("list")
    assert result.exit_code == 4 and "upgrade stream-exempt" in result.stderr


def test_store_path_from_environment_and_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from stream_exempt.cli.app import app

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    runner = CliRunner()
    add = ["add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w", "-q"]
    assert runner.invoke(app, add, env={"STREAM_EXEMPT_DB": str(tmp_path / "env.db")}).exit_code == 0
    assert (tmp_path / "env.db").exists()
    assert runner.invoke(app, ["list"]).exit_code == 4  # the default store does not exist yet
    assert runner.invoke(app, add).exit_code == 0
    assert runner.invoke(app, ["list"]).exit_code == 0
    assert list(tmp_path.glob("**/stream-exempt/exemptions.db"))


def test_unusable_store_raises_store_unusable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreUnusable, match="cannot create the store"):
        Store.open(blocker / "sub" / "store.db", create=True)


def _read_only(path: Path) -> None:
    """Make a file unwritable, even for root (who ignores permission bits)."""
    import os
    import subprocess

    if os.geteuid() != 0:
        path.chmod(0o444)
    else:
        subprocess.run(["chattr", "+i", str(path)], check=True)


def _writable(path: Path) -> None:
    import os
    import subprocess

    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    path.chmod(0o600)


def test_a_store_that_cannot_be_written_is_exit_4_and_can_still_be_read(cli: Cli) -> None:
    cli.add()
    (cli.store_path.parent / (cli.store_path.name + "-wal")).unlink(missing_ok=True)
    _read_only(cli.store_path)
    try:
        result = cli("add", "201234568", "-t", "placement", "-s", "+1w", "--for", "1w")
        listed = cli("list", "--ids")
    finally:
        _writable(cli.store_path)
    assert result.exit_code == 4
    assert result.stderr.startswith("Error: ") and "cannot be written" in result.stderr
    assert listed.exit_code == 0 and listed.stdout == "1\n"


def test_a_damaged_store_is_exit_4_and_doctor_says_so(cli: Cli, tmp_path: Path) -> None:
    cohort = tmp_path / "c.csv"
    cohort.write_text("sid\n" + "".join(f"{300000000 + i}\n" for i in range(3000)))
    cli.ok("bulk", str(cohort), "-t", "placement", "-s", "+1w", "--for", "1w")
    assert cli.ok("doctor").stdout.splitlines()[-1] == "verdict        healthy"
    with cli.store_path.open("r+b") as store:
        store.seek(4096 * 20 + 100)
        store.write(b"\xff" * 3000)
    result = cli("doctor")
    assert result.exit_code == 4
    assert "is damaged" in result.stderr and "restore it from a backup" in result.stderr
    assert result.stderr.startswith(f"Error: The store {cli.store_path} is damaged (")
    assert result.stderr.count("\n") == 1 and result.stdout.splitlines()[-1] == "verdict        NOT healthy"


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--format", "csv"],
        ["check", "201234567"],
        ["check", "--file", "FEED"],
        ["history", "1"],
        ["doctor"],
        ["extend", "1", "--by", "1w"],
        ["move", "1", "--by", "1w"],
        ["delete", "1", "--yes"],
        ["edit", "1", "--reason", "typo"],
        ["approve", "R1"],
        ["reject", "R1", "--reason", "no"],
        ["summary"],
        ["batches"],
        ["requests"],
    ],
)
def test_a_command_that_does_not_record_never_creates_the_store(
    clock: object, tmp_path: Path, args: list[str]
) -> None:
    """SPEC 2: a mistyped path fails loudly (exit 4, naming it) instead of answering from nothing."""
    feed = tmp_path / "feed.csv"
    feed.write_text("student_id\n201234567\n")
    path = tmp_path / "typo" / "deeper" / "exemptions.db"
    result = Cli(path)(*[str(feed) if a == "FEED" else a for a in args])
    assert result.exit_code == 4, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"Error: There is no store at {path}; check --db or STREAM_EXEMPT_DB, or create it with "
        "stream-exempt init (only a command that records something new creates one; reading or changing what exists never does)."
    ]
    assert not (tmp_path / "typo").exists()


def test_a_writing_command_creates_the_store_with_private_folders(bare_cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "exemptions.db"
    Cli(path).ok("add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (tmp_path / "a", tmp_path / "a" / "b"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_an_empty_db_option_is_refused_not_the_default_store(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = cli.store_path.parent / "default.db"
    monkeypatch.setenv("STREAM_EXEMPT_DB", str(default))
    result = cli.runner.invoke(
        app, ["--db", "", "add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w"]
    )
    assert result.exit_code == 2, result.output
    assert result.stderr == "Error: --db is empty; give the path of the store.\n"
    assert not default.exists()


def test_a_store_path_with_spaces_at_its_ends_is_quoted(cli: Cli, tmp_path: Path) -> None:
    result = cli.runner.invoke(app, ["--db", f"{tmp_path}/x.db ", "list"])
    assert result.exit_code == 4
    assert result.stderr.startswith(f'Error: There is no store at "{tmp_path}/x.db "; ')


def test_a_read_command_refuses_an_empty_file_and_leaves_it_empty(bare_cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text("student_id\n201234567\n")
    for command in (
        ["check", "201234567"],
        ["check", "--file", str(feed)],
        ["list"],
        ["doctor"],
        ["history", "1"],
    ):
        bare_cli.store_path.write_bytes(b"")
        result = bare_cli(*command)
        assert result.exit_code == 4, (command, result.output)
        assert result.stderr == (
            f"Error: {bare_cli.store_path} is empty, not a stream-exempt store; check --db or STREAM_EXEMPT_DB, "
            "or run `stream-exempt init` if you meant to create the store there.\n"
        )
        assert result.stdout == "" and bare_cli.store_path.stat().st_size == 0


def test_a_writing_command_may_make_an_empty_file_its_store(bare_cli: Cli) -> None:
    bare_cli.store_path.write_bytes(b"")
    bare_cli.add()
    assert bare_cli.ok("list", "--ids").stdout == "1\n"
    bare_cli.store_path.unlink()
    bare_cli.store_path.write_bytes(b"")
    assert bare_cli.ok("init").stdout.startswith("The store is ready at")
    assert bare_cli.ok("list", "--format", "csv").stdout.startswith("id,")
