"""Planning a Bulk Exemption: every row of a cohort list checked before anything is written.

Pure: rows, options, the live exemptions and `today` in; a plan (what to create, what is
already recorded, what repeats, what is refused and why) out.

A cohort list is long and nearly uniform: every row usually asks for the same type, dates
and reason. The rules that depend only on those (R2, R3) are therefore checked once per
distinct set of terms, and each row costs little more than reading its student ID.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from stream_exempt import dates, rules, types, validate
from stream_exempt.csvio import Row
from stream_exempt.dates import Duration
from stream_exempt.errors import Refused
from stream_exempt.model import Exemption, Terms


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
    created: list[tuple[str, Terms]] = field(default_factory=list)  # student, terms; file order
    already_recorded: int = 0
    repeats: list[tuple[int, str, int]] = field(default_factory=list)  # line, student, first line
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # line, student, why
    rows: int = 0


def _terms_reader(columns: Columns, defaults: Defaults, today: date) -> Callable[[list[str]], Terms]:
    """A reader of a row's terms, where the options left them to the row's own columns."""
    fixed_end = defaults.end
    if fixed_end is None and defaults.span is not None and defaults.start is not None:
        fixed_end = defaults.span.last_day_from(defaults.start)
    if (
        defaults.type is not None
        and defaults.start is not None
        and fixed_end is not None
        and (defaults.reason_given or columns.reason is None)
    ):  # the options fix everything: one set of terms for the whole cohort
        same = Terms(defaults.type, defaults.start, fixed_end, defaults.reason)
        return lambda cells: same

    # A cohort shares a handful of dates and types: parse each distinct text once.
    parse_day = dates.cached_parser(today)
    parse_type = lru_cache(maxsize=64)(types.parse_type)
    span_end = lru_cache(maxsize=10_000)(defaults.span.last_day_from) if defaults.span else None

    def cell(cells: list[str], at: int | None, name: str, option: str) -> str:
        text = cells[at].strip() if at is not None and at < len(cells) else ""
        if not text:
            raise Refused(f"no {name}: give {option} or fill in the {name} column.")
        return text

    def terms(cells: list[str]) -> Terms:
        type_code = defaults.type or parse_type(cell(cells, columns.type, "type", "--type"))
        start = defaults.start or parse_day(cell(cells, columns.start, "start", "--start"))
        if defaults.end is not None:
            end = defaults.end
        elif span_end is not None:
            end = span_end(start)
        else:
            end = parse_day(cell(cells, columns.end, "end", "--end or --for"))
        if defaults.reason_given or columns.reason is None or columns.reason >= len(cells):
            reason = defaults.reason
        else:
            reason = validate.reason(cells[columns.reason])
        return Terms(type_code, start, end, reason)

    return terms


def _refusal(terms: Terms, today: date) -> str | None:
    """Why R2 or R3 refuses these terms for a new exemption, if they do."""
    try:
        rules.check_new(terms, today)
    except Refused as refusal:
        return refusal.message
    return None


def plan_bulk(
    rows: Iterable[Row],
    columns: Columns,
    defaults: Defaults,
    live: dict[tuple[str, str], list[Exemption]],
    today: date,
    pattern: re.Pattern[str],
) -> Plan:
    """Check every row against the rules, the live exemptions and the other rows.

    In order, a row is: refused if its student ID or terms cannot be read; a repeat if an
    earlier row asked for the same student, type and dates; already recorded if a live
    exemption has exactly its student, type and dates; refused by R2 or R3; refused by R7
    against a live exemption, then against an earlier accepted row; otherwise created.
    """
    plan = Plan()
    terms_of = _terms_reader(columns, defaults, today)
    id_at = columns.student_id
    student_id = validate.student_id
    created, refused = plan.created, plan.refused
    # Every readable row so far, by student and type: its dates, line, and whether accepted.
    seen: dict[tuple[str, str], list[tuple[date, date, int, bool]]] = {}
    last_terms, last_why = None, None  # rows share their terms: R2 and R3 once per run
    count = 0
    for line, cells in rows:
        count += 1
        shown = cells[id_at].strip() if id_at < len(cells) else ""
        try:
            student = student_id(shown, pattern)
            terms = terms_of(cells)
        except Refused as error:
            refused.append((line, shown, error.message))
            continue
        type_code, start, end, _ = terms
        key = (student, type_code)
        earlier = seen.get(key)
        if earlier is not None:
            first = next((at for s, e, at, _ in earlier if s == start and e == end), None)
            if first is not None:
                plan.repeats.append((line, student, first))
                continue
        existing = live.get(key) if live else None
        if existing and any(e.start == start and e.end == end for e in existing):
            plan.already_recorded += 1
            accepted = False
        else:
            if terms is not last_terms:
                last_terms, last_why = terms, _refusal(terms, today)
            why = last_why
            if why is None and existing:
                clash = rules.find_clash(student, type_code, start, end, existing, today)
                why = rules.clash_message(student, clash) if clash else None
            if why is None and earlier is not None:
                why = _in_file_clash(earlier, start, end)
            accepted = why is None
            if why is None:
                created.append((student, terms))
            else:
                refused.append((line, shown, why))
        if earlier is None:
            seen[key] = [(start, end, line, accepted)]
        else:
            earlier.append((start, end, line, accepted))
    plan.rows = count
    return plan


def _in_file_clash(earlier: list[tuple[date, date, int, bool]], start: date, end: date) -> str | None:
    """R7 against the rows of the same student and type accepted so far."""
    for other_start, other_end, other_line, accepted in earlier:
        if accepted and other_start <= end and start <= other_end:
            return (
                f"shares days with line {other_line} of this file (same student and type); "
                "give each student one range per type."
            )
    return None
