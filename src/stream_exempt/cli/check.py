"""`check`: are a student's notifications on a day suppressed? Or, for a whole feed, which?"""

import sys
from enum import StrEnum
from typing import IO, Annotated

import typer

from stream_exempt import dates, output, rules, validate
from stream_exempt.cli.options import ColumnOption, EncodingOption, OnOption
from stream_exempt.cli.session import Session
from stream_exempt.errors import Refused, StreamExemptError
from stream_exempt.model import Exemption


class CheckFormat(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"
    jsonl = "jsonl"


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
    encoding: EncodingOption = "utf-8",
    fmt: Annotated[
        CheckFormat | None,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="text or json for one student; csv or jsonl for a feed.",
        ),
    ] = None,
) -> None:
    """Say whether notifications are suppressed: exit 0 if they are, 1 if not.

    Example: stream-exempt check 201234567 --on 12/01/2027
    """
    session: Session = ctx.obj
    if (student_id is None) == (file is None):
        raise Refused("give either a STUDENT_ID or --file FEED, not both and not neither.")
    if file is not None:
        if on is not None:
            raise Refused("--on applies to one student; a feed gives its dates in its date column.")
        chosen = fmt or CheckFormat.csv
        if chosen not in (CheckFormat.csv, CheckFormat.jsonl):
            raise Refused("a feed is written as csv or jsonl; give --format csv or --format jsonl.")
        bad = filter_feed(session, file, column, date_column, encoding, chosen.value)
        raise typer.Exit(2 if bad else 0)
    if column is not None or date_column is not None:
        raise Refused("--column and --date-column apply only with --file.")
    chosen = fmt or CheckFormat.text
    if chosen not in (CheckFormat.text, CheckFormat.json):
        raise Refused("the answer for one student is text or json; give --format text or --format json.")
    today = dates.today()
    day = dates.parse_date(on, today) if on is not None else today
    student = validate.student_id(student_id or "", validate.id_pattern())
    answer = rules.verdict(student, session.store().of_student(student), day)
    if chosen is CheckFormat.json:
        output.write_json(
            {
                "student_id": answer.student_id,
                "date": answer.day,
                "suppressed": answer.suppressed,
                "exemption": answer.exemption.id if answer.exemption else None,
                "in_force_from": answer.exemption.in_force_from if answer.exemption else None,
                "why": answer.why,
            }
        )
    else:
        print(f"{answer.student_id} on {dates.show(day)}: {answer.why}.")
    raise typer.Exit(0 if answer.suppressed else 1)


def filter_feed(
    session: Session, path: str, column: str | None, date_column: str | None, encoding: str, fmt: str
) -> int:
    """Append `suppressed` and `exemption` to every row of a feed, streaming; returns the bad rows."""
    import csv
    import io
    import json

    from stream_exempt import csvio

    # Undecodable bytes pass through untouched (surrogate escapes) and make only that row bad.
    source = csvio.open_text(path, encoding, errors="surrogateescape")
    name = "standard input" if path == "-" else path
    feed = csvio.CsvFile(source, name, encoding)
    if not feed.headers:
        raise Refused(f"{name} is empty; a feed needs a header row naming the student-ID column.")
    id_at = csvio.find_column(feed.headers, column)
    if date_column is not None:
        date_at: int | None = csvio.find_column(feed.headers, date_column, option="--date-column")
    else:
        date_at = csvio.optional_column(feed.headers, csvio.DATE_HEADER)
    pattern = validate.id_pattern()
    today = dates.today()
    exemptions = session.store().answering_by_student()
    parse_day = dates.cached_parser(today)
    out: IO[str] = io_for_stdout()
    writer = csv.writer(out, lineterminator="\n")
    headers = feed.headers
    if fmt == "csv":
        writer.writerow([*headers, "suppressed", "exemption"])
    bad = 0
    for line, cells in feed:
        found: Exemption | None = None
        try:
            student = validate.student_id(cells[id_at] if id_at < len(cells) else "", pattern)
            day = today if date_at is None else parse_day(cells[date_at] if date_at < len(cells) else "")
            found = rules.suppressing(exemptions.get(student, ()), day)
        except StreamExemptError as error:
            bad += 1
            print(
                f"Error: {name} line {line}: {error.message} It is passed through as not suppressed.",
                file=sys.stderr,
            )
        if fmt == "csv":
            writer.writerow([*cells, "true" if found else "false", found.id if found else ""])
        else:
            record: dict[str, object] = dict(zip(headers, cells, strict=False))
            record["suppressed"] = found is not None
            record["exemption"] = found.id if found else None
            out.write(json.dumps(record) + "\n")
    out.flush()
    if isinstance(out, io.TextIOWrapper) and out is not sys.stdout:
        out.detach()  # leave standard output open for whoever owns it
    return bad


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
