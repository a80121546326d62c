"""Repeating exemptions (SPEC 11): a series' occurrences, as a pure function of its terms.

Nothing here reads the clock or the store. A series is refused before it is expanded when it
could never be a series (no end, fewer than 2 or more than 200 occurrences, occurrences that
overlap): an unbounded or zero-interval rule would otherwise be expanded forever (dateutil
issue 1441). Expansion then makes at most 201 occurrences, the 201st only to refuse it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

from stream_exempt import rules
from stream_exempt.dates import WEEKDAYS, Duration, show
from stream_exempt.errors import Refused
from stream_exempt.model import Terms

FEWEST, MOST = 2, 200
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EVERY_FORMS = "1w, 2w, 10d, 1m or 1y"
_EVERY = re.compile(r"(\d+)([dwmy])", re.ASCII | re.IGNORECASE)
_UNIT_WORDS = {
    "d": ("daily", "day"),
    "w": ("weekly", "week"),
    "m": ("monthly", "month"),
    "y": ("yearly", "year"),
}
_LONGEST = 9_999  # years, months, weeks or days: more than the calendar could repeat 2 times


@dataclass(frozen=True)
class Every:
    """How far apart a series' occurrences start: days, weeks, calendar months or years."""

    amount: int
    unit: str  # "d", "w", "m" or "y"

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    @property
    def weekly(self) -> bool:
        return self.unit == "w"

    def words(self) -> str:
        """`weekly`, `every 2 weeks`, `monthly`, `every 10 days`, `yearly`."""
        once, noun = _UNIT_WORDS[self.unit]
        return once if self.amount == 1 else f"every {self.amount} {noun}s"

    def shortest_days(self) -> int:
        """The fewest days between two consecutive starts (a month: 28 days, a year: 365)."""
        per = {"d": 1, "w": 7, "m": 28, "y": 365}[self.unit]
        return self.amount * per

    def longest_days(self) -> int:
        """The most days between two consecutive starts (a month: 31 days, a year: 366)."""
        per = {"d": 1, "w": 7, "m": 31, "y": 366}[self.unit]
        return self.amount * per

    def shifted(self, first: date, times: int) -> date:
        """`first` shifted by `times` x this, months and years from `first` itself (not
        chained: 31 Jan monthly is 31 Jan, 28 Feb, 31 Mar), clamped to the month's last day."""
        if self.unit in ("d", "w"):
            return first + timedelta(days=self.shortest_days() * times)
        from dateutil.relativedelta import relativedelta

        months = self.amount * times * (12 if self.unit == "y" else 1)
        return first + relativedelta(months=months)


@dataclass(frozen=True)
class Repeat:
    """How a series repeats, as typed: `--every`, `--count` or `--until`, `--weekdays`."""

    every: Every
    count: int | None = None
    until: date | None = None
    weekdays: tuple[int, ...] = ()  # 0 is Monday, in order

    def words(self) -> str:
        """`weekly`, `every 2 weeks on Mon and Wed`, `monthly`."""
        if not self.weekdays:
            return self.every.words()
        days = [WEEKDAYS[day].capitalize() for day in self.weekdays]
        listed = days[0] if len(days) == 1 else ", ".join(days[:-1]) + " and " + days[-1]
        return f"{self.every.words()} on {listed}"


def parse_every(text: str) -> Every:
    """`--every`: `1w`, `2w`, `10d`, `1m`, `1y`; never nothing (`0d` would repeat forever)."""
    match = _EVERY.fullmatch(text.strip())
    if not match:
        raise Refused(
            f"--every {text!r} is not an interval; use a whole number of days, weeks, months or "
            f"years: {EVERY_FORMS}."
        )
    if len(match[1].lstrip("0")) > len(str(_LONGEST)) or int(match[1]) > _LONGEST:
        raise Refused(f"--every {text!r} is longer than the calendar could repeat; give a shorter interval.")
    amount = int(match[1])
    if amount == 0:
        raise Refused(f"--every {text!r} would repeat on the same day forever; give at least 1d.")
    return Every(amount, match[2].lower())


def parse_count(text: str) -> int:
    """`--count N`: how many occurrences, 2 to 200."""
    value = text.strip()
    if not value.isascii() or not value.isdigit():
        raise Refused(f"--count {text!r} is not a number; give how many occurrences, {FEWEST} to {MOST}.")
    count = int(value)
    if count < FEWEST:
        raise Refused(
            f"--count {count} is not a series; give {FEWEST} to {MOST} occurrences (for one, leave out --every)."
        )
    if count > MOST:
        raise Refused(
            f"--count {count} is more than a series may have; give at most {MOST} occurrences "
            "(a longer series can be added in parts)."
        )
    return count


def parse_weekdays(text: str) -> tuple[int, ...]:
    """`--weekdays mon,wed` (or `Monday,Wednesday`): the days of the week, in order, each once."""
    days = set()
    for part in text.split(","):
        name = part.strip().lower()
        found = [i for i, day in enumerate(_DAY_NAMES) if len(name) >= 3 and day.startswith(name)]
        if not found:
            raise Refused(
                f"--weekdays {text!r} is not a list of days of the week; give them as "
                f"{','.join(WEEKDAYS)}, separated by commas (--weekdays mon,wed)."
            )
        days.add(found[0])
    return tuple(sorted(days))


def repeat_from_options(every: str, count: str | None, until: date | None, weekdays: str | None) -> Repeat:
    """The options of a series, each checked, and checked together."""
    interval = parse_every(every)
    if (count is None) == (until is None):
        raise Refused(
            "a series needs its end: give how many occurrences with --count N or the last start "
            "with --until DATE, not both and not neither."
        )
    days = parse_weekdays(weekdays) if weekdays is not None else ()
    if days and not interval.weekly:
        raise Refused(
            f"--weekdays goes with a weekly --every (1w, 2w, ...), not --every {interval}; "
            "leave out --weekdays or repeat every N weeks."
        )
    return Repeat(interval, parse_count(count) if count is not None else None, until, days)


def no_series_options(
    count: str | None, until: str | None, weekdays: str | None, dry_run: bool = False
) -> None:
    """`--count`, `--until`, `--weekdays` (and for `add`, `--dry-run`) belong to a series:
    refused without `--every`."""
    for name, given in (
        ("--count", count),
        ("--until", until),
        ("--weekdays", weekdays),
        ("--dry-run", dry_run),
    ):
        if given is not None and given is not False:
            raise Refused(f"{name} belongs to a series; give --every as well (for example --every 1w).")


def occurrences(first: Terms, repeat: Repeat, span: Duration | None = None) -> list[Terms]:
    """Every occurrence of a series whose first occurrence is `first`, in order of start.

    Occurrence k starts `k x every` after the first (with `--weekdays`, on each of those days of
    every week that is `k x every` after the first's week). Its length follows `span` (the
    `--for` the first was given with) where there is one, else it keeps the first's days. The
    checks that need no expansion come first; expanding then makes at most 201 occurrences.
    """
    length = first.end - first.start
    if repeat.weekdays and first.start.weekday() not in repeat.weekdays:
        raise Refused(
            f"the series starts on {show(first.start)}, a {WEEKDAYS[first.start.weekday()].capitalize()}, "
            f"which is not among --weekdays; start it on one of them, or add "
            f"{WEEKDAYS[first.start.weekday()]} to --weekdays."
        )
    if repeat.until is not None and repeat.until < first.start:
        raise Refused(
            f"--until {show(repeat.until)} is before the series starts on {show(first.start)}; "
            "give the day on or before which the last occurrence starts."
        )
    _check_apart(first, repeat, span)
    starts = _starts(first.start, repeat)
    if len(starts) > MOST:
        raise Refused(
            f"the series would have more than {MOST} occurrences (every {repeat.every} from "
            f"{show(first.start)} to {show(repeat.until or starts[-1])}); give an earlier --until, "
            "or add it in parts."
        )
    if len(starts) < FEWEST:
        assert repeat.until is not None
        raise Refused(
            f"--until {show(repeat.until)} leaves one occurrence ({show(first.start)}), not a series; "
            "give a later --until, or leave out --every for one exemption."
        )
    try:
        if span is not None and not repeat.weekdays:
            ends = [rules.last_day(start, None, span) for start in starts]
        else:
            ends = [start + length for start in starts]
    except (OverflowError, Refused):
        raise _past_the_calendar() from None
    made = [first._replace(start=start, end=end) for start, end in zip(starts, ends, strict=True)]
    for before, after in pairwise(made):
        # months of different lengths: 31 Jan --for 1m shares 28 Feb
        if rules.share_a_day(before.start, before.end, after.start, after.end):
            raise Refused(
                f"the occurrences {show(before.start)} to {show(before.end)} and {show(after.start)} "
                f"to {show(after.end)} would share {show(after.start)}; an occurrence must end before "
                "the next one starts, so give a shorter length or a longer --every."
            )
    return made


def _check_apart(first: Terms, repeat: Repeat, span: Duration | None) -> None:
    """Refuse occurrences that would overlap, from their length and interval alone (touching,
    an occurrence ending the day before the next starts, is allowed). Where months of
    different lengths decide it (5 weeks long, monthly), the occurrences are compared once made."""
    days = (first.end - first.start).days + 1
    lasts = f"each lasts {days} day{'s' if days != 1 else ''}"
    every = repeat.every
    if repeat.weekdays:
        gap = _shortest_weekday_gap(repeat.weekdays, every.amount)
        if days > gap:
            raise _overlap(f"{lasts} but {repeat.words()} they start as little as {gap} days apart")
    elif every.unit in ("d", "w"):
        if days > every.shortest_days():
            raise _overlap(f"{lasts} but they start every {every}")
    elif span is not None and span.unit == "m":
        months = every.amount * (12 if every.unit == "y" else 1)
        if span.amount > months:
            raise _overlap(f"each lasts {span} but they start every {every}")
    elif days > every.longest_days():
        raise _overlap(f"{lasts} but they start every {every}")


def _overlap(what: str) -> Refused:
    return Refused(
        f"the occurrences would overlap: {what}; an occurrence must end before the next one "
        "starts, so give a shorter --end or --for, or a longer --every."
    )


def _past_the_calendar() -> Refused:
    return Refused(
        f"the series would run past the end of the calendar ({show(date.max)}); give fewer occurrences."
    )


def _shortest_weekday_gap(weekdays: tuple[int, ...], weeks: int) -> int:
    """The fewest days between two consecutive starts on these weekdays, every `weeks` weeks."""
    gaps = [b - a for a, b in pairwise(weekdays)]
    gaps.append(7 * weeks - weekdays[-1] + weekdays[0])  # the last day of a week to the first of the next
    return min(gaps)


def _starts(first: date, repeat: Repeat) -> list[date]:
    """The starts of the occurrences, at most `MOST + 1` of them."""
    limit = repeat.count if repeat.count is not None else MOST + 1
    until = repeat.until or date.max
    if repeat.weekdays:
        from itertools import islice

        from dateutil.rrule import MO, WEEKLY, rrule

        # Weeks from Monday (rrule's default), every N of them from the first's own week; the
        # days of the first's week before its start are not occurrences (rrule starts at dtstart).
        rule = rrule(
            WEEKLY,
            dtstart=datetime(first.year, first.month, first.day),
            interval=repeat.every.amount,
            byweekday=repeat.weekdays,
            wkst=MO,
            until=datetime(until.year, until.month, until.day) if repeat.until else None,
        )
        try:
            found = [moment.date() for moment in islice(rule, limit)]
        except (OverflowError, ValueError):
            raise _past_the_calendar() from None
        if repeat.count is not None and len(found) < repeat.count:  # rrule stops at the year 9999
            raise _past_the_calendar()
        return found
    found = []
    for times in range(limit):
        try:
            start = repeat.every.shifted(first, times)
        except (OverflowError, ValueError):
            raise _past_the_calendar() from None
        if start > until:
            break
        found.append(start)
    return found


def span_words(made: list[Terms], repeat: Repeat) -> str:
    """`weekly from 13 Jan 2027 to 17 Mar 2027`: how the series repeats, and the days it spans."""
    return f"{repeat.words()} from {show(made[0].start)} to {show(made[-1].end)}"
