"""Every option of every command, read from the app itself, given hostile values (SPEC 7).

The command tree is walked from the Click objects Typer builds, so a command or an option
added later is covered without editing this file. No value typed at the command line may
produce exit 70 or a traceback: each answer is the exit code SPEC 7 gives it, 0 for a value
that is fine as it stands (such as Rich markup in a reason, which is then shown as written),
else 2 (4 or 74 where the SPEC says) with an `Error:` sentence.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import typer

from helpers import Cli
from stream_exempt.cli.app import app

HOSTILE = {
    "bad choice": "no-such-value",
    "empty": "",
    "huge": "9" * 100_000,
    "control characters": "\x1b[31m\x07a\x00b\r\n",
    "markup": "[red]x[/red]",
}

# A valid invocation of each command, so that the value under test is the one that is wrong.
# A command missing here is run with its hostile option alone (still never 70).
BASELINE: dict[str, list[str]] = {
    "add": ["201234568", "--type", "placement", "--start", "+1w", "--for", "1w"],
    "bulk": ["COHORT", "--type", "placement", "--start", "+2w", "--for", "1w"],
    "list": [],
    "check": ["201234567"],
    "extend": ["1", "--by", "1w"],
    "move": ["1", "--by", "1d"],
    "delete": ["1", "--yes"],
    "history": ["1"],
    "types": [],
    "doctor": [],
    "edit": ["1", "--reason", "corrected"],
    "request": ["201234570", "--type", "placement", "--start", "+2w", "--for", "1w", "--from", "a.tutor"],
    "approve": ["R1"],
    "reject": ["R1", "--reason", "not needed"],
    "requests": [],
    "batches": [],
    "summary": [],
    "timeline": ["201234567"],
    "config": [],
}


def _commands() -> list[tuple[str, Any]]:
    root = typer.main.get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    return [("", root), *sorted(root.commands.items())]


def _cases() -> list[Any]:
    cases = []
    for name, command in _commands():
        for param in command.params:
            flags = [opt for opt in param.opts if opt.startswith("--")]
            if getattr(param, "is_flag", False) or getattr(param, "is_eager", False):
                continue  # a flag takes no value
            label = flags[0] if flags else param.name
            cases.append(pytest.param(name, param, id=f"{name or 'root'} {label}"))
    return cases


def _invocation(name: str, param: Any, value: str, cohort: Path) -> list[str]:
    if name == "":  # a root option, before a command that reads the store
        return [param.opts[0], value, "list"]
    baseline = [str(cohort) if arg == "COHORT" else arg for arg in BASELINE.get(name, [])]
    if param.param_type_name == "argument":
        if baseline and not baseline[0].startswith("-"):  # the baseline's own argument
            return [name, value, *baseline[1:]]
        return [name, value, *baseline]
    flag = param.opts[0]
    if flag in baseline:  # replace the baseline's own value for this option
        at = baseline.index(flag)
        baseline = baseline[:at] + baseline[at + 2 :]
    return [name, *baseline, flag, value]


def test_the_walk_finds_every_command_and_its_options() -> None:
    names = {name for name, _ in _commands()}
    assert {"add", "bulk", "list", "check", "extend", "move", "delete", "history", "types"} <= names
    labels = {case.id for case in _cases()}
    assert {"list --format", "check --format", "add --type", "root --db", "bulk file"} <= labels


def _expected(name: str, label: str, kind: str) -> int:
    """The exit code SPEC 7 asks for: 2 (refused) for every hostile value, except where the
    option takes free text or names a file, and the value is fine as written."""
    if label in ("--svg", "--html"):  # a file to write, in the test's folder
        # `no-such-value` is written; a name too long, or in a folder that does not exist
        # (`[red]x[/red]`), cannot be: the output could not be written.
        return {"bad choice": 0, "huge": 74, "markup": 74}.get(kind, 2)
    if name == "" and label == "--db":  # the store that `list` (a command that only reads) opens
        return {"bad choice": 4, "huge": 4, "markup": 4}.get(kind, 2)  # no store there
    if label == "--reason":  # free text; only a rejection must give one
        return {"bad choice": 0, "markup": 0, "empty": 2 if name == "reject" else 0}.get(kind, 2)
    if label == "--as" or (name, label) == ("request", "--from"):  # a person's name
        return {"bad choice": 0, "markup": 0}.get(kind, 2)
    return 2


@pytest.mark.parametrize(("name", "param"), _cases())
@pytest.mark.sqlite_only("copies the SQLite store file (and its -wal/-shm) for each value")
def test_hostile_values_for_every_option(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, param: Any
) -> None:
    monkeypatch.chdir(tmp_path)  # an option that writes a file (`--svg no-such-value`) writes it here
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("student_id\n201234569\n")
    cli.ok("add", "201234567", "--type", "placement", "--start", "+1w", "--for", "2w", "-q")
    cli.ok("bulk", str(cohort), "--type", "placement", "--start", "+1w", "--for", "1w")
    request = ("request", "201234571", "-t", "placement", "-s", "+2w", "--for", "1w", "--from", "tutor")
    cli.ok(*request)  # R1, for approve and reject
    label = param.opts[0] if param.opts[0].startswith("--") else param.name
    for kind, value in HOSTILE.items():
        # Each value meets the store as set up above, not as an earlier value left it.
        fresh = Cli(tmp_path / kind / "exemptions.db")
        fresh.store_path.parent.mkdir()
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{cli.store_path}{suffix}").exists():
                shutil.copy(f"{cli.store_path}{suffix}", f"{fresh.store_path}{suffix}")
        args = _invocation(name, param, value, cohort)
        result = fresh(*args, input="")
        shown = (kind, args[:6], result.exit_code, result.stderr[-300:])
        assert result.exit_code == _expected(name, label, kind), shown
        assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, shown
        if result.exit_code != 0:
            errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
            assert errors and result.stderr.splitlines()[-1].startswith("Error: "), shown
            assert "\x1b" not in result.stderr and "\x00" not in result.stderr, shown
