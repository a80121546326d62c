"""`check STUDENT_ID`: suppressed or not, why, exit 0 or 1."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from helpers import LONDON, Cli, Clock


@pytest.mark.parametrize(
    ("on", "code", "why"),
    [
        ("2027-01-10", 1, "no exemption covers 10 Jan 2027"),
        ("2027-01-11", 0, "suppressed by exemption 1 (Practice Placement Block, 11 Jan 2027 to 24 Jan 2027)"),
        ("2027-01-24", 0, "suppressed by exemption 1"),
        ("2027-01-25", 1, "no exemption covers 25 Jan 2027"),
    ],
)
def test_check_on_a_day(cli: Cli, on: str, code: int, why: str) -> None:
    cli.add("201234567")
    result = cli("check", "201234567", "--on", on)
    assert result.exit_code == code
    assert why in result.stdout


def test_check_before_it_is_in_force_names_the_exemption(cli: Cli) -> None:
    cli.add(
        "201234567", "--start", "2027-01-05", "--end", "2027-01-10"
    )  # recorded Monday: in force Wednesday
    result = cli("check", "201234567", "--on", "tomorrow", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "student_id": "201234567",
        "date": "2027-01-05",
        "suppressed": False,
        "exemption": 1,
        "in_force_from": "2027-01-06",
        "why": "not suppressed: exemption 1 (Practice Placement Block, 5 Jan 2027 to 10 Jan 2027) covers 5 Jan 2027 but is only in force from 6 Jan 2027",
    }
    assert cli("check", "201234567", "--on", "2027-01-06").exit_code == 0


def test_check_json_when_nothing_covers(cli: Cli) -> None:
    result = cli("check", "201234567", "--format", "json")
    assert result.exit_code == 1
    answer = json.loads(result.stdout)
    assert answer["exemption"] is None and answer["in_force_from"] is None and answer["suppressed"] is False
    assert answer["date"] == "2027-01-04"


def test_deleted_exemptions_suppress_nothing(cli: Cli) -> None:
    cli.add("201234567")
    cli.ok("delete", "1", "--yes")
    assert cli("check", "201234567", "--on", "2027-01-15").exit_code == 1


@pytest.mark.parametrize(
    ("utc", "code"),
    [
        (datetime(2027, 6, 30, 22, 59, tzinfo=UTC), 1),  # still 30 June in London
        (datetime(2027, 6, 30, 23, 30, tzinfo=UTC), 0),  # 00:30 on 1 July in London: suppressed
    ],
)
def test_check_today_is_the_london_day_in_summer(cli: Cli, clock: Clock, utc: datetime, code: int) -> None:
    clock(datetime(2027, 6, 1, 12, 0, tzinfo=LONDON))
    cli.add("201234567", "--start", "2027-07-01", "--end", "2027-07-10")
    clock(utc)
    assert cli("check", "201234567").exit_code == code


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["20123456"], 2),
        (["201234567", "--on", "31/02/2027"], 2),
        (["201234567", "--format", "csv"], 2),
        ([], 2),
    ],
)
def test_check_refusals(cli: Cli, args: list[str], code: int) -> None:
    result = cli("check", *args)
    assert result.exit_code == code
    assert result.stderr.startswith("Error: ")


@pytest.mark.parametrize("option", [["--column", "sid"], ["--date-column", "day"], ["--encoding", "cp1252"]])
def test_an_option_of_a_feed_without_a_feed_is_refused(cli: Cli, option: list[str]) -> None:
    """SPEC 7: a usage error is exit 2; `--encoding` says how to read a feed, so without
    `--file` it is refused as `--column` is, never ignored."""
    result = cli("check", "201234567", *option)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: --column, --date-column and --encoding apply only with --file.\n"
