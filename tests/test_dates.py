"""Dates and durations as people type them (SPEC section 3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from helpers import Cli
from stream_exempt import config, dates
from stream_exempt.config import BadConfiguration
from stream_exempt.errors import Refused

TODAY = date(2027, 1, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-01-10", date(2027, 1, 10)),
        ("10/01/2027", date(2027, 1, 10)),
        ("10-01-2027", date(2027, 1, 10)),
        ("10.01.2027", date(2027, 1, 10)),
        ("10 Jan 2027", date(2027, 1, 10)),
        ("10 January 2027", date(2027, 1, 10)),
        ("10 jan 2027", date(2027, 1, 10)),
        ("  10/01/2027  ", date(2027, 1, 10)),
        ("01/02/2027", date(2027, 2, 1)),  # always day-first
        ("1/2/2027", date(2027, 2, 1)),
        ("29/02/2028", date(2028, 2, 29)),
        ("today", TODAY),
        ("Today", TODAY),
        ("tomorrow", date(2027, 1, 5)),
        ("+3d", date(2027, 1, 7)),
        ("+2w", date(2027, 1, 18)),
        ("+1m", date(2027, 2, 4)),
        ("0001-01-01", date(1, 1, 1)),
        # Days past (SPEC 10): accepted as dates; the rules refuse them where a date must be ahead.
        ("yesterday", date(2027, 1, 3)),
        ("Yesterday", date(2027, 1, 3)),
        ("-3d", date(2027, 1, 1)),
        ("-4d", date(2026, 12, 31)),
        ("-2w", date(2026, 12, 21)),
        ("-1m", date(2026, 12, 4)),
        ("-0d", TODAY),
    ],
)
def test_accepted_date_forms(text: str, expected: date) -> None:
    assert dates.parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "next week",
        "2027/01/10",
        "10/01/27",
        "Jan 10 2027",
        "10 Janvier 2027",
        "10/01-2027",
        "- 3d",
        "--3d",
        "-3",
        "١٠/٠١/٢٠٢٧",  # Arabic-Indic digits are not digits here
        "2027-01-10T00:00",
    ],
)
def test_refused_date_forms_name_the_value_and_the_accepted_forms(text: str) -> None:
    with pytest.raises(Refused) as refused:
        dates.parse_date(text, TODAY)
    assert repr(text) in refused.value.message
    assert "10/01/2027" in refused.value.message


@pytest.mark.parametrize("text", ["29/02/2027", "31/04/2027", "00/01/2027", "10/13/2027", "2027-02-30"])
def test_impossible_calendar_dates_are_refused(text: str) -> None:
    with pytest.raises(Refused, match="not a real calendar date"):
        dates.parse_date(text, TODAY)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("+999999m", "2027-01-04 + 999999m is past the last date the calendar holds (31 Dec 9999)."),
        ("+99999999d", "'+99999999d' falls outside the calendar (it runs from year 1 to 9999)."),
        ("+0000000000000000000001000000w", "falls outside the calendar (it runs from year 1 to 9999)."),
        ("-999999m", "2027-01-04 - 999999m is before the first date the calendar holds (1 Jan 0001)."),
        ("-740000d", "2027-01-04 - 740000d is before the first date the calendar holds (1 Jan 0001)."),
    ],
)
def test_relative_date_beyond_the_calendar_is_refused(text: str, message: str) -> None:
    """Well formed but too far: said so, not "not a date"."""
    with pytest.raises(Refused) as refused:
        dates.parse_date(text, TODAY)
    assert refused.value.message.endswith(message)


@pytest.mark.parametrize(
    ("day", "shift", "message"),
    [
        (date(9999, 12, 31), "1d", "9999-12-31 + 1d is past the last date the calendar holds (31 Dec 9999)."),
        (date(9999, 12, 25), "1w", "9999-12-25 + 1w is past the last date the calendar holds (31 Dec 9999)."),
        (date(1, 1, 1), "-1d", "0001-01-01 - 1d is before the first date the calendar holds (1 Jan 0001)."),
    ],
)
def test_a_shift_past_the_calendar_names_the_day_and_the_shift(day: date, shift: str, message: str) -> None:
    """Not "1d from 9999-12-31 falls outside the calendar", which reads as if 9999-12-31 did."""
    with pytest.raises(Refused) as refused:
        dates.parse_duration(shift, allow_negative=True).after(day)
    assert refused.value.message == message


@pytest.mark.parametrize(("text", "days"), [("+0000001d", 1), ("0000001d", 1), ("999999d", 999_999)])
def test_leading_zeros_and_the_longest_duration(text: str, days: int) -> None:
    assert dates.parse_duration(text.removeprefix("+")).amount == days
    if text.startswith("+"):
        assert dates.parse_date(text, TODAY) == TODAY + timedelta(days=days)


@pytest.mark.parametrize("text", ["1000000d", "99999999w", "-99999999m"])
def test_a_duration_longer_than_the_calendar_is_refused_as_such(text: str) -> None:
    with pytest.raises(Refused, match="longer than the calendar"):
        dates.parse_duration(text, allow_negative=True)


@pytest.mark.parametrize(
    ("start", "duration", "end"),
    [
        (date(2027, 1, 10), "2w", date(2027, 1, 23)),  # the SPEC's own example: 14 days
        (date(2027, 1, 10), "1d", date(2027, 1, 10)),
        (date(2027, 1, 10), "10d", date(2027, 1, 19)),
        (date(2027, 1, 10), "3m", date(2027, 4, 9)),
        (date(2027, 1, 10), "1m", date(2027, 2, 9)),  # the SPEC's own example
    ],
)
def test_for_counts_the_days_covered(start: date, duration: str, end: date) -> None:
    assert dates.parse_duration(duration).last_day_from(start) == end


# SPEC section 3: `--for Nm` ends on the day before the same day N months later; where that day
# does not exist, on the last day of that month, so no day of a month is left uncovered.
@pytest.mark.parametrize(
    ("start", "duration", "end"),
    [
        (date(2027, 1, 27), "1m", date(2027, 2, 26)),
        (date(2027, 1, 28), "1m", date(2027, 2, 27)),  # 28 Feb exists: the day before it
        (date(2027, 1, 29), "1m", date(2027, 2, 28)),  # no 29 Feb 2027: the last day of February
        (date(2027, 1, 30), "1m", date(2027, 2, 28)),
        (date(2027, 1, 31), "1m", date(2027, 2, 28)),
        (date(2027, 2, 1), "1m", date(2027, 2, 28)),  # the whole of February
        (date(2028, 1, 29), "1m", date(2028, 2, 28)),  # a leap year: 29 Feb 2028 exists
        (date(2028, 1, 30), "1m", date(2028, 2, 29)),
        (date(2028, 1, 31), "1m", date(2028, 2, 29)),
        (date(2027, 3, 31), "1m", date(2027, 4, 30)),  # no 31 April
        (date(2027, 4, 30), "1m", date(2027, 5, 29)),
        (date(2027, 5, 31), "1m", date(2027, 6, 30)),
        (date(2027, 1, 31), "3m", date(2027, 4, 30)),
        (date(2027, 1, 31), "2m", date(2027, 3, 30)),  # 31 Mar exists
        (date(2027, 11, 30), "3m", date(2028, 2, 29)),  # across a year into a leap February
        (date(2027, 12, 31), "2m", date(2028, 2, 29)),
        (date(2027, 12, 1), "12m", date(2028, 11, 30)),
    ],
)
def test_for_months_ends_the_day_before_the_same_day_or_on_the_months_last_day(
    start: date, duration: str, end: date
) -> None:
    assert dates.parse_duration(duration).last_day_from(start) == end


@pytest.mark.parametrize("year", [2027, 2028])
@pytest.mark.parametrize("month", range(1, 13))
def test_for_one_month_from_the_first_covers_exactly_that_month(year: int, month: int) -> None:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    assert dates.parse_duration("1m").last_day_from(first) == following - timedelta(days=1)


def test_for_months_beyond_the_calendar_is_refused() -> None:
    with pytest.raises(Refused, match="past the last date the calendar holds"):
        dates.parse_duration("2m").last_day_from(date(9999, 12, 1))


@pytest.mark.parametrize(
    ("text", "day", "shifted"),
    [
        ("1w", date(2027, 1, 20), date(2027, 1, 27)),
        ("-1w", date(2027, 1, 20), date(2027, 1, 13)),
        ("+10d", date(2027, 1, 20), date(2027, 1, 30)),
        ("1m", date(2027, 1, 31), date(2027, 2, 28)),
        ("-1m", date(2027, 3, 31), date(2027, 2, 28)),
    ],
)
def test_by_shifts_a_date(text: str, day: date, shifted: date) -> None:
    assert dates.parse_duration(text, allow_negative=True).after(day) == shifted


@pytest.mark.parametrize("text", ["", "2", "w", "2x", "1.5w", "0d", "two weeks", "-1w"])
def test_refused_durations(text: str) -> None:
    with pytest.raises(Refused):
        dates.parse_duration(text)


@pytest.mark.parametrize(
    ("utc", "london_day"),
    [
        (datetime(2027, 6, 30, 22, 59, tzinfo=UTC), date(2027, 6, 30)),
        (datetime(2027, 6, 30, 23, 30, tzinfo=UTC), date(2027, 7, 1)),  # BST: already 1 July
        (datetime(2027, 1, 31, 23, 30, tzinfo=UTC), date(2027, 1, 31)),  # GMT: still 31 January
        (datetime(2027, 2, 1, 0, 0, tzinfo=UTC), date(2027, 2, 1)),
        (datetime(2027, 7, 1, 22, 30, tzinfo=UTC), date(2027, 7, 1)),  # 23:30 BST: still 1 July
        (datetime(2027, 3, 28, 0, 30, tzinfo=UTC), date(2027, 3, 28)),  # the night the clocks go forward
        (datetime(2027, 10, 30, 23, 30, tzinfo=UTC), date(2027, 10, 31)),  # BST until 01:00 UTC on 31 Oct
    ],
)
def test_today_is_the_london_date_whatever_the_machine_zone(
    utc: datetime, london_day: date, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    with time_machine.travel(utc, tick=False):
        assert dates.today(config.zone()) == london_day


def test_zone_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAM_EXEMPT_TZ", "Pacific/Auckland")
    with time_machine.travel(datetime(2027, 1, 4, 12, 0, tzinfo=UTC), tick=False):
        assert dates.today(config.zone()) == date(2027, 1, 5)


def test_unknown_zone_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAM_EXEMPT_TZ", "Mars/Olympus")
    with pytest.raises(BadConfiguration, match="STREAM_EXEMPT_TZ"):
        config.zone()


def test_dates_are_shown_the_same_in_any_locale() -> None:
    assert dates.show(date(2027, 1, 10)) == "10 Jan 2027"
    assert dates.show(date(2027, 9, 1)) == "1 Sep 2027"


def test_dates_at_the_end_of_the_calendar_are_refused_or_answered_never_70(cli: Cli) -> None:
    number = cli.add("201234999", "--start", "2027-01-11", "--end", "31/12/9999")
    moved = cli("move", str(number), "--start", "+3w")
    assert moved.exit_code == 2, moved.output
    assert moved.stderr.startswith(f"Error: Exemption {number} starting 25 Jan 2027 would keep its ")
    assert moved.stderr.endswith("give --end as well.\n")
    # The last window that fits still draws; one week later is refused, naming the date given.
    # (31 Dec 9999 is a Friday: the last whole week is 20-26 Dec.)
    assert cli.ok("timeline", "201234999", "--from", "06/12/9999", "--weeks", "3").stdout
    assert cli.ok("timeline", "--office", "--from", "26/12/9999", "--weeks", "1").stdout
    assert cli("timeline", "--office", "--from", "27/12/9999", "--weeks", "1").exit_code == 2
    for args in (["201234999", "--from", "25/12/9999"], ["--office", "--from", "20/12/9999"]):
        result = cli("timeline", *args)
        assert result.exit_code == 2, (args, result.output)
        assert "the last day of the calendar; give an earlier --from or fewer --weeks." in result.stderr
    for day in ("31/12/9999", "01/01/0001"):
        summary = cli("summary", "--on", day)
        assert summary.exit_code == 0, summary.output
        assert cli("list", "--ending-within", "2w", "--on", day).exit_code == 0
