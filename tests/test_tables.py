"""Tables never lose a value (SPEC "Tables"), on a real terminal of 40 and 80 columns.

`list` and `history` run as real processes whose standard output is a pseudo-terminal of
the given size, as a person at a terminal sees them. The text of every cell is then read back
out of the table (column by column, row by row), or out of the one-record-per-block layout
that replaces it when even wrapped columns cannot fit.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from helpers import Cli, command, open_location, run_on_terminal
from stream_exempt import config, dates, rules
from stream_exempt.output.results import HEADINGS, human_row
from stream_exempt.output.tables import change_text

pytestmark = pytest.mark.slow

LONG = (
    "Placement at Northumbria Healthcare NHS Foundation Trust, ward 23, supervisor on "
    "https://example.org/a/very/long/unbroken/address/that/cannot/wrap/anywhere/at/all and more"
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def on_terminal(store: Path | str, columns: int, *args: str) -> tuple[str, str]:
    """Run the command with its standard output on a terminal `columns` wide: (stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    raw, err = run_on_terminal(
        command(store, *args), {**env, "NO_COLOR": "1", "TERM": "xterm"}, columns=columns
    )
    return _ANSI.sub("", raw.decode()).replace("\r\n", "\n"), err


def squeeze(text: str) -> str:
    return "".join(text.split())


def read_table(text: str, headings: tuple[str, ...]) -> list[list[str]]:
    """The cells of a Rich table, or of blocks of `Heading  value` lines, as rows."""
    lines = text.splitlines()
    framed = any(line.startswith("│") for line in lines)
    # Without an outer border (the narrowest frame), rows are the lines with a `│` in them.
    edgeless = not framed and any("┼" in line or "╇" in line for line in lines)
    if framed or edgeless:
        rows: list[list[list[str]]] = []
        fresh = True
        for line in lines:
            if line.startswith(("├", "└", "┡")) or "┼" in line or "╇" in line:
                fresh = True
            elif "│" in line and ((framed and line.startswith("│")) or edgeless):
                cells = line.split("│")[1:-1] if framed else line.split("│")
                assert len(cells) == len(headings), line
                if fresh or not any("├" in other or "┼" in other for other in lines):
                    rows.append([[] for _ in headings])
                    fresh = False
                for column, cell in enumerate(cells):
                    rows[-1][column].append(cell)
        return [[" ".join(pieces) for pieces in row] for row in rows]
    records: list[dict[str, list[str]]] = []
    field = ""
    for line in lines:
        if not line.strip():
            field = ""
            continue
        first = line.split("  ")[0]
        if first in headings and not line.startswith(" "):
            if first == headings[0]:
                records.append({})
            field = first
            records[-1][field] = [line[len(first) :]]
        elif field:
            records[-1][field].append(line)
    return [[" ".join(record.get(h, [])) for h in headings] for record in records]


@pytest.fixture
def store(cli: Cli, tmp_path: Path) -> Path | str:
    cli.add("201234567", "--reason", LONG)
    cli.add("201234568", "--type", "authorised-absence", "--reason", "short | with a pipe")
    cli.add("201234569", "--type", "break-in-learning", "--reason", LONG[:60])
    cli.ok("extend", "1", "--by", "1w")
    return cli.location


@pytest.mark.parametrize("columns", [40, 80])
def test_list_loses_no_cell_at_any_width(store: Path | str, columns: int) -> None:
    shown, _ = on_terminal(store, columns, "list")
    assert all(len(line) <= columns for line in shown.splitlines()), shown
    opened = open_location(store)
    today = dates.today(config.zone())
    expected = [human_row(e, rules.status(e, today)) for e in opened.select()]
    opened.close()
    found = read_table(shown, HEADINGS)
    assert [[squeeze(cell) for cell in row] for row in found] == [
        [squeeze(cell) for cell in row] for row in expected
    ], shown


@pytest.mark.parametrize("columns", [40, 80])
def test_history_loses_no_cell_at_any_width(store: Path | str, columns: int) -> None:
    shown, _ = on_terminal(store, columns, "history", "1")
    assert all(len(line) <= columns for line in shown.splitlines()), shown
    opened = open_location(store)
    zone = config.zone()
    expected = [
        [dates.local_time(e.at, zone), e.actor, e.action, change_text(e, zone)] for e in opened.events(1)
    ]
    opened.close()
    found = read_table(shown.split("\n", 1)[1], ("When", "Who", "Action", "Change"))
    assert [[squeeze(cell) for cell in row] for row in found] == [
        [squeeze(cell) for cell in row] for row in expected
    ], shown
    assert shown.startswith("Exemption 1")


def test_list_on_a_terminal_shows_its_limit_then_says_how_to_see_more(cli: Cli, tmp_path: Path) -> None:
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("student_id\n" + "".join(f"{300000000 + i}\n" for i in range(53)))
    cli.ok("bulk", str(cohort), "-t", "placement", "-s", "+1w", "--for", "1w")
    shown, said = on_terminal(cli.location, 200, "list")
    assert len(read_table(shown, HEADINGS)) == 50
    assert said == (
        "3 more not shown; see them all with --all, more with --limit N, "
        "or every row with a machine format (--format csv).\n"
    )
    shown, said = on_terminal(cli.location, 200, "list", "--all")
    assert len(read_table(shown, HEADINGS)) == 53 and said == ""
    shown, said = on_terminal(cli.location, 200, "list", "--format", "csv")
    assert len(shown.splitlines()) == 54 and said == ""  # the default limit is the table's only
    shown, said = on_terminal(cli.location, 200, "list", "--limit", "2", "--format", "jsonl")
    assert len(shown.splitlines()) == 2 and said.startswith("51 more not shown")


def test_not_a_terminal_cuts_nothing_unless_told(cli: Cli) -> None:
    for student in range(201234500, 201234555):
        cli.add(str(student))
    assert len(json.loads(cli.ok("list", "--format", "json").stdout)) == 55
    assert len(cli.ok("list", "--format", "plain").stdout.splitlines()) == 56
    limited = cli.ok("list", "--format", "csv", "--limit", "3")
    assert len(limited.stdout.splitlines()) == 4 and limited.stderr.startswith("52 more not shown")
    both = cli("list", "--limit", "3", "--all")
    assert both.exit_code == 2 and both.stderr == "Error: Give --limit N or --all, not both.\n"
    assert cli("list", "--limit", "0").exit_code == 2


def test_markdown_escapes_pipes(cli: Cli) -> None:
    cli.add("201234567", "--reason", "a | b \\ c")
    row = cli.ok("list", "--format", "markdown").stdout.splitlines()[2]
    assert row.endswith("| a \\| b \\\\ c |")
    assert row.count(" | ") == 8  # nine cells, none split by the reason's own pipe


def test_json_is_one_array_even_when_empty(cli: Cli) -> None:
    assert cli.ok("list", "--format", "json").stdout == "[]\n"
    cli.add()
    cli.add("201234568")
    records = json.loads(cli.ok("list", "--format", "json").stdout)
    assert [r["student_id"] for r in records] == ["201234567", "201234568"]
    assert cli.ok("list", "--format", "csv").stdout.startswith("id,student_id,type,start,end,status,")


@pytest.mark.parametrize("command", [["list", "--status", "all"], ["history", "1"], ["types"], ["batches"]])
def test_a_table_written_line_by_line_is_the_table_rich_draws(
    cli: Cli, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Off a terminal, a table that needs no wrapping is drawn line by line (Rich lays out every
    row first: minutes for 100,000 rows); the bytes are Rich's own."""
    from stream_exempt.output import rich_table

    cli.add("201234567", "--reason", "Zoë's café | placement")
    cli.add("201234568", "--type", "dissertation")
    cli.ok(
        "bulk",
        "-",
        "--type",
        "withdrawn",
        "--start",
        "2027-02-01",
        "--for",
        "1w",
        input="student_id\n201234569\n",
    )
    cli.ok("delete", "2", "--yes")
    env = {"COLUMNS": "1000"}
    drawn = []
    real = rich_table._write_unwrapped

    def counted(*args: Any) -> bool:
        drawn.append(1)
        return real(*args)

    monkeypatch.setattr(rich_table, "_write_unwrapped", counted)
    fast = cli.ok(*command, env=env).stdout
    monkeypatch.setattr(rich_table, "_write_unwrapped", lambda *a: False)
    slow = cli.ok(*command, env=env).stdout
    assert drawn and fast == slow


@pytest.mark.parametrize("columns", [40, 60, 100, 140])
def test_plain_fits_the_terminal_and_loses_no_word(
    cli: Cli, columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`plain` wrote 190-character lines to a 40- or 80-column terminal (SPEC "Tables"): now it
    wraps within its columns, or shows one record per block, and every word is there."""
    cli.add("201234567", "--reason", LONG)
    cli.add("201234568", "--type", "withdrawn")
    monkeypatch.setenv("COLUMNS", str(columns))
    shown = cli.ok("list", "--format", "plain").stdout
    assert max(len(line) for line in shown.splitlines()) <= columns, shown
    # Every character of the reason is shown (wrapped lines interleave the columns' pieces).
    assert not Counter("".join(LONG.split())) - Counter("".join(shown.split())), shown


def test_plain_off_a_terminal_is_one_line_a_row(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.add("201234567", "--reason", LONG)
    monkeypatch.delenv("COLUMNS")
    lines = cli.ok("list", "--format", "plain").stdout.splitlines()
    assert len(lines) == 2 and lines[1].endswith(LONG)
