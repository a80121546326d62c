"""`timeline`: golden pictures (text at fixed widths, SVG) from a frozen clock, and the counts
of the office's view against the rules, day by day.

To accept a deliberate change of the pictures: UPDATE_GOLDEN=1 python -m pytest tests/test_timeline.py
"""

from __future__ import annotations

import os
import random
import stat
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from helpers import LONDON, Cli, Clock, exemption
from stream_exempt import rules, types
from stream_exempt.store import Store
from stream_exempt.timeline import TYPE_STYLE, Day, Window, day_states

GOLDEN = Path(__file__).parent / "golden"
STUDENT = "201234567"


def _at(clock: Clock, year: int, month: int, day: int, hour: int, minute: int) -> None:
    clock(datetime(year, month, day, hour, minute, tzinfo=LONDON))


def _story(cli: Cli, clock: Clock, tmp_path: Path) -> None:
    """Student 201234567 with overlapping types, a deletion after the start, one not yet in
    force; a batch of four with one member deleted before it started; two other students, so
    that the office's picture has every type. Today: Mon 4 Jan 2027."""
    _at(clock, 2026, 12, 7, 10, 0)
    cli.add(STUDENT, "--type", "dissertation", "--start", "2026-12-08", "--end", "2027-02-26")  # 1
    _at(clock, 2026, 12, 14, 10, 0)
    cohort = tmp_path / "cohort.csv"
    cohort.write_text(f"student_id\n{STUDENT}\n201000002\n201000003\n201000004\n", encoding="utf-8")
    cli.ok("bulk", str(cohort), "--type", "placement", "--start", "2027-01-11", "--for", "3w")  # 2-5
    _at(clock, 2026, 12, 21, 10, 0)
    cli.add(STUDENT, "--type", "authorised-absence", "--start", "2026-12-22", "--end", "2027-01-08")  # 6
    _at(clock, 2026, 12, 30, 10, 0)
    cli.ok("delete", "6", "--yes")  # started 22 Dec, in force from 23 Dec: drawn to 30 Dec (R5b)
    _at(clock, 2027, 1, 4, 12, 0)
    cli.add(STUDENT, "--type", "authorised-absence", "--start", "2027-01-05", "--end", "2027-01-15")  # 7
    cli.ok("delete", "5", "--yes")  # a member deleted before it started
    cli.add("201000005", "--type", "withdrawn", "--start", "2027-01-06", "--end", "2027-03-12")  # 8
    cli.add("201000006", "--type", "break-in-learning", "--start", "2027-01-20", "--end", "2027-02-19")  # 9


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; look, then UPDATE_GOLDEN=1"


@pytest.mark.parametrize(
    ("args", "width", "name"),
    [
        ([STUDENT], "100", "student-100.txt"),
        ([STUDENT], "80", "student-80.txt"),
        ([STUDENT], "40", "student-40.txt"),
        (["--batch", "1"], "80", "batch-80.txt"),
        (["--office"], "80", "office-80.txt"),
    ],
)
def test_text_pictures(
    cli: Cli, clock: Clock, tmp_path: Path, args: list[str], width: str, name: str
) -> None:
    _story(cli, clock, tmp_path)
    out = cli.ok("timeline", *args, env={"COLUMNS": width, "NO_COLOR": "1"}).stdout
    assert "\x1b" not in out
    assert max(len(line) for line in out.splitlines()) <= int(width)
    _golden(name, out)


def test_the_student_picture_says_what_the_guide_says(cli: Cli, clock: Clock, tmp_path: Path) -> None:
    _story(cli, clock, tmp_path)
    lines = cli.ok("timeline", STUDENT, "--weeks", "6", env={"COLUMNS": "100"}).stdout.splitlines()
    # Six weeks from Monday 7 Dec at a day a cell (7 cells a week): cell n is 7 Dec + n days.
    axis = next(line for line in lines if line.startswith("week of"))
    left = axis.index("7 ")

    def row(exemption_id: int) -> str:
        line = next(line for line in lines if line.startswith(f"#{exemption_id} "))
        return line[left:]

    def cell(day: date) -> int:
        return (day - date(2026, 12, 7)).days

    dissertation = row(1)
    assert dissertation[cell(date(2026, 12, 7))] == " "  # before its start
    assert dissertation[cell(date(2026, 12, 8))] == "░"  # started, not yet in force (R6)
    assert dissertation[cell(date(2026, 12, 9))] == "█"
    deleted = row(6)
    assert deleted[cell(date(2026, 12, 22))] == "░"
    assert deleted[cell(date(2026, 12, 29))] == "█"  # the day before its deletion
    assert deleted[cell(date(2026, 12, 30))] == "█"  # its deletion day keeps its answer (R5b)
    assert deleted[cell(date(2026, 12, 31))] == "×"  # the first day it covers nothing
    assert deleted[cell(date(2027, 1, 1)) :].strip(" ┊") == ""  # nothing after it
    pending = row(7)
    assert pending[cell(date(2027, 1, 5))] == "░"  # tomorrow: recorded today, in force Wednesday
    assert pending[cell(date(2027, 1, 6))] == "█"
    assert "▼" in lines[lines.index(axis) + 1][left + cell(date(2027, 1, 4))]


def test_svg_is_golden_and_the_same_bytes_every_time(cli: Cli, clock: Clock, tmp_path: Path) -> None:
    _story(cli, clock, tmp_path)
    for args, name in (
        ([STUDENT], "student.svg"),
        (["--batch", "1"], "batch.svg"),
        (["--office"], "office.svg"),
    ):
        first, second = tmp_path / "1.svg", tmp_path / "2.svg"
        result = cli.ok("timeline", *args, "--svg", str(first))
        assert result.stdout == "" and str(first) in result.stderr
        # Neither the terminal, its colours, nor the time of day changes the file.
        _at(clock, 2027, 1, 4, 23, 59)
        cli.ok("timeline", *args, "--svg", str(second), env={"NO_COLOR": "1", "COLUMNS": "40"})
        _at(clock, 2027, 1, 4, 12, 0)
        assert first.read_bytes() == second.read_bytes()
        _golden(name, first.read_text(encoding="utf-8"))


def test_html_is_the_same_bytes_every_time(cli: Cli, clock: Clock, tmp_path: Path) -> None:
    _story(cli, clock, tmp_path)
    cli.ok("timeline", "--office", "--html", str(tmp_path / "1.html"))
    cli.ok("timeline", "--office", "--html", str(tmp_path / "2.html"), env={"NO_COLOR": "1"})
    text = (tmp_path / "1.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Students exempt each week" in text
    assert (tmp_path / "1.html").read_bytes() == (tmp_path / "2.html").read_bytes()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ([], 2, "Give one of"),
        ([STUDENT, "--office"], 2, "Give one of"),
        ([STUDENT, "--weeks", "0"], 2, "--weeks"),
        ([STUDENT, "--weeks", "105"], 2, "--weeks"),
        ([STUDENT, "--from", "someday"], 2, "'someday' is not a date"),
        ([STUDENT, "--svg", "a.svg", "--html", "a.html"], 2, "not both"),
        (["12345"], 2, "not a student ID"),
        (["--batch", "9"], 3, "no batch 9"),
        (
            [STUDENT, "--svg", "/nonexistent-folder/x.svg"],
            74,
            "/nonexistent-folder/x.svg (No such file or directory); create its folder first, or name a file",
        ),
        ([STUDENT, "--svg", "/dev/full"], 74, "(No space left on device); free some space there, or name"),
        ([STUDENT, "--html", "/tmp"], 74, "/tmp (Is a directory); name a file, not a folder."),
    ],
)
def test_refusals(cli: Cli, args: list[str], code: int, message: str) -> None:
    result = cli("timeline", *args)
    assert result.exit_code == code, result.stderr
    assert result.stderr.startswith("Error:") and message in result.stderr


def test_timeline_never_creates_a_store(bare_cli: Cli) -> None:
    result = bare_cli("timeline", STUDENT)
    assert result.exit_code == 4 and bare_cli.shown in result.stderr
    assert not bare_cli.has_store()


def test_a_student_with_nothing_gets_an_empty_picture(cli: Cli) -> None:
    assert "(no exemptions)" in cli.ok("timeline", "209999999").stdout


@pytest.mark.parametrize(
    ("deleted_on", "first_in_force", "last_in_force"),
    [
        (None, date(2027, 1, 13), date(2027, 1, 20)),  # in force from the later of start and R6's day
        (date(2027, 1, 16), date(2027, 1, 13), date(2027, 1, 16)),  # R5b: to its deletion day
        (date(2027, 1, 10), None, None),  # deleted before its start: never in force
        (date(2027, 1, 11), None, None),  # deleted on its start, before it came into force
        (date(2027, 1, 12), None, None),  # deleted on the day before it would come into force
        (date(2027, 1, 13), date(2027, 1, 13), date(2027, 1, 13)),  # deleted on its in-force day
    ],
)
def test_in_force_days_and_day_states_follow_rules_status(
    deleted_on: date | None, first_in_force: date | None, last_in_force: date | None
) -> None:
    e = exemption(
        date(2027, 1, 11), date(2027, 1, 20), in_force_from=date(2027, 1, 13), deleted_on=deleted_on
    )
    span = rules.in_force_days(e)
    assert span == (None if first_in_force is None else (first_in_force, last_in_force))
    window = Window(date(2027, 1, 4), 3)
    for offset, state in enumerate(day_states(e, window)):
        day = window.first + timedelta(days=offset)
        assert (state is Day.IN_FORCE) == (rules.status(e, day) == rules.ACTIVE)
        assert (state is Day.IN_FORCE) == (span is not None and span[0] <= day <= span[1])
        # The mark: the first day the deletion takes away (the day after it, R5b), or the
        # deletion day of one deleted before it started.
        mark = None
        if deleted_on is not None:
            mark = deleted_on if deleted_on < e.start else deleted_on + timedelta(days=1)
        assert (state is Day.DELETED) == (day == mark)


@pytest.mark.parametrize("students", [60, 5000])  # most with several exemptions; most with one
def test_the_office_query_counts_what_rules_status_says_week_by_week(store_path: Path, students: int) -> None:
    """The one grouped query of `--office` against `rules.status` over every day of every week,
    for a few hundred exemptions with random dates, recording days and deletions."""
    generator = random.Random(20270104)
    store = Store.open(store_path, create=True)
    made = []
    types = ("placement", "dissertation", "authorised-absence")
    with store.writing():
        for n in range(400):
            start = date(2027, 1, 1) + timedelta(days=generator.randrange(60))
            end = start + timedelta(days=generator.randrange(30))
            recorded = start - timedelta(days=generator.randrange(-3, 10))
            deleted = None
            if generator.random() < 0.3:
                deleted = recorded + timedelta(days=generator.randrange(0, 40))
            student = f"2010{generator.randrange(students):05d}"
            store.conn.execute(
                "INSERT INTO exemptions (student_id, type, start_date, end_date, created_by, created_at, "
                "in_force_from, deleted_at, deleted_on) VALUES (?, ?, ?, ?, 't', 'x', ?, ?, ?)",
                (
                    student,
                    types[n % 3],
                    start.isoformat(),
                    end.isoformat(),
                    rules.in_force_from(recorded).isoformat(),
                    None if deleted is None else f"{deleted.isoformat()}T10:00:00Z",
                    None if deleted is None else deleted.isoformat(),
                ),
            )
        made = store.select()
    first, weeks = date(2026, 12, 28), 12
    by_type, counted, in_window = store.students_in_force_by_week(first, weeks)
    store.close()
    for week in range(weeks):
        days = [first + timedelta(days=7 * week + d) for d in range(7)]
        active = [e for e in made if any(rules.status(e, day) == rules.ACTIVE for day in days)]
        assert counted.get(week, 0) == len({e.student_id for e in active}), week
        for code in types:
            expected = len({e.student_id for e in active if e.type == code})
            assert by_type.get((week, code), 0) == expected, (week, code)
    assert sum(counted.values()) > 100  # the comparison above compared something
    # The legend's numbers: each type's students in force on at least one day of the weeks.
    days = [first + timedelta(days=d) for d in range(7 * weeks)]
    for code in types:
        expected = len(
            {
                e.student_id
                for e in made
                if e.type == code and any(rules.status(e, d) == rules.ACTIVE for d in days)
            }
        )
        assert in_window.get(code, 0) == expected > 0, code


@pytest.mark.parametrize("code", list(TYPE_STYLE))
def test_every_type_is_a_bar_in_the_office_picture_with_its_students_in_the_legend(
    cli: Cli, code: str
) -> None:
    """Withdrawn was drawn as `==` text after a gap; and no type said how many students it had."""
    cli.add("201000001", "--type", code, "--start", "2027-01-11", "--end", "2027-01-24")
    cli.add("201000002", "--type", code, "--start", "2027-01-18", "--end", "2027-01-31")
    lines = cli.ok(
        "timeline", "--office", "--from", "2027-01-11", "--weeks", "4", env={"COLUMNS": "80", "NO_COLOR": "1"}
    ).stdout.splitlines()
    _, glyph = TYPE_STYLE[code]
    assert 0x2580 <= ord(glyph) <= 0x259F  # a block element: it fills its cell, a bar
    week_of_18_jan = next(line for line in lines if line.lstrip().startswith("18 "))
    bar = week_of_18_jan.split(" 2 ", 1)[1]  # both students that week
    assert bar == glyph * len(bar) and len(bar) >= 10
    label = types.label(code)
    assert f"{glyph * 2} {label}: 2 students" in "\n".join(lines)  # two students of that type
    others = [types.label(other) for other in TYPE_STYLE if other != code]
    assert all(f"{other}: 0 students" in "\n".join(lines) for other in others)


@pytest.mark.parametrize(
    ("env", "explained"),
    [
        ({"FORCE_COLOR": "1"}, True),  # in colour, today's cell of a bar is drawn light
        ({"NO_COLOR": "1"}, False),  # without colour it is drawn as the bar: nothing to explain
    ],
)
def test_the_legend_explains_the_light_cell_where_today_crosses_a_bar(
    cli: Cli, clock: Clock, tmp_path: Path, env: dict[str, str], explained: bool
) -> None:
    """Today's cell of a bar was a cream square that the legend did not mention."""
    _story(cli, clock, tmp_path)
    out = cli.ok("timeline", STUDENT, env={"COLUMNS": "150", **env}).stdout
    assert ("today, 4 Jan 2027; a bar's cell that day drawn light" in out) is explained
    assert "today, 4 Jan 2027" in out
    # The file is always in colour: its legend says so too.
    cli.ok("timeline", STUDENT, "--svg", str(tmp_path / "s.svg"))
    assert "drawn&#160;light" in (tmp_path / "s.svg").read_text(encoding="utf-8")
    # No bar crosses today's column in the batch's picture: nothing light to explain.
    batch = cli.ok("timeline", "--batch", "1", env={"COLUMNS": "150", **env}).stdout
    assert "today, 4 Jan 2027" in batch and "drawn light" not in batch


def test_today_is_in_the_legends_only_when_the_weeks_shown_hold_it(
    cli: Cli, clock: Clock, tmp_path: Path
) -> None:
    _story(cli, clock, tmp_path)
    env = {"COLUMNS": "100", "NO_COLOR": "1"}
    for args, said in (([STUDENT], "today, 4 Jan 2027"), (["--office"], "this week (today is 4 Jan 2027)")):
        assert said in cli.ok("timeline", *args, env=env).stdout
        later = cli.ok("timeline", *args, "--from", "2027-02-01", "--weeks", "4", env=env).stdout
        assert "today" not in later and "▼" not in later


def test_timeline_files_an_empty_name_is_refused_a_dash_is_stdout_a_new_file_is_private(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import stat

    cli.add()
    for option in ("--svg", "--html"):
        empty = cli("timeline", "201234567", option, "")
        assert empty.exit_code == 2 and empty.stdout == ""
        assert (
            empty.stderr == f"Error: {option} is empty; give the name of a file, or - for standard output.\n"
        )
    monkeypatch.chdir(tmp_path)
    drawn = cli.ok("timeline", "201234567", "--svg", "-")
    assert drawn.stdout.startswith("<svg") and drawn.stderr == "" and not (tmp_path / "-").exists()
    assert cli.ok("timeline", "201234567", "--html", "-").stdout.lstrip().lower().startswith("<!doctype html")
    previous = os.umask(0o022)
    try:
        cli.ok("timeline", "201234567", "--svg", "new.svg")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.svg").stat().st_mode) == 0o600
    kept = tmp_path / "kept.html"
    kept.write_text("old")
    kept.chmod(0o640)
    cli.ok("timeline", "201234567", "--html", str(kept))
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_text() != "old"


def test_a_picture_that_cannot_be_written_whole_leaves_the_file_as_it_was(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fills up half way through the picture leaves no half picture behind: no new
    file, and a file that was there before as it was (it used to be cut short)."""
    import errno
    from typing import BinaryIO

    from stream_exempt.output import pictures

    def half(file: BinaryIO, data: bytes) -> None:
        file.write(data[:100])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pictures, "_write_all", half)
    folder = tmp_path / "pictures"
    folder.mkdir()
    target = folder / "picture.svg"
    result = cli("timeline", STUDENT, "--svg", str(target))
    assert result.exit_code == 74 and "free some space there" in result.stderr
    kept = folder / "kept.svg"
    kept.write_text("the picture of last week")
    assert cli("timeline", STUDENT, "--svg", str(kept)).exit_code == 74
    assert kept.read_text() == "the picture of last week"
    assert sorted(p.name for p in folder.iterdir()) == ["kept.svg"]  # nor a temporary file


def test_a_picture_written_over_a_file_keeps_its_mode_and_a_new_one_is_private(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "pictures"
    folder.mkdir()
    shared = folder / "shared.svg"
    shared.write_text("old")
    shared.chmod(0o644)
    cli.ok("timeline", STUDENT, "--svg", str(shared))
    assert shared.read_text().startswith("<svg") and stat.S_IMODE(shared.stat().st_mode) == 0o644
    private = folder / "new.svg"
    cli.ok("timeline", STUDENT, "--svg", str(private))
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["new.svg", "shared.svg"]


def test_a_picture_file_is_named_as_typed(cli: Cli, tmp_path: Path) -> None:
    folder = f"{tmp_path}/"
    result = cli("timeline", STUDENT, "--svg", folder)
    assert result.exit_code == 74
    assert result.stderr == f"Error: Cannot write {folder} (Is a directory); name a file, not a folder.\n"
