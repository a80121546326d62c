"""The application built for one run: the command asked for alone, or every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stream_exempt.cli import app as app_module


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["check", "201234567"], "check"),
        (["--db", "s.db", "check", "201234567"], "check"),
        (["--db=s.db", "list", "--format", "csv"], "list"),
        (["--db", "check", "list"], "list"),  # `check` is the value of --db here
        (["--help"], None),
        (["-h", "check"], None),
        (["--version"], None),
        (["nosuch"], None),
        ([], None),
        (["--db", "s.db"], None),
    ],
)
def test_the_command_a_run_asks_for(args: list[str], command: str | None) -> None:
    assert app_module.command_named(args) == command


def test_every_command_of_the_table_is_in_the_whole_application() -> None:
    import typer

    group = typer.main.get_command(app_module.app)
    assert sorted(group.commands) == sorted(app_module.COMMANDS)  # type: ignore[attr-defined]


@pytest.mark.slow
def test_a_run_of_one_command_builds_only_that_command(tmp_path: Path) -> None:
    """`check` run by cron does not import the other commands' modules (timeline, summary...)."""
    probe = (
        "import sys\n"
        "sys.argv = ['stream-exempt', '--db', sys.argv[1], 'types', '--format', 'plain']\n"
        "from stream_exempt.cli import app\n"
        "try:\n"
        "    app.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('stream_exempt.cli.'))\n"
        "print(' '.join(loaded), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "none.db")], capture_output=True, text=True, timeout=60
    )
    assert "Practice Placement Block" in done.stdout
    loaded = done.stderr.split()
    assert "stream_exempt.cli.catalogue" in loaded
    assert "stream_exempt.cli.timeline" not in loaded
    assert "stream_exempt.cli.summary" not in loaded
