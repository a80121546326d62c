"""`summary`: the office's morning view, each line with the `list` command that shows it."""

from typing import Annotated

import typer

from stream_exempt import dates, rules
from stream_exempt.cli.options import OnOption, ViewFormat, format_option
from stream_exempt.cli.session import Session
from stream_exempt.output.outcomes import Morning
from stream_exempt.summary import summarise, windows


def summary(
    ctx: typer.Context,
    on: OnOption = None,
    fmt: Annotated[ViewFormat, format_option("table for people, json for programs.")] = "table",
) -> Morning:
    """The office's morning view: exemptions by type and status, those coming into force in
    the next two days, starting within a week, ending within two weeks (extend them before
    they lock), and deleted in the last week. Each line names the `list` command that shows it.
    With --on a day that has passed, the store as it stood at the end of that day.

    Example: stream-exempt summary
    """
    session: Session = ctx.obj
    today = session.today()
    day = dates.parse_date(on, today) if on is not None else today
    spans = windows(day)
    # A day that has passed is shown as the store stood at its end (SPEC 7); today or later, as it is.
    stood_at = dates.end_of_day(day, session.zone) if day < today else None
    counts = session.store().summary_counts(day, spans, stood_at=stood_at)
    return Morning(summarise(counts, day, spans, on_given=on is not None), fmt, rules.STATUSES)
