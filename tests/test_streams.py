"""Standard streams as a Unix tool treats them (SPEC 7): real processes, real redirections.

Each case runs `python -m stream_exempt` under bash, so that `>/dev/full`, `>&-`, `<&-`,
`2>&-` and `| head -1` are exactly what a user or a cron job types. "Before a commit" is a
command that records nothing; "after" is one that committed and then could not write.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from helpers import Cli, command, shell
from stream_exempt import interrupts

pytestmark = pytest.mark.slow

ADD = "add 201234567 -t placement -s +1w --for 2w"
RECORDED = "but this was recorded: exemption 1 for student 201234567"


def status(result: subprocess.CompletedProcess[str]) -> int:
    return int(result.stdout.strip().splitlines()[-1].removeprefix("rc="))


def count(store: Path) -> int:
    return int(sqlite3.connect(store).execute("SELECT count(*) FROM exemptions").fetchone()[0])


@pytest.fixture
def big_store(tmp_path: Path) -> Path:
    """A store with a batch of 3,000: its list is far longer than a pipe's buffer."""
    store = tmp_path / "big.db"
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("student_id\n" + "".join(f"{300000000 + i}\n" for i in range(3000)))
    done = shell(store, f"SE bulk {cohort} -t placement -s +1w --for 2w >/dev/null; echo rc=$?")
    assert status(done) == 0, done.stderr
    return store


@pytest.mark.parametrize("redirect", [">/dev/full", ">&-"], ids=["disk full", "closed stdout"])
def test_output_that_cannot_be_written_after_a_commit_says_what_was_recorded(
    tmp_path: Path, redirect: str
) -> None:
    store = tmp_path / "s.db"
    result = shell(store, f"SE {ADD} {redirect}; echo rc=$?")
    assert status(result) == 74
    created, line = result.stderr.splitlines()
    assert created == f"Created a new store at {store}."
    assert line.startswith("Error: The output could not be written (") and RECORDED in line
    assert "nothing was changed" not in line and "Traceback" not in result.stderr
    assert count(store) == 1  # it was recorded, and the message says so


@pytest.mark.parametrize("redirect", [">/dev/full", ">&-"], ids=["disk full", "closed stdout"])
def test_output_that_cannot_be_written_before_any_commit_is_74(big_store: Path, redirect: str) -> None:
    for args in ("list --format csv", "list", "types", "history 1"):
        result = shell(big_store, f"SE {args} {redirect}; echo rc=$?")
        assert status(result) == 74, (args, result.stderr)
        [line] = result.stderr.splitlines()
        assert line.startswith("Error: The output could not be written (") and "recorded" not in line


def test_a_reader_that_goes_away_is_141_and_quiet(big_store: Path) -> None:
    for args in ("list --format csv", "list --format jsonl", "list --format plain", "list"):
        result = shell(big_store, f"SE {args} | head -1 >/dev/null; echo rc=${{PIPESTATUS[0]}}")
        assert status(result) == 141, (args, result.stderr)
        assert result.stderr == ""


def test_a_reader_that_goes_away_after_a_commit_hears_what_was_recorded(big_store: Path) -> None:
    result = shell(big_store, "SE extend --batch 1 --by 1d | head -1 >/dev/null; echo rc=${PIPESTATUS[0]}")
    assert status(result) == 141
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: The reader of the output went away, but this was recorded: ")
    assert "3,000 exemptions extended (ids 1, 2, 3," in line
    ends = sqlite3.connect(big_store).execute("SELECT DISTINCT end_date FROM exemptions").fetchall()
    assert len(ends) == 1  # every member moved, once


def test_a_closed_stdin_reads_as_empty_and_no_terminal(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    assert status(shell(store, f"SE {ADD} -q >/dev/null; echo rc=$?")) == 0
    deleted = shell(store, "SE delete 1 <&-; echo rc=$?")
    assert status(deleted) == 2
    assert deleted.stderr == "Error: Deleting needs confirmation; run it at a terminal or add --yes.\n"
    bulk = shell(store, "SE bulk - -t placement -s +1w --for 1w <&-; echo rc=$?")
    assert status(bulk) == 2
    assert "standard input is empty" in bulk.stderr and bulk.stderr.startswith("Error: ")
    assert count(store) == 1
    assert sqlite3.connect(store).execute("SELECT deleted_at FROM exemptions").fetchone() == (None,)


def test_a_closed_stderr_never_sends_errors_to_stdout(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    refused = shell(store, "SE check 12 2>&-; echo rc=$?")
    assert refused.stdout == "rc=2\n"  # the error went nowhere, not to stdout; the code is right
    missing = shell(store, "SE list 2>&-; echo rc=$?")
    assert missing.stdout == "rc=4\n"
    both = shell(store, f"SE {ADD} >/dev/full 2>&-; echo rc=$?")
    assert both.stdout == "rc=74\n" and count(store) == 1


def test_debug_shows_a_traceback_only_for_1_true_or_yes(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a defect")

    monkeypatch.setattr("stream_exempt.rules.check_new", broken)
    for value in ("0", "no", "false", "", "2"):
        result = cli(*ADD.split(), env={"STREAM_EXEMPT_DEBUG": value})
        assert result.exit_code == 70 and "Traceback" not in result.stderr
    for value in ("1", "true", "YES"):
        monkeypatch.setenv("STREAM_EXEMPT_DEBUG", value)
        with pytest.raises(RuntimeError, match="a defect"):
            cli(*ADD.split())


def test_ctrl_c_is_130_and_says_what_was_recorded(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, clock: Callable[[datetime], None]
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("stream_exempt.rules.check_new", interrupted)
    before = cli(*ADD.split())
    assert before.exit_code == 130
    assert before.stderr == "Error: Interrupted; nothing was changed.\n"
    monkeypatch.undo()
    monkeypatch.setattr("stream_exempt.output.said.add.describe_created", interrupted)
    after = cli(*ADD.split())
    assert after.exit_code == 130
    assert after.stderr.startswith("Error: Interrupted after recording: exemption 1 for student 201234567")
    assert cli.ok("list", "--ids").stdout == "1\n"


def test_what_one_command_recorded_is_never_said_by_the_next(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each command reports from its own ledger: an interrupt of the second command in the same
    process says nothing of what the first recorded."""
    cli.ok(*ADD.split())

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("stream_exempt.rules.check_new", interrupted)
    second = cli("add", "201234568", "--type", "placement", "--start", "+2w", "--for", "2w")
    assert (second.exit_code, second.stderr) == (130, "Error: Interrupted; nothing was changed.\n")


def test_a_ledger_keeps_notes_made_in_a_transaction_only_when_it_commits() -> None:
    ledger = interrupts.Ledger()
    with pytest.raises(RuntimeError), ledger.transaction():
        ledger.note("exemption 1 for student 201234567", "see list")
        raise RuntimeError("the COMMIT failed")
    assert (ledger.recorded, ledger.said()) == ([], "interrupted; nothing was changed.")
    with ledger.transaction():
        ledger.note("exemption 2 for student 201234567", "see list")
        assert ledger.recorded == []  # not before it commits
        with ledger.committing():
            pass
    assert (ledger.done, ledger.advice) == ("exemption 2 for student 201234567", ["see list"])
    assert ledger.said() == "interrupted after recording: exemption 2 for student 201234567."


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("cohort.csv is empty.", "cohort.csv is empty."),
        ("stream-exempt failed.", "stream-exempt failed."),
        ("Cohort_cp1252.csv: bad.", "Cohort_cp1252.csv: bad."),
        ("give --end or --for.", "Give --end or --for."),
        ("201234567 has none.", "201234567 has none."),
    ],
)
def test_names_in_messages_are_shown_as_written(message: str, shown: str) -> None:
    from stream_exempt.cli.group import sentence

    assert sentence(message) == shown


def test_ctrl_c_while_the_app_is_still_loading_is_130_and_one_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pressed in the first tenth of a second, Ctrl-C arrives while the app's modules load,
    before the app can take it: it printed Python's traceback."""
    import importlib.abc

    from stream_exempt import entry

    class Interrupted(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: object = None, target: object = None) -> None:
            if name == "stream_exempt.cli.app":
                raise KeyboardInterrupt

    monkeypatch.delitem(sys.modules, "stream_exempt.cli.app", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Interrupted(), *sys.meta_path])
    monkeypatch.setattr("stream_exempt.interrupts.install", lambda: None)  # pytest keeps its own handlers
    monkeypatch.setattr("stream_exempt.entry._end", lambda code: None)  # and goes on running
    with pytest.raises(SystemExit) as ended:
        entry.main()
    assert ended.value.code == 130
    assert capsys.readouterr().err == "Error: Interrupted; nothing was changed.\n"


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_a_table_in_a_locale_that_cannot_carry_a_reason_shows_its_codes_in_line(
    tmp_path: Path, encoding: str
) -> None:
    """In an ASCII or Latin-1 locale, `学位论文 📚` was printed as `???? ?`, lost, and the
    border of its row was out of line: the columns were measured on characters not printed."""
    store = tmp_path / "s.db"
    added = shell(
        store,
        f"SE {ADD} -r '学位论文 📚 writing up' -q; SE {ADD} -r 'café' -q --type dissertation; echo rc=$?",
    )
    assert status(added) == 0, added.stderr
    program = command(store, "list")
    env = {**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "200"}
    shown = subprocess.run(program, capture_output=True, timeout=60, env=env, check=True).stdout.decode(
        encoding
    )
    lines = shown.splitlines()
    assert len({len(line) for line in lines[1:]}) == 1, shown  # every line of the frame as wide
    assert "\\u5b66\\u4f4d\\u8bba\\u6587 \\U0001f4da writing up" in shown
    assert ("café" if encoding == "latin-1" else "caf\\xe9") in shown


def test_edit_init_and_request_say_what_they_recorded_when_the_output_fails(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    made = shell(
        store,
        "SE init >/dev/full; echo rc=$?\n"
        "SE add 201234567 -t placement -s +1w --for 2w -q >/dev/null\n"
        "SE edit 1 --reason hi >/dev/full; echo rc=$?\n"
        "SE request 201234568 -t placement -s +1w --for 2w --from 'Dr A' >/dev/full; echo rc=$?\n"
        "SE reject R1 --reason no >/dev/full; echo rc=$?\n",
    )
    assert made.stdout == "rc=74\nrc=74\nrc=74\nrc=74\n", made.stderr
    init, edit, request, reject = made.stderr.splitlines()
    assert init.startswith("Error: The output could not be written (")
    assert init.endswith(
        f"this was recorded: the store at {store}. Running `stream-exempt init` again is harmless."
    )
    assert edit.endswith(
        "but this was recorded: the reason of exemption 1 changed from (none) to 'hi'. "
        "Do not run it again; `stream-exempt history 1` shows it."
    )
    assert request.endswith("from Dr A. Do not run it again; `stream-exempt requests` shows it.")
    assert reject.endswith(
        "request R1 rejected. Do not run it again; `stream-exempt requests --status all` shows it."
    )


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_what_goes_to_stdout_and_stderr_keeps_its_order_in_one_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, buffered: bool
) -> None:
    """A note on stderr comes after the answer it follows on stdout, also in one file (`2>&1`,
    stdout then a buffered file), and output that cannot be written is found before that note
    is said, however stdout is buffered."""
    if buffered:
        monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    else:
        monkeypatch.setenv("PYTHONUNBUFFERED", "1")
    both = tmp_path / "both.txt"
    made = shell(
        tmp_path / "s.db",
        f"SE request 201234568 -t placement -s +1w --for 2w --from 'Dr A' > {both} 2>&1; echo rc=$?\n"
        "SE request 201234569 -t placement -s +1w --for 2w --from 'Dr A' >/dev/full; echo rc=$?\n",
    )
    assert made.stdout == "rc=0\nrc=74\n", made.stderr
    lines = both.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Created a new store at ") and lines[1] == "Recorded request R1"
    assert lines[-1].startswith("An officer approves it with `stream-exempt approve R1`")
    assert made.stderr.startswith("Error: The output could not be written")  # and no note before it
    assert "An officer approves it" not in made.stderr


def test_a_locale_that_is_not_utf8_never_crashes_and_machine_formats_stay_utf8(tmp_path: Path) -> None:
    import json

    store = tmp_path / "s.db"
    added = shell(store, "SE add 201234567 -t placement -s +1w --for 1w -r 'Zoë’s café' -q; echo rc=$?")
    assert added.stdout == "1\nrc=0\n", added.stderr
    for encoding in ("ascii", "latin-1"):
        for args in (
            "list --format csv",
            "list --format jsonl",
            "list --format plain",
            "list",
            "timeline --office",
        ):
            result = shell(
                store,
                f"SE {args} > {tmp_path}/out; echo rc=$?".replace("SE", f"PYTHONIOENCODING={encoding} SE"),
            )
            assert result.stdout == "rc=0\n", (encoding, args, result.stderr)
        machine = shell(store, f"PYTHONIOENCODING={encoding} SE list --format jsonl")
        assert json.loads(machine.stdout)["reason"] == "Zoë’s café"  # decoded as UTF-8 by subprocess
    said = shell(
        store, "PYTHONIOENCODING=ascii SE add 201234568 -t placement -s +1w --for 1w -r 'Zoë'; echo rc=$?"
    )
    assert said.stdout.endswith("reason         Zo\\xeb\nrc=0\n"), said.stderr  # its code, not lost as `?`
