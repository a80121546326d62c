"""`list --ending-within/--starting-within/--in-force-within/--deleted-within` and `--sort`,
at the edges of their windows (time frozen; "today" is Monday 4 Jan 2027 unless moved)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from helpers import LONDON, Cli, Clock

BEFORE = datetime(2026, 12, 28, 9, 0, tzinfo=LONDON)  # a Monday a week earlier, to record in the past
TODAY = datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)


def _ids(cli: Cli, *args: str) -> list[int]:
    return [int(line) for line in cli.ok("list", *args, "--ids").stdout.split()]


@pytest.mark.parametrize(
    ("end", "listed"),
    [
        ("2027-01-03", False),  # yesterday: expired
        ("2027-01-04", True),  # today: the first day of the window
        ("2027-01-18", True),  # today + 2w: the last day of the window
        ("2027-01-19", False),  # the day after the window
    ],
)
def test_ending_within_runs_from_today_to_today_plus_the_duration(
    cli: Cli, clock: Clock, end: str, listed: bool
) -> None:
    clock(BEFORE)
    exemption = cli.add("201234567", "--start", "2026-12-30", "--end", end)
    clock(TODAY)
    assert _ids(cli, "--ending-within", "2w") == ([exemption] if listed else [])


@pytest.mark.parametrize(
    ("start", "listed"),
    [("2027-01-03", False), ("2027-01-04", True), ("2027-01-11", True), ("2027-01-12", False)],
)
def test_starting_within_runs_from_today_to_today_plus_the_duration(
    cli: Cli, clock: Clock, start: str, listed: bool
) -> None:
    clock(BEFORE)
    exemption = cli.add("201234567", "--start", start, "--end", "2027-02-28")
    clock(TODAY)
    assert _ids(cli, "--starting-within", "1w") == ([exemption] if listed else [])


def test_ending_within_is_soonest_first_and_sort_overrides_it(cli: Cli) -> None:
    late = cli.add("201000001", "--start", "2027-01-06", "--end", "2027-01-15")
    soon = cli.add("201000002", "--start", "2027-01-08", "--end", "2027-01-10")
    cli.add("201000003", "--start", "2027-01-07", "--end", "2027-03-01")  # ends outside the window
    assert _ids(cli, "--ending-within", "2w") == [soon, late]
    assert _ids(cli, "--ending-within", "2w", "--sort", "start") == [late, soon]
    assert _ids(cli, "--ending-within", "2w", "--sort", "id") == [late, soon]


def test_ending_within_leaves_out_deleted_ones_unless_asked(cli: Cli) -> None:
    kept = cli.add("201000001", "--start", "2027-01-06", "--end", "2027-01-15")
    gone = cli.add("201000002", "--start", "2027-01-06", "--end", "2027-01-15")
    cli.ok("delete", str(gone), "--yes")
    assert _ids(cli, "--ending-within", "2w") == [kept]
    assert _ids(cli, "--ending-within", "2w", "--status", "all") == [kept, gone]


@pytest.mark.parametrize(
    ("key", "order"),
    [
        ("start", ["b", "a", "c"]),
        ("end", ["a", "c", "b"]),
        ("student", ["a", "b", "c"]),
        ("id", ["a", "b", "c"]),
    ],
)
def test_sort_keys(cli: Cli, key: str, order: list[str]) -> None:
    made = {
        "a": cli.add("201000001", "--start", "2027-01-08", "--end", "2027-01-09"),
        "b": cli.add("201000002", "--start", "2027-01-06", "--end", "2027-02-01"),
        "c": cli.add("201000003", "--start", "2027-01-10", "--end", "2027-01-20"),
    }
    assert _ids(cli, "--sort", key) == [made[name] for name in order]


def test_the_windows_follow_on(cli: Cli) -> None:
    exemption = cli.add("201234567", "--start", "2027-02-01", "--end", "2027-02-10")
    assert _ids(cli, "--ending-within", "1w") == []
    assert _ids(cli, "--ending-within", "1w", "--on", "2027-02-03") == [exemption]
    assert _ids(cli, "--starting-within", "3d", "--on", "29/01/2027") == [exemption]
    assert _ids(cli, "--starting-within", "2d", "--on", "29/01/2027") == []


@pytest.mark.parametrize(
    ("start", "listed"),
    [("2027-01-05", True), ("2027-01-06", True), ("2027-01-07", False)],
)
def test_in_force_within_is_the_first_day_that_suppresses(cli: Cli, start: str, listed: bool) -> None:
    # Recorded today: in force from Wednesday 6 Jan (R6), so one starting Tuesday first
    # suppresses on Wednesday, inside a two-day window; one starting Thursday does not.
    exemption = cli.add("201234567", "--start", start, "--end", "2027-01-31")
    assert _ids(cli, "--in-force-within", "2d") == ([exemption] if listed else [])


@pytest.mark.parametrize(
    ("deleted_on", "listed"),
    [
        (datetime(2026, 12, 28, 9, 0, tzinfo=LONDON), False),
        (datetime(2026, 12, 29, 9, 0, tzinfo=LONDON), True),
    ],
)
def test_deleted_within_a_week_is_the_seven_days_ending_today(
    cli: Cli, clock: Clock, deleted_on: datetime, listed: bool
) -> None:
    clock(datetime(2026, 12, 21, 9, 0, tzinfo=LONDON))
    exemption = cli.add("201234567", "--start", "2026-12-22", "--end", "2027-01-31")
    clock(deleted_on)
    cli.ok("delete", str(exemption), "--yes")
    clock(TODAY)
    assert _ids(cli, "--deleted-within", "1w") == ([exemption] if listed else [])
    clock(datetime(2027, 1, 4, 23, 59, tzinfo=LONDON))
    assert _ids(cli, "--deleted-within", "1w") == ([exemption] if listed else [])


@pytest.mark.parametrize(
    "args",
    [
        ["--ending-within", "2"],
        ["--ending-within", "0d"],
        ["--starting-within", "-1w"],
        ["--in-force-within", "soon"],
        ["--deleted-within", "1y"],
        ["--sort", "reason"],
    ],
)
def test_bad_windows_and_sort_keys_are_refused(cli: Cli, args: list[str]) -> None:
    result = cli("list", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error:")


def test_machine_formats_keep_the_window_order(cli: Cli) -> None:
    late = cli.add("201000001", "--start", "2027-01-06", "--end", "2027-01-15")
    soon = cli.add("201000002", "--start", "2027-01-08", "--end", "2027-01-10")
    rows = json.loads(cli.ok("list", "--ending-within", "2w", "--format", "json").stdout)
    assert [r["id"] for r in rows] == [soon, late]
