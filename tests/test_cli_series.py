"""`add` and `bulk` with `--every` (SPEC 11): a series recorded as one batch, all or nothing.

Today is Monday 4 January 2027 unless a test moves the clock.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

import pytest

from helpers import LONDON, Cli, snapshot

STUDENT = "201234567"
WEEKLY = ("--type", "placement", "--start", "2027-01-13", "--for", "1d", "--every", "1w")


def members(cli: Cli, batch: int = 1) -> list[tuple[str, str]]:
    rows = json.loads(cli.ok("list", "--batch", str(batch), "--status", "all", "--format", "json").stdout)
    return [(row["start"], row["end"]) for row in rows]


def test_a_weekly_placement_day_is_one_batch_of_ten(cli: Cli) -> None:
    result = cli.ok("add", STUDENT, *WEEKLY, "--count", "10")
    assert (
        result.stdout.splitlines()[0]
        == "Batch 1: 10 exemptions created, weekly from 13 Jan 2027 to 17 Mar 2027."
    )
    assert "   1. Wed 13 Jan 2027 to Wed 13 Jan 2027: exemption 1" in result.stdout
    assert "  10. Wed 17 Mar 2027 to Wed 17 Mar 2027: exemption 10" in result.stdout
    assert members(cli) == [
        (f"2027-{m:02d}-{d:02d}",) * 2
        for m, d in [(1, 13), (1, 20), (1, 27), (2, 3), (2, 10), (2, 17), (2, 24), (3, 3), (3, 10), (3, 17)]
    ]
    batches = json.loads(cli.ok("batches", "--format", "json").stdout)
    assert [(b["id"], b["created"], b["source"], b["repeats"]) for b in batches] == [
        (1, 10, None, "every 1w x 10")
    ]
    assert "every 1w x 10" in cli.ok("batches").stdout
    # Each occurrence is an ordinary exemption, with its own history.
    history = cli.ok("history", "3").stdout
    assert "27 Jan 2027" in history


def test_quiet_prints_each_new_id(cli: Cli) -> None:
    assert cli.ok("add", STUDENT, *WEEKLY, "--count", "3", "-q").stdout == "1\n2\n3\n"


def test_running_the_same_series_again_creates_nothing(cli: Cli) -> None:
    cli.ok("add", STUDENT, *WEEKLY, "--count", "10", "--reason", "Wednesdays on the ward")
    before = snapshot(cli.location)
    again = cli.ok("add", STUDENT, *WEEKLY, "--count", "10", "--reason", "Wednesdays on the ward")
    assert again.stdout.splitlines()[0] == (
        "Nothing new: all 10 occurrences already recorded, weekly from 13 Jan 2027 to 17 Mar 2027."
    )
    assert snapshot(cli.location) == before
    # A longer series adds only what is new, as its own batch.
    longer = cli.ok("add", STUDENT, *WEEKLY, "--count", "12", "--reason", "Wednesdays on the ward")
    assert longer.stdout.splitlines()[0] == (
        "Batch 2: 2 exemptions created, 10 already recorded, weekly from 13 Jan 2027 to 31 Mar 2027."
    )
    assert members(cli, 2) == [("2027-03-24",) * 2, ("2027-03-31",) * 2]


def test_dry_run_shows_every_occurrence_and_writes_nothing(cli: Cli) -> None:
    before = snapshot(cli.location)
    result = cli.ok("add", STUDENT, *WEEKLY, "--count", "3", "--dry-run")
    assert result.stdout == (
        "Dry run: 3 exemptions would be created as one new batch, weekly from 13 Jan 2027 to 27 Jan 2027; "
        "nothing was written.\n"
        "    1. Wed 13 Jan 2027 to Wed 13 Jan 2027: would be created\n"
        "    2. Wed 20 Jan 2027 to Wed 20 Jan 2027: would be created\n"
        "    3. Wed 27 Jan 2027 to Wed 27 Jan 2027: would be created\n"
    )
    assert snapshot(cli.location) == before


def test_dry_run_of_a_series_never_creates_the_store(bare_cli: Cli) -> None:
    result = bare_cli.ok("add", STUDENT, *WEEKLY, "--count", "3", "--dry-run")
    assert result.stdout.startswith("Dry run: 3 exemptions would be created")
    assert result.stderr == (
        f"There is no store at {bare_cli.shown} yet: the series was checked as if against an empty "
        "store, and nothing was created.\n"
    )
    assert not bare_cli.has_store()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--every", "0d", "--count", "3"], "--every '0d' would repeat on the same day forever"),
        (["--every", "1w"], "A series needs its end: give how many occurrences with --count N"),
        (["--every", "1w", "--count", "3", "--until", "2027-03-01"], "not both and not neither"),
        (["--every", "1w", "--count", "201"], "--count 201 is more than a series may have"),
        (["--every", "1w", "--count", "1"], "--count 1 is not a series"),
        (["--every", "1d", "--until", "2027-08-01"], "more than 200 occurrences"),
        (["--every", "10d", "--count", "3", "--weekdays", "wed"], "--weekdays goes with a weekly --every"),
        (["--every", "1w", "--count", "3", "--weekdays", "mon,tue"], "a Wed, which is not among --weekdays"),
        (["--count", "3"], "--count belongs to a series; give --every as well"),
        (["--until", "2027-03-01"], "--until belongs to a series"),
        (["--weekdays", "mon"], "--weekdays belongs to a series"),
        (["--dry-run"], "--dry-run belongs to a series"),
    ],
)
def test_a_series_that_cannot_be_is_refused(bare_cli: Cli, options: list[str], message: str) -> None:
    result = bare_cli("add", STUDENT, "--type", "placement", "--start", "2027-01-13", "--for", "1d", *options)
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1
    assert not bare_cli.has_store()  # refused before the store was opened


@pytest.mark.parametrize(
    ("count", "until", "created"),
    [("200", None, 200), (None, "2027-07-31", 200), (None, "2027-08-01", None), ("201", None, None)],
)
def test_200_occurrences_but_not_201(
    cli: Cli, count: str | None, until: str | None, created: int | None
) -> None:
    # Daily from 13 Jan 2027: the 200th starts on 31 Jul 2027, the 201st on 1 Aug.
    options = ["--count", count] if count else ["--until", str(until)]
    result = cli(
        "add",
        STUDENT,
        "--type",
        "placement",
        "--start",
        "2027-01-13",
        "--for",
        "1d",
        "--every",
        "1d",
        *options,
    )
    if created is None:
        assert result.exit_code == 2
        assert snapshot(cli.location)["exemptions"] == []
    else:
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith(
            f"Batch 1: {created} exemptions created, daily from 13 Jan 2027 to 31 Jul 2027."
        )


@pytest.mark.parametrize(
    ("length", "refused"),
    [("7d", False), ("8d", True)],  # 7 days every week touch; 8 would overlap
)
def test_touching_occurrences_but_not_overlapping_ones(cli: Cli, length: str, refused: bool) -> None:
    result = cli(
        "add",
        STUDENT,
        "--type",
        "placement",
        "--start",
        "2027-01-11",
        "--for",
        length,
        "--every",
        "1w",
        "--count",
        "4",
    )
    assert result.exit_code == (2 if refused else 0)
    if refused:
        assert "The occurrences would overlap: each lasts 8 days but they start every 1w" in result.stderr
        assert snapshot(cli.location)["exemptions"] == []
    else:
        assert members(cli)[:2] == [("2027-01-11", "2027-01-17"), ("2027-01-18", "2027-01-24")]


def test_until_on_an_occurrences_own_start_day_includes_it(cli: Cli) -> None:
    cli.ok("add", STUDENT, *WEEKLY, "--until", "17/03/2027")
    assert members(cli)[-1] == ("2027-03-17", "2027-03-17")
    assert len(members(cli)) == 10
    assert "every 1w x 10" in cli.ok("batches").stdout


@pytest.mark.parametrize(
    ("start", "why"),
    [
        ("2027-01-04", "the start 4 Jan 2027 is not in the future"),  # today: R3
        ("2027-01-05", "before it comes into force on 6 Jan 2027"),  # R5c: one day, ending before in force
    ],
)
def test_a_first_occurrence_refused_refuses_the_series(cli: Cli, start: str, why: str) -> None:
    before = snapshot(cli.location)
    result = cli(
        "add",
        STUDENT,
        "--type",
        "placement",
        "--start",
        start,
        "--for",
        "1d",
        "--every",
        "1w",
        "--count",
        "5",
    )
    assert result.exit_code == 2
    assert why in result.stderr
    assert (
        "Error: 1 of the 5 occurrences of the series refused (listed above); nothing was written"
        in result.stderr
    )
    assert snapshot(cli.location) == before


def test_every_clashing_occurrence_is_listed_and_nothing_written(cli: Cli) -> None:
    cli.add(STUDENT, "--start", "2027-03-10", "--end", "2027-03-17")  # the ninth and tenth Wednesday
    before = snapshot(cli.location)
    result = cli("add", STUDENT, *WEEKLY, "--count", "12")
    assert result.exit_code == 2
    assert "Refused occurrences" in result.stderr
    for k, day in ((9, "Wed 10 Mar 2027"), (10, "Wed 17 Mar 2027")):
        assert f"│ {k:<10} │ {day} to {day}" in result.stderr
    assert result.stderr.count("already has exemption 1") == 2
    assert "Wed 3 Mar 2027" not in result.stderr and "Wed 24 Mar 2027" not in result.stderr
    assert "Error: 2 of the 12 occurrences of the series refused" in result.stderr
    assert snapshot(cli.location) == before


def test_more_than_twenty_refused_occurrences_show_the_first_twenty(cli: Cli) -> None:
    cli.add(STUDENT, "--start", "2027-01-12", "--end", "2027-12-31")
    result = cli("add", STUDENT, *WEEKLY, "--count", "30")
    assert result.exit_code == 2
    assert "Wed 26 May 2027" in result.stderr  # the twentieth
    assert "Wed 2 Jun 2027" not in result.stderr  # the twenty-first
    assert "... and 10 more refused occurrences." in result.stderr
    assert "Error: 30 of the 30 occurrences of the series refused" in result.stderr


def test_a_series_late_to_take_effect_is_warned_about(cli: Cli) -> None:
    result = cli.ok(
        "add",
        STUDENT,
        "--type",
        "placement",
        "--start",
        "2027-01-05",
        "--for",
        "3d",
        "--every",
        "1w",
        "--count",
        "3",
    )
    assert "notifications may still trigger until 6 Jan 2027 for 1 of these 3 exemptions" in result.stderr


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # 00:30 on Saturday 20 March (GMT): a week on is the Saturday before the clocks go
        # forward on Sunday 28 March.
        (
            datetime(2027, 3, 20, 0, 30, tzinfo=LONDON),
            ["2027-03-27", "2027-03-29", "2027-04-03", "2027-04-05", "2027-04-10", "2027-04-12"],
        ),
        # 00:30 on Saturday 23 October in London, still Friday in UTC (summer time): a week on
        # is the Saturday before the clocks go back on Sunday 31 October (a week on from
        # Friday would be refused: not among --weekdays).
        (
            datetime(2027, 10, 23, 0, 30, tzinfo=LONDON),
            ["2027-10-30", "2027-11-01", "2027-11-06", "2027-11-08", "2027-11-13", "2027-11-15"],
        ),
    ],
)
def test_weekdays_across_the_clock_change(cli: Cli, clock, moment: datetime, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    clock(moment)
    options = ["--start", "+1w", "--for", "1d", "--every", "1w", "--weekdays", "sat,mon", "--count", "6"]
    cli.ok("add", STUDENT, "--type", "placement", *options)
    assert [start for start, _ in members(cli)] == expected
    assert "every 1w on mon,sat x 6" in cli.ok("batches").stdout
    # Each is one whole day in London, whatever the clocks did in between.
    assert all(start == end for start, end in members(cli))


def test_a_monthly_series_from_31_january(cli: Cli) -> None:
    result = cli.ok(
        "add",
        STUDENT,
        "--type",
        "placement",
        "--start",
        "2027-01-31",
        "--end",
        "2027-01-31",
        "--every",
        "1m",
        "--count",
        "4",
    )
    assert result.stdout.startswith("Batch 1: 4 exemptions created, monthly from 31 Jan 2027 to 30 Apr 2027.")
    assert [start for start, _ in members(cli)] == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]


def test_a_yearly_series_from_29_february(cli: Cli) -> None:
    cli.ok(
        "add",
        STUDENT,
        "--type",
        "placement",
        "--start",
        "2028-02-29",
        "--for",
        "1d",
        "--every",
        "1y",
        "--count",
        "5",
    )
    assert [start for start, _ in members(cli)] == [
        "2028-02-29",
        "2029-02-28",
        "2030-02-28",
        "2031-02-28",
        "2032-02-29",
    ]


def test_a_series_shows_on_the_batch_timeline_a_row_per_student(cli: Cli, tmp_path: Path) -> None:
    cli.ok("add", STUDENT, *WEEKLY, "--count", "10")
    cli.ok("delete", "3", "--yes")  # the third Wednesday, 27 Jan
    text = cli.ok(
        "timeline", "--batch", "1", "--from", "2027-01-11", "--weeks", "10", env={"NO_COLOR": "1"}
    ).stdout
    lines = text.splitlines()
    assert lines[0] == "Batch 1: 10 members, Practice Placement Block, every 1w x 10"
    row = next(line for line in lines if line.startswith(STUDENT))
    assert "10 occurrences (1 deleted)" in text and "13 Jan to 17 Mar 2027" in text
    assert len([line for line in lines if line.startswith("2012")]) == 1  # one row, every occurrence on it
    assert row.count("█") == 9 and "×" not in row  # 7 cells a week: one a Wednesday, the third deleted
    picture = tmp_path / "series.svg"
    cli.ok("timeline", "--batch", "1", "--from", "2027-01-11", "--weeks", "10", "--svg", str(picture))
    assert "every&#160;1w&#160;x&#160;10" in picture.read_text()


def test_an_import_keeps_a_row_per_member_on_its_timeline(cli: Cli, tmp_path: Path) -> None:
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("student_id\n201000001\n201000002\n", encoding="utf-8")
    cli.ok("bulk", str(cohort), *WEEKLY[:6])
    lines = cli.ok(
        "timeline", "--batch", "1", "--from", "2027-01-11", env={"NO_COLOR": "1"}
    ).stdout.splitlines()
    assert lines[0] == "Batch 1: 2 members, Practice Placement Block, 13 Jan 2027 to 13 Jan 2027"
    assert [line.split()[0] for line in lines if line.startswith("#")] == ["#1", "#2"]


# -- bulk --every -------------------------------------------------------------------------------


def _cohort(tmp_path: Path, text: str) -> str:
    path = tmp_path / "cohort.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_bulk_every_gives_each_student_the_series_in_one_batch(cli: Cli, tmp_path: Path) -> None:
    cohort = _cohort(tmp_path, "student_id\n201000001\n201000002\n201000003\n")
    result = cli.ok("bulk", cohort, *WEEKLY, "--count", "4")
    assert result.stdout.splitlines()[:3] == [
        "Batch 1: 12 exemptions created, 0 already recorded.",
        "A series for each student: weekly from 13 Jan 2027 to 3 Feb 2027, 4 occurrences.",
        "  13 Jan 2027 to 13 Jan 2027: 3 students",
    ]
    rows = json.loads(cli.ok("list", "--batch", "1", "--format", "json").stdout)
    assert len(rows) == 12
    assert {(r["student_id"], r["start"]) for r in rows} == {
        (s, d)
        for s in ("201000001", "201000002", "201000003")
        for d in ("2027-01-13", "2027-01-20", "2027-01-27", "2027-02-03")
    }
    assert json.loads(cli.ok("batches", "--format", "json").stdout)[0]["repeats"] == "every 1w x 4"
    before = snapshot(cli.location)
    again = cli.ok("bulk", cohort, *WEEKLY, "--count", "4")
    assert again.stdout.startswith("Nothing new: all 12 already recorded.")
    assert snapshot(cli.location) == before


def test_bulk_every_with_starts_from_the_file(cli: Cli, tmp_path: Path) -> None:
    cohort = _cohort(tmp_path, "student_id,start\n201000001,2027-01-11\n201000002,2027-01-13\n")
    result = cli.ok(
        "bulk", cohort, "--type", "placement", "--for", "1d", "--every", "1w", "--until", "2027-01-27"
    )
    assert result.stdout.splitlines()[1] == "A series for each student: weekly."
    assert len(json.loads(cli.ok("list", "--batch", "1", "--format", "json").stdout)) == 6
    assert json.loads(cli.ok("batches", "--format", "json").stdout)[0]["repeats"] == "every 1w x 3"


def test_bulk_every_refuses_every_clashing_occurrence_with_its_line_and_dates(
    cli: Cli, tmp_path: Path
) -> None:
    cli.add("201000002", "--start", "2027-01-19", "--end", "2027-01-20")
    before = snapshot(cli.location)
    cohort = _cohort(
        tmp_path, "student_id,start\n201000001,2027-01-13\n201000002,2027-01-13\n201000003,2027-01-12\n"
    )
    result = cli(
        "bulk",
        cohort,
        "--type",
        "placement",
        "--for",
        "1d",
        "--every",
        "1w",
        "--count",
        "3",
        "--weekdays",
        "wed",
    )
    assert result.exit_code == 2
    assert "20 Jan 2027 to 20 Jan 2027: student 201000002 already has exemption 1" in result.stderr
    assert "a Tue, which is not among --weekdays" in result.stderr  # line 4's start
    assert "Error: 2 of 3 rows of" in result.stderr
    assert snapshot(cli.location) == before


def test_bulk_every_is_checked_before_the_store_and_the_file(bare_cli: Cli, tmp_path: Path) -> None:
    result = bare_cli("bulk", str(tmp_path / "missing.csv"), *WEEKLY, "--count", "300")
    assert result.exit_code == 2
    assert "--count 300 is more than a series may have" in result.stderr
    assert not bare_cli.has_store()


def test_bulk_every_dry_run_shows_every_occurrence(cli: Cli, tmp_path: Path) -> None:
    cohort = _cohort(tmp_path, "student_id\n201000001\n")
    before = snapshot(cli.location)
    result = cli.ok("bulk", cohort, *WEEKLY, "--count", "12", "--dry-run")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Dry run: 12 exemptions would be created")
    assert lines[-1] == "  31 Mar 2027 to 31 Mar 2027: 1 student"
    assert len(lines) == 2 + 12
    assert snapshot(cli.location) == before


@pytest.mark.sqlite_only("migration of an old SQLite store file")
def test_an_old_store_gains_the_series_columns(cli: Cli) -> None:
    with closing(sqlite3.connect(cli.store_path)) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(batches)")]
    assert columns[-3:] == ["every", "weekdays", "occurrences"]


def test_an_ordinary_bulk_batch_has_no_repetition(cli: Cli, tmp_path: Path) -> None:
    cohort = _cohort(tmp_path, "student_id\n201000001\n")
    cli.ok("bulk", cohort, "--type", "placement", "--start", "2027-01-13", "--for", "1d")
    assert json.loads(cli.ok("batches", "--format", "json").stdout)[0]["repeats"] is None


# -- --from: changing the rest of a series ------------------------------------------------------

BLOCKS = ("--type", "placement", "--start", "2027-01-13", "--for", "3d", "--every", "1w", "--count", "10")


def _half_past(cli: Cli, clock) -> None:  # type: ignore[no-untyped-def]
    """Ten Wednesday-to-Friday blocks from 13 Jan; today is Thursday 11 Feb, in the fifth."""
    cli.ok("add", STUDENT, *BLOCKS)
    clock(datetime(2027, 2, 11, 9, 0, tzinfo=LONDON))


def test_a_half_past_series_cannot_move_as_a_whole(cli: Cli, clock) -> None:  # type: ignore[no-untyped-def]
    _half_past(cli, clock)
    before = snapshot(cli.location)
    result = cli("move", "--batch", "1", "--by", "1d")
    assert result.exit_code == 2
    assert "Exemption 5 started on 10 Feb 2027" in result.stderr and "started on 10 Feb 2027" in result.stderr
    assert snapshot(cli.location) == before


@pytest.mark.parametrize(
    ("since", "moved"),
    [
        ("2027-02-16", [6, 7, 8, 9, 10]),  # the day before the sixth starts
        ("2027-02-17", [6, 7, 8, 9, 10]),  # the sixth's own start day
        ("2027-02-18", [7, 8, 9, 10]),  # the day after: the sixth is left alone
        ("tomorrow", [6, 7, 8, 9, 10]),
    ],
)
def test_move_from_changes_this_one_and_the_following(cli: Cli, clock, since: str, moved: list[int]) -> None:  # type: ignore[no-untyped-def]
    _half_past(cli, clock)
    result = cli.ok("move", "--batch", "1", "--from", since, "--by", "1d")
    assert [int(line.split()[2]) for line in result.stdout.splitlines()] == moved
    assert f"Batch 1: {len(moved)} exemptions moved" in result.stderr
    starts = dict(enumerate((start for start, _ in members(cli)), 1))
    assert starts[5] == "2027-02-10"  # running: left as it was
    assert starts[6] == ("2027-02-18" if 6 in moved else "2027-02-17")
    assert starts[10] == "2027-03-18"
    assert "move" in cli.ok("history", "10").stdout


def test_extend_from(cli: Cli, clock) -> None:  # type: ignore[no-untyped-def]
    _half_past(cli, clock)
    cli.ok("extend", "--batch", "1", "--from", "2027-03-01", "--by", "1d")
    ends = [end for _, end in members(cli)]
    assert ends[7] == "2027-03-06"  # the eighth block, 3 to 5 Mar, ends a day later
    assert ends[6] == "2027-02-26"  # the seventh, 24 Feb, as it was


def test_delete_from_leaves_the_earlier_members(cli: Cli, clock) -> None:  # type: ignore[no-untyped-def]
    _half_past(cli, clock)
    result = cli.ok("delete", "--batch", "1", "--from", "2027-03-03", "--yes")
    assert "Batch 1: 3 deleted." in result.stderr
    rows = json.loads(cli.ok("list", "--batch", "1", "--status", "all", "--format", "json").stdout)
    assert [r["status"] for r in rows] == ["expired"] * 4 + ["active", "pending", "pending"] + ["deleted"] * 3
    again = cli.ok("delete", "--batch", "1", "--from", "2027-03-03", "--yes")
    assert "Nothing to delete: batch 1 has no member starting on or after 3 Mar 2027" in again.stderr


def test_from_goes_with_a_batch(cli: Cli) -> None:
    cli.ok("add", STUDENT, *BLOCKS)
    for command in (["move", "1", "--by", "1d"], ["extend", "1", "--by", "1d"], ["delete", "1", "--yes"]):
        result = cli(*command, "--from", "2027-02-01")
        assert result.exit_code == 2
        assert result.stderr == "Error: --from picks members of a batch; give it with --batch B.\n"


def test_from_refuses_a_date_that_does_not_parse(cli: Cli) -> None:
    cli.ok("add", STUDENT, *BLOCKS)
    result = cli("move", "--batch", "1", "--from", "someday", "--by", "1d")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: 'someday' is not a date")


@pytest.mark.parametrize(("since", "deleted"), [("yesterday", 6), ("-1w", 6), ("-2w", 6), ("today", 5)])
def test_delete_from_a_past_day(cli: Cli, clock, since: str, deleted: int) -> None:  # type: ignore[no-untyped-def]
    """From a day in the past: the running fifth block (10 to 12 Feb) is among them from
    yesterday on; the blocks that have ended are left as they are whatever the day."""
    _half_past(cli, clock)
    result = cli.ok("delete", "--batch", "1", "--from", since, "--yes")
    assert f"Batch 1: {deleted} deleted" in result.stderr
    deleted_ids = [int(line.split()[2]) for line in result.stdout.splitlines()]
    assert deleted_ids == list(range(11 - deleted, 11))


def test_running_a_series_again_never_brings_back_a_deleted_occurrence(cli: Cli) -> None:
    cli.ok("add", STUDENT, *WEEKLY, "--count", "4")
    cli.ok("delete", "2", "--yes")
    before = snapshot(cli.location)
    again = cli.ok("add", STUDENT, *WEEKLY, "--count", "4")
    assert again.stdout.splitlines()[0] == (
        "Nothing new: 3 already recorded, 1 deleted (not recreated), weekly from 13 Jan 2027 to 3 Feb 2027."
    )
    assert "    2. Wed 20 Jan 2027 to Wed 20 Jan 2027: deleted (exemption 2), not recreated" in again.stdout
    assert again.stderr == (
        "Warning: 1 occurrence of the series matches a deleted exemption (2), not recreated: use add "
        "without --every to exempt the student on those days again.\n"
    )
    assert snapshot(cli.location) == before
    dry = cli.ok("add", STUDENT, *WEEKLY, "--count", "4", "--dry-run")
    assert ": would be created" not in dry.stdout and "deleted (exemption 2), not recreated" in dry.stdout
