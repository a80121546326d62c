"""`batches`: every bulk import, what it created and how much of it is still live."""

from datetime import date
from typing import Any

import typer

from stream_exempt import dates, output, types
from stream_exempt.cli.options import TableFormatOption
from stream_exempt.cli.session import Session
from stream_exempt.model import Actor, BatchSummary

FIELDS = (
    "id",
    "created_at",
    "created_by",
    "source",
    "created",
    "live",
    "types",
    "start",
    "end",
    "created_for",
    "repeats",
)
HEADINGS = ("Batch", "Imported", "By", "File", "Created", "Live", "Type", "Start", "End", "Repeats")


def _date(value: date | str | None, iso: bool) -> str | None:
    """A batch's one date (ISO or as people read it), "mixed", or nothing."""
    if isinstance(value, date):
        return value.isoformat() if iso else dates.show(value)
    return value


def record(batch: BatchSummary) -> dict[str, Any]:
    """A batch for machines: its type codes as a list (an array in JSON, comma-separated in CSV),
    ISO dates or "mixed"."""
    return {
        "id": batch.id,
        "created_at": batch.created_at,
        "created_by": batch.created_by,
        "source": batch.source,
        "created": batch.created,
        "live": batch.live,
        "types": list(batch.types),
        "start": _date(batch.start, True),
        "end": _date(batch.end, True),
        "created_for": batch.created_for,
        "repeats": batch.repeats,
    }


def human_row(batch: BatchSummary) -> list[str]:
    """A batch as a table shows it: local time, type labels and `10 Jan 2027` dates."""
    return [
        str(batch.id),
        dates.local_time(batch.created_at),
        str(Actor(batch.created_by, batch.created_for)),
        batch.source or "",
        str(batch.created),
        str(batch.live),
        ", ".join(types.label(code) for code in batch.types),
        _date(batch.start, False) or "",
        _date(batch.end, False) or "",
        batch.repeats or "",
    ]


def batches(
    ctx: typer.Context,
    fmt: TableFormatOption = "table",
) -> None:
    """List every bulk batch: when and by whom it was imported (`alice for Dr Smith` with
    `--as`), from which file, how many exemptions it created and how many of those are live
    today, its type(s) and dates.

    A start or end that differs between members shows as "mixed". A series (add or bulk with
    --every) shows how it repeats: `every 1w x 10`.

    Example: stream-exempt batches --format csv > batches.csv
    """
    session: Session = ctx.obj
    found = session.store().batch_summaries(dates.today())
    output.render(
        output.Table(
            FIELDS,
            HEADINGS,
            found,
            machine=lambda batch: list(record(batch).values()),
            human=human_row,
            empty="No batches: `stream-exempt bulk FILE` imports one.",
        ),
        fmt,
    )
