"""Expanding a series (SPEC 11): a pure function of the first occurrence and how it repeats."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest

from stream_exempt import series
from stream_exempt.dates import Duration
from stream_exempt.errors import Refused
from stream_exempt.model import Terms


def first(start: date, end: date | None = None) -> Terms:
    return Terms("placement", start, end or start, None)


def repeat(
    every: str, count: str | None = None, until: date | None = None, weekdays: str | None = None
) -> series.Repeat:
    return series.repeat_from_options(every, count, until, weekdays)


def spans(made: list[Terms]) -> list[tuple[str, str]]:
    return [(t.start.isoformat(), t.end.isoformat()) for t in made]


@pytest.mark.parametrize(
    ("start", "end", "every", "count", "span", "expected"),
    [
        # Months from the FIRST occurrence, not chained: 31 Jan, 28 Feb, 31 Mar, 30 Apr.
        (
            date(2027, 1, 31),
            None,
            "1m",
            "4",
            None,
            [("2027-01-31",) * 2, ("2027-02-28",) * 2, ("2027-03-31",) * 2, ("2027-04-30",) * 2],
        ),
        # In a leap year February has its 29th.
        (date(2028, 1, 31), None, "1m", "2", None, [("2028-01-31",) * 2, ("2028-02-29",) * 2]),
        # 29 Feb yearly: 28 Feb in the years without one, 29 Feb again in 2032.
        (
            date(2028, 2, 29),
            None,
            "1y",
            "5",
            None,
            [
                ("2028-02-29",) * 2,
                ("2029-02-28",) * 2,
                ("2030-02-28",) * 2,
                ("2031-02-28",) * 2,
                ("2032-02-29",) * 2,
            ],
        ),
        # A length kept in days: 3 days each, the 28th of February to the 2nd of March.
        (
            date(2027, 1, 28),
            date(2027, 1, 30),
            "1m",
            "2",
            None,
            [("2027-01-28", "2027-01-30"), ("2027-02-28", "2027-03-02")],
        ),
        # A length given as --for 1m follows --for's rule for each start: 10 Jan-9 Feb, 10 Feb-9 Mar.
        (
            date(2027, 1, 10),
            date(2027, 2, 9),
            "1m",
            "3",
            Duration(1, "m"),
            [("2027-01-10", "2027-02-09"), ("2027-02-10", "2027-03-09"), ("2027-03-10", "2027-04-09")],
        ),
        # From 1 Feb --for 1m covers all of February (28 days), then all of March (31).
        (
            date(2027, 2, 1),
            date(2027, 2, 28),
            "1m",
            "2",
            Duration(1, "m"),
            [("2027-02-01", "2027-02-28"), ("2027-03-01", "2027-03-31")],
        ),
        # Every 2 weeks, a two-day block; every 10 days.
        (
            date(2027, 1, 13),
            date(2027, 1, 14),
            "2w",
            "3",
            None,
            [("2027-01-13", "2027-01-14"), ("2027-01-27", "2027-01-28"), ("2027-02-10", "2027-02-11")],
        ),
        (
            date(2027, 1, 13),
            None,
            "10d",
            "3",
            None,
            [("2027-01-13",) * 2, ("2027-01-23",) * 2, ("2027-02-02",) * 2],
        ),
        # Touching is allowed: 7 days every week.
        (
            date(2027, 1, 11),
            date(2027, 1, 17),
            "1w",
            "2",
            None,
            [("2027-01-11", "2027-01-17"), ("2027-01-18", "2027-01-24")],
        ),
    ],
)
def test_occurrence_k_is_the_first_shifted_by_k_intervals(
    start: date,
    end: date | None,
    every: str,
    count: str,
    span: Duration | None,
    expected: list[tuple[str, str]],
) -> None:
    assert spans(series.occurrences(first(start, end), repeat(every, count), span)) == expected


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        (date(2027, 3, 16), 9),  # the day before the tenth occurrence's start
        (date(2027, 3, 17), 10),  # the tenth occurrence's own start day
        (date(2027, 3, 18), 10),  # the day after
    ],
)
def test_until_is_the_last_start_on_or_before_it(until: date, expected: int) -> None:
    made = series.occurrences(first(date(2027, 1, 13)), repeat("1w", until=until))
    assert len(made) == expected
    assert made[-1].start <= until < made[-1].start + timedelta(weeks=1)


@pytest.mark.parametrize(
    ("count", "refused"),
    [("1", True), ("2", False), ("200", False), ("201", True), ("0", True), ("ten", True), ("-3", True)],
)
def test_count_is_2_to_200(count: str, refused: bool) -> None:
    if refused:
        with pytest.raises(Refused, match="--count"):
            series.parse_count(count)
    else:
        made = series.occurrences(first(date(2027, 1, 13)), repeat("1d", count))
        assert len(made) == int(count)


@pytest.mark.parametrize(
    ("until", "refused"),
    [
        (date(2027, 1, 13) + timedelta(days=199), False),  # 200 daily occurrences
        (date(2027, 1, 13) + timedelta(days=200), True),  # 201
        (date(9999, 12, 31), True),  # far more: refused without making them all
    ],
)
def test_until_past_200_occurrences_is_refused(until: date, refused: bool) -> None:
    if refused:
        with pytest.raises(Refused, match="more than 200 occurrences"):
            series.occurrences(first(date(2027, 1, 13)), repeat("1d", until=until))
    else:
        assert len(series.occurrences(first(date(2027, 1, 13)), repeat("1d", until=until))) == 200


def test_until_leaving_one_occurrence_or_before_the_start_is_refused() -> None:
    with pytest.raises(Refused, match="leaves one occurrence"):
        series.occurrences(first(date(2027, 1, 13)), repeat("1w", until=date(2027, 1, 19)))
    with pytest.raises(Refused, match="before the series starts"):
        series.occurrences(first(date(2027, 1, 13)), repeat("1w", until=date(2027, 1, 12)))


@pytest.mark.parametrize(
    ("start", "end", "every", "weekdays", "span", "refused"),
    [
        (date(2027, 1, 11), date(2027, 1, 17), "1w", None, None, False),  # 7 days weekly: touching
        (date(2027, 1, 11), date(2027, 1, 18), "1w", None, None, True),  # 8 days weekly
        (date(2027, 1, 11), date(2027, 1, 20), "10d", None, None, False),
        (date(2027, 1, 11), date(2027, 1, 21), "10d", None, None, True),
        (date(2027, 1, 11), date(2027, 1, 12), "1w", "mon,wed", None, False),  # Mon-Tue, Wed-Thu
        (date(2027, 1, 11), date(2027, 1, 13), "1w", "mon,wed", None, True),  # Mon-Wed shares Wed
        (date(2027, 1, 13), date(2027, 1, 14), "1w", "mon,wed", None, False),  # Wed-Thu, Mon-Tue
        (date(2027, 1, 13), date(2027, 1, 15), "1w", "mon,wed", None, True),  # Mon-Wed shares Wed
        (date(2027, 1, 1), date(2027, 2, 1), "1m", None, None, True),  # 32 days monthly
        (date(2027, 1, 1), date(2027, 1, 28), "1m", None, None, False),  # 28 days from the 1st
        # 31 days from 1 Jan: 1 Feb-3 Mar shares 1 Mar with the next (February is shorter).
        (date(2027, 1, 1), date(2027, 1, 31), "1m", None, None, True),
        (date(2027, 1, 10), date(2027, 3, 9), "1m", None, Duration(2, "m"), True),  # 2 months monthly
        # 31 Jan --for 1m ends 28 Feb, and the next starts 28 Feb: they would share it.
        (date(2027, 1, 31), date(2027, 2, 28), "1m", None, Duration(1, "m"), True),
        # 28 days from 29 Jan: 29 Jan-25 Feb, 28 Feb-27 Mar, 29 Mar-25 Apr.
        (date(2027, 1, 29), date(2027, 2, 25), "1m", None, None, False),
        # 30 days from 29 Jan: 29 Jan-27 Feb, 28 Feb-29 Mar shares 29 Mar with the third.
        (date(2027, 1, 29), date(2027, 2, 27), "1m", None, None, True),
        # 31 days from 29 Jan: 29 Jan-28 Feb shares 28 Feb with the next.
        (date(2027, 1, 29), date(2027, 2, 28), "1m", None, None, True),
    ],
)
def test_occurrences_must_end_before_the_next_starts(
    start: date, end: date, every: str, weekdays: str | None, span: Duration | None, refused: bool
) -> None:
    asked = repeat(every, "3", weekdays=weekdays)
    if refused:
        with pytest.raises(Refused, match=r"overlap|would share"):
            series.occurrences(first(start, end), asked, span)
    else:
        made = series.occurrences(first(start, end), asked, span)
        assert all(a.end < b.start for a, b in pairwise(made))


def test_overlap_is_refused_before_anything_is_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    """dateutil issue 1441: refusals that need no expansion never reach it."""

    def expanding(*_: object) -> list[date]:
        raise AssertionError("expanded")

    monkeypatch.setattr(series, "_starts", expanding)
    with pytest.raises(Refused, match="overlap"):
        series.occurrences(first(date(2027, 1, 11), date(2027, 1, 20)), repeat("1w", until=date(9999, 1, 1)))
    with pytest.raises(Refused, match="not among --weekdays"):
        series.occurrences(first(date(2027, 1, 12)), repeat("1w", "4", weekdays="mon,wed"))


@pytest.mark.parametrize(
    ("every", "message"),
    [
        ("0d", "same day forever"),
        ("0w", "same day forever"),
        ("1x", "not an interval"),
        ("-1w", "not an interval"),
        ("", "not an interval"),
        ("99999999999999999999d", "longer than the calendar"),
    ],
)
def test_every_refuses_nothing_and_nonsense(every: str, message: str) -> None:
    with pytest.raises(Refused, match=message):
        series.parse_every(every)


def test_count_or_until_is_needed_and_not_both() -> None:
    with pytest.raises(Refused, match="--count N or the last start with --until"):
        repeat("1w")
    with pytest.raises(Refused, match="not both"):
        repeat("1w", "3", until=date(2027, 3, 1))


def test_weekdays_only_with_a_weekly_interval() -> None:
    with pytest.raises(Refused, match="weekly --every"):
        repeat("10d", "3", weekdays="mon")
    with pytest.raises(Refused, match="days of the week"):
        repeat("1w", "3", weekdays="mon,funday")
    assert repeat("2w", "3", weekdays="Wednesday, mon").weekdays == (0, 2)


def test_weekdays_count_occurrences_not_weeks() -> None:
    """SPEC 11: `--weekdays mon,wed --count 4` from a Monday: Mon, Wed, Mon, Wed."""
    made = series.occurrences(first(date(2027, 1, 11)), repeat("1w", "4", weekdays="mon,wed"))
    assert [t.start.isoformat() for t in made] == ["2027-01-11", "2027-01-13", "2027-01-18", "2027-01-20"]
    # From a Wednesday, the Monday before it is not an occurrence; every 2 weeks skips one.
    made = series.occurrences(
        first(date(2027, 1, 13), date(2027, 1, 14)), repeat("2w", "3", weekdays="mon,wed")
    )
    assert spans(made) == [
        ("2027-01-13", "2027-01-14"),
        ("2027-01-25", "2027-01-26"),
        ("2027-01-27", "2027-01-28"),
    ]


def test_first_start_must_be_among_the_weekdays() -> None:
    with pytest.raises(Refused, match="a Tue, which is not among --weekdays"):
        series.occurrences(first(date(2027, 1, 12)), repeat("1w", "4", weekdays="mon,wed"))


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # The clocks go forward on Sunday 28 March 2027 and back on Sunday 31 October 2027:
        # whole dates do not move with them.
        (
            date(2027, 3, 20),
            ["2027-03-20", "2027-03-22", "2027-03-27", "2027-03-29", "2027-04-03", "2027-04-05"],
        ),
        (
            date(2027, 10, 23),
            ["2027-10-23", "2027-10-25", "2027-10-30", "2027-11-01", "2027-11-06", "2027-11-08"],
        ),
    ],
)
def test_weekdays_across_the_clock_change(start: date, expected: list[str]) -> None:
    made = series.occurrences(first(start, start + timedelta(days=1)), repeat("1w", "6", weekdays="mon,sat"))
    assert [t.start.isoformat() for t in made] == expected
    assert all(t.end - t.start == timedelta(days=1) for t in made)


def test_a_series_past_the_end_of_the_calendar_is_refused() -> None:
    with pytest.raises(Refused, match="end of the calendar"):
        series.occurrences(first(date(9999, 6, 1)), repeat("1m", "12"))
    with pytest.raises(Refused, match="end of the calendar"):
        series.occurrences(first(date(9999, 12, 20)), repeat("1w", "3", weekdays="mon"))


@pytest.mark.parametrize(
    ("every", "weekdays", "words"),
    [
        ("1w", None, "weekly"),
        ("2w", None, "every 2 weeks"),
        ("1m", None, "monthly"),
        ("3m", None, "every 3 months"),
        ("1y", None, "yearly"),
        ("10d", None, "every 10 days"),
        ("1d", None, "daily"),
        ("1w", "wed,mon", "weekly on Mon and Wed"),
        ("2w", "mon,wed,fri", "every 2 weeks on Mon, Wed and Fri"),
    ],
)
def test_how_a_series_is_worded(every: str, weekdays: str | None, words: str) -> None:
    assert repeat(every, "2", weekdays=weekdays).words() == words
