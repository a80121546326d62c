"""`bulk`: one exemption for every student of a cohort list, all or nothing."""

import re
import sys
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from stream_exempt import dates, output, rules, types, validate
from stream_exempt.cli.options import ActorOption, ColumnOption, EncodingOption, ForOption, ReasonOption
from stream_exempt.cli.session import Session, actor, collector_paused, warn
from stream_exempt.dates import show
from stream_exempt.errors import Refused
from stream_exempt.model import Exemption

if TYPE_CHECKING:  # imported when a command runs: `check`, run by cron, never needs them
    from stream_exempt import cohort
    from stream_exempt.csvio import Row

T = TypeVar("T")
PROGRESS_FROM = 2_000  # rows; shorter files finish before a bar is worth drawing


def _stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def _progress(rows: list[T]) -> Iterable[T]:
    """A progress bar on stderr for long files, when stderr is a terminal."""
    if len(rows) < PROGRESS_FROM or not _stderr_is_terminal():
        return rows
    from rich.progress import track

    return track(
        rows, description="Checking rows", console=output.console(stderr=True, terminal=True), transient=True
    )


def _writing(count: int) -> AbstractContextManager[object]:
    """A spinner on stderr while a long batch is written, when stderr is a terminal."""
    if count < PROGRESS_FROM or not _stderr_is_terminal():
        return nullcontext()
    return output.console(stderr=True, terminal=True).status(f"Writing {count} exemptions")  # type: ignore[no-any-return]


def _defaults(
    type_: str | None, start: str | None, end: str | None, for_: str | None, reason: str | None, today: date
) -> "cohort.Defaults":
    from stream_exempt import cohort

    if end is not None and for_ is not None:
        raise Refused("give --end or --for, not both.")
    first = dates.parse_date(start, today) if start is not None else None
    last = dates.parse_date(end, today) if end is not None else None
    span = dates.parse_duration(for_) if for_ is not None else None
    if first is not None and last is not None:
        rules.check_order(first, last)  # once for the options, not once per row
    fixed_end = span.last_day_from(first) if last is None and first and span else last
    if fixed_end is not None:  # R5c, once for the options
        rules.check_takes_effect(fixed_end, rules.in_force_from(today), "every exemption of this import")
    return cohort.Defaults(
        type=types.parse_type(type_) if type_ is not None else None,
        start=first,
        end=last,
        span=span,
        reason=validate.reason(reason),
        reason_given=reason is not None,
    )


def _read(path: str, encoding: str) -> "tuple[list[str], list[Row], str]":
    from stream_exempt import csvio

    name = "standard input" if path == "-" else path
    with csvio.open_text(path, encoding) as stream:
        table = csvio.CsvFile(stream, name, encoding)
        rows = list(table)
    if not table.headers:
        raise Refused(f"{name} is empty; a cohort list needs a header row and one row per student.")
    if not rows:
        raise Refused(f"{name} has a header row but no students; add one row per student.")
    return table.headers, rows, name


def _plan(
    rows: "list[Row]",
    columns: "cohort.Columns",
    defaults: "cohort.Defaults",
    live: dict[tuple[str, str], list[Exemption]],
    today: date,
    pattern: re.Pattern[str],
    name: str,
) -> "cohort.Plan":
    """The plan for every row; when any row is refused, the refused rows in a table and `Refused`."""
    from stream_exempt import cohort

    plan = cohort.plan_bulk(_progress(rows), columns, defaults, live, today, pattern)
    if plan.refused:
        output.write_rich_table(
            ("Line", "Student ID", "Why refused"),
            ([str(line), student, why] for line, student, why in plan.refused),
            stderr=True,
            title="Refused rows",
        )
        raise Refused(
            f"{len(plan.refused)} of {plan.rows} rows of {name} refused (listed above); "
            "nothing was written, so fix them and run the import again."
        )
    return plan


def bulk(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(metavar="FILE", help="The cohort list (CSV); - for standard input.")],
    type_: Annotated[
        str | None, typer.Option("--type", "-t", metavar="TYPE", help="Exemption type for every row.")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", "-s", metavar="DATE", help="First day for every row.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", "-e", metavar="DATE", help="Last day for every row.")
    ] = None,
    for_: ForOption = None,
    reason: ReasonOption = None,
    as_: ActorOption = None,
    column: ColumnOption = None,
    encoding: EncodingOption = "utf-8",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything; write nothing.")] = False,
) -> None:
    """Exempt a whole cohort from a CSV list at once (a Bulk Exemption), all or nothing.

    Example: stream-exempt bulk cohort.csv --type placement --start 11/01/2027 --for 6w
    """
    from stream_exempt import cohort, csvio

    session: Session = ctx.obj
    who = actor(as_)
    today = dates.today()
    defaults = _defaults(type_, start, end, for_, reason, today)
    pattern = validate.id_pattern()
    with collector_paused():
        headers, rows, name = _read(file, encoding)
        columns = cohort.Columns(
            student_id=csvio.find_column(headers, column),
            **{key: csvio.optional_column(headers, key) for key in ("type", "start", "end", "reason")},
        )
        at = columns.student_id
        students = (cells[at].strip() for _, cells in rows if at < len(cells))
        in_force = rules.in_force_from(today)
        batch = None
        if dry_run:  # no write lock, and no store file made where there was none
            live = session.store().live_of(students, today)  # reads: never creates the store
            plan = _plan(rows, columns, defaults, live, today, pattern, name)
        else:
            store = session.store_for_writing()
            with store.writing():  # the write lock first: R7 holds against every concurrent writer
                plan = _plan(rows, columns, defaults, store.live_of(students, today), today, pattern, name)
                if plan.created:
                    with _writing(len(plan.created)):
                        batch = store.insert_batch(
                            plan.created, actor=who, at=dates.now_utc(), in_force_from=in_force, source=name
                        )
    for line, student, first in plan.repeats:
        warn(f"line {line} repeats line {first} for student {student}; counted once.")
    _summarise(plan, batch, dry_run)
    late = sum(1 for _, terms in plan.created if terms.start < in_force)
    if late:
        warn(
            f"notifications may still trigger until {show(in_force)} for {late} of these "
            f"exemption{'s' if late != 1 else ''} (they start before then)."
        )


def _summarise(plan: "cohort.Plan", batch: int | None, dry_run: bool) -> None:
    created, already = len(plan.created), plan.already_recorded
    noun = "exemption" if created == 1 else "exemptions"
    if dry_run:
        print(
            f"Dry run: {created} {noun} would be created as one new batch, {already} already recorded; nothing was written."
        )
    elif batch is None:
        print(f"Nothing new: all {already} already recorded.")
    else:
        print(f"Batch {batch}: {created} {noun} created, {already} already recorded.")
