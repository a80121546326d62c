"""`extend`, `move`, `delete` and `history`: R4, R5, R6, R7 through the CLI, all or nothing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from helpers import LONDON, Cli, Clock, record, snapshot


def _active_until(cli: Cli, clock: Clock, end: str) -> int:
    """An exemption from 5 Jan that is active on Monday 11 Jan 2027 and ends on `end`."""
    exemption = cli.add("201234567", "--start", "2027-01-06", "--end", end)
    clock(datetime(2027, 1, 11, 9, 0, tzinfo=LONDON))
    return exemption


@pytest.mark.parametrize(
    ("end", "editable"),
    [("2027-01-10", False), ("2027-01-11", False), ("2027-01-12", True)],  # yesterday, today, tomorrow
)
@pytest.mark.parametrize(
    "change",
    [["extend", "{id}", "--by", "1w"], ["move", "{id}", "--end", "2027-01-30"], ["delete", "{id}", "--yes"]],
)
def test_r4_changes_only_while_the_end_is_in_the_future(
    cli: Cli, clock: Clock, end: str, editable: bool, change: list[str]
) -> None:
    exemption = _active_until(cli, clock, end)
    before = snapshot(cli.location)
    result = cli(*(part.format(id=exemption) for part in change))
    if editable:
        assert result.exit_code == 0, result.stderr
    else:
        assert result.exit_code == 2
        if end == "2027-01-11":  # today: in force today, locked because its end is not after today
            assert result.stderr == (
                f"Error: Exemption {exemption} ends today (11 Jan 2027): it covers today, but its end "
                "is not after today, so it can no longer be changed; to cover later days, add a new "
                "one starting tomorrow.\n"
            )
        else:
            assert f"Error: Exemption {exemption} ended on 10 Jan 2027;" in result.stderr
        assert snapshot(cli.location) == before


def test_extend_sets_a_later_end_and_keeps_in_force_from(cli: Cli) -> None:
    exemption = cli.add()
    result = cli.ok("extend", str(exemption), "--to", "31/01/2027", "--as", "alice")
    assert result.stdout == "Extended exemption 1 (201234567): end 24 Jan 2027 -> 31 Jan 2027.\n"
    assert record(cli, exemption)["end"] == "2027-01-31"
    assert record(cli, exemption)["in_force_from"] == "2027-01-06"
    assert cli("extend", str(exemption), "--to", "2027-01-30").exit_code == 2  # not later
    assert cli("extend", str(exemption), "--by", "-1w").exit_code == 2


def test_move_start_keeps_the_length_and_records_again(cli: Cli, clock: Clock) -> None:
    exemption = cli.add()  # 11-24 Jan, recorded Monday 4 Jan
    clock(datetime(2027, 1, 7, 10, 0, tzinfo=LONDON))  # Thursday
    result = cli.ok("move", str(exemption), "--start", "2027-01-08")
    row = record(cli, exemption)
    assert (row["start"], row["end"], row["in_force_from"]) == ("2027-01-08", "2027-01-21", "2027-01-09")
    assert "Warning: exemption 1: notifications may still trigger until 9 Jan 2027." in result.stderr


def test_move_end_only_cuts_an_active_exemption_short_and_it_stays_active(cli: Cli, clock: Clock) -> None:
    exemption = _active_until(cli, clock, "2027-01-31")
    cli.ok("move", str(exemption), "--end", "2027-01-12")
    row = record(cli, exemption)
    assert (row["end"], row["in_force_from"], row["status"]) == ("2027-01-12", "2027-01-06", "active")


@pytest.mark.parametrize(
    ("by", "code", "start"),
    [("1w", 0, "2027-01-18"), ("-1w", 2, None), ("-6d", 0, "2027-01-05"), ("-7d", 2, None)],
)
def test_move_by_shifts_both_ends_never_into_today(cli: Cli, by: str, code: int, start: str | None) -> None:
    exemption = cli.add()
    result = cli("move", str(exemption), "--by", by)
    assert result.exit_code == code, result.stderr
    if start:
        assert record(cli, exemption)["start"] == start


# An exemption from 10 to 31 July 2027 (recorded 1 July, so in force from 3 July), changed on a
# summer day at 23:30 or 00:30 in London (when UTC is still on the day before).
SUMMER = {
    "9 Jul 23:30": datetime(2027, 7, 9, 23, 30, tzinfo=LONDON),  # the day before its start
    "10 Jul 00:30": datetime(2027, 7, 10, 0, 30, tzinfo=LONDON),  # its start; UTC: 9 Jul 23:30
    "10 Jul 23:30": datetime(2027, 7, 10, 23, 30, tzinfo=LONDON),
    "11 Jul 00:30": datetime(2027, 7, 11, 0, 30, tzinfo=LONDON),  # the day after its start
}


def _summer(cli: Cli, clock: Clock, moment: str) -> int:
    clock(datetime(2027, 7, 1, 12, 0, tzinfo=LONDON))
    exemption = cli.add("201234567", "--start", "2027-07-10", "--end", "2027-07-31")
    clock(SUMMER[moment])
    return exemption


@pytest.mark.parametrize(("moment", "started"), [(m, not m.startswith("9 Jul")) for m in SUMMER])
@pytest.mark.parametrize(
    "change",
    [
        ["--start", "2027-07-20"],
        ["--start", "2027-07-20", "--end", "2027-08-20"],
        ["--by", "1w"],
        ["--by", "-1d"],
    ],
)
def test_r5_the_start_of_a_started_exemption_cannot_change(
    cli: Cli, clock: Clock, moment: str, started: bool, change: list[str]
) -> None:
    exemption = _summer(cli, clock, moment)
    before = snapshot(cli.location)
    result = cli("move", str(exemption), *change)
    if not started and change != ["--by", "-1d"]:
        assert result.exit_code == 0, result.stderr
        assert record(cli, exemption)["start"] != "2027-07-10"
    elif not started:  # to 9 July, which is today: not after today
        assert result.exit_code == 2
        assert "can move only to a day after today (9 Jul 2027)" in result.stderr
        assert snapshot(cli.location) == before
    else:
        assert result.exit_code == 2
        assert result.stderr == (
            f"Error: Exemption {exemption} started on 10 Jul 2027, so its start cannot change (the "
            f"past is never rewritten); to change its last day use `stream-exempt move {exemption} "
            f"--end DATE`, or `stream-exempt extend {exemption}` to make it longer.\n"
        )
        assert snapshot(cli.location) == before


@pytest.mark.parametrize("moment", list(SUMMER))
def test_r5_giving_the_current_start_is_no_change(cli: Cli, clock: Clock, moment: str) -> None:
    exemption = _summer(cli, clock, moment)
    cli.ok("move", str(exemption), "--start", "10/07/2027", "--end", "2027-08-07")
    row = record(cli, exemption)
    assert (row["start"], row["end"], row["in_force_from"]) == ("2027-07-10", "2027-08-07", "2027-07-03")


@pytest.mark.parametrize(
    ("new_end", "allowed"),
    [
        ("2027-07-10", False),  # today, in London (UTC is still on 9 July)
        ("2027-07-11", True),  # tomorrow
    ],
)
def test_r5_a_new_end_must_be_after_today(cli: Cli, clock: Clock, new_end: str, allowed: bool) -> None:
    exemption = _summer(cli, clock, "10 Jul 00:30")
    result = cli("move", str(exemption), "--end", new_end)
    assert result.exit_code == (0 if allowed else 2), result.stderr
    if not allowed:
        assert "a new end must be after today (10 Jul 2027)" in result.stderr


def test_r5_a_batch_change_is_refused_naming_the_started_member(
    cli: Cli, clock: Clock, tmp_path: Path
) -> None:
    clock(datetime(2027, 7, 1, 12, 0, tzinfo=LONDON))
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("sid,start\n201234567,2027-07-20\n201234568,2027-07-10\n201234569,2027-07-20\n")
    cli.ok("bulk", str(cohort), "--type", "placement", "--end", "2027-07-31")
    clock(SUMMER["10 Jul 23:30"])
    before = snapshot(cli.location)
    for change in (["--by", "1w"], ["--start", "2027-07-25"]):
        result = cli("move", "--batch", "1", *change)
        assert result.exit_code == 2
        assert "Error: Exemption 2 started on 10 Jul 2027, so its start cannot change" in result.stderr
        assert snapshot(cli.location) == before
    cli.ok("move", "--batch", "1", "--end", "2027-08-07")  # the end may still change
    cli.ok("extend", "--batch", "1", "--by", "1w")


@pytest.mark.parametrize(
    ("moment", "for_", "code"),
    [
        ("4 Jan 23:30", "1d", 2),  # start tomorrow (5 Jan), in force 6 Jan: ends before that
        ("4 Jan 23:30", "2d", 0),  # ends 6 Jan, the day it comes into force
        ("5 Jan 00:30", "1d", 2),  # start 6 Jan, in force 7 Jan
    ],
)
def test_r5c_add_that_would_suppress_nothing_is_refused(
    cli: Cli, clock: Clock, moment: str, for_: str, code: int
) -> None:
    day, hour = moment.split(" ", 1)[0], moment.endswith("23:30")
    clock(datetime(2027, 1, int(day), 23 if hour else 0, 30, tzinfo=LONDON))
    before = snapshot(cli.location)
    result = cli("add", "201234567", "--type", "placement", "--start", "tomorrow", "--for", for_)
    assert result.exit_code == code, result.stderr
    if code:
        assert snapshot(cli.location) == before
        assert "would end on" in result.stderr and "before it comes into force on" in result.stderr


def test_r5c_add_names_both_dates(cli: Cli, clock: Clock) -> None:
    clock(datetime(2027, 7, 14, 23, 30, tzinfo=LONDON))
    result = cli("add", "201234567", "--type", "placement", "--start", "tomorrow", "--for", "1d")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: The exemption would end on 15 Jul 2027, before it comes into force on 16 Jul 2027 "
        "(the second day after it is recorded), so it would suppress nothing; give an end on or "
        "after 16 Jul 2027.\n"
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (["move", "{id}", "--end", "2027-01-05"], 2),  # before it comes into force on 6 Jan
        (["move", "{id}", "--end", "2027-01-06"], 0),  # its in-force day
        (["move", "{id}", "--start", "2027-01-05", "--end", "2027-01-05"], 2),  # same start, same 6 Jan
        (["move", "{id}", "--by", "1d"], 0),  # 6-11 Jan, recorded again today: in force 6 Jan
    ],
)
def test_r5c_a_change_that_would_suppress_nothing_is_refused(cli: Cli, change: list[str], code: int) -> None:
    exemption = cli.add("201234567", "--start", "2027-01-05", "--end", "2027-01-10")  # in force 6 Jan
    before = snapshot(cli.location)
    result = cli(*(part.format(id=exemption) for part in change))
    assert result.exit_code == code, result.stderr
    if code:
        assert "before it comes into force on 6 Jan 2027" in result.stderr
        assert snapshot(cli.location) == before


def test_r7_after_extend_and_move(cli: Cli) -> None:
    first = cli.add("201234567", "--start", "2027-01-11", "--end", "2027-01-20")
    second = cli.add("201234567", "--start", "2027-01-25", "--end", "2027-01-30")
    result = cli("extend", str(first), "--to", "2027-01-25")
    assert result.exit_code == 2 and f"already has exemption {second}" in result.stderr
    assert cli("move", str(second), "--start", "2027-01-20").exit_code == 2
    cli.ok("extend", str(first), "--to", "2027-01-24")  # adjacent is fine
    cli.ok("delete", str(second), "--yes")
    cli.ok("extend", str(first), "--to", "2027-01-28")  # deleted ones no longer block


def test_a_failed_multi_id_change_leaves_everything_untouched(cli: Cli) -> None:
    exemption = cli.add()
    before = snapshot(cli.location)
    result = cli("delete", str(exemption), "99", "--yes")
    assert result.exit_code == 3 and "no exemption 99" in result.stderr
    assert snapshot(cli.location) == before


@pytest.mark.parametrize(
    ("ident", "code"),
    [
        ("0", 2),
        ("-1", 2),
        ("abc", 2),
        ("1.5", 2),
        ("99999999999999999999999", 2),
        ("9223372036854775807", 3),
        ("42", 3),
    ],
)
def test_ids_that_are_not_positive_integers_are_refused(cli: Cli, ident: str, code: int) -> None:
    for args in (["extend", ident, "--by", "1w"], ["history", ident], ["delete", ident, "--yes"]):
        result = cli(*args)
        assert result.exit_code == code, (args, result.stderr)
        assert result.stderr.startswith("Error: ")


def test_delete_needs_a_terminal_or_yes(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    exemption = cli.add()
    result = cli("delete", str(exemption))
    assert result.exit_code == 2 and "--yes" in result.stderr
    monkeypatch.setattr("stream_exempt.cli.change._interactive", lambda: True)
    declined = cli("delete", str(exemption), input="n\n")
    assert declined.exit_code == 2
    assert (
        "Delete 1 exemption (1)? They suppress nothing after today (4 Jan 2027); today and "
        "the days before keep their answer." in declined.stderr
    )
    assert record(cli, exemption)["status"] == "pending"
    cli.ok("delete", str(exemption), input="y\n")
    assert record(cli, exemption)["status"] == "deleted"


def test_delete_keeps_the_record_and_it_suppresses_nothing(cli: Cli, clock: Clock) -> None:
    exemption = _active_until(cli, clock, "2027-01-31")
    assert cli("check", "201234567").exit_code == 0
    cli.ok("delete", str(exemption), "--yes")
    # R5b: today keeps its answer (the feed may have used it); R4: it can no longer change.
    assert record(cli, exemption)["status"] == "active"
    assert cli("check", "201234567").exit_code == 0
    assert cli("delete", str(exemption), "--yes").exit_code == 2
    assert cli("extend", str(exemption), "--by", "1w").exit_code == 2
    clock(datetime(2027, 1, 12, 0, 30, tzinfo=LONDON))  # the next day (UTC still on the 11th)
    assert record(cli, exemption)["status"] == "deleted"
    assert cli("check", "201234567").exit_code == 1


@pytest.mark.parametrize(
    ("moment", "deleted_on"),
    [
        (datetime(2027, 7, 14, 23, 30, tzinfo=LONDON), "2027-07-14"),  # 22:30 UTC
        (datetime(2027, 7, 15, 0, 30, tzinfo=LONDON), "2027-07-15"),  # UTC still on 14 July
    ],
)
def test_r5b_deleting_a_running_exemption_keeps_the_days_before(
    cli: Cli, clock: Clock, moment: datetime, deleted_on: str
) -> None:
    clock(datetime(2027, 7, 1, 12, 0, tzinfo=LONDON))
    exemption = cli.add("201234567", "--start", "2027-07-05", "--end", "2027-07-31")  # in force 3 Jul
    clock(moment)
    cli.ok("delete", str(exemption), "--yes")
    day = datetime.fromisoformat(deleted_on).date()
    answers = {
        (day - timedelta(days=n)).isoformat(): code
        # 13 days before: before the start; the deletion day keeps its answer (R5b)
        for n, code in ((13, 1), (1, 0), (0, 0), (-1, 1))
    }
    for on, code in answers.items():
        assert cli("check", "201234567", "--on", on).exit_code == code, on
        listed = json.loads(cli.ok("list", "--status", "all", "--on", on, "--format", "json").stdout)
        assert listed[0]["status"] == {0: "active", 1: "deleted" if on > deleted_on else "pending"}[code]
    feed = "student_id,date\n" + "".join(f"201234567,{on}\n" for on in answers)
    rows = cli.ok("check", "--file", "-", input=feed).stdout.splitlines()[1:]
    assert [row.split(",")[2] for row in rows] == ["true" if c == 0 else "false" for c in answers.values()]
    plain = cli.ok("history", str(exemption), "--format", "plain").stdout
    assert f"deleted on {day.day} Jul 2027: suppresses nothing after that day; that day" in plain


def test_r5b_deleting_an_exemption_before_it_starts_removes_it_from_every_day(cli: Cli) -> None:
    exemption = cli.add()  # 11-24 Jan, in force from 6 Jan; today is 4 Jan
    cli.ok("delete", str(exemption), "--yes")
    for on in ("2027-01-04", "2027-01-11", "2027-01-24"):
        assert cli("check", "201234567", "--on", on).exit_code == 1
        assert _status_on(cli, exemption, on) == "deleted"
    plain = cli.ok("history", str(exemption), "--format", "plain").stdout
    assert "deleted on 4 Jan 2027, before it started: it covers no day" in plain


def _status_on(cli: Cli, exemption_id: int, on: str) -> object:
    rows = json.loads(cli.ok("list", "--status", "all", "--on", on, "--format", "json").stdout)
    return next(r for r in rows if r["id"] == exemption_id)["status"]


def test_history_holds_every_change_with_its_actor(cli: Cli, clock: Clock, login: str) -> None:
    exemption = cli.add("201234567", "--as", "alice")
    clock(datetime(2027, 1, 5, 9, 30, tzinfo=LONDON))
    cli.ok("extend", str(exemption), "--by", "1w", "--as", "bob")
    cli.ok("move", str(exemption), "--start", "2027-01-12", "--as", "carol")
    cli.ok("delete", str(exemption), "--yes", "--as", "dave")
    events = json.loads(cli.ok("history", str(exemption), "--format", "json").stdout)
    assert [(e["action"], e["actor"], e["login"], e["actor_for"]) for e in events] == [
        ("add", login, login, "alice"),
        ("extend", login, login, "bob"),
        ("move", login, login, "carol"),
        ("delete", login, login, "dave"),
    ]
    assert events[1]["before"]["end"] == "2027-01-24" and events[1]["after"]["end"] == "2027-01-31"
    assert events[0]["at"] == "2027-01-04T12:00:00Z"
    plain = cli.ok("history", str(exemption), "--format", "plain").stdout
    assert "2027-01-05 09:30 GMT" in plain
    assert "end 24 Jan 2027 -> 31 Jan 2027" in plain
    assert (
        "start 11 Jan 2027 -> 12 Jan 2027; end 31 Jan 2027 -> 1 Feb 2027; in force from 6 Jan 2027 -> 7 Jan 2027"
        in plain
    )
    assert "deleted" in plain
    assert f"{login} for carol" in plain


@pytest.mark.parametrize(("new_end", "code"), [("2027-01-10", 2), ("2027-01-11", 0)])
def test_r5c_a_moved_start_is_recorded_again_and_must_still_do_something(
    cli: Cli, clock: Clock, new_end: str, code: int
) -> None:
    exemption = cli.add()  # 11-24 Jan, in force from 6 Jan
    clock(datetime(2027, 1, 9, 23, 30, tzinfo=LONDON))
    result = cli("move", str(exemption), "--start", "2027-01-10", "--end", new_end)
    assert result.exit_code == code, result.stderr
    if code:
        assert (
            f"would end on {new_end[-2:]} Jan 2027, before it comes into force on 11 Jan 2027"
            in result.stderr
        )
