"""The README's console examples, run as written: commands and outputs, with the clock frozen.

Every ```console block of README.md is a session at a shell: a line starting `$ ` is a command
(run by bash, in one folder holding a copy of `examples/`, with one store for the whole
README), and the lines up to the next command are what it prints, standard output and standard
error together, with that folder written `$PWD`. A line `...` stands for any number of lines.
`stream-exempt` is the real program, started in a real process whose clock is frozen at
README_NOW, so the dates in the README are the dates the tool prints, and whose login is
"officer".

After a deliberate change of output, `UPDATE_README=1 python -m pytest tests/test_readme.py`
writes what the program prints into the README's console blocks (keeping each `...` that still
matches); read the diff before committing it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# Sunday 29 November 2026, 09:00 in London: the day the README's outputs were made.
README_NOW = datetime(2026, 11, 29, 9, 0, tzinfo=ZoneInfo("Europe/London"))


def _shim(moment: datetime) -> str:
    """A stand-in for the `stream-exempt` program whose clock is frozen at `moment`."""
    return f"""\
import sys
from datetime import datetime
import time_machine
time_machine.travel(datetime.fromisoformat({moment.isoformat()!r}), tick=False).start()
# The README's officer: the login every change records is the operating system's (SPEC 7),
# which LOGNAME cannot set, so the tour names its login here.
from stream_exempt.cli import session
session.login = lambda: "officer"
from stream_exempt.cli.app import main
sys.argv[0] = "stream-exempt"
main()
"""


def _program(bin_dir: Path, moment: datetime) -> None:
    """`bin_dir/stream-exempt`: the real program in a real process, its clock at `moment`."""
    bin_dir.mkdir()
    (bin_dir / "frozen.py").write_text(_shim(moment), encoding="utf-8")
    shim = bin_dir / "stream-exempt"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{bin_dir / "frozen.py"}" "$@"\n', encoding="utf-8")
    shim.chmod(0o755)


Step = tuple[str, list[str]]


def sessions(text: str) -> list[list[Step]]:
    """The console blocks of a Markdown text, each a list of (command, expected lines)."""
    blocks = re.findall(r"^```console\n(.*?)^```", text, flags=re.M | re.S)
    found = []
    for block in blocks:
        steps: list[Step] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line.rstrip())
        found.append(steps)
    return found


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether `actual` is `expected`, where a line `...` stands for any run of lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[at:]) for at in range(len(actual) + 1))
    return bool(actual) and actual[0] == expected[0] and matches(expected[1:], actual[1:])


def test_sessions_are_found() -> None:
    """The README has console examples, so the test below cannot pass by finding none."""
    found = sessions(README.read_text(encoding="utf-8"))
    assert len(found) >= 3
    assert sum(len(steps) for steps in found) >= 15


def test_matches_elision() -> None:
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["a", "...", "d"], ["a", "d"])
    assert not matches(["a", "...", "d"], ["a", "b"])
    assert not matches(["a"], ["a", "b"])


@pytest.mark.slow
def test_readme_console_examples(tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(ROOT / "examples", work / "examples")
    bin_dir = tmp_path / "bin"
    _program(bin_dir, README_NOW)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "COLUMNS": "100",  # as at a terminal 100 columns wide
        "PYTHONUNBUFFERED": "1",  # standard output and error interleave as they happen
        "PYTHONPATH": os.pathsep.join(sys.path),
        "STREAM_EXEMPT_DB": str(work / "tour.db"),  # the README's tour keeps its own store
    }
    failures = []
    updates: dict[str, list[str]] = {}
    for steps in sessions(README.read_text(encoding="utf-8")):
        for command, expected in steps:
            done = subprocess.run(
                ["bash", "-c", "exec 2>&1\n" + command],
                cwd=work,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=60,
            )
            # The folder the README runs in is `$PWD` to its reader (`Created a new store at $PWD/tour.db.`).
            actual = [line.rstrip().replace(str(work), "$PWD") for line in done.stdout.splitlines()]
            while expected and not expected[-1]:
                expected = expected[:-1]
            if not matches(expected, actual):
                updates[command] = actual
                failures.append(
                    f"$ {command}\n--- README\n" + "\n".join(expected) + "\n--- actual\n" + "\n".join(actual)
                )
    if failures and os.environ.get("UPDATE_README") == "1":
        _rewrite(updates)
        pytest.skip("README console blocks rewritten from the program's output; read the diff")
    assert not failures, "\n\n".join(failures) + "\n\n(deliberate? UPDATE_README=1 rewrites the README)"


def setup_commands(text: str) -> list[str]:
    """The tool's invocations in the README's set-up command (the first ```sh block)."""
    block = re.search(r"^## Set-up.*?^```sh\n(.*?)^```", text, flags=re.M | re.S)
    assert block is not None, "the README has no set-up command"
    parts = [part.strip() for line in block.group(1).splitlines() for part in line.split("&&")]
    return [part for part in parts if part.startswith("stream-exempt ")]


A_YEAR_ON = [
    README_NOW.replace(year=README_NOW.year + 1),
    datetime.now(README_NOW.tzinfo) + timedelta(days=366),
]


@pytest.mark.slow
@pytest.mark.parametrize("moment", A_YEAR_ON, ids=["a year after the README was written", "a year from now"])
def test_the_set_up_command_works_on_any_day(tmp_path: Path, moment: datetime) -> None:
    """SPEC 10: the set-up command uses relative dates, so it works whenever it is run (a
    fixed `--start 06/09/2027` is refused as a start in the past from 7 September 2027 on)."""
    commands = setup_commands(README.read_text(encoding="utf-8"))
    assert [command.split()[1] for command in commands] == ["bulk", "list"]
    work = tmp_path / "work"
    shutil.copytree(ROOT / "examples", work / "examples")
    _program(tmp_path / "bin", moment)
    env = {
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "home" / ".config"),  # the default store goes here
        "LOGNAME": "officer",
        "LANG": "C.UTF-8",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    store = tmp_path / "home" / ".config" / "stream-exempt" / "exemptions.db"
    for run in ("first", "again"):
        for command in commands:
            done = subprocess.run(
                ["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True, timeout=60
            )
            assert done.returncode == 0, (run, command, done.stdout, done.stderr)
            if command.split()[1] == "bulk":
                expected = "Batch 1: 20 exemptions created" if run == "first" else "Nothing new: all 20"
                assert done.stdout.startswith(expected), done.stdout
                assert ("Created a new store at" in done.stderr) == (run == "first")
    assert store.exists()


def test_the_shared_store_s_install_step_works_on_a_fresh_host(tmp_path: Path) -> None:
    """The README's `install ... /etc/stream-exempt/config.toml`, run as written but under
    tmp_path (and with the tester's own group): /etc/stream-exempt does not exist on a fresh host."""
    import grp

    text = README.read_text(encoding="utf-8")
    (line,) = [row.strip() for row in text.splitlines() if row.strip().startswith("sudo install ")]
    group = grp.getgrgid(os.getgid()).gr_name
    command = line.removeprefix("sudo ").replace("-g ses-office", f"-g {group}")
    command = command.replace(" /etc/", f" {tmp_path}/etc/")
    (tmp_path / "config.toml").write_text('store = "/srv/stream-exempt/exemptions.db"\n', encoding="utf-8")
    done = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, (command, done.stderr)
    installed = tmp_path / "etc" / "stream-exempt" / "config.toml"
    assert installed.read_text(encoding="utf-8").startswith("store = ")
    assert installed.stat().st_mode & 0o777 == 0o640


def _rewrite(updates: dict[str, list[str]]) -> None:
    """Put each command's actual output in place of what the README says it prints."""
    lines = README.read_text(encoding="utf-8").split("\n")
    out: list[str] = []
    in_console, skipping = False, False
    for line in lines:
        if line.startswith("```"):
            in_console = line == "```console"
            skipping = False
        elif in_console and line.startswith("$ "):
            skipping = False
            out.append(line)
            if line[2:] in updates:
                out.extend(updates[line[2:]])
                skipping = True
            continue
        elif skipping:
            if line.strip():
                continue
            skipping = False
        out.append(line)
    README.write_text("\n".join(out), encoding="utf-8")
