"""Planning a Bulk Exemption: every row of a cohort list checked before anything is written.

Pure: rows, options, the live exemptions and `today` in; a plan (what to create, what is
already recorded, what repeats, what is refused and why) out.

A cohort list is long and nearly uniform: every row usually asks for the same type, dates
and reason. The rules that depend only on those (R2, R3) are therefore checked once per
distinct set of terms, and each row costs little more than reading its student ID.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from stream_exempt import csvio, dates, rules, types, validate
from stream_exempt.csvio import Row
from stream_exempt.dates import Duration, show
from stream_exempt.errors import Refused, printable
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


@dataclass(frozen=True)
class Named:
    """The columns named outright by `--column`, `--type-column`, `--start-column`, ..."""

    student_id: str | None = None
    type: str | None = None
    start: str | None = None
    end: str | None = None
    reason: str | None = None

    def given(self) -> list[str]:
        return [n for n in (self.student_id, self.type, self.start, self.end, self.reason) if n is not None]


FIELDS = ("type", "start", "end", "reason")
# The usual (spreadsheet) names of the optional columns, compared as `csvio.normal`: the whole
# header, and for dates also how a longer header ends (`Placement start`, `Placement end date`).
_FIELD_NAMES: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "type": (frozenset({"type", "exemptiontype"}), ()),
    "start": (frozenset({"start", "startdate", "from"}), ("start", "startdate")),
    "end": (frozenset({"end", "enddate", "to"}), ("end", "enddate")),
    "reason": (frozenset({"reason", "comment"}), ()),
}
_NUMERIC_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})", re.ASCII)


def names_field(header: str, field_name: str) -> bool:
    """Whether a header is one of the usual names of an optional column."""
    whole, endings = _FIELD_NAMES[field_name]
    parts = csvio.words(header)
    if "".join(parts) in whole:
        return True
    return any("".join(parts[i:]) in endings for i in range(1, len(parts)))


def _names_a_column(header: str, named: Named) -> bool:
    value = csvio.normal(header)
    return (
        value in csvio.ID_HEADERS
        or any(names_field(header, f) for f in FIELDS)
        or value in {csvio.normal(n) for n in named.given()}
    )


def headerless_id_column(first: list[str], named: Named, pattern: re.Pattern[str]) -> int | None:
    """Where the student ID is, when a cohort list's first line is a student rather than a
    header: it names no known column and one of its cells is a student ID (or one that a
    spreadsheet reformatted, `2.01E+08`). None when the first line is a header: a year such as
    `2027` in a header row does not make it a student."""
    if any(_names_a_column(cell, named) for cell in first if cell.strip()):
        return None
    for index, cell in enumerate(first):
        value = cell.strip()
        if not value:
            continue
        try:
            validate.student_id(value, pattern)
        except Refused:
            if not validate.reformatted_number(value):
                continue
        return index
    return None


def locate(headers: list[str], named: Named) -> Columns:
    """Every column of a cohort list: the student ID, and the optional ones by their names."""
    id_at = csvio.find_column(headers, named.student_id)
    found: dict[str, int | None] = {}
    for name in FIELDS:
        wanted = getattr(named, name)
        if wanted is not None:
            found[name] = csvio.named_column(headers, wanted, f"--{name}-column")
            continue
        candidates = [i for i, h in enumerate(headers) if i != id_at and names_field(h, name)]
        if len(candidates) > 1:
            raise Refused(
                f"the columns {csvio.shown([headers[i] for i in candidates])} could each give the {name}; "
                f"name the one to use with --{name}-column NAME."
            )
        found[name] = candidates[0] if candidates else None
    _one_field_each(headers, named, id_at, found)
    return Columns(student_id=id_at, **found)


def _one_field_each(headers: list[str], named: Named, id_at: int, found: dict[str, int | None]) -> None:
    """A column gives one field only: `--end-column "Start Date"` would read every start as
    its end, and leave the real end column unread. (Columns found by their names never share:
    no header is a usual name of two fields, and none is taken from the student-ID column, so
    a shared column is always one named outright.)"""
    given: dict[int, str] = {id_at: "student ID"}
    for name in FIELDS:
        at = found[name]
        if at is None:
            continue
        other = given.setdefault(at, name)
        if other != name:
            option = f"--{name}-column" if getattr(named, name) is not None else f"--{other}-column"
            raise Refused(
                f"the column {printable(headers[at])} would give both the {other} and the {name}; a column gives one "
                f"field, so check {option}."
            )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def check_given(columns: Columns, defaults: Defaults, headers: list[str] | None) -> None:
    """One error when no option and no column gives the type, start or end of every row."""
    missing = []
    if defaults.type is None and columns.type is None:
        missing.append(("type", "--type"))
    if defaults.start is None and columns.start is None:
        missing.append(("start", "--start"))
    if defaults.end is None and defaults.span is None and columns.end is None:
        missing.append(("end", "--end or --for"))
    if not missing:
        return
    fields = _and([name for name, _ in missing])
    options = _and([option for _, option in missing])
    where = (
        "the file has no header row, so only options can give them"
        if headers is None
        else f"no column gives {'it' if len(missing) == 1 else 'them'} among the headers {csvio.shown(headers)}"
    )
    if headers is not None and any(names_field(headers[columns.student_id], name) for name, _ in missing):
        where += f" ({printable(headers[columns.student_id])} is read as the student-ID column)"
    raise Refused(f"nothing gives the {fields} of the exemptions: give {options}; {where}.")


def _first_different(
    rows: list[Row], at: int, same: Callable[[list[str], str], bool | None]
) -> tuple[int, str] | None:
    """The first non-blank cell of column `at` for which `same` is False (None: cannot tell)."""
    answers: dict[str, bool | None] = {}
    for line, cells in rows:
        text = cells[at].strip() if at < len(cells) else ""
        if not text:
            continue
        answer = answers.get(text) if text in answers else same(cells, text)
        answers.setdefault(text, answer)
        if answer is False:
            return line, text
    return None


def _read_or_none(read: Callable[[str], date], text: str) -> date | None:
    try:
        return read(text)
    except Refused:
        return None


def _attempt(read: Callable[[str], object], text: str) -> object:
    try:
        return read(text)
    except Refused:
        return None


def check_conflicts(
    rows: list[Row],
    columns: Columns,
    defaults: Defaults,
    headers: list[str],
    read_date: Callable[[str], date],
) -> None:
    """An option and a column that give the same field must agree on every row: an option
    never silently overrides the file. One error naming both, and the first row that differs."""
    end_option = (
        f"--end {show(defaults.end)}"
        if defaults.end is not None
        else f"--for {defaults.span}"
        if defaults.span is not None
        else None
    )

    def end_same(cells: list[str], text: str) -> bool | None:
        if defaults.end is not None:
            return _attempt(read_date, text) == defaults.end
        assert defaults.span is not None
        start = defaults.start
        if start is None and columns.start is not None and columns.start < len(cells):
            start = _read_or_none(read_date, cells[columns.start])
        if start is None:
            return None  # the row is refused for its start anyway
        return _attempt(read_date, text) == rules.last_day(start, None, defaults.span)

    checks: list[tuple[str, str | None, int | None, Callable[[list[str], str], bool | None]]] = [
        (
            "type",
            f"--type {defaults.type}" if defaults.type is not None else None,
            columns.type,
            lambda _, text: _attempt(types.parse_type, text) == defaults.type,
        ),
        (
            "start",
            f"--start {show(defaults.start)}" if defaults.start is not None else None,
            columns.start,
            lambda _, text: _attempt(read_date, text) == defaults.start,
        ),
        ("end", end_option, columns.end, end_same),
        (
            "reason",
            f"--reason {printable(defaults.reason or '')}" if defaults.reason_given else None,
            columns.reason,
            lambda _, text: _attempt(validate.reason, text) == defaults.reason,
        ),
    ]
    for name, option, at, same in checks:
        if option is None or at is None:
            continue
        different = _first_different(rows, at, same)
        if different is not None:
            line, text = different
            raise Refused(
                f"{option} and the column {printable(headers[at])} both give the {name}, and line {line} has "
                f"{printable(text)}; an option never overrides the file, so leave out one of them."
            )


def check_date_columns(rows: list[Row], columns: Columns, headers: list[str], month_first: bool) -> None:
    """Dates as the file wrote them: one error for a two-digit year, or (unless `month_first`)
    for a date that can only be read month-first, naming the column and the value."""
    for name in ("start", "end"):
        at = getattr(columns, name)
        if at is None:
            continue
        seen: set[str] = set()
        for line, cells in rows:
            text = cells[at].strip() if at < len(cells) else ""
            if text in seen:
                continue
            seen.add(text)
            if refusal := date_refusal(text, headers[at], line, month_first):
                raise refusal


def date_refusal(text: str, header: str, line: int, month_first: bool) -> Refused | None:
    """Why a file's date column is refused for this one of its values (`bulk`'s start and end,
    `check --file`'s date), if it is: a two-digit year, or (unless `month_first`) a date that
    can only be read month-first, which shows the whole column was written month-first."""
    match = _NUMERIC_DATE.fullmatch(text)
    if match is None:
        return None
    if len(match[4]) == 2:
        # In the order the file is read: advice to write dd/mm/yyyy to someone reading
        # with --month-first would swap every day and month that can be swapped.
        order, example = ("mm/dd/yyyy", "09/06/2027") if month_first else ("dd/mm/yyyy", "06/09/2027")
        return Refused(
            f"the column {printable(header)} has {printable(text)} (line {line}), a date with a two-digit year; "
            f"give years in full (such as {example}), for example by formatting the column "
            f"as {order} (or yyyy-mm-dd) before saving."
        )
    if not month_first and int(match[3]) > 12 and int(match[1]) <= 12:
        return Refused(
            f"the column {printable(header)} has {printable(text)} (line {line}), which can only be read "
            "month-first: the file was written by a month-first (US) spreadsheet, so give "
            "--month-first to read every numeric date in it month-first."
        )
    return None


def date_reader(today: date, month_first: bool) -> Callable[[str], date]:
    """The dates of a file: numeric ones day-first, or with `month_first` month-first."""
    parse = dates.cached_parser(today)
    if not month_first:
        return parse

    @lru_cache(maxsize=10_000)
    def read(text: str) -> date:
        match = _NUMERIC_DATE.fullmatch(text.strip())
        if match is None or len(match[4]) != 4:
            return parse(text)
        try:
            return parse(f"{match[3]}{match[2]}{match[1]}{match[2]}{match[4]}")
        except Refused:
            raise Refused(
                f"{printable(text)} is not a real calendar date when read month-first; check the month and day."
            ) from None

    return read


def ranges(plan: Plan) -> list[str]:
    """Each distinct start and end of what is created, as read: `6 Sep 2027 to 17 Oct 2027: 5 students`."""
    from collections import Counter

    counts = Counter((terms.start, terms.end) for _, terms in plan.created)
    return [
        f"{show(start)} to {show(end)}: {n:,} student{'s' if n != 1 else ''}"
        for (start, end), n in sorted(counts.items())
    ]


@dataclass
class Plan:
    created: list[tuple[str, Terms]] = field(default_factory=list)  # student, terms; file order
    already_recorded: int = 0
    reason_differs: int = 0  # already recorded, but the file gives another reason
    repeats: list[tuple[int, str, int]] = field(default_factory=list)  # line, student, first line
    # Rows that match a deleted exemption (SPEC 10: never recreated): line, student, its id.
    deleted: list[tuple[int, str, int]] = field(default_factory=list)
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # line, student, why
    rows: int = 0


def fixed_last_day(defaults: Defaults) -> date | None:
    """The last day the options give every row (`--end`, or `--for` from `--start`), if they do."""
    if defaults.start is None or (defaults.end is None and defaults.span is None):
        return defaults.end
    return rules.last_day(defaults.start, defaults.end, defaults.span)


def _terms_reader(
    columns: Columns, defaults: Defaults, today: date, month_first: bool = False
) -> Callable[[list[str]], Terms]:
    """A reader of a row's terms, where the options left them to the row's own columns."""
    fixed_end = fixed_last_day(defaults)
    if (
        defaults.type is not None
        and defaults.start is not None
        and fixed_end is not None
        and (defaults.reason_given or columns.reason is None)
    ):  # the options fix everything: one set of terms for the whole cohort
        same = Terms(defaults.type, defaults.start, fixed_end, defaults.reason)
        return lambda cells: same

    # A cohort shares a handful of dates and types: parse each distinct text once.
    parse_day = date_reader(today, month_first)
    parse_type = lru_cache(maxsize=64)(types.parse_type)

    def end_from_span(start: date) -> date:
        return rules.last_day(start, None, defaults.span)

    span_end = lru_cache(maxsize=10_000)(end_from_span) if defaults.span else None

    def cell(cells: list[str], at: int | None, name: str, option: str) -> str:
        text = cells[at].strip() if at is not None and at < len(cells) else ""
        if not text:
            raise _unsaved(cells, at, name) or Refused(
                f"no {name}: give {option} or fill in the {name} column."
            )
        return text

    def day(cells: list[str], at: int | None, name: str, option: str) -> date:
        text = cell(cells, at, name, option)
        try:
            return parse_day(text)
        except Refused as error:
            raise _serial_number(cells, text) or error from None

    def terms(cells: list[str]) -> Terms:
        type_code = defaults.type or parse_type(cell(cells, columns.type, "type", "--type"))
        start = defaults.start or day(cells, columns.start, "start", "--start")
        if defaults.end is not None:
            end = defaults.end
        elif span_end is not None:
            end = span_end(start)
        else:
            end = day(cells, columns.end, "end", "--end or --for")
        if defaults.reason_given or columns.reason is None:
            reason = defaults.reason
        else:
            reason = validate.reason(cells[columns.reason]) if columns.reason < len(cells) else None
            if reason is None and (unsaved := _unsaved(cells, columns.reason, "reason")):
                raise unsaved
        return Terms(type_code, start, end, reason)

    return terms


# A workbook's dates are day numbers (1 = 1 Jan 1900, as Excel counts) shown as dates by their
# format; a date column in the General format shows the number. 20000 to 80000: 1954 to 2119.
_EXCEL_DAY_ZERO = date(1899, 12, 30)


def _serial_number(cells: list[str], text: str) -> Refused | None:
    """Why a workbook's date cell that reads as a number such as 46636 is refused: its cell is
    not formatted as a date (for example a date computed by a formula in a General column)."""
    if not isinstance(cells, csvio.WorkbookRow) or not text.isdigit() or not 20_000 <= int(text) <= 80_000:
        return None
    as_date = _EXCEL_DAY_ZERO + timedelta(days=int(text))
    return Refused(
        f"{printable(text)} is a number, not a date: its cell is not formatted as a date (as one it would be "
        f"{show(as_date)}); format the column as dates in the workbook, save it, and import it again."
    )


def _unsaved(cells: list[str], at: int | None, name: str) -> Refused | None:
    """Why an empty-looking workbook cell is refused: a formula whose value was never saved."""
    return csvio.unsaved_formula(cells, at, name) if at is not None else None


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
    *,
    month_first: bool = False,
    repeat: Callable[[Terms], Sequence[Terms]] | None = None,
    deleted: dict[tuple[str, str], list[Exemption]] | None = None,
) -> Plan:
    """Check every row against the rules, the live (and `deleted`) exemptions and the other rows.

    In order, a row is: refused if its student ID or terms cannot be read; a repeat if an
    earlier row asked for the same student, type and dates; already recorded if a live
    exemption has exactly its student, type and dates; not recreated if a deleted one has
    (running an import again never brings back what was deleted); refused by R2 or R3;
    refused by R7 against a live exemption, then against an earlier accepted row; otherwise
    created.

    With `repeat` (a series, SPEC 11), each row asks for every occurrence `repeat` makes of
    its terms, and each occurrence is checked as a row of its own; a refused occurrence is
    named by its dates.
    """
    plan = Plan()
    terms_of = _terms_reader(columns, defaults, today, month_first)
    reason_given = defaults.reason_given
    id_at = columns.student_id
    student_id = validate.student_id
    created, refused = plan.created, plan.refused
    # Every readable row so far, by student and type: its dates, line, and whether accepted.
    seen: dict[tuple[str, str], list[tuple[date, date, int, bool]]] = {}
    # The first line of each student, type and dates, and the days spanned by the rows of each
    # student and type accepted so far: a series' occurrences (a student with 200 rows) are
    # found repeated, or clear of each other, without going through every earlier one.
    first_line: dict[tuple[str, str, date, date], int] = {}
    spanned: dict[tuple[str, str], tuple[date, date]] = {}
    last_terms, last_why = None, None  # rows share their terms: R2 and R3 once per run
    count = 0
    for line, cells in rows:
        count += 1
        shown = cells[id_at].strip() if id_at < len(cells) else ""
        try:
            student = student_id(shown, pattern)
            asked = terms_of(cells)
            occurrences = (asked,) if repeat is None else repeat(asked)
        except Refused as error:
            unsaved = None if shown else _unsaved(cells, id_at, "student ID")
            refused.append((line, shown, (unsaved or error).message))
            continue
        for terms in occurrences:
            type_code, start, end, _ = terms
            key = (student, type_code)
            earlier = seen.get(key)
            first = first_line.setdefault((student, type_code, start, end), line)
            if first != line:
                plan.repeats.append((line, student, first))
                continue
            existing = live.get(key) if live else None
            same = (
                next((e for e in existing if e.start == start and e.end == end), None) if existing else None
            )
            gone = None
            if same is None and deleted:
                gone = next((e for e in deleted.get(key, ()) if e.start == start and e.end == end), None)
            if same is not None:
                plan.already_recorded += 1
                if (reason_given or terms.reason is not None) and same.reason != terms.reason:
                    plan.reason_differs += 1
                accepted = False
            elif gone is not None:
                plan.deleted.append((line, student, gone.id))
                accepted = False
            else:
                if terms is not last_terms:
                    last_terms, last_why = terms, _refusal(terms, today)
                why = last_why
                if why is None and existing:
                    clash = rules.find_clash(student, type_code, start, end, existing, today)
                    why = rules.clash_message(student, clash) if clash else None
                span = spanned.get(key)
                if why is None and span is not None and rules.share_a_day(start, end, *span):
                    why = _in_file_clash(seen[key], start, end)
                accepted = why is None
                if accepted:
                    spanned[key] = (min(span[0], start), max(span[1], end)) if span else (start, end)
                if why is None:
                    created.append((student, terms))
                elif repeat is None:
                    refused.append((line, shown, why))
                else:
                    refused.append((line, shown, f"{show(start)} to {show(end)}: {why}"))
            if earlier is None:
                seen[key] = [(start, end, line, accepted)]
            else:
                earlier.append((start, end, line, accepted))
    plan.rows = count
    return plan


def _in_file_clash(earlier: list[tuple[date, date, int, bool]], start: date, end: date) -> str | None:
    """R7 against the rows of the same student and type accepted so far."""
    for other_start, other_end, other_line, accepted in earlier:
        if accepted and rules.share_a_day(start, end, other_start, other_end):
            return (
                f"shares days with line {other_line} of this file (same student and type); "
                "give each student one range per type."
            )
    return None
