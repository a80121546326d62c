"""`copy-store FROM TO` (SPEC 12): a whole store into an empty one, SQLite to PostgreSQL and back,
all or nothing, both sides compared before it commits."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from typer.testing import CliRunner, Result

from helpers import Cli, Clock, snapshot, write
from stream_exempt.cli.app import app
from stream_exempt.errors import StoreUnusable
from stream_exempt.store import copying


def copy_store(source: Path | str, target: Path | str) -> Result:
    return CliRunner().invoke(app, ["copy-store", str(source), str(target)], catch_exceptions=False)


def office(folder: Path, clock: Clock) -> Cli:
    """A SQLite store with something of everything: single exemptions and a bulk batch, a series,
    changes of every kind, deletions, requests waiting, approved and rejected, `--as` names."""
    from helpers import MONDAY

    cli = Cli(folder / "office.db")
    first = cli.add("201234567", "--reason", "NHS placement")
    cli.add(
        "201234568", "--type", "dissertation", "--start", "2027-01-06", "--for", "10d", "--as", "Dr Smith"
    )
    cohort = write(folder, "student_id\n201234570\n201234571\n201234572\n")
    cli.ok("bulk", cohort, "--type", "authorised-absence", "--start", "2027-01-07", "--for", "1w")
    cli.ok(
        "add",
        "201234580",
        "--type",
        "placement",
        "--start",
        "2027-01-11",
        "--for",
        "1d",
        "--every",
        "1w",
        "--count",
        "3",
    )
    cli.ok("extend", str(first), "--by", "1w")
    cli.ok("edit", str(first), "--reason", "NHS placement, ward 4")
    cli.ok("delete", "4", "--yes")
    cli.ok(
        "request",
        "201234590",
        "--type",
        "placement",
        "--start",
        "2027-02-01",
        "--for",
        "2w",
        "--from",
        "Dr Jones",
    )
    cli.ok(
        "request",
        "201234591",
        "--type",
        "placement",
        "--start",
        "2027-02-01",
        "--for",
        "2w",
        "--from",
        "Dr Jones",
    )
    cli.ok(
        "request",
        "201234592",
        "--type",
        "placement",
        "--start",
        "2027-02-01",
        "--for",
        "2w",
        "--from",
        "Dr Lee",
    )
    cli.ok("approve", "R1", "--as", "Head of SES")
    cli.ok("reject", "R2", "--reason", "No placement on record")
    # A week later: some have started, some ended, the deletion is a day in the past.
    clock(MONDAY.replace(day=18))
    return cli


def views(cli: Cli) -> dict[str, Any]:
    """What the commands show of a store: every exemption and request, their histories, batches."""
    exemptions = json.loads(cli.ok("list", "--status", "all", "--format", "json").stdout)
    requests = json.loads(cli.ok("requests", "--status", "all", "--format", "json").stdout)
    return {
        "list": exemptions,
        "history": {row["id"]: cli.ok("history", str(row["id"])).stdout for row in exemptions},
        "requests": requests,
        "request history": {row["id"]: cli.ok("history", str(row["id"])).stdout for row in requests},
        "batches": cli.ok("batches", "--format", "json").stdout,
        "summary": cli.ok("summary", "--format", "json").stdout,
    }


@pytest.fixture(params=["sqlite", "postgres"])
def middle(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where the round trip goes on its way back: a new file, or an empty PostgreSQL database."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("pg_empty")
        return url
    return tmp_path / "middle.db"


def test_a_round_trip_gives_the_same_store(tmp_path: Path, clock: Clock, middle: Path | str) -> None:
    source = office(tmp_path, clock)
    back = tmp_path / "back.db"
    there = copy_store(source.location, middle)
    assert there.exit_code == 0, there.output
    assert there.stdout.startswith("Copied 2 batches, 9 exemptions, 3 requests and 16 events from "), (
        there.stdout
    )
    assert "Checked: both stores hold the same rows of every table" in there.stdout
    # Grants belong to one database: a copy into PostgreSQL says how to give the office its roles.
    assert ("init --roles" in there.stderr) is isinstance(middle, str), there.stderr
    again = copy_store(middle, back)
    assert again.exit_code == 0, again.output
    assert again.stderr == f"Created a new store at {back}.\n"
    expected = views(source)
    assert views(Cli(middle)) == expected
    assert views(Cli(back)) == expected
    # The next id follows the copied ones, as it would have on the original.
    for cli in (source, Cli(middle), Cli(back)):
        assert cli.add("201234599", "--start", "2027-03-01") == 10
        assert cli.ok(
            "request",
            "201234598",
            "--type",
            "placement",
            "--start",
            "2027-03-01",
            "--for",
            "1w",
            "--from",
            "Dr Lee",
        ).stdout.startswith("Recorded request R4")


def test_a_target_that_holds_anything_is_refused(tmp_path: Path, clock: Clock, middle: Path | str) -> None:
    source = office(tmp_path, clock)
    target = Cli(middle)
    target.add("201234511", "--start", "2027-03-01")
    before = snapshot(middle)
    result = copy_store(source.location, middle)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: The store {target.shown} is not empty (it holds 1 exemption, 1 event); copy-store copies "
        "only into an empty store: give a new file, or an empty database.\n"
    )
    assert snapshot(middle) == before


def test_a_copy_that_fails_midway_leaves_nothing(
    tmp_path: Path, clock: Clock, middle: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = office(tmp_path, clock)
    made = copying.side
    calls: list[Any] = []

    def failing_after_requests(store: Any) -> Any:
        side = made(store)
        if not any(store is seen for seen in calls):
            calls.append(store)
        if len(calls) == 2 and store is calls[1]:  # the target (the source's side is asked for first)
            original = side.after_copy

            def after_copy(table: str) -> None:
                original(table)
                if table == "requests":
                    raise StoreUnusable("the server went away.")

            side.after_copy = after_copy  # type: ignore[method-assign]
        return side

    monkeypatch.setattr(copying, "side", failing_after_requests)
    result = copy_store(source.location, middle)
    assert (result.exit_code, result.stdout, result.stderr) == (4, "", "Error: The server went away.\n")
    if isinstance(middle, Path):
        assert not middle.exists()
        assert list(tmp_path.glob("middle.db*")) == []
    else:  # the schema made in the empty database stays; nothing was copied into it
        held = snapshot(middle)
        assert all(held[table] == [] for table in copying.TABLES)


def test_the_same_store_twice_is_refused(tmp_path: Path, clock: Clock) -> None:
    source = office(tmp_path, clock)
    before = snapshot(source.location)
    result = copy_store(source.location, tmp_path / "." / "office.db")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: FROM and TO are the same store")
    assert snapshot(source.location) == before


def test_a_missing_source_creates_nothing(tmp_path: Path, clock: Clock) -> None:
    result = copy_store(tmp_path / "nothing.db", tmp_path / "new.db")
    assert result.exit_code == 4
    assert result.stderr.startswith(f"Error: There is no store at {tmp_path / 'nothing.db'}")
    assert sorted(tmp_path.iterdir()) == []


def test_the_password_is_never_printed(
    tmp_path: Path, clock: Clock, pg_empty: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The URL is shown without its password, on success and on failure."""
    source = office(tmp_path, clock)
    secret = "s3cret-Pa55"
    parts = urlsplit(pg_empty)
    if not parts.hostname:
        pytest.skip("the test server is reached by its socket: no password to hide")
    port = f":{parts.port}" if parts.port else ""
    user = parts.username or os.environ.get("PGUSER", "postgres")
    with_password = urlunsplit(parts._replace(netloc=f"{user}:{secret}@{parts.hostname}{port}"))
    for result in (copy_store(source.location, with_password), copy_store(with_password, tmp_path / "b.db")):
        assert secret not in result.output
    wrong = with_password.replace(secret, "wrong-Pa55")
    failed = copy_store(source.location, wrong)
    assert "wrong-Pa55" not in failed.output
