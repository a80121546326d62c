"""The trial's findings (notes/trial.md), each pinned by a test that failed before its fix."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli


def test_an_empty_db_option_is_refused_not_the_default_store(cli: Cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    default = cli.store_path.parent / "default.db"
    monkeypatch.setenv("STREAM_EXEMPT_DB", str(default))
    result = cli.runner.invoke(
        cli_app(), ["--db", "", "add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w"]
    )
    assert result.exit_code == 2, result.output
    assert result.stderr == "Error: --db is empty; give the path of the store.\n"
    assert not default.exists()


def test_a_store_path_with_spaces_at_its_ends_is_quoted(cli: Cli, tmp_path: Path) -> None:
    result = cli.runner.invoke(cli_app(), ["--db", f"{tmp_path}/x.db ", "list"])
    assert result.exit_code == 4
    assert result.stderr.startswith(f'Error: There is no store at "{tmp_path}/x.db "; ')


def test_a_limit_beyond_any_integer_type_lists_every_row(cli: Cli) -> None:
    cli.add()
    for huge in ("9223372036854775808", "9" * 40):
        assert cli.ok("list", "--limit", huge, "--format", "csv").stdout.count("\n") == 2
        assert cli.ok("list", "--limit", huge, "--ids").stdout == "1\n"


def test_the_more_line_of_a_machine_format_does_not_advise_a_machine_format(cli: Cli) -> None:
    for student in ("201234567", "201234568", "201234569"):
        cli.add(student)
    said = cli.ok("list", "--limit", "2", "--format", "csv").stderr
    assert (
        said
        == "1 more not shown; see them all with --all (or without --limit), more with a larger --limit N.\n"
    )


def cli_app():  # type: ignore[no-untyped-def]
    from stream_exempt.cli.app import app

    return app


def _shell(store: Path, script: str):  # type: ignore[no-untyped-def]
    import os
    import shlex
    import subprocess
    import sys

    program = f"{shlex.quote(sys.executable)} -m stream_exempt --db {shlex.quote(str(store))}"
    return subprocess.run(
        ["bash", "-c", f'SE() {{ {program} "$@"; }}\n{script}'],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "80"},
    )


def test_edit_init_and_request_say_what_they_recorded_when_the_output_fails(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    made = _shell(
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
