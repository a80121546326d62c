"""Planning a Bulk Exemption: every row of a cohort list checked before anything is written.

Pure: rows, options, the live exemptions and `today` in; a plan (what to create, what is
already recorded, what repeats, what is refused and why) out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

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


class _Cached:
    """Parse each distinct cell text once: a cohort shares a handful of dates and types."""

    def __init__(self, parse: Callable[[Any], object]) -> None:
        self.parse = parse
        self.seen: dict[Hashable, object] = {}

    def __call__(self, text: Hashable) -> object:
        if text in self.seen:
            return self.seen[text]
        value = self.parse(text)
        if len(self.seen) < 10_000:
            self.seen[text] = value
        return value


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
    parse_day = _Cached(lambda text: dates.parse_date(text, today))
    parse_type = _Cached(types.parse_type)
    span_end = _Cached(lambda start: defaults.span.last_day_from(start) if defaults.span else start)
    seen: dict[tuple[str, str, date, date], int] = {}
    in_file: dict[tuple[str, str], list[tuple[date, date, int]]] = {}

    def cell(cells: list[str], at: int | None, name: str, option: str) -> str:
        text = cells[at].strip() if at is not None and at < len(cells) else ""
        if not text:
            raise Refused(f"no {name}: give {option} or fill in the {name} column.")
        return text

    for row in rows:
        plan.rows += 1
        cells = row.cells
        shown = cells[columns.student_id].strip() if columns.student_id < len(cells) else ""
        try:
            student = validate.student_id(shown, pattern)
            type_code = defaults.type or str(parse_type(cell(cells, columns.type, "type", "--type")))
            start = defaults.start or parse_day(cell(cells, columns.start, "start", "--start"))
            assert isinstance(start, date)
            if defaults.end is not None:
                end = defaults.end
            elif defaults.span is not None:
                end = span_end(start)  # type: ignore[assignment]  # a date, cached
            else:
                end_value = parse_day(cell(cells, columns.end, "end", "--end or --for"))
                assert isinstance(end_value, date)
                end = end_value
            if defaults.reason_given or columns.reason is None or columns.reason >= len(cells):
                reason = defaults.reason
            else:
                reason = validate.reason(cells[columns.reason])
            key = (student, type_code, start, end)
            if key in seen:
                plan.repeats.append((row.line, student, seen[key]))
                continue
            seen[key] = row.line
            same = live.get((student, type_code), [])
            if same and any(e.start == start and e.end == end for e in same):
                plan.already_recorded += 1
                continue
            draft = Draft(student, type_code, start, end, reason)
            rules.check_new(draft, today)
            rules.check_no_clash(draft, same, today)
            for other_start, other_end, line in in_file.get((student, type_code), []):
                if other_start <= end and start <= other_end:
                    raise Refused(
                        f"shares days with line {line} of this file (same student and type); "
                        "give each student one range per type."
                    )
            in_file.setdefault((student, type_code), []).append((start, end, row.line))
            plan.drafts.append(draft)
        except Refused as refusal:
            plan.refused.append((row.line, shown, refusal.message))
    return plan
