"""`timeline`: a student's, a batch's or the whole office's exemptions as a picture."""

from datetime import date, timedelta
from typing import Annotated

import typer

from stream_exempt import dates, types, validate
from stream_exempt.cli.options import value_option
from stream_exempt.cli.session import Session
from stream_exempt.errors import Refused, printable
from stream_exempt.output import pictures
from stream_exempt.output.outcomes import Picture

DEFAULT_WEEKS = 16
MAX_WEEKS = 104
WEEKS_BEFORE_TODAY = 4


def _weeks(text: str) -> int:
    value = text.strip()
    # At most three digits before int(): a number of thousands of digits is refused, not a crash.
    if not value.isdecimal() or len(value) > 3 or not 1 <= int(value) <= MAX_WEEKS:
        raise Refused(
            f"--weeks {printable(text)} is not a number of weeks; give a whole number from 1 to {MAX_WEEKS}."
        )
    return int(value)


def timeline(
    ctx: typer.Context,
    student: Annotated[
        str | None,
        typer.Argument(
            metavar="[STUDENT_ID]", help="The student whose exemptions to draw.", show_default=False
        ),
    ] = None,
    batch: Annotated[
        str | None, value_option("--batch -b", "BATCH", "Draw every member of this bulk batch, a row each.")
    ] = None,
    office: Annotated[
        bool, typer.Option("--office", help="Draw how many students are exempt each week, by type.")
    ] = False,
    from_: Annotated[
        str | None,
        value_option(
            "--from",
            "DATE",
            f"The first week shown (the week of that day; default: {WEEKS_BEFORE_TODAY} weeks before today).",
        ),
    ] = None,
    weeks: Annotated[
        str, typer.Option("--weeks", metavar="N", help=f"How many weeks to show, 1 to {MAX_WEEKS}.")
    ] = str(DEFAULT_WEEKS),
    svg: Annotated[
        str | None,
        value_option(
            "--svg",
            "FILE",
            "Write the picture to FILE as SVG instead (a fixed width; - for standard output).",
        ),
    ] = None,
    html: Annotated[
        str | None,
        value_option(
            "--html",
            "FILE",
            "Write the picture to FILE as HTML instead (a fixed width; - for standard output).",
        ),
    ] = None,
) -> Picture:
    """Draw exemptions on a calendar of weeks: one student's (a row each, all statuses), a
    batch's members (--batch), or the whole office, students exempt per week (--office).

    Full blocks are days in force; light shade, days recorded but not yet in force (R6); a cross,
    the first day a deletion takes away (the deletion day keeps its answer); a mark, today. The
    office's key gives each type's number of students in the weeks shown.

    Example: stream-exempt timeline 201234567 --weeks 12 --svg student.svg
    """
    if sum((student is not None, batch is not None, office)) != 1:
        raise Refused("give one of: a student ID, --batch B or --office.")
    if svg is not None and html is not None:
        raise Refused("give --svg or --html, not both.")
    for option, name in (("--svg", svg), ("--html", html)):
        if name == "":
            raise Refused(f"{option} is empty; give the name of a file, or - for standard output.")
    session: Session = ctx.obj
    today = session.today()
    count = _weeks(weeks)
    first = (
        dates.parse_date(from_, today) if from_ is not None else today - timedelta(weeks=WEEKS_BEFORE_TODAY)
    )
    student_id = validate.student_id(student, validate.id_pattern()) if student is not None else None
    batch_number = validate.batch_id(batch) if batch is not None else None

    from stream_exempt import timeline as drawing

    window = drawing.Window.around(first, count)
    if window.first > date.max - timedelta(days=window.days - 1):
        raise Refused(
            f"--from {dates.show(first)} with {_count(count, 'week')} would draw days after "
            f"{dates.show(date.max)}, the last day of the calendar; give an earlier --from or fewer --weeks."
        )
    store = session.store()
    to_file = svg if svg is not None else html
    subtitle = f"{_count(window.weeks, 'week')}, {window.describe()}"
    width = pictures.FILE_WIDTH if to_file else pictures.screen_width()
    # A file is always drawn in colour; a terminal as it shows colour (not with NO_COLOR, nor
    # into a pipe): the legend explains only what is drawn.
    colour = bool(to_file) or pictures.in_colour(width)
    if office:
        counts = store.students_in_force_by_week(window.first, window.weeks)
        weekly = [
            drawing.OfficeWeek(
                monday,
                {code: n for (k, code), n in counts.by_week_and_type.items() if k == index},
                counts.by_week.get(index, 0),
            )
            for index, monday in enumerate(window.week_starts())
        ]
        title = "Students exempt each week, by type"
        picture = drawing.office_chart(
            weekly, today, width, title=title, subtitle=subtitle, in_window=counts.by_type
        )
    elif batch_number is not None:
        members = store.batch_members(batch_number)
        kinds = sorted({types.label(m.type) for m in members})
        spans = {(m.start, m.end) for m in members}
        what = kinds[0] if len(kinds) == 1 else "mixed types"
        if len(spans) == 1:
            ((start, end),) = spans
            what += f", {dates.show(start)} to {dates.show(end)}"
        title = f"Batch {batch_number}: {_count(len(members), 'member')}, {what}"
        repeats = store.batch_repeats(batch_number)
        if repeats is not None:
            title += f", {repeats}"
        canvas = drawing.Canvas(window, today, width, title, subtitle, colour)
        if repeats is None:
            picture = drawing.exemption_chart(members, canvas, by_student=True)
        else:  # a series: a row per student, every occurrence on it
            picture = drawing.series_chart(members, canvas)
    else:
        assert student_id is not None
        found = store.of_student(student_id)
        title = f"Student {student_id}: {_count(len(found), 'exemption')}"
        picture = drawing.exemption_chart(
            found, drawing.Canvas(window, today, width, title, subtitle, colour)
        )
    return Picture(picture, width, title, to_file, "svg" if svg is not None else "html")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
