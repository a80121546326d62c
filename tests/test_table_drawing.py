"""A table drawn line by line, without Rich, is the table Rich draws, byte for byte.

The line-by-line drawing (`rich_table._write_unwrapped`, chosen with `rich_table._screen`) is
compared with Rich's own drawing of the same table, for many tables and widths, on a terminal
and off one, in the environments that change what Rich does (colours, NO_COLOR, TERM,
COLUMNS, FORCE_COLOR, TTY_COMPATIBLE, the encoding). Wherever the two could differ, Rich draws.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from helpers import Cli, run_on_terminal
from stream_exempt.cli.app import app
from stream_exempt.output import rich_table
from stream_exempt.output.results import Table


class Stream(io.StringIO):
    """Standard output as Rich sees it: a terminal or not, with an encoding."""

    def __init__(self, terminal: bool, encoding: str = "utf-8") -> None:
        super().__init__()
        self.terminal, self._encoding = terminal, encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding

    def isatty(self) -> bool:
        return self.terminal


# The environments that change what Rich does with a table (each on top of a plain one).
ENVIRONMENTS: list[dict[str, str]] = [
    {"TERM": "xterm"},
    {"TERM": "xterm", "NO_COLOR": "1"},
    {"TERM": "xterm-256color"},
    {"TERM": "xterm-256color", "COLORTERM": "truecolor"},
    {},  # no TERM at all
    {"TERM": "dumb"},
    {"TERM": "unknown"},
    {"TERM": "xterm", "COLUMNS": "57"},
    {"TERM": "xterm", "COLUMNS": "0"},
    {"TERM": "xterm", "COLUMNS": "wide"},
    {"TERM": "xterm", "COLUMNS": "120", "LINES": "40"},
    {"TERM": "xterm", "FORCE_COLOR": "1"},
    {"TERM": "xterm", "FORCE_COLOR": ""},
    {"TERM": "xterm", "TTY_COMPATIBLE": "0"},
    {"TERM": "xterm", "TTY_COMPATIBLE": "1"},
]
SIZES = [{0: 200, 1: 200, 2: 200}, {1: 90}, {0: 45, 1: 130}, {2: 70}, {1: 0}, {}]
ENCODINGS = ["utf-8", "UTF-8", "utf_8", "latin-1", "ascii"]
_CLEARED = (
    "TERM",
    "NO_COLOR",
    "COLORTERM",
    "COLUMNS",
    "LINES",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
)


@contextmanager
def environment(env: Mapping[str, str], sizes: Mapping[int, int]) -> Iterator[None]:
    """`env` as the whole of the variables above; `sizes`: the width of each standard stream
    that is a terminal (file descriptor: columns), as `os.get_terminal_size` reports it."""

    def terminal_size(descriptor: int = 1) -> os.terminal_size:
        if descriptor not in sizes:
            raise OSError(25, "Inappropriate ioctl for device")
        return os.terminal_size((sizes[descriptor], 50))

    with pytest.MonkeyPatch.context() as patch:
        for name in _CLEARED:
            patch.delenv(name, raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        patch.setattr(os, "get_terminal_size", terminal_size)
        yield


def draw(table: Table, stream: Stream, *, by_rich: bool) -> str:
    """The table as `rich_table.write` draws it; `by_rich`: as Rich alone draws it."""
    with pytest.MonkeyPatch.context() as patch:
        if by_rich:
            patch.setattr(rich_table, "_screen", lambda stream: None)
        rich_table.write(table, stream)
    return stream.getvalue()


def table_of(headings: list[str], rows: list[list[str]], title: str | None, whole: frozenset[str]) -> Table:
    return Table(
        headings,
        headings,
        rows,
        machine=lambda row: row,
        human=lambda row: row,
        title=title,
        whole=whole,
    )


def _both(
    table: Table, env: Mapping[str, str], sizes: Mapping[int, int], terminal: bool, encoding: str
) -> tuple[str, str]:
    with environment(env, sizes):
        fast = draw(table, Stream(terminal, encoding), by_rich=False)
        slow = draw(table, Stream(terminal, encoding), by_rich=True)
    return fast, slow


# Text as people type it into a reason or a name: letters, digits, spaces, punctuation (Rich's
# markup and emoji codes too), accents, combining marks, wide characters and the odd control.
_TEXT = st.lists(
    st.sampled_from(
        [
            *"abcXYZ019 -_./'|[]:",
            "[bold]",
            ":smile:",
            "é",
            "ß",
            "Ω",
            "e\u0301",
            "東京",
            "한",
            "🙂",
            "\t",
            "\x1b",
        ]
    ),
    max_size=14,
).map("".join)


@st.composite
def tables(draw_: st.DrawFn) -> Table:
    columns = draw_(st.integers(min_value=1, max_value=5))
    headings = draw_(st.lists(_TEXT.filter(bool), min_size=columns, max_size=columns))
    rows = draw_(st.lists(st.lists(_TEXT, min_size=columns, max_size=columns), max_size=5))
    title = draw_(st.none() | _TEXT)
    whole = frozenset(draw_(st.lists(st.sampled_from(headings), max_size=2)))
    return table_of(headings, rows, title or None, whole)


@settings(max_examples=400, deadline=None)
@given(
    table=tables(),
    env=st.sampled_from(ENVIRONMENTS),
    sizes=st.sampled_from(SIZES),
    terminal=st.booleans(),
    encoding=st.sampled_from(ENCODINGS),
)
def test_any_table_drawn_line_by_line_is_the_table_rich_draws(
    table: Table, env: dict[str, str], sizes: dict[int, int], terminal: bool, encoding: str
) -> None:
    fast, slow = _both(table, env, sizes, terminal, encoding)  # the rows are a list: drawn twice
    assert fast == slow


LIST_LIKE = table_of(
    ["ID", "Student", "Type", "Start", "End", "Status", "In force", "Batch", "Reason"],
    [
        ["162052", "200100051", "Dissertation Period", "1 Oct 2026", "13 Dec 2026", "active", "22 Sep 2026", "", ""],
        ["7", "201234567", "Practice Placement Block", "4 Jan 2027", "8 Jan 2027", "pending", "6 Jan 2027", "3",
         "Zoë's café | placement"],
    ],
    None,
    frozenset({"ID", "Student", "Status", "Batch"}),
)  # fmt: skip
HISTORY_LIKE = table_of(
    ["When", "Who", "Action"], [["4 Jan 2027 12:00", "tester", "add"]], "Exemption 7", frozenset()
)


# Wider on screen than their length (Rich wraps them), and narrower (a combining accent).
WIDE = table_of(["Name", "Place"], [["東京 café", "한 🙂"], ["e\u0301", "Ω"]], "Zoë", frozenset())
ACCENTED = table_of(["Name", "Place"], [["Zoë's café", "Ω"], ["Rene\u0301e", "Straße"]], "Zoë", frozenset())


@pytest.mark.parametrize(
    "table", [LIST_LIKE, HISTORY_LIKE, WIDE, ACCENTED], ids=["list", "history", "wide", "accented"]
)
def test_the_usual_tables_are_drawn_as_rich_draws_them_in_every_environment(table: Table) -> None:
    for env in ENVIRONMENTS:
        for sizes in SIZES:
            for terminal in (True, False):
                for encoding in ENCODINGS:
                    fast, slow = _both(table, env, sizes, terminal, encoding)
                    assert fast == slow, (env, sizes, terminal, encoding)


@pytest.mark.parametrize("table", [LIST_LIKE, HISTORY_LIKE, ACCENTED], ids=["list", "history", "accented"])
@pytest.mark.parametrize(
    "env", ENVIRONMENTS[:5], ids=lambda env: ",".join(f"{k}={v}" for k, v in env.items()) or "none"
)
@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "pipe"])
def test_the_usual_tables_are_drawn_without_rich(table: Table, env: dict[str, str], terminal: bool) -> None:
    drawn: list[bool] = []
    real = rich_table._write_unwrapped

    def spy(*args: object) -> bool:
        drawn.append(real(*args))  # type: ignore[arg-type]
        return drawn[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rich_table, "_write_unwrapped", spy)
        fast, slow = _both(table, env, {0: 200, 1: 200, 2: 200}, terminal, "utf-8")
    assert drawn == [True]  # drawn line by line (Rich's own drawing is the other)
    assert fast == slow
    assert ("\x1b[1m" in fast) is terminal  # headings bold on a terminal, plain off one


def on_terminal(store: Path | str, env: Mapping[str, str], *, by_rich: bool) -> tuple[bytes, str]:
    """`list` run as a process whose standard output is a 200 x 50 terminal: what it wrote, and
    its standard error (where it says whether Rich was imported)."""
    program = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('rich imported:', 'rich.console' in sys.modules, file=sys.stderr))\n"
        "from stream_exempt.output import rich_table\n"
        + ("rich_table._screen = lambda stream: None\n" if by_rich else "")
        + "from stream_exempt.cli.app import main\n"
        f"sys.argv = ['stream-exempt', '--db', {str(store)!r}, 'list']\n"
        "main()\n"
    )
    base = {k: v for k, v in os.environ.items() if k not in (*_CLEARED, "COLUMNS", "LINES")}
    return run_on_terminal([sys.executable, "-c", program], {**base, **env})


@pytest.mark.slow
@pytest.mark.parametrize(
    "env",
    [{"TERM": "xterm"}, {"TERM": "xterm-256color", "COLORTERM": "truecolor"}, {"TERM": "xterm", "NO_COLOR": "1"},
     {"TERM": "dumb"}, {"TERM": "xterm", "FORCE_COLOR": "1"}],
    ids=lambda env: ",".join(f"{k}={v}" for k, v in env.items()),
)  # fmt: skip
def test_list_on_a_real_terminal_is_what_rich_draws_without_importing_rich(
    cli: Cli, env: dict[str, str]
) -> None:
    cli.add("201234567", "--reason", "Zoë's café | placement")
    cli.add("201234568", "--type", "dissertation")
    fast, said = on_terminal(cli.location, env, by_rich=False)
    slow, said_by_rich = on_terminal(cli.location, env, by_rich=True)
    assert fast == slow and b"201234568" in fast
    assert said_by_rich.endswith("rich imported: True\n")
    plain = env.get("TERM") != "dumb" and "FORCE_COLOR" not in env  # where Rich is not needed
    assert said.endswith(f"rich imported: {not plain}\n"), said
    assert (b"\x1b[1mID" in fast) is (env.get("TERM") != "dumb")


def test_tables_keep_the_padding_at_both_edges_and_break_the_fewest_words(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stream_exempt.output import rich_table

    monkeypatch.setattr(rich_table, "PAD_EDGE", True)
    cli.add(
        "201234571",
        "--reason",
        "Leeds General Infirmary, ward 4, supervised by Dr Smith for the whole period",
    )
    cli.add("201234572", "--type", "dissertation")
    wide = cli.ok("list", env={"COLUMNS": "120"}).stdout
    assert "┃ ID ┃ Student" in wide and "│ 1  │ 201234571 │" in wide and " Reason" in wide
    assert all(line[-2] == " " for line in wide.splitlines() if line.startswith(("┃", "│")))  # right padding
    monkeypatch.setattr(rich_table, "PAD_EDGE", False)
    narrow = cli.ok("list", env={"COLUMNS": "80"}).stdout
    # Too narrow for every word: the free-text reason is folded, "Placement" stays whole.
    assert "│ Placement │" in narrow, narrow


@pytest.mark.parametrize("fmt", ["table", "plain"])
@pytest.mark.parametrize(("columns", "blocks"), [(40, True), (80, False)], ids=lambda v: str(v))
def test_on_a_narrow_screen_a_table_that_breaks_its_words_gives_way_to_blocks(
    cli: Cli, columns: int, blocks: bool, fmt: str
) -> None:
    """`types` at 40 columns broke `Authoris|ed` and `(self-ce|rtificat|ion`: one record per
    block keeps every word whole. From 60 columns the table stays (`list` at 80 is drawn as before)."""
    shown = cli.ok("types", "--format", fmt, env={"COLUMNS": str(columns)}).stdout
    assert shown.startswith("Code     authorised-absence\nLabel    Authorised Absence\n") is blocks, shown
    assert any(line.startswith("Meaning  ") for line in shown.splitlines()) is blocks
    if blocks:
        assert "(self-certification," in shown
        assert all(len(line) <= columns for line in shown.splitlines())


@pytest.mark.parametrize(
    ("rows", "blocks"),
    [
        # One row of seven has three cells cut once each: a quarter of the rows is the measure,
        # not the cells.
        ([["abcdefgh", "abcdefgh", "abcdefgh"]] + [["a", "b", "c"]] * 6, False),
        # Two rows of seven (with the headings, two of eight): still not more than a quarter.
        ([["abcdefgh", "b", "c"]] * 2 + [["a", "b", "c"]] * 5, False),
        # Three of eight: more than a quarter.
        ([["abcdefgh", "b", "c"]] * 3 + [["a", "b", "c"]] * 4, True),
        # One word cut more than once (`STREAM_E|XEMPT_CO|NFIG`), whatever the count of rows.
        ([["abcdefghijklmnopq", "b", "c"]] + [["a", "b", "c"]] * 6, True),
    ],
    ids=["one-row-three-cells", "two-rows", "three-rows", "a-word-cut-twice"],
)
def test_blocks_are_chosen_by_the_rows_whose_words_are_cut(rows: list[list[str]], blocks: bool) -> None:
    table = Table(("x", "y", "z"), ("X", "Y", "Z"), rows, list, list)
    assert rich_table.blocks_read_better(table, rows, 40, [5, 5, 5]) is blocks
    assert (
        rich_table.blocks_read_better(table, rows, 60, [5, 5, 5]) is False
    )  # 60 columns and more: the table


def test_blocks_win_when_they_cut_words_fewer_times() -> None:
    """`config` of a PostgreSQL store at 40 columns: the table cut its paths into about twelve
    pieces, the blocks cut one word once; counting cells, the two tied and the table stayed."""
    env = {
        "COLUMNS": "40",
        "STREAM_EXEMPT_DB": "postgresql://u:pw@localhost:5433/a_database_with_a_long_name",
    }
    shown = CliRunner().invoke(app, ["config"], env=env, catch_exceptions=False).stdout
    assert shown.startswith("Setting  store\nValue    postgresql://u@localhost:5433/a\n"), shown


@pytest.mark.parametrize("columns", ["0", "1"])
@pytest.mark.parametrize(
    "command",
    [["summary"], ["doctor"], ["timeline", "201234567"], ["list", "--format", "plain"], ["list"], ["types"]],
    ids=lambda c: " ".join(c),
)
def test_a_screen_of_no_width_still_gets_an_answer(cli: Cli, command: list[str], columns: str) -> None:
    """COLUMNS=0 made `summary` wrap its lines to nothing (exit 70); below 40 columns nothing is
    promised but an answer, each value whole."""
    cli.add("201234567", "--reason", "Leeds General Infirmary, ward 4")
    result = cli.ok(*command, env={"COLUMNS": columns})
    assert result.stdout.strip() and result.stderr == ""
