"""Timelines: exemptions drawn on a calendar of weeks, as Rich renderables.

A student's (or a batch's) exemptions are one row each, a bar from start to end; the office's
view is one stacked bar per week. Every glyph says what the colour says, so that a picture
read without colour (NO_COLOR, a pipe, a printout) loses nothing. What a day looks like comes
from `rules.status`, so the picture and `check` never disagree.

Rich is imported here at the top: only `timeline` imports this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum
from functools import lru_cache
from itertools import groupby

from rich.columns import Columns
from rich.console import Console, Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from stream_exempt import rules, types
from stream_exempt.dates import show
from stream_exempt.model import Exemption

LABEL_MAX = 30  # the widest label column; longer labels wrap
OFFICE_BAR_MAX = 100  # the longest bar of the office's view, in cells

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# One colour and one glyph per type: the glyph alone tells the types apart without colour, and
# each glyph fills its cells edge to edge, so that every type is drawn as a bar (a half block
# for the fifth: no fourth shade is told apart from the three).
TYPE_STYLE: Mapping[str, tuple[str, str]] = {
    "placement": ("blue", "█"),
    "authorised-absence": ("green", "▓"),
    "dissertation": ("magenta", "▒"),
    "break-in-learning": ("yellow", "░"),
    "withdrawn": ("red", "▄"),
}

IN_FORCE_GLYPH = "█"
PENDING_GLYPH = "░"
DELETED_GLYPH = "×"
TODAY_GLYPH = "┊"
TODAY_MARK = "▼"

# Runs of spaces go in a span of their own: some SVG renderers (librsvg) drop the spaces that
# begin a text element, which would shift what follows them to the left. The style changes
# nothing that shows; it only keeps the spaces apart.
_GAP = Style(bold=False)
TODAY_STYLE = "bright_white"
# Beyond this many rows, the today mark is repeated below the last row.
MARK_BELOW_AFTER = 8


class Day(IntEnum):
    """What one day of one exemption looks like; a cell that holds several days shows the
    highest of them."""

    NOTHING = 0
    PENDING = 1  # covered, but before in_force_from (R6): notifications may still trigger
    IN_FORCE = 2  # active: notifications suppressed
    DELETED = 3  # the first day a deletion takes from it (R5b): it covers nothing from here on


@dataclass(frozen=True)
class Window:
    """The weeks drawn: `weeks` whole weeks from the Monday `first`."""

    first: date
    weeks: int

    @classmethod
    def around(cls, start: date, weeks: int) -> Window:
        """The window of `weeks` weeks from the Monday on or before `start`."""
        return cls(start - timedelta(days=start.weekday()), weeks)

    @property
    def days(self) -> int:
        return self.weeks * 7

    @property
    def last(self) -> date:
        return self.first + timedelta(days=self.days - 1)

    def week_starts(self) -> list[date]:
        return [self.first + timedelta(weeks=k) for k in range(self.weeks)]

    def describe(self) -> str:
        return f"{show(self.first)} to {show(self.last)}"


def day_states(exemption: Exemption, window: Window) -> list[Day]:
    """What each day of the window looks like for one exemption (status from `rules.status`)."""
    states = []
    # R5b: the deletion day keeps its answer, so the mark goes on the day after it; on the
    # deletion day itself only for one deleted before it started (it covers no day at all).
    deleted_from = exemption.deleted_on
    if deleted_from is not None and deleted_from >= exemption.start:
        deleted_from += timedelta(days=1)
    for offset in range(window.days):
        day = window.first + timedelta(days=offset)
        if day == deleted_from:
            states.append(Day.DELETED)
            continue
        status = rules.status(exemption, day)
        if status == rules.ACTIVE:
            states.append(Day.IN_FORCE)
        elif status == rules.PENDING and exemption.covers(day):
            states.append(Day.PENDING)
        else:
            states.append(Day.NOTHING)
    return states


def cells_per_week(width: int, label_width: int, weeks: int) -> int:
    """How many character cells a week gets (7: one a day) once the labels have their room."""
    return max(1, min(7, (width - label_width - 1) // weeks))


def _cell_days(cell: int, per_week: int) -> range:
    """The day offsets (within the window) that character cell `cell` stands for."""
    week, within = divmod(cell, per_week)
    return range(week * 7 + within * 7 // per_week, week * 7 + (within + 1) * 7 // per_week)


def _cell_of(offset: int, per_week: int) -> int:
    """The character cell that holds day `offset` of the window."""
    week, day = divmod(offset, 7)
    return week * per_week + day * per_week // 7


def _bar(states: Sequence[Day], type_code: str, per_week: int, today_cell: int | None) -> Text:
    """A row's bar: a glyph per cell, runs of the same glyph and style in one span."""
    colour, _ = TYPE_STYLE[type_code]
    runs: list[tuple[str, str | Style]] = []
    for cell in range(len(states) // 7 * per_week):
        shown = max((states[d] for d in _cell_days(cell, per_week)), default=Day.NOTHING)
        # Today's cell of a bar is drawn in white: with colour, a line down the picture.
        bar_style = TODAY_STYLE if cell == today_cell else colour
        if shown is Day.IN_FORCE:
            runs.append((IN_FORCE_GLYPH, bar_style))
        elif shown is Day.PENDING:
            runs.append((PENDING_GLYPH, bar_style))
        elif shown is Day.DELETED:
            runs.append((DELETED_GLYPH, "bold red"))
        elif cell == today_cell:
            runs.append((TODAY_GLYPH, "bold"))
        else:
            runs.append((" ", _GAP))
    text = Text(no_wrap=True, overflow="crop")
    for (_, style), run in groupby(runs, key=lambda glyph_style: (glyph_style[0], glyph_style[1])):
        text.append("".join(glyph for glyph, _ in run), style=style)
    return text


def _place(labels: Sequence[tuple[int, str]], length: int, style: str = "") -> tuple[Text, int]:
    """Labels written at their cells, left to right, leaving out any that would touch the one
    before; the first gives way to the second (a month's name beats the window's first day).
    Returns the line and how many labels it holds."""
    if len(labels) > 1 and labels[0][0] + len(labels[0][1]) >= labels[1][0]:
        labels = labels[1:]
    line = Text(no_wrap=True)
    free_from, placed = 0, 0
    for cell, label in labels:
        if cell >= free_from and cell + len(label) <= length:
            line.append(" " * (cell - len(line)), style=_GAP)
            line.append(label, style=style or Style(bold=False, italic=False))
            free_from = cell + len(label) + 1
            placed += 1
    return line, placed


def _axis(window: Window, per_week: int, today: date) -> tuple[Text, Text, Text]:
    """Three lines above the bars: month names (with the year in January and at the start),
    the date of each week's Monday, and the today mark."""
    length = window.weeks * per_week
    firsts = [
        (_cell_of(offset, per_week), day)
        for offset in range(window.days)
        if (day := window.first + timedelta(days=offset)).day == 1 or offset == 0
    ]
    with_years = [
        (cell, _MONTHS[day.month - 1] + (f" {day.year}" if cell == 0 or day.month == 1 else ""))
        for cell, day in firsts
    ]
    names = [(cell, _MONTHS[day.month - 1]) for cell, day in firsts]
    months, placed = _place(with_years, length, "bold")
    if placed < _place(names, length)[1]:
        months, _ = _place(names, length, "bold")  # too narrow for the years (the title has them)
    mondays = [(k * per_week, str(monday.day)) for k, monday in enumerate(window.week_starts())]
    mark = Text(no_wrap=True)
    if window.first <= today <= window.last:
        mark.append(" " * _cell_of((today - window.first).days, per_week), style=_GAP)
        mark.append(TODAY_MARK, style="bold")
    return months, _place(mondays, length)[0], mark


def _today_cell(window: Window, per_week: int, today: date) -> int | None:
    if window.first <= today <= window.last:
        return _cell_of((today - window.first).days, per_week)
    return None


def _span(start: date, end: date) -> str:
    """`19 Jan to 29 Jan 2027`, or with both years when they differ."""
    if start.year == end.year:
        return f"{start.day} {_MONTHS[start.month - 1]} to {show(end)}"
    return f"{show(start)} to {show(end)}"


def _label(exemption: Exemption, *, student: bool, type_shown: bool, dates_shown: bool) -> Text:
    """A row's label: id and type (or student), the dates, and the deletion day if any."""
    colour, _ = TYPE_STYLE[exemption.type]
    pieces = [(f"#{exemption.id}", "bold")]
    if student:
        pieces.append((exemption.student_id, ""))
    if type_shown:
        pieces.append((types.label(exemption.type), colour))
    text = Text()
    for index, (piece, style) in enumerate(pieces):
        text.append(piece + (" " if index < len(pieces) - 1 else ""), style=style or _GAP)
    if dates_shown:
        text.append(f"\n{_span(exemption.start, exemption.end)}", style="dim")
    if exemption.deleted_on is not None:
        text.append(f"\ndeleted {show(exemption.deleted_on)}", style="dim")
    return text


def _layout(labels: Sequence[Text], window: Window, width: int) -> tuple[int, int]:
    """The width of the label column and the cells per week, for a picture `width` wide."""
    widest = max((len(line) for label in labels for line in label.plain.splitlines()), default=8)
    label_width = min(widest, LABEL_MAX)
    per_week = cells_per_week(width, label_width, window.weeks)
    # Where even one cell a week does not fit, the labels give up room (they wrap).
    label_width = max(8, min(label_width, width - 1 - window.weeks * per_week))
    return label_width, per_week


def _wrapped(label: Text, width: int) -> list[Text]:
    """The lines of a label, wrapped to the label column as a table would wrap them."""
    lines = label.split("\n")
    if all(len(line) <= width for line in lines):
        return list(lines)
    return list(label.wrap(_wrapper(width), width, overflow="fold"))


@lru_cache(maxsize=8)
def _wrapper(width: int) -> Console:
    return Console(width=width, _environ={})


def _today_line(today_cell: int | None) -> Text:
    """A line of a row below its bar: empty, or the today mark in its cell (a vertical line)."""
    if today_cell is None:
        return Text("")
    line = Text(" " * today_cell, style=_GAP)
    line.append(TODAY_GLYPH, style="bold")
    return line


def legend(items: Sequence[tuple[str | Text, str, str]]) -> RenderableType:
    """What each glyph means, as items that wrap whole at any width. A glyph given as Text
    keeps its own styles (several marks in one item)."""
    shown = []
    for glyph, style, meaning in items:
        item = Text()
        if isinstance(glyph, Text):
            item.append_text(glyph)
            item.append(" ", style=_GAP)
        else:
            item.append(f"{glyph} ", style=style or _GAP)
        item.append(meaning)
        shown.append(item)
    return Columns(shown, padding=(0, 3))


def _today_key(today: date, crossed: bool) -> Text:
    """The today item's marks: the mark above the rows and the line down them, and, where the
    line crosses a bar (drawn only in colour), that bar's cell."""
    marks = Text(f"{TODAY_MARK}{TODAY_GLYPH}", style="bold")
    if crossed:
        marks.append(IN_FORCE_GLYPH, style=TODAY_STYLE)
    return marks


@dataclass(frozen=True)
class Canvas:
    """What a chart of exemptions is drawn on: its weeks, today, its width in cells, the words
    above it, and whether it will be shown in colour (only then is today's cell of a bar drawn
    light, and only then does the legend show it)."""

    window: Window
    today: date
    width: int
    title: str
    subtitle: str
    colour: bool = True


class _Chart:
    """A chart of exemptions being drawn: the axis above, a row per label with its bar, and,
    once every row is in, today marked down the picture and the legend below."""

    def __init__(self, canvas: Canvas, labels: Sequence[Text]) -> None:
        self.canvas = canvas
        self.label_width, self.per_week = _layout(labels, canvas.window, canvas.width)
        self.today_cell = _today_cell(canvas.window, self.per_week, canvas.today)
        self.below_bar = _today_line(self.today_cell)
        self.crossed = False  # whether today's column crosses a bar
        self.rows = 0
        months, mondays, mark = _axis(canvas.window, self.per_week, canvas.today)
        self.lines = [
            _line(Text(""), months, self.label_width),
            _line(Text("week of", style="dim"), mondays, self.label_width),
            _line(Text(""), mark, self.label_width),
        ]

    def bar(self, states: Sequence[Day], type_code: str) -> Text:
        """The bar of a row's days, noting whether today's column crosses it."""
        if self.today_cell is not None and not self.crossed:
            shown = max(states[day] for day in _cell_days(self.today_cell, self.per_week))
            self.crossed = shown in (Day.IN_FORCE, Day.PENDING)
        return _bar(states, type_code, self.per_week, self.today_cell)

    def add(self, label: Text, bar: Text) -> None:
        """A row: its label's first line beside the bar, any further lines beside today's line."""
        self.rows += 1
        for index, label_line in enumerate(_wrapped(label, self.label_width)):
            self.lines.append(_line(label_line, bar if index == 0 else self.below_bar, self.label_width))

    def picture(self, *, mark_below: bool = False) -> RenderableType:
        """The picture; `mark_below`: repeat the today mark below the last row of a long one."""
        lines, label_width, today_cell = list(self.lines), self.label_width, self.today_cell
        if not self.rows:
            lines.append(_line(Text(""), Text("(no exemptions)", style="dim"), label_width))
        elif mark_below and self.rows > MARK_BELOW_AFTER and today_cell is not None:
            below = Text(" " * today_cell, style=_GAP)
            below.append("▲", style="bold")
            lines.append(_line(Text(""), below, label_width))
        canvas = self.canvas
        key = _key(canvas.today, today_cell, self.crossed and canvas.colour)
        return Group(
            Text(canvas.title, style="bold"),
            Text(canvas.subtitle, style="dim"),
            Text(""),
            *lines,
            Text(""),
            key,
        )


def exemption_chart(
    exemptions: Sequence[Exemption], canvas: Canvas, *, by_student: bool = False
) -> RenderableType:
    """One row per exemption, earliest start first, a bar from start to end on the window's
    weeks, today marked down the picture, and a legend.

    `by_student`: the rows are a batch's members: labelled with the student; the type and the
    dates only where the members differ. Rows are plain lines of text (no table to measure),
    and a bar is drawn once for all the rows that share its dates: a batch of 20,000 members
    is 20,000 lines, quickly."""
    exemptions = sorted(exemptions, key=lambda e: (e.start, e.id))
    mixed_types = len({e.type for e in exemptions}) > 1
    mixed_dates = len({(e.start, e.end) for e in exemptions}) > 1
    labels = [
        _label(
            e,
            student=by_student,
            type_shown=not by_student or mixed_types,
            dates_shown=not by_student or mixed_dates,
        )
        for e in exemptions
    ]
    chart = _Chart(canvas, labels)
    bars: dict[tuple[object, ...], Text] = {}
    for exemption, label in zip(exemptions, labels, strict=True):
        terms = (
            exemption.type,
            exemption.start,
            exemption.end,
            exemption.in_force_from,
            exemption.deleted_on,
        )
        if terms not in bars:
            bars[terms] = chart.bar(day_states(exemption, canvas.window), exemption.type)
        chart.add(label, bars[terms])
    return chart.picture(mark_below=True)


def _key(today: date, today_cell: int | None, crossed: bool) -> RenderableType:
    """The legend of a chart of exemptions; today's item only when today is drawn, saying so
    when (in colour) today's column crosses a bar."""
    items: list[tuple[str | Text, str, str]] = [
        (IN_FORCE_GLYPH, "", "in force: notifications suppressed"),
        (PENDING_GLYPH, "", "recorded, not yet in force (R6, 48 hours)"),
        (DELETED_GLYPH, "bold red", "deleted: nothing from that day on"),
    ]
    if today_cell is not None:  # only what is drawn: today may lie outside the weeks shown
        where = "; a bar's cell that day drawn light" if crossed else ""
        items.append((_today_key(today, crossed), "", f"today, {show(today)}{where}"))
    return legend(items)


def series_chart(exemptions: Sequence[Exemption], canvas: Canvas) -> RenderableType:
    """A series' batch (SPEC 11): one row per student and type, every occurrence on it, first
    start first; each day shows the most of what its occurrences show (one covers it, in force
    or not; one was deleted that day)."""
    rows: dict[tuple[str, str], list[Exemption]] = {}
    for exemption in sorted(exemptions, key=lambda e: (e.start, e.id)):
        rows.setdefault((exemption.student_id, exemption.type), []).append(exemption)
    labels = []
    for (student, _), members in rows.items():
        label = Text(student, style="bold")
        count = len(members)
        deleted = sum(1 for e in members if e.deleted_on is not None)
        # One span: librsvg drops the spaces that begin a text element (see _GAP).
        gone = f" ({deleted} deleted)" if deleted else ""
        label.append(f"\n{count} occurrence{'s' if count != 1 else ''}{gone}", style="dim")
        label.append(f"\n{_span(members[0].start, members[-1].end)}", style="dim")
        labels.append(label)
    chart = _Chart(canvas, labels)
    window = canvas.window
    for ((_, type_code), members), label in zip(rows.items(), labels, strict=True):
        states = [max(days) for days in zip(*(_occurrence_days(e, window) for e in members), strict=True)]
        chart.add(label, chart.bar(states, type_code))
    return chart.picture()


def _occurrence_days(exemption: Exemption, window: Window) -> list[Day]:
    """An occurrence's days on its series' row: a deletion is marked only on a day it covered
    (one deleted before it started leaves a gap in the row, not a mark among the others)."""
    states = day_states(exemption, window)
    deleted_on = exemption.deleted_on
    if deleted_on is not None and not exemption.covers(deleted_on):
        return [Day.NOTHING if state is Day.DELETED else state for state in states]
    return states


def _line(label: Text, chart: Text, label_width: int) -> Text:
    """One line of the picture: a label line padded to the label column, a space, the chart."""
    line = label.copy()
    line.append(" " * (label_width - len(label) + 1), style=_GAP)
    line.append_text(chart)
    line.rstrip()
    return line


@dataclass(frozen=True)
class OfficeWeek:
    """How many students were exempt (active on at least one day) in one week."""

    monday: date
    by_type: Mapping[str, int]  # students per type; a student with two types counts in both
    students: int  # distinct students


def office_chart(
    weeks: Sequence[OfficeWeek],
    today: date,
    width: int,
    *,
    title: str,
    subtitle: str,
    in_window: Mapping[str, int],
) -> RenderableType:
    """One stacked bar per week: students exempt, by type, with the number of students; the
    legend gives each type's students in the weeks shown (`in_window`: each student once per
    type, whatever the number of weeks or exemptions)."""
    label_width = len("▼ 28 Sep 2026")
    counts = [f"{w.students:,}" for w in weeks]
    count_width = max((len(c) for c in counts), default=1)
    room = max(4, min(OFFICE_BAR_MAX, width - label_width - count_width - 2))
    most = max((sum(w.by_type.values()) for w in weeks), default=0)
    scale = room / most if most else 0.0
    grid = Table.grid(padding=(0, 1, 0, 0), pad_edge=False)
    grid.add_column(width=label_width, no_wrap=True)
    grid.add_column(width=count_width, justify="right", no_wrap=True)
    grid.add_column(width=room, no_wrap=True, overflow="crop")
    grid.add_row(Text("week of", style="dim"), Text(""), Text("by type", style="dim"))
    shown: tuple[int, int] | None = None
    today_shown = False
    for week, count in zip(weeks, counts, strict=True):
        monday = week.monday
        this_week = monday <= today < monday + timedelta(days=7)
        today_shown = today_shown or this_week
        # The month's name where the month changes, and the year where the year does.
        label = f"{monday.day:>2}"
        if shown is None or (monday.year, monday.month) != shown:
            label += f" {_MONTHS[monday.month - 1]}"
            if shown is None or monday.year != shown[0]:
                label += f" {monday.year}"
        shown = (monday.year, monday.month)
        cell = Text(f"{TODAY_MARK} " if this_week else "  ", style="bold")
        cell.append(" " * (len(label) - len(label.lstrip())), style=_GAP)
        cell.append(label.lstrip(), style="bold" if this_week else Style(bold=False, italic=False))
        grid.add_row(cell, Text(count), _stacked(week.by_type, scale))
    items: list[tuple[str | Text, str, str]] = [
        (glyph * 2, colour, f"{types.label(code)}: {_count(in_window.get(code, 0), 'student')}")
        for code, (colour, glyph) in TYPE_STYLE.items()
    ]
    if today_shown:  # only what is drawn: today may lie outside the weeks shown
        items.append((TODAY_MARK, "bold", f"this week (today is {show(today)})"))
    key = legend(items)
    note = Text(
        "A student counts in a week when an exemption of theirs is in force on at least one of its "
        "days; one with two types is in both bars, and once in the number. The key counts each "
        "type's students in all these weeks.",
        style="dim",
    )
    return Group(Text(title, style="bold"), Text(subtitle, style="dim"), Text(""), grid, Text(""), key, note)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _stacked(by_type: Mapping[str, int], scale: float) -> Text:
    """A bar of cells per type, in the order of TYPE_STYLE; rounded on the running total so
    that the bar's length is the total's, and a type with any students gets at least a cell."""
    text = Text(no_wrap=True, overflow="crop")
    running, drawn = 0, 0
    for code, (colour, glyph) in TYPE_STYLE.items():
        count = by_type.get(code, 0)
        if not count:
            continue
        running += count
        cells = max(1, round(running * scale) - drawn)
        text.append(glyph * cells, style=colour)
        drawn += cells
    return text
