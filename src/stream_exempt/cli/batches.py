"""`batches`: every bulk import, what it created and how much of it is still live."""

import typer

from stream_exempt.cli.options import TableFormatOption
from stream_exempt.cli.session import Session
from stream_exempt.output import tables
from stream_exempt.output.outcomes import Shown


def batches(
    ctx: typer.Context,
    fmt: TableFormatOption = "table",
) -> Shown:
    """List every bulk batch: when and by whom it was imported (`alice for Dr Smith` with
    `--as`), from which file, how many exemptions it created and how many of those are live
    today, its type(s) and dates.

    A start or end that differs between members shows as "mixed". A series (add or bulk with
    --every) shows how it repeats: `every 1w x 10`.

    Example: stream-exempt batches --format csv > batches.csv
    """
    session: Session = ctx.obj
    return Shown(tables.batches(session.store().batch_summaries(session.today()), session.zone), fmt)
