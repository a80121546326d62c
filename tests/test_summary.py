"""`summary`: every count equals the rows of the `list` command its line names (time frozen)."""

from __future__ import annotations

import json
import shlex
from datetime import datetime
from pathlib import Path

import pytest

from conftest import LONDON, Cli

TODAY = datetime(2027, 1, 11, 9, 0, tzinfo=LONDON)  # a Monday


def _office(cli: Cli, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A store with something on every line of the summary, as of Monday 11 Jan 2027."""
    at = lambda *args: clock(datetime(*args, tzinfo=LONDON))  # noqa: E731
    at(2026, 12, 1, 10, 0)
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("student_id\n" + "".join(f"20100000{i}\n" for i in range(1, 7)), encoding="utf-8")
    cli.ok("bulk", str(cohort), "--type", "placement", "--start", "2026-12-07", "--end", "2027-01-20")
    cli.add("201000011", "--type", "dissertation", "--start", "2026-12-02", "--end", "2026-12-20")  # expired
    at(2027, 1, 4, 10, 0)
    cli.add("201000012", "--type", "withdrawn", "--start", "2027-01-05", "--end", "2027-03-31")
    cli.ok("delete", "1", "--yes")  # deleted on 4 Jan: the day before the seven days ending 11 Jan
    at(2027, 1, 5, 10, 0)
    cli.ok("delete", "2", "--yes")  # deleted on 5 Jan: the first of the seven days ending 11 Jan
    at(2027, 1, 10, 10, 0)
    cli.add("201000013", "--type", "authorised-absence", "--start", "2027-01-11", "--end", "2027-01-13")
    cli.add("201000014", "--type", "break-in-learning", "--start", "2027-01-18", "--end", "2027-04-30")
    at(2027, 1, 11, 9, 0)
    cli.add("201000015", "--type", "authorised-absence", "--start", "2027-01-12", "--end", "2027-01-30")
    cli.add("201000016", "--type", "placement", "--start", "2027-02-01", "--end", "2027-02-20")
    clock(TODAY)


def _rows(cli: Cli, command: str) -> int:
    words = shlex.split(command)
    assert words[:2] == ["stream-exempt", "list"], command
    return len(json.loads(cli.ok(*words[1:], "--format", "json").stdout))


def test_every_count_is_the_number_of_rows_its_list_command_shows(cli: Cli, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _office(cli, clock, tmp_path)
    found = json.loads(cli.ok("summary", "--format", "json").stdout)
    assert found["date"] == "2027-01-11"
    for line in found["by_type"]:
        assert _rows(cli, line["command"]) == line["total"], line
        for status in ("active", "pending", "expired", "deleted"):
            rows = json.loads(
                cli.ok("list", "--type", line["type"], "--status", status, "--format", "json").stdout
            )
            assert len(rows) == line[status], (line["type"], status)
    assert _rows(cli, found["totals"]["command"]) == found["totals"]["total"] == 12
    for key in ("in_force", "starting", "ending", "deleted"):
        assert _rows(cli, found[key]["command"]) == found[key]["count"], key
    # What the store holds makes every line count something, so the comparison above can fail.
    assert [found[k]["count"] for k in ("in_force", "starting", "ending", "deleted")] == [2, 3, 5, 1]
    assert found["deleted"] == {
        "count": 1,
        "from": "2027-01-05",
        "to": "2027-01-11",
        "command": "stream-exempt list --deleted-within 1w",
    }


def test_the_table_names_each_list_command_with_its_count(cli: Cli, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _office(cli, clock, tmp_path)
    lines = cli.ok("summary").stdout.splitlines()
    assert lines[0] == "Exemptions as of 11 Jan 2027"
    placement = lines.index(next(line for line in lines if line.startswith("Practice Placement Block")))
    assert lines[placement].split()[-5:] == ["4", "1", "0", "2", "7"]
    assert lines[placement + 1].strip() == "stream-exempt list --type placement --status all"
    ending = next(i for i, line in enumerate(lines) if line.startswith("Ending by 25 Jan 2027"))
    assert lines[ending].split()[-1] == "5"
    assert lines[ending + 1].strip() == "stream-exempt list --ending-within 2w"


@pytest.mark.parametrize("width", ["80", "40"])
def test_the_table_fits_narrow_terminals_without_losing_a_command(
    cli: Cli, clock, tmp_path: Path, width: str
) -> None:  # type: ignore[no-untyped-def]
    _office(cli, clock, tmp_path)
    out = cli.ok("summary", env={"COLUMNS": width}).stdout
    assert max(len(line) for line in out.splitlines()) <= int(width)
    flat = " ".join(out.split())
    assert "stream-exempt list --type authorised-absence --status all" in flat
    assert "stream-exempt list --deleted-within 1w" in flat


def test_on_another_day_counts_as_of_that_day_and_the_commands_say_so(
    cli: Cli, clock, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _office(cli, clock, tmp_path)
    found = json.loads(cli.ok("summary", "--on", "2027-01-04", "--format", "json").stdout)
    assert found["ending"]["command"] == "stream-exempt list --ending-within 2w --on 2027-01-04"
    for key in ("in_force", "starting", "ending", "deleted"):
        assert _rows(cli, found[key]["command"]) == found[key]["count"], key
    for line in found["by_type"]:
        assert _rows(cli, line["command"]) == line["total"]


def test_an_empty_store_counts_zero_and_a_missing_one_is_exit_4(
    cli: Cli, bare_cli: Cli, tmp_path: Path
) -> None:
    found = json.loads(cli.ok("summary", "--format", "json").stdout)
    assert found["totals"]["total"] == 0 and [t["type"] for t in found["by_type"]] == [
        "authorised-absence",
        "break-in-learning",
        "dissertation",
        "placement",
        "withdrawn",
    ]
    missing = Cli(tmp_path / "nowhere" / "x.db")
    result = missing("summary")
    assert result.exit_code == 4 and "nowhere" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_one_ending_today_is_not_advised_to_be_extended(cli: Cli, clock) -> None:  # type: ignore[no-untyped-def]
    """R4: an exemption ending today is in force today but can no longer change; the summary says
    so instead of advising to extend it before it locks."""
    clock(datetime(2027, 1, 4, 10, 0, tzinfo=LONDON))
    cli.add("201000001", "--start", "2027-01-06", "--end", "2027-01-11")  # ends on the 11th
    cli.add("201000002", "--start", "2027-01-06", "--end", "2027-01-18")
    clock(TODAY)
    found = json.loads(cli.ok("summary", "--format", "json").stdout)
    assert (found["ending"]["count"], found["ending"]["ending_today"]) == (2, 1)
    assert _rows(cli, found["ending"]["command"]) == 2
    text = " ".join(cli.ok("summary").stdout.split())
    assert (
        "Ending by 25 Jan 2027 (extend before they lock; the 1 ending today can no longer change: R4) 2"
        in text
    )
    clock(datetime(2027, 1, 12, 9, 0, tzinfo=LONDON))  # nothing ends today: the plain advice
    text = " ".join(cli.ok("summary").stdout.split())
    assert "Ending by 26 Jan 2027 (extend before they lock) 1" in text
