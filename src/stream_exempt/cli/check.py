"""`check`: are a student's notifications on a day suppressed? Or, for a whole feed, which?"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from stream_exempt import dates, output, rules, validate
from stream_exempt.cli.options import (
    CheckFormat,
    ColumnOption,
    EncodingOption,
    MonthFirstOption,
    OnOption,
    format_option,
    value_option,
)
from stream_exempt.cli.session import Session
from stream_exempt.errors import Refused, StreamExemptError, printable
from stream_exempt.model import Exemption
from stream_exempt.output.results import Shown
from stream_exempt.output.verdict import verdict

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from stream_exempt.output.outcomes import FeedChecked
else:
    # Typer reads the annotations at run time; the outcomes of a feed (and their module) are
    # loaded only by `--file`, so that one student's `check`, run by cron, starts without them.
    FeedChecked = object


def check(
    ctx: typer.Context,
    student_id: Annotated[str | None, typer.Argument(help="The student's number.")] = None,
    on: OnOption = None,
    file: Annotated[
        str | None,
        value_option("--file", "FEED", "A notification feed (CSV) to filter; - for standard input."),
    ] = None,
    column: ColumnOption = None,
    date_column: Annotated[
        str | None,
        value_option("--date-column", "NAME", "The header of the feed's date column (default: date)."),
    ] = None,
    encoding: EncodingOption = None,
    month_first: MonthFirstOption = False,
    fmt: Annotated[
        CheckFormat | None, format_option("text or json for one student; csv or jsonl for a feed.")
    ] = None,
) -> Shown | FeedChecked:
    """Say whether notifications are suppressed: exit 0 if they are, 1 if not.

    For a day that has passed, --on tells what was in force that day; later changes and
    deletions never alter it.

    Example: stream-exempt check 201234567 --on 12/01/2027
    """
    session: Session = ctx.obj
    if (student_id is None) == (file is None):
        raise Refused("give either a STUDENT_ID or --file FEED, not both and not neither.")
    if file is not None:
        if on is not None:
            raise Refused("--on applies to one student; a feed gives its dates in its date column.")
        # The option takes any of check's formats; which of them fits depends on --file.
        chosen = str(fmt or "csv")
        if chosen not in output.FEED_FORMATS:
            raise Refused("a feed is written as csv or jsonl; give --format csv or --format jsonl.")
        return filter_feed(session, file, column, date_column, encoding, chosen, month_first=month_first)
    if column is not None or date_column is not None or encoding is not None:
        raise Refused("--column, --date-column and --encoding apply only with --file.")
    if month_first:
        raise Refused("--month-first applies only with --file; give the date with --on (day-first or ISO).")
    chosen = str(fmt or "text")
    if chosen not in output.ANSWER_FORMATS:
        raise Refused("the answer for one student is text or json; give --format text or --format json.")
    today = session.today()
    day = dates.parse_date(on, today) if on is not None else today
    student = validate.student_id(student_id or "", validate.id_pattern())
    answer = rules.verdict(student, session.store().of_student(student), day)
    return Shown(verdict(answer), chosen, exit_code=0 if answer.suppressed else 1)


def filter_feed(
    session: Session,
    path: str,
    column: str | None,
    date_column: str | None,
    encoding: str | None,
    fmt: str,
    *,
    month_first: bool = False,
) -> FeedChecked:
    """Append `suppressed` and `exemption` to every row of a feed, streaming.

    A feed whose date column shows it was written month-first (or with two-digit years) is
    refused whole, as `bulk` refuses such a file, and that may show only on its last row: so
    the answer waits in a spool (`output.feed.FeedAnswer`) until every row has been read."""
    from stream_exempt import cohort, csvio
    from stream_exempt.output.feed import FeedAnswer
    from stream_exempt.output.outcomes import FeedChecked

    # Undecodable bytes pass through untouched (surrogate escapes) and make only that row bad.
    csvio.encoding_name(encoding)  # values typed first, then the store, then the file (SPEC 10)
    exemptions = session.store().answering_by_student()
    # A quote left open does not swallow the rows after it: they come back one by one as bad
    # rows (never suppressed), so no notification vanishes from the output.
    feed = csvio.open_table(path, encoding=encoding, errors="surrogateescape", run_on_rows=True)
    name = feed.name
    answer: FeedAnswer | None = None
    try:
        headers = feed.headers
        if not headers:
            raise Refused(
                f"nothing to check: {name} is empty; a feed needs a header row naming the student-ID column."
            )
        id_at = csvio.find_column(headers, column)
        date_at = _date_column(headers, date_column, name)
        pattern = validate.id_pattern()
        today = session.today()
        if date_at is None:
            session.report.note(
                f"Note: {name} has no date column, so every row is checked against today's date, "
                f"{dates.show(today)} (give --date-column NAME to use one)."
            )
            parse_day = dates.cached_parser(today)
        else:
            parse_day = _feed_dates(today, month_first, headers[date_at])
        # The answer is written with the feed's own separator, so that what wrote it reads it back.
        answer = FeedAnswer(fmt, headers, getattr(feed, "delimiter", ","), name, encoding)
        row, bad_row = answer.row, answer.bad
        width = len(headers)
        bad = 0
        for line, cells in feed:
            found: Exemption | None = None
            try:
                if line in feed.faults:
                    raise Refused(feed.faults.pop(line))
                if len(cells) != width:
                    raise Refused(
                        f"it has {len(cells)} cells where the header has {width}; "
                        "check for a missing or extra comma or quote."
                    )
                student = validate.student_id(cells[id_at], pattern)
                day = today if date_at is None else parse_day(cells[date_at])
                found = rules.suppressing(exemptions.get(student, ()), day)
            except _WholeFeedRefused:
                assert date_at is not None
                text = cells[date_at].strip()
                refusal = cohort.date_refusal(text, headers[date_at], line, month_first)
                assert refusal is not None
                raise refusal from None
            except StreamExemptError as error:
                bad += 1
                bad_row(line, error.message)
            row(line, cells, found.id if found else None)
    except BaseException:
        if answer is not None:
            answer.close()
        raise
    finally:
        feed.close()
    return FeedChecked(answer, bad)


class _WholeFeedRefused(Exception):
    """A date of the feed refuses the whole feed (raised without its line: the cache is by text)."""


def _feed_dates(today: date, month_first: bool, header: str) -> Callable[[str], date]:
    """The dates of a feed's date column as `bulk` reads a file's: numeric dates day-first, or
    with `month_first` month-first; each distinct text is looked at once. A value that only
    month-first can read, or a two-digit year, raises `_WholeFeedRefused`."""
    from functools import lru_cache

    from stream_exempt import cohort

    read = cohort.date_reader(today, month_first)

    @lru_cache(maxsize=10_000)
    def checked(text: str) -> date:
        if cohort.date_refusal(text.strip(), header, 0, month_first) is not None:
            raise _WholeFeedRefused
        return read(text)

    return checked


def _date_column(headers: list[str], date_column: str | None, name: str) -> int | None:
    """The feed's date column: `--date-column`, else `date`; a header that merely has the word
    "date" in it (`Notif Date`) is an error, never silently ignored."""
    from stream_exempt import csvio

    if date_column is not None:
        return csvio.named_column(headers, date_column, "--date-column")
    exact = csvio.optional_column(headers, csvio.DATE_HEADER)
    if exact is not None:
        return exact
    dated = [h for h in headers if csvio.DATE_HEADER in csvio.words(h)]
    if dated:
        raise Refused(
            f"there is no column named date in {name}, but {csvio.shown(dated)} looks like one; "
            f"give --date-column {printable(dated[0])} to check each row on its own date."
        )
    return None
