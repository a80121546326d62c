"""Each rule at its boundary (the day before, of and after), through every command that applies
it, so that breaking a rule in its one place (rules.py) fails a test of every such command.

Today is Monday 4 January 2027 (the `clock` fixture): an exemption recorded today is in force
from Wednesday 6 January (R6).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from helpers import Cli, snapshot, write

STUDENT = "201234567"
PLACEMENT = ("--type", "placement")


def _new(cli: Cli, tmp_path: Path, how: str, start: str, end: str) -> tuple[int, str]:
    """Create one exemption (placement, `start` to `end`) by `how`: its exit code and stderr."""
    dates = ("--start", start, "--end", end)
    if how == "add":
        result = cli("add", STUDENT, *PLACEMENT, *dates)
    elif how == "bulk":
        result = cli("bulk", write(tmp_path, f"student_id\n{STUDENT}\n"), *PLACEMENT, *dates)
    elif how == "series":  # the first occurrence decides: the second starts a week later
        result = cli("add", STUDENT, *PLACEMENT, *dates, "--every", "1w", "--count", "2")
    else:
        assert how == "approve"
        cli.ok("request", STUDENT, *PLACEMENT, *dates, "--from", "Dr Jones")
        result = cli("approve", "R1")
    return result.exit_code, result.stderr


CREATING = ["add", "bulk", "series", "approve"]


@pytest.mark.parametrize("how", CREATING)
@pytest.mark.parametrize(
    ("end", "allowed"),
    [("2027-01-05", False), ("2027-01-06", True), ("2027-01-07", True)],  # before, on, after in force
)
def test_r5c_a_new_exemption_must_end_on_or_after_its_in_force_day(
    cli: Cli, tmp_path: Path, how: str, end: str, allowed: bool
) -> None:
    code, stderr = _new(cli, tmp_path, how, "2027-01-05", end)
    if allowed:
        assert code == 0, stderr
    else:
        assert code == 2 and "6 Jan 2027" in stderr and "suppress nothing" in stderr, stderr


@pytest.mark.parametrize("how", CREATING)
@pytest.mark.parametrize(
    ("start", "warned"),
    [("2027-01-05", True), ("2027-01-06", False), ("2027-01-07", False)],  # before, on, after in force
)
def test_r6_a_new_exemption_starting_before_its_in_force_day_warns(
    cli: Cli, tmp_path: Path, how: str, start: str, warned: bool
) -> None:
    code, stderr = _new(cli, tmp_path, how, start, "2027-01-10")
    assert code == 0, stderr
    assert ("notifications may still trigger until 6 Jan 2027" in stderr) == warned, stderr


@pytest.mark.parametrize("how", CREATING)
@pytest.mark.parametrize(
    ("start", "clashes"),
    # the student's placement runs 11 to 24 Jan: starting on its last day shares one day
    [("2027-01-23", True), ("2027-01-24", True), ("2027-01-25", False)],
)
def test_r7_a_new_exemption_may_not_share_a_day_with_a_live_one(
    cli: Cli, tmp_path: Path, how: str, start: str, clashes: bool
) -> None:
    existing = cli.add(STUDENT, "--start", "2027-01-11", "--end", "2027-01-24")
    code, stderr = _new(cli, tmp_path, how, start, "2027-01-26")  # short enough to repeat weekly
    if clashes:
        assert code == 2 and f"already has exemption {existing}" in stderr, stderr
    else:
        assert code == 0, stderr


@pytest.mark.parametrize(
    ("change", "clashes"),
    [
        # the later placement starts 25 Jan: ending on that day shares it
        (["extend", "{first}", "--to", "2027-01-24"], False),
        (["extend", "{first}", "--to", "2027-01-25"], True),
        (["extend", "{first}", "--to", "2027-01-26"], True),
        (["move", "{first}", "--end", "2027-01-24"], False),
        (["move", "{first}", "--end", "2027-01-25"], True),
        # the earlier placement ends 17 Jan: the later one moved to start that day shares it
        (["move", "{second}", "--start", "2027-01-16"], True),
        (["move", "{second}", "--start", "2027-01-17"], True),
        (["move", "{second}", "--start", "2027-01-18"], False),
    ],
)
def test_r7_a_change_may_not_make_two_live_exemptions_share_a_day(
    cli: Cli, store_path: Path, change: list[str], clashes: bool
) -> None:
    first = cli.add(STUDENT, "--start", "2027-01-11", "--end", "2027-01-17")
    second = cli.add(STUDENT, "--start", "2027-01-25", "--end", "2027-01-31")
    before = snapshot(store_path)
    result = cli(*(arg.format(first=first, second=second) for arg in change))
    if clashes:
        assert result.exit_code == 2 and "already has exemption" in result.stderr, result.stderr
        assert snapshot(store_path) == before
    else:
        assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    ("end", "allowed"),
    [("2027-01-05", False), ("2027-01-06", True), ("2027-01-07", True)],  # before, on, after in force
)
def test_r5c_a_moved_start_records_again_so_the_end_must_follow_the_new_in_force_day(
    cli: Cli, end: str, allowed: bool
) -> None:
    exemption = cli.add(STUDENT, "--start", "2027-01-11", "--end", "2027-01-24")
    result = cli("move", str(exemption), "--start", "2027-01-05", "--end", end)
    if allowed:
        assert result.exit_code == 0, result.stderr
    else:
        assert result.exit_code == 2 and "suppress nothing" in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("start", "warned"),
    [("2027-01-05", True), ("2027-01-06", False), ("2027-01-07", False)],  # before, on, after in force
)
def test_r6_a_moved_start_before_the_new_in_force_day_warns(cli: Cli, start: str, warned: bool) -> None:
    exemption = cli.add(STUDENT, "--start", "2027-01-11", "--end", "2027-01-24")
    result = cli.ok("move", str(exemption), "--start", start)
    assert ("notifications may still trigger until 6 Jan 2027" in result.stderr) == warned, result.stderr


@pytest.mark.sqlite_only("writes a row by hand through sqlite3, as no command can make one")
@pytest.mark.parametrize(
    ("to", "allowed"),
    [("2027-01-06", False), ("2027-01-07", True), ("2027-01-08", True)],  # before, on, after in force
)
def test_r5c_extend_of_one_that_would_still_suppress_nothing_is_refused(
    cli: Cli, store_path: Path, to: str, allowed: bool
) -> None:
    """No command makes an exemption that ends before it is in force, so one written so (by a
    version before R5c) is put in the store by hand: extending it must still do something."""
    cli.add("201234568")  # the store, through the tool
    conn = sqlite3.connect(store_path)
    with conn:
        conn.execute(
            "INSERT INTO exemptions (student_id, type, start_date, end_date, in_force_from, created_by, "
            "created_at) VALUES (?, 'placement', '2027-01-05', '2027-01-05', '2027-01-07', 'tester', "
            "'2027-01-04T12:00:00Z')",
            (STUDENT,),
        )
    conn.close()
    result = cli("extend", "2", "--to", to)
    if allowed:
        assert result.exit_code == 0, result.stderr
    else:
        assert result.exit_code == 2 and "before it comes into force on 7 Jan 2027" in result.stderr, (
            result.stderr
        )
