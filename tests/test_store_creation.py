"""Where a store comes from (SPEC 2): a command that creates one says so, a missing shared
store is made again only by `init --group`, and a failed `init` leaves nothing behind."""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

import pytest

from helpers import Cli

pytestmark = pytest.mark.sqlite_only("SQLite store files: creation at a path, shared folders of a Unix group")

ADD = ["add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w"]
REQUEST = ["request", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w", "--from", "Dr Jones"]


def cohort(tmp_path: Path) -> str:
    path = tmp_path / "cohort.csv"
    path.write_text("student_id\n201234567\n", encoding="utf-8")
    return str(path)


def bulk(tmp_path: Path, *extra: str) -> list[str]:
    return ["bulk", cohort(tmp_path), "-t", "placement", "-s", "+1w", "--for", "1w", *extra]


@pytest.mark.parametrize("command", ["add", "request", "bulk"])
def test_a_command_that_creates_the_store_says_so(clock: object, tmp_path: Path, command: str) -> None:
    path = tmp_path / "typo" / "exemptions.db"
    args = {"add": ADD, "request": REQUEST, "bulk": bulk(tmp_path)}[command]
    first = Cli(path).ok(*args)
    assert first.stderr.splitlines()[0] == f"Created a new store at {path}."
    assert path.exists()
    again = Cli(path)(*args)  # the store is there now: not announced again
    assert "Created a new store" not in again.stderr


def test_a_relative_path_is_named_as_written(
    clock: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = Cli(Path("mistyped.db")).ok(*ADD, "-q")
    assert result.stderr == "Created a new store at mistyped.db.\n"
    assert result.stdout == "1\n"
    assert (tmp_path / "mistyped.db").exists()


def own_group() -> str:
    return grp.getgrgid(os.getgid()).gr_name


@pytest.fixture
def lost_shared_store(tmp_path: Path) -> Path:
    """A shared store's folder (group-owned, setgid, 2770) whose store file has been deleted."""
    folder = tmp_path / "office"
    folder.mkdir()
    os.chown(folder, -1, os.getgid())
    folder.chmod(0o2770)
    return folder / "exemptions.db"


@pytest.mark.parametrize(
    "args",
    [ADD, REQUEST, ["init"], ["list"], ["check", "201234567"], ["doctor"], ["extend", "1", "--by", "1w"]],
    ids=lambda args: args[0],
)
def test_a_missing_shared_store_is_not_made_again(
    clock: object, lost_shared_store: Path, args: list[str]
) -> None:
    result = Cli(lost_shared_store)(*args)
    assert result.exit_code == 4, (result.stdout, result.stderr)
    assert result.stderr == (
        f"Error: The shared store {lost_shared_store} is missing (its folder {lost_shared_store.parent} is "
        f"shared by the group {own_group()}); restore it from a backup, or make a new empty one with "
        f"`sudo stream-exempt --db {lost_shared_store} init --group {own_group()}`.\n"
    )
    assert not lost_shared_store.exists()


def test_nor_does_a_dry_run_treat_a_missing_shared_store_as_empty(
    clock: object, lost_shared_store: Path, tmp_path: Path
) -> None:
    for args in (bulk(tmp_path), bulk(tmp_path, "--dry-run")):
        result = Cli(lost_shared_store)(*args)
        assert result.exit_code == 4 and "The shared store" in result.stderr
    assert not lost_shared_store.exists()


def test_only_init_group_makes_the_shared_store_again(clock: object, lost_shared_store: Path) -> None:
    cli = Cli(lost_shared_store)
    assert cli(*ADD).exit_code == 4 and cli("init").exit_code == 4
    made = cli.ok("init", "--group", own_group())
    assert made.stdout.startswith(f"Created the store at {lost_shared_store} (")
    assert stat.S_IMODE(lost_shared_store.stat().st_mode) == 0o660
    cli.ok(*ADD)


def test_init_refuses_an_empty_group_name(bare_cli: Cli) -> None:
    result = bare_cli("init", "--group", "")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --group is empty; give the name of the Unix group whose members share the store, "
        "e.g. --group ses-office.\n"
    )
    assert "groupadd" not in result.stderr and not bare_cli.has_store()


def test_a_failed_init_group_leaves_no_folder_it_made(
    clock: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As for someone who may not give the folder to that group: the chown fails, after the
    # folders were made.
    def refuse(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted", str(args[0]))

    monkeypatch.setattr("stream_exempt.sharing.os.chown", refuse)
    path = tmp_path / "srv" / "office" / "exemptions.db"
    result = Cli(path)("init", "--group", own_group())
    assert result.exit_code == 4 and "Cannot share" in result.stderr
    assert list(tmp_path.iterdir()) == []
