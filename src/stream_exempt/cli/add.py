"""`add`: record one exemption for one student."""

from datetime import date

import typer

from stream_exempt import dates, rules, series, types, validate
from stream_exempt.cli import repeating
from stream_exempt.cli.options import (
    ActorOption,
    CountOption,
    EndOption,
    EveryOption,
    ForOption,
    ReasonOption,
    StartOption,
    StudentArgument,
    TypeOption,
    UntilOption,
    WeekdaysOption,
)
from stream_exempt.cli.session import Session, actor
from stream_exempt.dates import show
from stream_exempt.errors import Refused
from stream_exempt.model import Draft
from stream_exempt.output.outcomes import Added, SeriesAdded


def resolve_end(start: date, end: str | None, for_: str | None, today: date) -> date:
    """The last day covered, from `--end D` or `--for DUR` (exactly one of them)."""
    if (end is None) == (for_ is None):
        raise Refused("give the last day with --end or the length with --for, not both and not neither.")
    last = dates.parse_date(end, today) if end is not None else None
    span = dates.parse_duration(for_) if for_ is not None else None
    return rules.last_day(start, last, span)


def draft_from_options(
    student_id: str,
    type_: str,
    start: str,
    end: str | None,
    for_: str | None,
    reason: str | None,
    today: date,
) -> Draft:
    """An exemption as asked for at the command line (`add`, `request`), each value checked."""
    first = dates.parse_date(start, today)
    return Draft(
        student_id=validate.student_id(student_id, validate.id_pattern()),
        type=types.parse_type(type_),
        start=first,
        end=resolve_end(first, end, for_, today),
        reason=validate.reason(reason),
    )


def add(
    ctx: typer.Context,
    student_id: StudentArgument,
    type_: TypeOption,
    start: StartOption,
    end: EndOption = None,
    for_: ForOption = None,
    reason: ReasonOption = None,
    as_: ActorOption = None,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the new id."),
    every: EveryOption = None,
    count: CountOption = None,
    until: UntilOption = None,
    weekdays: WeekdaysOption = None,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="With --every: show every occurrence; write nothing."
    ),
) -> Added | SeriesAdded:
    """Exempt one student from notifications over a date range.

    The start must be after today. It is in force from the second day after today (notifications
    may still trigger until then), so an end before that day is refused: it would suppress
    nothing.

    With --every it adds a series, one exemption per occurrence, all or nothing, as one batch.

    Example: stream-exempt add 201234567 --type placement --start 10/01/2027 --for 2w

    Example: stream-exempt add 201234567 --type placement --start 13/01/2027 --for 1d --every 1w --count 10
    """
    session: Session = ctx.obj
    today = session.today()
    if every is None:
        series.no_series_options(count, until, weekdays, dry_run)
    draft = draft_from_options(student_id, type_, start, end, for_, reason, today)
    who = actor(as_)
    if every is not None:
        repeat = repeating.repeat_from_options(every, count, until, weekdays, today)
        span = dates.parse_duration(for_) if for_ is not None else None
        return repeating.add_series(session, draft, repeat, span, who, today, quiet=quiet, dry_run=dry_run)
    rules.check_new(draft, today)
    store = session.store_for_writing()
    store.check_may_change()
    with store.writing():
        rules.check_no_clash(draft, store.of_student(draft.student_id), today)
        created = store.insert(draft, actor=who, at=dates.now_utc(), in_force_from=rules.in_force_from(today))
        session.committed(
            f"exemption {created.id} for student {created.student_id}, {types.label(created.type)}, "
            f"{show(created.start)} to {show(created.end)}"
        )
    return Added(
        created, rules.status(created, today), rules.late_warning(created.start, created.in_force_from), quiet
    )
