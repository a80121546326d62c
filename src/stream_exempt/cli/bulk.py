"""`bulk`: one exemption for every student of a cohort list, all or nothing."""

import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from stream_exempt import dates, rules, series, types, validate
from stream_exempt.cli import repeating
from stream_exempt.cli.options import (
    ActorOption,
    ColumnOption,
    CountOption,
    EncodingOption,
    EveryOption,
    ForOption,
    MonthFirstOption,
    ReasonOption,
    UntilOption,
    WeekdaysOption,
    column_option,
    value_option,
)
from stream_exempt.cli.session import Session, actor
from stream_exempt.collector import collector_paused
from stream_exempt.dates import show
from stream_exempt.errors import Refused, printable
from stream_exempt.model import Exemption, Terms
from stream_exempt.output.outcomes import Imported
from stream_exempt.output.reporter import Reporter
from stream_exempt.output.said.common import exemptions

if TYPE_CHECKING:  # imported when a command runs: `check`, run by cron, never needs them
    from stream_exempt import cohort
    from stream_exempt.csvio import Row

T = TypeVar("T")
PROGRESS_FROM = 2_000  # rows; shorter files finish before a bar is worth drawing
RANGES_SHOWN = 10  # distinct date ranges listed under the summary


def _progress(report: Reporter, rows: list[T]) -> Iterable[T]:
    """A progress bar on stderr for long files, when stderr is a terminal."""
    return rows if len(rows) < PROGRESS_FROM else report.progress(rows, "Checking rows")


def _writing(report: Reporter, count: int) -> AbstractContextManager[object]:
    """A spinner on stderr while a long batch is written, when stderr is a terminal."""
    return nullcontext() if count < PROGRESS_FROM else report.working(f"Writing {count:,} exemptions")


def _defaults(
    type_: str | None, start: str | None, end: str | None, for_: str | None, reason: str | None, today: date
) -> "tuple[cohort.Defaults, Refused | None]":
    """The options, and the one error for an option that no new row could pass (R3, R5c): it
    stands unless every row of the file is already recorded (a re-run, SPEC 7)."""
    from stream_exempt import cohort

    if end is not None and for_ is not None:
        raise Refused("give --end or --for, not both.")
    first = dates.parse_date(start, today) if start is not None else None
    last = dates.parse_date(end, today) if end is not None else None
    span = dates.parse_duration(for_) if for_ is not None else None
    if first is not None and last is not None:
        rules.check_order(first, last)  # once for the options, not once per row
    defaults = cohort.Defaults(
        type=types.parse_type(type_) if type_ is not None else None,
        start=first,
        end=last,
        span=span,
        reason=validate.reason(reason),
        reason_given=reason is not None,
    )
    # R3 once for an option that no row could pass, not one refused row per student.
    for option, day in (("--start", first), ("--end", last)):
        if day is not None and not rules.may_create(day, today):
            return defaults, Refused(
                f"{option} {show(day)} is not after today ({show(today)}), so no student could be "
                f"exempted: an exemption can only cover future days; give a {option} after today."
            )
    fixed_end = cohort.fixed_last_day(defaults)
    if fixed_end is not None:  # R5c, once for the options
        try:
            rules.check_takes_effect(fixed_end, rules.in_force_from(today), "every exemption of this import")
        except Refused as refusal:
            return defaults, refusal
    return defaults, None


def _read(
    report: Reporter,
    path: str,
    encoding: str | None,
    sheet: str | None,
    named: "cohort.Named",
    pattern: re.Pattern[str],
) -> "tuple[list[str] | None, cohort.Columns, list[Row], str]":
    """The cohort list: its headers (None when it has none), its columns and its rows."""
    from stream_exempt import cohort, csvio

    table = csvio.open_table(path, encoding=encoding, sheet=sheet, workbooks=True)
    name = table.name
    if table.note is not None:
        report.warn(table.note)
    try:
        if table.first is None:
            raise Refused(
                f"nothing to import: {name} is empty; a cohort list needs a header row and one row per student."
            )
        first_line, first = table.first
        id_at = cohort.headerless_id_column(first, named, pattern)
        if id_at is None:
            headers: list[str] | None = table.headers
            columns = cohort.locate(table.headers, named)
            rows = list(table)
        else:
            if named.given():
                raise Refused(
                    f"there is no header row in {name} (its first line is a student), so no column "
                    f"{printable(named.given()[0])} to name; leave out the --...-column options."
                )
            headers, columns = None, cohort.Columns(student_id=id_at)
            rows = [table.first, *table]
            report.warn(
                f"{name} has no header row: its line {first_line} is the student {first[id_at].strip()}, "
                "so every line is read as a student."
            )
    finally:
        table.close()
    if not rows:
        raise Refused(f"no students in {name}: it has a header row but no students; add one row per student.")
    return headers, columns, rows, name


def _plan(
    report: Reporter,
    rows: "list[Row]",
    columns: "cohort.Columns",
    defaults: "cohort.Defaults",
    live: dict[tuple[str, str], list[Exemption]],
    today: date,
    pattern: re.Pattern[str],
    name: str,
    month_first: bool,
    unpassable: Refused | None = None,
    repeat: "Callable[[Terms], Sequence[Terms]] | None" = None,
    deleted: dict[tuple[str, str], list[Exemption]] | None = None,
) -> "cohort.Plan":
    """The plan for every row; when any row is refused, the refused rows in a table and `Refused`.
    With `unpassable` (an option no new row could pass), that one error unless every row is
    already recorded."""
    from stream_exempt import cohort

    plan = cohort.plan_bulk(
        _progress(report, rows),
        columns,
        defaults,
        live,
        today,
        pattern,
        month_first=month_first,
        repeat=repeat,
        deleted=deleted,
    )
    if unpassable is not None and (plan.created or plan.refused):
        raise unpassable
    if plan.refused:
        report.rows(
            ("Line", "Student ID", "Why refused"),
            ([str(line), validate.shortened(student), why] for line, student, why in plan.refused),
            title="Refused rows",
        )
        raise Refused(
            f"{len(plan.refused):,} of {plan.rows:,} rows of {name} refused (listed above); "
            "nothing was written, so fix them and run the import again."
        )
    return plan


def bulk(
    ctx: typer.Context,
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="The cohort list (CSV or .xlsx); - for standard input.")
    ],
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
    start_column: Annotated[str | None, column_option("start")] = None,
    end_column: Annotated[str | None, column_option("end")] = None,
    type_column: Annotated[str | None, column_option("type")] = None,
    reason_column: Annotated[str | None, column_option("reason")] = None,
    sheet: Annotated[
        str | None, value_option("--sheet", "NAME", "The sheet of an .xlsx workbook (default: the first).")
    ] = None,
    month_first: MonthFirstOption = False,
    encoding: EncodingOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything; write nothing.")] = False,
    every: EveryOption = None,
    count: CountOption = None,
    until: UntilOption = None,
    weekdays: WeekdaysOption = None,
) -> Imported:
    """Exempt a whole cohort from a CSV list or .xlsx workbook at once (a Bulk Exemption), all or nothing.

    With --every, each student gets a series (every occurrence an exemption), all in one batch.

    Example: stream-exempt bulk cohort.csv --type placement --start 11/01/2027 --for 6w
    """
    from stream_exempt import cohort, csvio

    session: Session = ctx.obj
    who = actor(as_)
    today = session.today()
    defaults, unpassable = _defaults(type_, start, end, for_, reason, today)
    if every is None:
        series.no_series_options(count, until, weekdays)
    repeat = (
        repeating.repeat_from_options(every, count, until, weekdays, today) if every is not None else None
    )
    expand = repeating.Expander(repeat, defaults.span) if repeat is not None else None
    pattern = validate.id_pattern()
    named = cohort.Named(column, type_column, start_column, end_column, reason_column)
    csvio.encoding_name(encoding)  # like every value typed, before the store
    if unpassable is not None and not session.store_exists():
        raise unpassable  # no store, so nothing already recorded: the typed value's error first
    # The store before the file's contents (SPEC 10): exit 4 before exit 2. A dry run on a store
    # that does not exist yet checks as if against an empty one, and creates nothing.
    present = True
    if dry_run:
        present = session.store_if_present() is not None
    elif session.store_exists():
        session.store()
    with collector_paused():
        try:
            headers, columns, rows, name = _read(session.report, file, encoding, sheet, named, pattern)
            cohort.check_given(columns, defaults, headers)
            if headers is not None:
                cohort.check_date_columns(rows, columns, headers, month_first)
                cohort.check_conflicts(
                    rows, columns, defaults, headers, cohort.date_reader(today, month_first)
                )
        except Refused:
            if unpassable is not None:  # a file that cannot be a re-run: the option's error, as typed first
                raise unpassable from None
            raise
        at = columns.student_id
        students = [cells[at].strip() for _, cells in rows if at < len(cells)]
        in_force = rules.in_force_from(today)
        batch = None
        Found = dict[tuple[str, str], list[Exemption]]

        def plan_against(live: Found, deleted: Found | None) -> "cohort.Plan":
            return _plan(
                session.report,
                rows,
                columns,
                defaults,
                live,
                today,
                pattern,
                name,
                month_first,
                unpassable,
                expand,
                deleted,
            )

        if dry_run:  # no write lock, and no store file made where there was none
            # reads: never creates the store; none yet, checked as if against an empty one
            if present:
                session.store().check_may_change()
            plan = plan_against(
                *(session.store().live_and_deleted_of(students, today) if present else ({}, {}))
            )
        else:
            if not session.store_exists():  # a file that is refused leaves no new store behind
                plan_against({}, None)
            store = session.store_for_writing()
            store.check_may_change()
            with store.writing():  # the write lock first: R7 holds against every concurrent writer
                plan = plan_against(*store.live_and_deleted_of(students, today))
                if plan.created:
                    with _writing(session.report, len(plan.created)):
                        batch = store.insert_batch(
                            plan.created if expand is None else repeating.grouped(plan.created),
                            actor=who,
                            at=dates.now_utc(),
                            in_force_from=in_force,
                            source=validate.printable_name(name),
                            repeats=None if expand is None else expand.stored(),
                        )
                    session.committed(f"batch {batch}, {exemptions(len(plan.created))} created")
    return Imported(
        len(plan.created),
        plan.already_recorded,
        plan.deleted,
        batch,
        dry_run,
        cohort.ranges(plan),
        RANGES_SHOWN if expand is None else series.MOST,  # a series: every occurrence's dates
        plan.repeats,
        plan.reason_differs,
        rules.late_count((terms.start for _, terms in plan.created), in_force),
        rules.still_triggering(in_force),
        series=expand.words() if expand is not None else None,
        no_store=session.store_shown if dry_run and not present else None,
    )
