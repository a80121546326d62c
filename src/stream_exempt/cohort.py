"""Planning a Bulk Exemption: every row of a cohort list checked before anything is written.

Pure: rows, options, the live exemptions and `today` in; a plan (what to create, what is
already recorded, what repeats, what is refused and why) out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial

from stream_exempt import dates, rules, types, validate
from stream_exempt.csvio import Row
from stream_exempt.dates import Duration
from stream_exempt.errors import Refused
from stream_exempt.model import Draft, Exemption


@dataclass(frozen=True)
class Defaults:
    """What the options set for every row; None leaves it to the row's own column."""

    type: str | None = None
    start: date | None = None
    end: date | None = None
    span: Duration | None = None
    reason: str | None = None
    reason_given: bool = False


@dataclass(frozen=True)
class Columns:
    """Where each value sits in a row; None when the file has no such column."""

    student_id: int
    type: int | None = None
    start: int | None = None
    end: int | None = None
    reason: int | None = None


@dataclass
class Plan:
    drafts: list[Draft] = field(default_factory=list)
    already_recorded: int = 0
    repeats: list[tuple[int, str, int]] = field(default_factory=list)  # line, student, first line
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # line, student, why
    rows: int = 0


def _row_values(
    columns: Columns, defaults: Defaults, today: date
) -> Callable[[list[str]], tuple[str, date, date, str | None]]:
    """A reader of (type, start, end, reason) from a row, where the options left them to it."""
    # A cohort shares a handful of dates and types: parse each distinct text once.
    parse_day = lru_cache(maxsize=10_000)(partial(dates.parse_date, today=today))
    parse_type = lru_cache(maxsize=64)(types.parse_type)
    span_end = lru_cache(maxsize=10_000)(
        defaults.span.last_day_from if defaults.span else lambda start: start
    )

    def cell(cells: list[str], at: int | None, name: str, option: str) -> str:
        text = cells[at].strip() if at is not None and at < len(cells) else ""
        if not text:
            raise Refused(f"no {name}: give {option} or fill in the {name} column.")
        return text

    def values(cells: list[str]) -> tuple[str, date, date, str | None]:
        type_code = defaults.type or parse_type(cell(cells, columns.type, "type", "--type"))
        start = defaults.start or parse_day(cell(cells, columns.start, "start", "--start"))
        if defaults.end is not None:
            end = defaults.end
        elif defaults.span is not None:
            end = span_end(start)
        else:
            end = parse_day(cell(cells, columns.end, "end", "--end or --for"))
        if defaults.reason_given or columns.reason is None or columns.reason >= len(cells):
            reason = defaults.reason
        else:
            reason = validate.reason(cells[columns.reason])
        return type_code, start, end, reason

    return values


def plan_bulk(
    rows: Iterable[Row],
    columns: Columns,
    defaults: Defaults,
    live: dict[tuple[str, str], list[Exemption]],
    today: date,
    pattern: re.Pattern[str],
) -> Plan:
    """Check every row against the rules, the live exemptions and the other rows."""
    plan = Plan()
    values = _row_values(columns, defaults, today)
    id_at = columns.student_id
    first_line: dict[tuple[str, str, date, date], int] = {}
    in_file: dict[tuple[str, str], list[tuple[date, date, int]]] = {}
    for line, cells in rows:
        plan.rows += 1
        shown = cells[id_at].strip() if id_at < len(cells) else ""
        try:
            student = validate.student_id(shown, pattern)
            type_code, start, end, reason = values(cells)
            draft = Draft(student, type_code, start, end, reason)
            same_key = (student, type_code, start, end)
            if same_key in first_line:
                plan.repeats.append((line, student, first_line[same_key]))
                continue
            first_line[same_key] = line
            student_type = (student, type_code)
            existing = live.get(student_type, ())
            if existing and any(e.start == start and e.end == end for e in existing):
                plan.already_recorded += 1
                continue
            rules.check_new(draft, today)
            rules.check_no_clash(draft, existing, today)
            others = in_file.get(student_type)
            if others is None:
                in_file[student_type] = [(start, end, line)]
            else:
                for other_start, other_end, other_line in others:
                    if other_start <= end and start <= other_end:
                        raise Refused(
                            f"shares days with line {other_line} of this file (same student and "
                            "type); give each student one range per type."
                        )
                others.append((start, end, line))
            plan.drafts.append(draft)
        except Refused as refusal:
            plan.refused.append((line, shown, refusal.message))
    return plan
