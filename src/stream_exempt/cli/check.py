"""`check`: are a student's notifications on a day suppressed? Or, for a whole feed, which?"""

import re
import sys
from typing import IO, TYPE_CHECKING, Annotated

import typer

from stream_exempt import dates, output, rules, validate
from stream_exempt.cli.options import ColumnOption, EncodingOption, OnOption, format_choice, format_option
from stream_exempt.cli.session import Session, note, warn
from stream_exempt.errors import Refused, StreamExemptError
from stream_exempt.model import Exemption

# How undecodable input bytes are held in text (surrogate escapes): never valid in UTF-8 or JSON.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


if TYPE_CHECKING:
    CheckFormat = str
else:  # one answer: text or json; a feed: csv or jsonl (keys of the one format registry)
    CheckFormat = format_choice("CheckFormat", ("text", "json", "csv", "jsonl"))


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
        chosen = str(fmt or "csv")
        if chosen not in ("csv", "jsonl"):
            raise Refused("a feed is written as csv or jsonl; give --format csv or --format jsonl.")
        bad = filter_feed(session, file, column, date_column, encoding, chosen)
        raise typer.Exit(2 if bad else 0)
    if column is not None or date_column is not None:
        raise Refused("--column and --date-column apply only with --file.")
    chosen = str(fmt or "text")
    if chosen not in ("text", "json"):
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
    session: Session, path: str, column: str | None, date_column: str | None, encoding: str | None, fmt: str
) -> int:
    """Append `suppressed` and `exemption` to every row of a feed, streaming; returns the bad rows."""
    import csv
    import io
    import json

    from stream_exempt import csvio

    # Undecodable bytes pass through untouched (surrogate escapes) and make only that row bad.
    csvio.encoding_name(encoding)  # values typed first, then the store, then the file (SPEC 10)
    exemptions = session.store().answering_by_student()
    # A quote left open does not swallow the rows after it: they come back one by one as bad
    # rows (never suppressed), so no notification vanishes from the output.
    feed = csvio.open_table(path, encoding=encoding, errors="surrogateescape", run_on_rows=True)
    name = feed.name
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
        out: IO[str] = io_for_stdout()
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
            except StreamExemptError as error:
                bad += 1
                print(
                    f"Error: Line {line} of {name}: {error.message} It is passed through as not suppressed.",
                    file=sys.stderr,
                )
            own = cells[:width] + [""] * (width - len(cells))
            more = cells[width:]
            if fmt == "csv":
                writer.writerow([*own, "true" if found else "false", found.id if found else "", *more])
            else:
                if not replaced and any(_LONE_SURROGATE.search(cell) for cell in cells):
                    replaced = True
                    warn(
                        f"line {line} of {name} (and maybe others) holds bytes that are not "
                        f"{encoding or 'UTF-8'} text; they are written as U+FFFD in the JSON, so give "
                        "--encoding with the feed's encoding to keep them."
                    )
                record: dict[str, object] = dict(zip(keys, map(_json_text, own), strict=True))
                record["suppressed"] = found is not None
                record["exemption"] = found.id if found else None
                if more:
                    record[extra_key] = [_json_text(cell) for cell in more]
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
    finally:
        feed.close()
    if isinstance(out, io.TextIOWrapper) and out is not sys.stdout:
        out.detach()  # leave standard output open for whoever owns it
    return bad


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
            f"give --date-column {dated[0]!r} to check each row on its own date."
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


def io_for_stdout() -> IO[str]:
    """Standard output as UTF-8 that passes undecodable input bytes back out unchanged."""
    import io

    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a test runner's text-only stream
        return sys.stdout
    sys.stdout.flush()
    return io.TextIOWrapper(
        buffer, encoding="utf-8", errors="surrogateescape", newline="", write_through=False
    )
