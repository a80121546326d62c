"""Failures become one `Error:` line and the documented exit code, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from helpers import Cli, snapshot


def test_an_internal_failure_shows_no_traceback_and_no_personal_data(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret 201234567 personal data")

    monkeypatch.setattr("stream_exempt.rules.check_new", broken)
    result = cli("add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w")
    assert result.exit_code == 70
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr and "secret" not in result.stderr


@pytest.mark.sqlite_only("SQLite's write lock and busy timeout")
def test_a_store_locked_past_the_timeout_is_exit_4(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.add()
    before = snapshot(cli.location)
    monkeypatch.setattr("stream_exempt.store.sqlite.BUSY_TIMEOUT_SECONDS", 0.2)
    holder = sqlite3.connect(cli.store_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = cli("add", "201234568", "-t", "placement", "-s", "+1w", "--for", "1w")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 4
    assert "stayed locked by another process" in result.stderr
    assert snapshot(cli.location) == before


def test_usage_errors_are_one_error_line(cli: Cli) -> None:
    result = cli("add", "201234567", "--type", "placement", "--start", "+1w", "--for", "1w", "--bogus")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: No such option: --bogus (see `stream-exempt add --help`)."
    ]
    result = cli("frobnicate")
    assert result.exit_code == 2 and result.stderr.startswith("Error: No such command")


@pytest.mark.parametrize(
    ("args", "accepted"),
    [
        (["list", "--format", "bogus"], "'table', 'csv', 'tsv', 'json', 'jsonl', 'markdown', 'plain'"),
        (["history", "1", "--format", ""], "'table'"),
        (["types", "--format", "x"], "'table'"),
        (["check", "201234567", "--format", "xml"], "'json'"),
    ],
)
def test_a_bad_choice_is_exit_2_listing_the_accepted_values(cli: Cli, args: list[str], accepted: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: Invalid value for '--format'")
    assert accepted in lines[0]


def test_choices_ignore_case(cli: Cli) -> None:
    assert cli.ok("list", "--format", "CSV").stdout.startswith("id,student_id,")
    assert cli.ok("types", "--format", "Plain").stdout.startswith("Code")


def test_no_private_typer_or_click_api(project_root: Path) -> None:
    for path in (project_root / "src").rglob("*.py"):
        text = path.read_text()
        assert "typer._" not in text and "click._" not in text and "_click" not in text, path
