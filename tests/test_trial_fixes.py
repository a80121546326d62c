"""The trial's findings (notes/trial.md), each pinned by a test that failed before its fix."""

from __future__ import annotations

from pathlib import Path

from helpers import Cli, shell


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


def test_a_read_command_refuses_an_empty_file_and_leaves_it_empty(bare_cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text("student_id\n201234567\n")
    for command in (
        ["check", "201234567"],
        ["check", "--file", str(feed)],
        ["list"],
        ["doctor"],
        ["history", "1"],
    ):
        bare_cli.store_path.write_bytes(b"")
        result = bare_cli(*command)
        assert result.exit_code == 4, (command, result.output)
        assert result.stderr == (
            f"Error: {bare_cli.store_path} is empty, not a stream-exempt store; check --db or STREAM_EXEMPT_DB, "
            "or run `stream-exempt init` if you meant to create the store there.\n"
        )
        assert result.stdout == "" and bare_cli.store_path.stat().st_size == 0


def test_a_writing_command_may_make_an_empty_file_its_store(bare_cli: Cli) -> None:
    bare_cli.store_path.write_bytes(b"")
    bare_cli.add()
    assert bare_cli.ok("list", "--ids").stdout == "1\n"
    bare_cli.store_path.unlink()
    bare_cli.store_path.write_bytes(b"")
    assert bare_cli.ok("init").stdout.startswith("The store is ready at")
    assert bare_cli.ok("list", "--format", "csv").stdout.startswith("id,")


def test_doctor_on_a_private_store_that_others_may_read_gives_no_sharing_advice(cli: Cli) -> None:
    cli.store_path.chmod(0o644)
    cli.store_path.parent.chmod(0o755)
    result = cli("doctor")
    assert "init --group" not in result.stderr and "members" not in result.stderr
    assert "anyone on this host can open the store" in result.stderr  # still true, still said


def test_dates_at_the_end_of_the_calendar_are_refused_or_answered_never_70(cli: Cli) -> None:
    number = cli.add("201234999", "--start", "2027-01-11", "--end", "31/12/9999")
    moved = cli("move", str(number), "--start", "+3w")
    assert moved.exit_code == 2, moved.output
    assert moved.stderr.startswith(f"Error: Exemption {number} starting 25 Jan 2027 would keep its ")
    assert moved.stderr.endswith("give --end as well.\n")
    # The last window that fits still draws; one week later is refused, naming the date given.
    # (31 Dec 9999 is a Friday: the last whole week is 20-26 Dec.)
    assert cli.ok("timeline", "201234999", "--from", "06/12/9999", "--weeks", "3").stdout
    assert cli.ok("timeline", "--office", "--from", "26/12/9999", "--weeks", "1").stdout
    assert cli("timeline", "--office", "--from", "27/12/9999", "--weeks", "1").exit_code == 2
    for args in (["201234999", "--from", "25/12/9999"], ["--office", "--from", "20/12/9999"]):
        result = cli("timeline", *args)
        assert result.exit_code == 2, (args, result.output)
        assert "the last day of the calendar; give an earlier --from or fewer --weeks." in result.stderr
    for day in ("31/12/9999", "01/01/0001"):
        summary = cli("summary", "--on", day)
        assert summary.exit_code == 0, summary.output
        assert cli("list", "--ending-within", "2w", "--on", day).exit_code == 0


def test_timeline_files_an_empty_name_is_refused_a_dash_is_stdout_a_new_file_is_private(
    cli: Cli, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
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


def test_option_text_that_is_not_utf8_is_refused_as_such_never_70(cli: Cli, tmp_path: Path) -> None:
    latin1 = "caf\udce9"  # what Python makes of `caf\xe9` typed at a Latin-1 terminal
    cli.add()
    cli.ok("request", "201234568", "-t", "placement", "-s", "+1w", "--for", "1w", "--from", "Dr A")
    cases = {
        "the reason": [
            ["add", "201234569", "-t", "placement", "-s", "+1w", "--for", "1w", "-r", latin1],
            ["edit", "1", "--reason", latin1],
            ["reject", "R1", "--reason", latin1],
        ],
        "the name given with --as": [
            ["add", "201234569", "-t", "placement", "-s", "+1w", "--for", "1w", "--as", latin1]
        ],
        "the name given with --from": [
            ["request", "201234569", "-t", "placement", "-s", "+1w", "--for", "1w", "--from", latin1]
        ],
    }
    for what, commands in cases.items():
        for command in commands:
            result = cli(*command)
            assert result.exit_code == 2, (command, result.output)
            assert result.stderr.startswith(f"Error: {what.capitalize()} is not valid UTF-8 text; "), (
                result.stderr
            )
    folder = tmp_path / "bk"
    folder.mkdir()
    cohort = folder / "f\udce9.csv"
    cohort.write_bytes(b"student_id\n201234570\n")
    cli.ok("bulk", str(cohort), "-t", "placement", "-s", "+1w", "--for", "1w")
    assert "f\ufffd.csv" in cli.ok("batches", "--format", "csv").stdout


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


def test_tables_keep_the_padding_at_both_edges_and_break_the_fewest_words(cli: Cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
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
