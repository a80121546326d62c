"""`check`: are a student's notifications on a day suppressed? Or, for a whole feed, which?"""

from __future__ import annotations

import re
import sys
from typing import IO, TYPE_CHECKING, Annotated

import typer

from stream_exempt import dates, output, rules, validate
from stream_exempt.cli.options import (
    CheckFormat,
    ColumnOption,
    EncodingOption,
    MonthFirstOption,
    OnOption,
    format_option,
)
from stream_exempt.cli.session import Session, note
from stream_exempt.errors import Refused, StreamExemptError
from stream_exempt.model import Exemption

# How undecodable input bytes are held in text (surrogate escapes): never valid in UTF-8 or JSON.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date


def check(
    ctx: typer.Context,
    student_id: Annotated[str | None, typer.Argument(help="The student's number.")] = None,
    on: OnOption = None,
    file: Annotated[
        str | None,
        typer.Option(
            "--file", metavar="FEED", help="A notification feed (CSV) to filter; - for standard input."
        ),
    ] = None,
    column: ColumnOption = None,
    date_column: Annotated[
        str | None,
        typer.Option(
            "--date-column", metavar="NAME", help="The header of the feed's date column (default: date)."
        ),
    ] = None,
    encoding: EncodingOption = None,
    month_first: MonthFirstOption = False,
    fmt: Annotated[
        CheckFormat | None, format_option("text or json for one student; csv or jsonl for a feed.")
    ] = None,
) -> None:
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
        bad = filter_feed(session, file, column, date_column, encoding, chosen, month_first=month_first)
        raise typer.Exit(2 if bad else 0)
    if column is not None or date_column is not None or encoding is not None:
        raise Refused("--column, --date-column and --encoding apply only with --file.")
    if month_first:
        raise Refused("--month-first applies only with --file; give the date with --on (day-first or ISO).")
    chosen = str(fmt or "text")
    if chosen not in output.ANSWER_FORMATS:
        raise Refused("the answer for one student is text or json; give --format text or --format json.")
    today = dates.today()
    day = dates.parse_date(on, today) if on is not None else today
    student = validate.student_id(student_id or "", validate.id_pattern())
    answer = rules.verdict(student, session.store().of_student(student), day)
    found = {
        "student_id": answer.student_id,
        "date": answer.day,
        "suppressed": answer.suppressed,
        "exemption": answer.exemption.id if answer.exemption else None,
        "in_force_from": answer.exemption.in_force_from if answer.exemption else None,
        "why": answer.why,
    }
    output.render(output.Document(found, f"{answer.student_id} on {dates.show(day)}: {answer.why}."), chosen)
    raise typer.Exit(0 if answer.suppressed else 1)


def filter_feed(
    session: Session,
    path: str,
    column: str | None,
    date_column: str | None,
    encoding: str | None,
    fmt: str,
    *,
    month_first: bool = False,
) -> int:
    """Append `suppressed` and `exemption` to every row of a feed, streaming; returns the bad rows.

    A feed whose date column shows it was written month-first (or with two-digit years) is
    refused whole, as `bulk` refuses such a file, and that may show only on its last row: so
    the answer is written to a temporary file first (memory does not grow with the feed) and
    copied out only once every row has been read."""
    import csv
    import json

    from stream_exempt import cohort, csvio
    from stream_exempt.output.results import visible

    # Undecodable bytes pass through untouched (surrogate escapes) and make only that row bad.
    csvio.encoding_name(encoding)  # values typed first, then the store, then the file (SPEC 10)
    exemptions = session.store().answering_by_student()
    # A quote left open does not swallow the rows after it: they come back one by one as bad
    # rows (never suppressed), so no notification vanishes from the output.
    feed = csvio.open_table(path, encoding=encoding, errors="surrogateescape", run_on_rows=True)
    name = feed.name
    with FeedSpool() as spool:
        try:
            headers = feed.headers
            if not headers:
                raise Refused(
                    f"nothing to check: {name} is empty; a feed needs a header row naming the student-ID column."
                )
            id_at = csvio.find_column(headers, column)
            date_at = _date_column(headers, date_column, name)
            pattern = validate.id_pattern()
            today = dates.today()
            if date_at is None:
                note(
                    f"Note: {name} has no date column, so every row is checked against today's date, "
                    f"{dates.show(today)} (give --date-column NAME to use one)."
                )
                parse_day = dates.cached_parser(today)
            else:
                parse_day = _feed_dates(today, month_first, headers[date_at])
            out, complaints = spool.out, spool.complaints
            # The answer is written with the feed's own separator, so that what wrote it reads it back.
            writer = csv.writer(out, delimiter=getattr(feed, "delimiter", ","), lineterminator="\n")
            width = len(headers)
            if fmt == "csv":
                writer.writerow([*headers, "suppressed", "exemption"])
            else:
                keys = _json_keys(headers)
                extra_key = next(k for k in ("extra", "extra_cells", "_extra") if k not in keys)
            bad = 0
            replaced = False
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
                    complaints().write(
                        visible(
                            f"Error: Line {line} of {name}: {error.message} It is passed through as not suppressed."
                        )
                        + "\n"
                    )
                own = cells[:width] + [""] * (width - len(cells))
                more = cells[width:]
                if fmt == "csv":
                    writer.writerow([*own, "true" if found else "false", found.id if found else "", *more])
                else:
                    if not replaced and any(_LONE_SURROGATE.search(cell) for cell in cells):
                        replaced = True
                        complaints().write(
                            visible(
                                f"Warning: line {line} of {name} (and maybe others) holds bytes that are not "
                                f"{encoding or 'UTF-8'} text; they are written as U+FFFD in the JSON, so give "
                                "--encoding with the feed's encoding to keep them."
                            )
                            + "\n"
                        )
                    record: dict[str, object] = dict(zip(keys, map(_json_text, own), strict=True))
                    record["suppressed"] = found is not None
                    record["exemption"] = found.id if found else None
                    if more:
                        record[extra_key] = [_json_text(cell) for cell in more]
                    out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        finally:
            feed.close()
        spool.copy_out()
    return bad


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


class FeedSpool:
    """Where a feed's answer and its bad-row reports wait until every row has been read: two
    temporary files (memory does not grow with the feed), copied to standard output and
    standard error only when the whole feed is accepted; removed whatever happens."""

    def __init__(self) -> None:
        import io
        import tempfile

        self._raw = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__
        self.out = io.TextIOWrapper(self._raw, encoding="utf-8", errors="surrogateescape", newline="")
        self._complaints: IO[str] | None = None

    def complaints(self) -> IO[str]:
        """The bad-row reports (and warnings) for standard error, in order."""
        if self._complaints is None:
            import tempfile

            self._complaints = tempfile.TemporaryFile(  # noqa: SIM115 - closed by __exit__
                "w+", encoding="utf-8", errors="backslashreplace", newline=""
            )
        return self._complaints

    def __enter__(self) -> FeedSpool:
        return self

    def __exit__(self, *_: object) -> None:
        self.out.close()
        if self._complaints is not None:
            self._complaints.close()

    def copy_out(self) -> None:
        """The answer to standard output, then the reports to standard error."""
        import shutil

        self.out.flush()
        self._raw.seek(0)
        buffer = getattr(sys.stdout, "buffer", None)
        sys.stdout.flush()
        if buffer is not None:
            shutil.copyfileobj(self._raw, buffer, 1 << 20)
            buffer.flush()
        else:  # a test runner's text-only stream
            while chunk := self._raw.read(1 << 20):
                sys.stdout.write(chunk.decode("utf-8", "surrogateescape"))
        if self._complaints is not None:
            self._complaints.flush()
            self._complaints.seek(0)
            sys.stdout.flush()
            shutil.copyfileobj(self._complaints, sys.stderr, 1 << 20)


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
            f"give --date-column {validate.printable(dated[0])} to check each row on its own date."
        )
    return None


def _json_keys(headers: list[str]) -> list[str]:
    """The feed's headers as JSON keys: valid UTF-8, and repeated headers kept apart."""
    keys: list[str] = []
    for header in headers:
        key = _json_text(header)
        number = 2
        while key in keys or key in ("suppressed", "exemption"):
            key = f"{_json_text(header)}_{number}"
            number += 1
        keys.append(key)
    return keys


def _json_text(text: str) -> str:
    """A cell as valid UTF-8 text for JSON: bytes that could not be decoded (held as lone
    surrogates) become U+FFFD; give --encoding to read them."""
    return text if text.isascii() else _LONE_SURROGATE.sub("\ufffd", text)
