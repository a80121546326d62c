"""Calendar dates in the University's time zone; the date and duration forms people type.

This is the only module that reads the clock. Everything else is handed `today`. The zone is
handed in too (`config.zone()` reads the setting): this module, part of the vocabulary every
room shares, reads no setting.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache, lru_cache, partial
from typing import NamedTuple

from stream_exempt.errors import Refused, printable

DATE_FORMS = (
    "2027-01-10, 10/01/2027, 10-01-2027, 10.01.2027, 10 Jan 2027, 10 January 2027, "
    "today, tomorrow, yesterday, +3d, +2w, +1m, or -3d, -2w, -1m for days past"
)
DURATION_FORMS = "10d, 2w or 3m"

# The days of the week as `--weekdays` takes them, Monday first (date.weekday()'s order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@cache
def _date_forms() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The numeric and named date forms, and the relative one (`+3d`): compiled when first
    asked for, as `check` (which cron runs without `--on`) parses no date."""
    return (
        re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII),
        re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})", re.ASCII),
        re.compile(r"(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4})", re.ASCII),
        re.compile(r"([+-])(\d+)([dwm])", re.ASCII | re.IGNORECASE),
    )


@cache
def _duration_form() -> re.Pattern[str]:
    return re.compile(r"([+-]?)(\d+)([dwm])", re.ASCII | re.IGNORECASE)


# More days, weeks or months than the calendar holds (it ends in the year 9999).
_LONGEST = 999_999


def today(zone: tzinfo) -> date:
    """The current calendar date in the University's time zone, `zone` (`config.zone()`)."""
    return datetime.now(zone).date()


def now_utc() -> str:
    """The current instant as an ISO 8601 UTC timestamp, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_day(stamp: str, zone: tzinfo) -> date:
    """The calendar date, in the University's time zone `zone`, of an ISO UTC timestamp."""
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def end_of_day(day: date, zone: tzinfo) -> str:
    """The first instant after `day` in the University's time zone `zone`, as an ISO UTC
    timestamp (`now_utc`'s form): what was recorded before it was recorded by the end of `day`.

    Midnight of the next day, which is 23:00 UTC the same day in British Summer Time."""
    following = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return following.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_time(stamp: str, zone: tzinfo) -> str:
    """An ISO UTC timestamp shown in the University's time zone `zone`: `2027-01-10 09:30 GMT`."""
    moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


class Duration(NamedTuple):
    """A count of days, weeks or calendar months; negative for a backward shift. (A NamedTuple:
    cheaper to define than a dataclass, on the start-up path of every command.)"""

    amount: int
    unit: str  # "d", "w" or "m"

    def after(self, day: date) -> date:
        """The day this duration after `day` (months are calendar months, clamped)."""
        try:
            if self.unit == "m":
                from dateutil.relativedelta import relativedelta

                return day + relativedelta(months=self.amount)
            days = self.amount * (7 if self.unit == "w" else 1)
            return day + timedelta(days)  # days, by position: twice as fast as by keyword
        except (OverflowError, ValueError):
            if self.amount < 0:
                raise Refused(
                    f"{day.isoformat()} - {-self.amount}{self.unit} is before the first date the calendar "
                    "holds (1 Jan 0001)."
                ) from None
            raise Refused(
                f"{day.isoformat()} + {self} is past the last date the calendar holds (31 Dec 9999)."
            ) from None

    def last_day_from(self, start: date) -> date:
        """The end of a range that starts on `start` and covers this long (`--for`).

        Days and weeks: that many days. Months: the day before the same day N months later;
        where that day does not exist, the last day of that month (31 Jan or 1 Feb `--for 1m`
        ends 28 Feb), so no day of a month is ever left uncovered.
        """
        later = self.after(start)
        if self.unit == "m" and later.day != start.day:
            return later  # `after` clamped it to the last day of the month
        return later - timedelta(days=1)

    def ahead(self, day: date) -> tuple[date, date]:
        """The days from `day` to this duration after it, inclusive (`list --ending-within 2w`);
        a window that would run past the calendar's last day stops there."""
        try:
            return day, self.after(day)
        except Refused:
            return day, date.max

    def back(self, day: date) -> tuple[date, date]:
        """This duration's days ending on `day`: 1w is the seven days up to and including it;
        a window that would start before the calendar's first day starts there."""
        try:
            return Duration(-self.amount, self.unit).after(day) + timedelta(days=1), day
        except Refused:
            return date.min, day

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


def parse_duration(text: str, *, allow_negative: bool = False) -> Duration:
    """`10d`, `2w`, `3m`; with `allow_negative`, also `-1w` (for `move --by`)."""
    match = _duration_form().fullmatch(text.strip())
    if not match or (match[1] == "-" and not allow_negative):
        forms = DURATION_FORMS + (", with a leading - to go back" if allow_negative else "")
        raise Refused(
            f"{printable(text)} is not a duration; use a whole number of days, weeks or months: {forms}."
        )
    if len(match[2].lstrip("0")) > len(str(_LONGEST)):
        raise Refused(
            f"{printable(text)} is longer than the calendar (it ends in the year 9999); give a shorter duration."
        )
    amount = int(match[2]) * (-1 if match[1] == "-" else 1)
    if amount == 0:
        raise Refused(f"{printable(text)} is a duration of nothing; give at least 1d.")
    return Duration(amount, match[3].lower())


def cached_parser(today: date) -> Callable[[str], date]:
    """`parse_date` for one `today`, parsing each distinct text once: a cohort list or a
    notification feed repeats a handful of dates over and over."""
    return lru_cache(maxsize=10_000)(partial(parse_date, today=today))


def parse_date(text: str, today: date) -> date:
    """Any accepted date form; numeric dates are always day-first (`01/02/2027` is 1 Feb).
    Relative dates may lie ahead (`+3d`) or behind (`-3d`, `yesterday`): where a date must be
    in the future, the rule that says so (R3, R5) refuses a past one, as any other."""
    value = text.strip()
    lowered = value.lower()
    iso, day_first, named, relative = _date_forms()
    try:
        if lowered == "today":
            return today
        if lowered == "tomorrow":
            return today + timedelta(days=1)
        if (
            lowered == "yesterday"
        ):  # a day past: accepted wherever a date may be; the rules refuse it where not
            return today - timedelta(days=1)
        if match := relative.fullmatch(value):
            if len(match[2].lstrip("0")) > len(str(_LONGEST)):
                raise Refused(f"{printable(text)} falls outside the calendar (it runs from year 1 to 9999).")
            amount = int(match[2]) * (-1 if match[1] == "-" else 1)
            return Duration(amount, match[3].lower()).after(today)
        if match := iso.fullmatch(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := day_first.fullmatch(value):
            return date(int(match[4]), int(match[3]), int(match[1]))
        if match := named.fullmatch(value):
            from dateutil.parser import parserinfo

            month = parserinfo().month(match[2])
            if month is not None:
                return date(int(match[3]), month, int(match[1]))
    except ValueError:
        raise Refused(f"{printable(text)} is not a real calendar date; check the day and month.") from None
    raise Refused(f"{printable(text)} is not a date; use one of these forms: {DATE_FORMS}.")


def show(day: date) -> str:
    """A date for people: `10 Jan 2027` (locale-independent)."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
