"""`list`: the exemptions, filtered, as of a day, in any output format."""

import sys
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer

from stream_exempt import dates, output, rules, types, validate
from stream_exempt.cli.options import OnOption, TableFormatOption, value_option
from stream_exempt.cli.session import Session
from stream_exempt.errors import Refused, printable
from stream_exempt.output.outcomes import Ids, Shown
from stream_exempt.store import Filters


class SortKey(StrEnum):
    start = "start"
    end = "end"
    student = "student"
    id = "id"


# On a terminal, the `table` format shows at most this many rows unless --limit or --all.
TERMINAL_LIMIT = 50


def parse_statuses(values: list[str] | None) -> frozenset[str]:
    """`--status` values, repeated or comma-separated; `all` means every status."""
    if not values:
        return rules.LIVE
    wanted: set[str] = set()
    for value in values:
        if not value.replace(",", "").strip():
            raise Refused(f"--status is empty; use {', '.join(rules.STATUSES)} or all.")
        for word in value.split(","):
            word = word.strip().lower()
            if word == "all":
                wanted.update(rules.STATUSES)
            elif word in rules.STATUSES:
                wanted.add(word)
            elif word:
                raise Refused(f"{printable(word)} is not a status; use {', '.join(rules.STATUSES)} or all.")
    return frozenset(wanted) or rules.LIVE


def _window(duration: str | None, day: date, *, back: bool = False) -> tuple[date, date] | None:
    """The days a `--...-within DURATION` option names, from `day` on (or, `back`, up to it)."""
    if duration is None:
        return None
    length = dates.parse_duration(duration)
    return length.back(day) if back else length.ahead(day)


def list_(
    ctx: typer.Context,
    status: Annotated[
        list[str] | None,
        value_option(
            "--status", "STATUS", "active, pending, expired, deleted or all; repeat or comma-separate."
        ),
    ] = None,
    student: Annotated[
        str | None, typer.Option("--student", metavar="STUDENT_ID", help="Only this student.")
    ] = None,
    type_: Annotated[str | None, typer.Option("--type", "-t", metavar="TYPE", help="Only this type.")] = None,
    batch: Annotated[
        str | None, value_option("--batch -b", "BATCH", "Only the members of this bulk batch.")
    ] = None,
    on: OnOption = None,
    ending_within: Annotated[
        str | None,
        value_option(
            "--ending-within",
            "DURATION",
            "Only those whose end falls from today (or the --on day) to DURATION later (2w, 10d, 1m), soonest first.",
        ),
    ] = None,
    starting_within: Annotated[
        str | None,
        value_option(
            "--starting-within",
            "DURATION",
            "Only those whose start falls from today (or the --on day) to DURATION later.",
        ),
    ] = None,
    in_force_within: Annotated[
        str | None,
        value_option(
            "--in-force-within",
            "DURATION",
            "Only those that come into force (start suppressing) from today (or the --on day) to DURATION later.",
        ),
    ] = None,
    deleted_within: Annotated[
        str | None,
        value_option(
            "--deleted-within",
            "DURATION",
            "Only those deleted in the last DURATION, ending today or the --on day (1w: the seven days up to it), whatever their status (one deleted today keeps today's); implies --status all unless --status is given.",
        ),
    ] = None,
    sort: Annotated[
        SortKey | None,
        typer.Option(
            "--sort",
            case_sensitive=False,
            help="Order by start (the default), end (the default with --ending-within), student or id.",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            metavar="N",
            min=1,
            help=f"At most N rows (on a terminal the table shows {TERMINAL_LIMIT} unless told).",
            show_default=False,
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every row, even on a terminal.")] = False,
    fmt: TableFormatOption = "table",
    ids: Annotated[bool, typer.Option("--ids", help="Print only the ids, one a line.")] = False,
) -> Shown | Ids:
    """List exemptions: by default the live ones (active and pending) as of today.

    With --on a day that has passed, the store as it stood at the end of that day.

    Example: stream-exempt list --status all --format csv > exemptions.csv

    Example: stream-exempt list --ending-within 2w   (the ones to extend before they lock)
    """
    session: Session = ctx.obj
    today = session.today()
    day = dates.parse_date(on, today) if on is not None else today
    # The windows run from the day asked about (today unless --on) to that day + DURATION;
    # --deleted-within looks back instead, over the DURATION's days up to that day.
    ending = _window(ending_within, day)
    starting = _window(starting_within, day)
    in_force = _window(in_force_within, day)
    deleted = _window(deleted_within, day, back=True)
    # R5b: one deleted on the day asked about still has that day's status, so a window of
    # deletions takes every status.
    statuses = parse_statuses(status) if status or deleted is None else frozenset(rules.STATUSES)
    order = sort or (SortKey.end if ending is not None else SortKey.start)
    student_id = validate.student_id(student, validate.id_pattern()) if student is not None else None
    type_code = types.parse_type(type_) if type_ is not None else None
    batch_number = validate.batch_id(batch) if batch is not None else None
    store = session.store()
    if batch_number is not None:
        store.require_batch(batch_number)
    filters = Filters(student_id, type_code, batch_number, starting, ending, in_force, deleted)
    # A day that has passed is shown as the store stood at its end (SPEC 7); today or later, as it is.
    stood_at = dates.end_of_day(day, session.zone) if day < today else None
    # Straight from the query to the output, a row at a time: the statuses are computed and
    # filtered by SQLite, and the machine formats write each row as it comes.
    if ids:
        _ids_only(ctx, limit, all_)
        rows = store.listed(
            day,
            statuses,
            filters,
            sort=order.value,
            limit=None if limit is None else min(limit, sys.maxsize),
            stood_at=stood_at,
        )
        return Ids(row[0] for row in rows)
    shown = _limit(limit, all_, fmt)
    # The store writes each row as JSON (SQLite) or as a csv/tsv line (both stores) in SQL;
    # otherwise its plain rows are written by the output, to the same bytes.
    as_json = fmt in ("json", "jsonl") and store.writes_json
    delimiter = {"csv": ",", "tsv": "\t"}.get(fmt)
    rows = store.listed(
        day,
        statuses,
        filters,
        sort=order.value,
        limit=shown,
        as_json=as_json,
        delimiter=delimiter,
        stood_at=stood_at,
    )
    table = output.listed(
        rows,
        as_json=as_json,
        as_lines=delimiter is not None,
        limit=shown,
        day=day,
        today=today,
        more=_more(fmt),
        count=lambda: store.count_listed(day, statuses, filters, stood_at=stood_at),
    )
    return Shown(table, fmt)


def _ids_only(ctx: typer.Context, limit: int | None, all_: bool) -> None:
    """`--ids` prints ids, one a line, every one unless `--limit N`: it takes no format, and
    `--all` with `--limit` is refused as without it."""
    if all_ and limit is not None:
        raise Refused("give --limit N or --all, not both.")
    source = ctx.get_parameter_source("fmt")  # by name: Typer brings its own copy of Click's enum
    if source is not None and source.name != "DEFAULT":
        raise Refused("--ids prints only the ids, one a line, so leave out --format (or --ids).")


def _limit(limit: int | None, all_: bool, fmt: str) -> int | None:
    """--limit N always; else, on a terminal, the table's default (SPEC "Tables")."""
    if all_ and limit is not None:
        raise Refused("give --limit N or --all, not both.")
    if limit is not None:
        return min(limit, sys.maxsize)  # more rows than any store holds: every row
    if all_:
        return None
    return TERMINAL_LIMIT if fmt == "table" and output.to_terminal() else None


def _more(fmt: str) -> Callable[[int], str]:
    """The line saying how many rows were left out, with advice that fits the format in use."""

    def more(left: int) -> str:
        if fmt == "table":
            return (
                f"{left:,} more not shown; see them all with --all, more with --limit N, "
                "or every row with a machine format (--format csv)."
            )
        return f"{left:,} more not shown; see them all with --all (or without --limit), more with a larger --limit N."

    return more
