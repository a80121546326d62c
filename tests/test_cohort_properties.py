"""Properties of the bulk planner that must hold for every cohort list and store."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from helpers import exemption
from stream_exempt import cohort, validate
from stream_exempt.model import Exemption

TODAY = date(2027, 1, 4)
STUDENTS = ["201234561", "201234562", "201234563", "2.01E+08", ""]
TYPES = ["placement", "dissertation"]
offsets = st.integers(min_value=-3, max_value=12)


@st.composite
def cells(draw: st.DrawFn) -> list[str]:
    start = TODAY + timedelta(days=draw(offsets))
    end = start + timedelta(days=draw(st.integers(min_value=-1, max_value=6)))
    return [draw(st.sampled_from(STUDENTS)), draw(st.sampled_from(TYPES)), start.isoformat(), end.isoformat()]


def keyed(recorded: list[Exemption]) -> dict[tuple[str, str], list[Exemption]]:
    """Live exemptions as the store hands them to the planner: by student and type."""
    found: dict[tuple[str, str], list[Exemption]] = {}
    for e in recorded:
        found.setdefault((e.student_id, e.type), []).append(e)
    return found


@st.composite
def live_exemptions(draw: st.DrawFn) -> dict[tuple[str, str], list[Exemption]]:
    recorded = []
    for number in range(draw(st.integers(min_value=0, max_value=3))):
        start = TODAY + timedelta(days=draw(offsets))
        end = start + timedelta(days=draw(st.integers(min_value=0, max_value=6)))
        student, type_code = draw(st.sampled_from(STUDENTS[:3])), draw(st.sampled_from(TYPES))
        recorded.append(exemption(start, end, id=number + 1, student_id=student, type=type_code))
    return keyed(recorded)


def shares_days(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


@given(st.lists(cells(), max_size=12), live_exemptions())
def test_every_row_is_accounted_for_and_nothing_created_breaks_a_rule(
    rows: list[list[str]], live: dict[tuple[str, str], list[Exemption]]
) -> None:
    numbered = [(line, row) for line, row in enumerate(rows, start=2)]
    columns = cohort.Columns(student_id=0, type=1, start=2, end=3)
    plan = cohort.plan_bulk(numbered, columns, cohort.Defaults(), live, TODAY, validate.NINE_DIGITS)

    # Every row is exactly one of: created, already recorded, a repeat, refused.
    assert len(plan.created) + plan.already_recorded + len(plan.repeats) + len(plan.refused) == len(rows)
    assert plan.rows == len(rows)
    assert [line for line, _, _ in plan.refused] == sorted(line for line, _, _ in plan.refused)

    created = [(student, terms) for student, terms in plan.created]
    for student, terms in created:
        assert validate.NINE_DIGITS.fullmatch(student)
        assert TODAY < terms.start <= terms.end  # R2, R3
        for other in live.get((student, terms.type), []):  # R7 against the store
            assert not shares_days((terms.start, terms.end), (other.start, other.end))
    for index, (student, terms) in enumerate(created):  # R7 within the file
        for later_student, later in created[index + 1 :]:
            if (later_student, later.type) == (student, terms.type):
                assert not shares_days((terms.start, terms.end), (later.start, later.end))

    by_line = dict(numbered)
    for line, student, first in plan.repeats:  # a repeat names an earlier, identical row
        assert first < line and by_line[first][:4] == by_line[line][:4] and by_line[line][0] == student

    refused_lines = {line for line, _, _ in plan.refused}
    for line, row in numbered:
        if line in refused_lines or any(line == repeat for repeat, _, _ in plan.repeats):
            continue
        student, type_code, start, end = row
        identical = any(
            e.start.isoformat() == start and e.end.isoformat() == end
            for e in live.get((student, type_code), [])
        )
        # Not refused, not a repeat: created, or already recorded exactly when identical to a live one.
        assert identical == (
            (student, type_code, start, end)
            not in {(s, t.type, t.start.isoformat(), t.end.isoformat()) for s, t in created}
        )


@given(st.lists(cells(), min_size=1, max_size=8))
def test_a_second_run_against_what_the_first_created_creates_nothing(rows: list[list[str]]) -> None:
    numbered = [(line, row) for line, row in enumerate(rows, start=2)]
    columns = cohort.Columns(student_id=0, type=1, start=2, end=3)
    first = cohort.plan_bulk(numbered, columns, cohort.Defaults(), {}, TODAY, validate.NINE_DIGITS)
    live = keyed(
        [
            exemption(terms.start, terms.end, id=number, student_id=student, type=terms.type)
            for number, (student, terms) in enumerate(first.created, start=1)
        ]
    )
    again = cohort.plan_bulk(numbered, columns, cohort.Defaults(), live, TODAY, validate.NINE_DIGITS)
    assert again.created == []
    assert again.already_recorded == len(first.created)


pieces = st.sampled_from(["a", "201234567", ",", "\r", "\n", "\r\n", '"', "é", "Ł", "\u2028", "\x0c", " "])


@given(
    st.lists(pieces, max_size=40), st.integers(min_value=1, max_value=9), st.sampled_from(["utf-8", "utf-16"])
)
def test_text_read_in_pieces_is_the_text_read_whole(parts: list[str], chunk: int, encoding: str) -> None:
    """However a file's bytes fall into reads, its CSV rows and their line numbers are the same
    as Python's own reading of the whole text (a "\\r\\n" split between reads is one line end)."""
    import csv
    import io
    from unittest import mock

    from stream_exempt import csvio
    from stream_exempt.csvio import encodings

    text = "".join(parts)
    whole = csv.reader(io.StringIO(text, newline=""))
    try:
        expected: list[tuple[int, list[str]]] = [(whole.line_num, row) for row in whole]
    except csv.Error:
        return  # not CSV at all (an unclosed quote is fine; a NUL is not generated)
    with mock.patch.object(encodings, "CHUNK", chunk):
        lines = csvio.TextLines(io.BytesIO(text.encode(encoding)), "x", None, "strict")
        read = csv.reader(iter(lines))
        assert [(read.line_num, row) for row in read] == expected


KNOWN_HEADERS = [
    "Student ID",
    "sid",
    "Start date",
    "Placement end",
    "Exemption type",
    "Comment",
    "from",
    "to",
]
nine_digits = st.from_regex(r"[0-9]{9}", fullmatch=True)


@given(st.lists(st.sampled_from(["Name", "x", "", "Ann Smith", "2027"]), max_size=3), nine_digits, st.data())
def test_a_first_line_holding_a_student_id_is_never_a_header(
    others: list[str], sid: str, data: st.DataObject
) -> None:
    """No student is ever dropped as a header: a first line with a student ID and no known
    column name is data, the ID's own cell the student-ID column; one naming a column is not."""
    at = data.draw(st.integers(min_value=0, max_value=len(others)))
    first = [*others[:at], sid, *others[at:]]
    found = cohort.headerless_id_column(first, cohort.Named(), validate.NINE_DIGITS)
    assert found is not None and first[found] == sid
    named = [*first, data.draw(st.sampled_from(KNOWN_HEADERS))]
    assert cohort.headerless_id_column(named, cohort.Named(), validate.NINE_DIGITS) is None


forms = st.sampled_from(
    ["{d:%Y-%m-%d}", "{d:%d/%m/%Y}", "{d:%d.%m.%Y}", "{d.day} {d:%b %Y}", "{d.day} {d:%B %Y}", ""]
)


@given(st.lists(st.tuples(offsets, forms), min_size=1, max_size=6))
def test_an_option_and_a_column_agree_exactly_when_every_filled_cell_is_the_options_date(
    cells: list[tuple[int, str]],
) -> None:
    """The start option against a start column: refused exactly when some filled cell is
    another date, whatever accepted form each cell is written in."""
    import pytest

    from stream_exempt.errors import Refused

    option = TODAY + timedelta(days=5)
    rows = []
    for line, (offset, form) in enumerate(cells, start=2):
        day = option + timedelta(days=offset % 2)  # the option's day or the next
        rows.append((line, ["201234567", form.format(d=day)]))
    defaults = cohort.Defaults(start=option)
    columns = cohort.Columns(student_id=0, start=1)
    read = cohort.date_reader(TODAY, month_first=False)
    differs = [line for line, row in rows if row[1] and read(row[1]) != option]
    if differs:
        with pytest.raises(Refused, match=f"line {differs[0]} has"):
            cohort.check_conflicts(rows, columns, defaults, ["sid", "start"], read)
    else:
        cohort.check_conflicts(rows, columns, defaults, ["sid", "start"], read)
