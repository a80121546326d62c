"""Tutors' requests: request, requests, approve, reject, and what history shows of them."""

import json
import os
import re
import shlex
import sqlite3
import subprocess
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import Result

from helpers import LONDON, Cli, command, snapshot
from stream_exempt import schema
from stream_exempt.dates import show

ASK = ("request", "201234567", "--type", "placement", "--start", "2027-01-11", "--for", "2w")


def ask(cli: Cli, *extra: str, tutor: str = "Dr Jones") -> str:
    """Record a request (placement, 11 to 24 Jan 2027 unless told) and return its number."""
    args = list(ASK)
    for option in ("--start", "--for", "--type"):
        if option in extra:
            index = args.index(option)
            del args[index : index + 2]
    return str(cli.ok(*args, *extra, "--from", tutor, "-q").stdout.strip())


def listed(cli: Cli, *args: str) -> list[dict[str, object]]:
    return json.loads(cli.ok("requests", *args, "--format", "json").stdout)  # type: ignore[no-any-return]


def test_the_whole_life_of_a_request(cli: Cli, clock: Callable[[datetime], None], login: str) -> None:
    shown = cli.ok(*ASK, "--from", "Dr Jones", "--reason", "NHS placement", "--as", "Sam Office")
    assert shown.stdout.startswith("Recorded request R1\n") and "Dr Jones" in shown.stdout
    assert "stream-exempt approve R1" in shown.stderr
    assert ask(cli, "--start", "2027-01-18", tutor="Prof Lee") == "R2"
    waiting = listed(cli)
    assert [(r["id"], r["from"], r["status"], r["recorded_by"], r["recorded_for"]) for r in waiting] == [
        ("R1", "Dr Jones", "requested", login, "Sam Office"),
        ("R2", "Prof Lee", "requested", login, None),
    ]
    assert cli.ok("list", "--format", "json").stdout.strip() == "[]"  # nothing exempt yet

    clock(datetime(2027, 1, 5, 9, 0, tzinfo=LONDON))  # approved the next morning
    approved = cli.ok("approve", "R1", "--as", "Alice Officer")
    assert approved.stdout.startswith("Approved request R1 from Dr Jones.\nAdded exemption 1\n")
    assert "in force from  7 Jan 2027" in approved.stdout  # R6 as of the day of approval
    exemptions = json.loads(cli.ok("list", "--format", "json").stdout)
    assert [
        (e["id"], e["start"], e["end"], e["created_by"], e["created_for"], e["reason"]) for e in exemptions
    ] == [(1, "2027-01-11", "2027-01-24", login, "Alice Officer", "NHS placement")]
    assert [r["id"] for r in listed(cli)] == ["R2"]  # the default is the waiting ones
    assert [
        (r["id"], r["decided_by"], r["decided_for"], r["exemption_id"])
        for r in listed(cli, "--status", "approved")
    ] == [("R1", login, "Alice Officer", 1)]
    assert [r["id"] for r in listed(cli, "--status", "all")] == ["R1", "R2"]

    events = json.loads(cli.ok("history", "1", "--format", "json").stdout)
    assert [(e["action"], e["actor"], e["actor_for"], e["request"]) for e in events] == [
        ("request", login, "Sam Office", "R1"),
        ("approve", login, "Alice Officer", "R1"),
    ]
    assert events[0]["at"] == "2027-01-04T12:00:00Z" and events[0]["after"]["from"] == "Dr Jones"
    assert events[1]["at"] == "2027-01-05T09:00:00Z" and events[1]["after"]["in_force_from"] == "2027-01-07"
    table = cli.ok("history", "1", "--format", "plain").stdout
    assert (
        "R1 asked by Dr Jones: Practice Placement Block, 11 Jan 2027 to 24 Jan 2027 (NHS placement)" in table
    )
    assert "approved R1: recorded Practice Placement Block" in table
    assert "2027-01-04 12:00 GMT" in table
    assert f"{login} for Sam Office" in table and f"{login} for Alice Officer" in table


def test_a_request_checks_only_the_type_and_the_order_of_its_dates(cli: Cli) -> None:
    assert ask(cli, "--start", "2027-01-01") == "R1"  # a start that has passed: left to approval
    cli.add("201234567", "--start", "2027-01-11")
    assert ask(cli) == "R2"  # sharing days with a live exemption: left to approval
    base = ("request", "201234567", "--from", "Dr Jones")
    for extra, words in [
        (("-t", "holiday", "-s", "2027-01-11", "--for", "1w"), "holiday"),
        (("-t", "placement", "-s", "2027-01-20", "--end", "2027-01-10"), "before the start"),
        (("-t", "placement", "-s", "2027-01-11", "--for", "1w", "--end", "2027-01-20"), "not both"),
    ]:
        result = cli(*base, *extra)
        assert result.exit_code == 2 and words in result.stderr, result.stderr
    assert (
        cli("request", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w").exit_code == 2
    )  # no --from
    blank = cli(*ASK, "--from", " ")
    assert blank.exit_code == 2 and "--from" in blank.stderr
    assert [r["id"] for r in listed(cli)] == ["R1", "R2"]


@pytest.mark.parametrize(
    ("approved_on", "start", "outcome"),
    [
        (datetime(2027, 1, 10, 12, 0, tzinfo=LONDON), None, "approved"),  # the day before the start
        (datetime(2027, 1, 11, 0, 30, tzinfo=LONDON), None, "--start 2027-01-12"),  # the day of the start
        (datetime(2027, 1, 12, 12, 0, tzinfo=LONDON), None, "--start 2027-01-13"),  # the day after
        (datetime(2027, 1, 12, 12, 0, tzinfo=LONDON), "2027-01-12", "--start 2027-01-13"),  # --start today
        (datetime(2027, 1, 12, 12, 0, tzinfo=LONDON), "2027-01-13", "approved"),
        (datetime(2027, 1, 25, 12, 0, tzinfo=LONDON), None, "reject R1"),  # all of it has passed
    ],
)
def test_approval_applies_r3_on_the_day_of_approval(
    cli: Cli,
    clock: Callable[[datetime], None],
    store_path: Path,
    approved_on: datetime,
    start: str | None,
    outcome: str,
) -> None:
    ask(cli)
    clock(approved_on)
    before = snapshot(cli.location)
    result = cli("approve", "R1", *(["--start", start] if start else []))
    if outcome == "approved":
        assert result.exit_code == 0, result.stderr
        return
    assert result.exit_code == 2 and outcome in result.stderr, result.stderr
    assert snapshot(cli.location) == before
    assert listed(cli)[0]["status"] == "requested"


def test_approval_with_a_new_start_keeps_the_end_and_warns_before_it_is_in_force(
    cli: Cli, clock: Callable[[datetime], None]
) -> None:
    ask(cli)
    clock(datetime(2027, 1, 12, 12, 0, tzinfo=LONDON))
    result = cli.ok("approve", "R1", "--start", "tomorrow")
    assert "13 Jan 2027 to 24 Jan 2027" in result.stdout
    assert result.stderr == "Warning: notifications may still trigger until 14 Jan 2027.\n"


def test_approval_applies_r7_and_r5c(cli: Cli) -> None:
    ask(cli)
    ask(cli, "--start", "2027-01-05", "--for", "1d")  # R2: Tuesday 5 January only
    existing = cli.add("201234567", "--start", "2027-01-20")
    before = snapshot(cli.location)
    clash = cli("approve", "R1")
    assert clash.exit_code == 2 and f"already has exemption {existing}" in clash.stderr
    useless = cli("approve", "R2")  # approved on Monday: in force from Wednesday, after its end
    assert useless.exit_code == 2
    assert "5 Jan 2027" in useless.stderr and "6 Jan 2027" in useless.stderr
    assert snapshot(cli.location) == before


def test_a_request_is_approved_or_rejected_once(cli: Cli, login: str) -> None:
    ask(cli)
    ask(cli, "--type", "dissertation")
    cli.ok("approve", "R1", "--as", "Alice")
    cli.ok("reject", "R2", "--reason", "Not in the handbook", "--as", "Bob")
    before = snapshot(cli.location)
    for args, words in [
        (("approve", "R1"), f"already approved by {login} for Alice"),
        (("reject", "R1", "--reason", "late"), f"already approved by {login} for Alice"),
        (("approve", "R2"), f"already rejected by {login} for Bob"),
        (("reject", "R2", "--reason", "again"), f"already rejected by {login} for Bob"),
    ]:
        result = cli(*args)
        assert result.exit_code == 2 and words in result.stderr, (args, result.stderr)
        assert "2027-01-04 12:00 GMT" in result.stderr
    assert snapshot(cli.location) == before
    rejected = listed(cli, "--status", "rejected")
    assert [
        (r["id"], r["decided_by"], r["decided_for"], r["decision_reason"], r["exemption_id"])
        for r in rejected
    ] == [("R2", login, "Bob", "Not in the handbook", None)]
    events = json.loads(cli.ok("history", "R2", "--format", "json").stdout)
    assert [(e["action"], e["actor"], e["actor_for"]) for e in events] == [
        ("request", login, None),
        ("reject", login, "Bob"),
    ]


def test_reject_needs_a_reason(cli: Cli) -> None:
    ask(cli)
    assert cli("reject", "R1").exit_code == 2
    blank = cli("reject", "R1", "--reason", "  ")
    assert blank.exit_code == 2 and "--reason" in blank.stderr
    assert listed(cli)[0]["status"] == "requested"


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("approve", "R9"), 3, "no request R9"),
        (("reject", "r9", "--reason", "x"), 3, "no request R9"),
        (("history", "R9"), 3, "no request R9"),
        (("approve", "X1"), 2, "R1, R2"),
        (("approve", "R0"), 2, "R1, R2"),
        (("approve", "R1", "--start", "someday"), 2, "not a date"),
        (("requests", "--status", "pending"), 2, "requested, approved, rejected"),
        (("requests", "--format", "yaml"), 2, "'table', 'csv', 'tsv', 'json', 'jsonl', 'markdown', 'plain'"),
    ],
)
def test_wrong_requests_are_refused(cli: Cli, args: tuple[str, ...], code: int, words: str) -> None:
    ask(cli)
    result = cli(*args)
    assert result.exit_code == code and words in result.stderr, result.stderr
    assert result.stderr.startswith("Error: ")


def test_bare_numbers_name_requests_too(cli: Cli) -> None:
    ask(cli)
    cli.ok("approve", "1")
    assert listed(cli, "--status", "approved")[0]["id"] == "R1"


@pytest.mark.parametrize("fmt", ["table", "plain", "markdown", "csv", "tsv", "jsonl"])
def test_requests_in_every_format(cli: Cli, fmt: str) -> None:
    ask(cli, tutor="=HYPERLINK(1)")
    out = cli.ok("requests", "--format", fmt).stdout
    assert "R1" in out and "201234567" in out
    if fmt in ("csv", "tsv"):
        assert "'=HYPERLINK(1)" in out  # a spreadsheet must not run it


@pytest.mark.sqlite_only("tampers with the SQLite file's tables directly to prove its triggers refuse it")
def test_the_store_keeps_requests_and_their_decisions(cli: Cli, store_path: Path) -> None:
    ask(cli)
    cli.ok("approve", "R1")
    conn = sqlite3.connect(store_path)
    for statement in (
        "DELETE FROM requests",
        "UPDATE requests SET status = 'rejected'",
        "UPDATE requests SET decided_by = 'someone else'",
        "DELETE FROM events",
        "UPDATE events SET actor = 'x'",
        "INSERT INTO events (action, actor, at) VALUES ('request', 'x', 'now')",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(statement)


def test_migration_keeps_the_event_log_and_its_guards(tmp_path: Path) -> None:
    """A store made before requests existed keeps every event, id and guard after 0003."""
    from sqlite_utils import Database, Migrations

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrations = Migrations(schema.MIGRATION_SET)
    migrations(name="0001_initial")(dict(schema.MIGRATIONS)["0001_initial"])
    migrations.apply(Database(conn))
    conn.execute(
        "INSERT INTO exemptions (student_id, type, start_date, end_date, created_by, created_at, "
        "in_force_from) VALUES ('201234567', 'placement', '2027-01-11', '2027-01-24', 'a', 'now', '2027-01-06')"
    )
    conn.executemany(
        "INSERT INTO events (id, exemption_id, action, actor, at) VALUES (?, 1, ?, 'a', 'now')",
        [(1, "add"), (7, "extend")],
    )
    conn.close()

    from stream_exempt.store import Store

    store = Store.open(path)
    rows = store.conn.execute(
        "SELECT id, exemption_id, request_id, action FROM events ORDER BY id"
    ).fetchall()
    assert rows == [(1, 1, None, "add"), (7, 1, None, "extend")]
    names = {n for (n,) in store.conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'events'")}
    assert {"events_are_kept", "events_are_final", "events_by_exemption", "events_by_request"} <= names
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute("DELETE FROM events")
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert store.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # The next event continues the numbering: ids are never reused.
    store.conn.execute("INSERT INTO events (exemption_id, action, actor, at) VALUES (1, 'x', 'a', 'now')")
    assert store.conn.execute("SELECT max(id) FROM events").fetchone() == (8,)
    store.close()


@pytest.mark.slow
def test_two_officers_approving_at_once_exactly_one_wins(tmp_path: Path, login: str) -> None:
    store = tmp_path / "office.db"

    made = subprocess.run(
        command(store, *ASK[:5], "+1w", "--for", "2w", "--from", "Dr Jones"), capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    officers = [f"officer{i}" for i in range(6)]
    env = {**os.environ, "COLUMNS": "200"}
    processes = [
        subprocess.Popen(
            command(store, "approve", "R1", "--as", name),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in officers
    ]
    results = [
        (name, *process.communicate(timeout=120), process.returncode)
        for name, process in zip(officers, processes, strict=True)
    ]
    winners = [name for name, _, _, code in results if code == 0]
    assert len(winners) == 1, results
    for name, _, err, code in results:
        if name != winners[0]:
            assert code == 2 and f"already approved by {login} for {winners[0]}" in err, err
            assert "locked" not in err
    conn = sqlite3.connect(store)
    assert conn.execute("SELECT count(*) FROM exemptions").fetchone() == (1,)
    assert conn.execute("SELECT status, decided_by, decided_for, exemption_id FROM requests").fetchall() == [
        ("approved", login, winners[0], 1)
    ]
    assert conn.execute("SELECT count(*) FROM events WHERE action = 'approve'").fetchone() == (1,)


@pytest.mark.parametrize(
    "args",
    [("requests",), ("requests", "--status", "all", "--format", "csv"), ("approve", "R1"), ("history", "R1")],
)
def test_reading_or_deciding_requests_never_creates_the_store(tmp_path: Path, args: tuple[str, ...]) -> None:
    store = tmp_path / "typo" / "office.db"
    result = Cli(store)(*args)
    assert result.exit_code == 4 and str(store) in result.stderr
    assert not store.parent.exists()


@pytest.mark.parametrize(
    ("approved_on", "code"),
    [
        (datetime(2027, 7, 10, 23, 30, tzinfo=LONDON), 0),  # 22:30 UTC: still the day before in London
        (datetime(2027, 7, 11, 0, 30, tzinfo=LONDON), 2),  # 23:30 UTC on the 10th: the start, in London
    ],
)
def test_approval_judges_the_start_by_london_s_date_in_summer(
    cli: Cli, clock: Callable[[datetime], None], approved_on: datetime, code: int
) -> None:
    ask(cli, "--start", "2027-07-11")
    clock(approved_on)
    result = cli("approve", "R1")
    assert result.exit_code == code, result.stderr


def _advised(stderr: str) -> list[str]:
    """The command that the last piece of advice on stderr names, as a person would type it."""
    *_, command = re.findall(r"`stream-exempt ([^`]*)`", stderr)
    return shlex.split(command)


def _request(cli: Cli, start: str, end: str) -> Result:
    return cli.ok("request", "201234567", "-t", "placement", "-s", start, "-e", end, "--from", "Dr Jones")


# Monday 4 January 2027: an exemption approved today comes into force on Wednesday the 6th (R6).
@pytest.mark.parametrize(
    ("start", "end", "existing", "advised"),
    [
        ("2027-01-01", "2027-01-20", None, "approve R1 --start 2027-01-05"),
        ("2027-01-04", "2027-01-20", None, "approve R1 --start 2027-01-05"),  # it starts today
        (
            "2027-01-01",
            "2027-01-06",
            None,
            "approve R1 --start 2027-01-05",
        ),  # ends the day it comes into force
        ("2027-01-01", "2027-01-05", None, "reject R1"),  # ends the day before: suppresses nothing (R5c)
        ("2027-01-01", "2027-01-04", None, "reject R1"),  # ends today
        ("2027-01-01", "2027-01-20", ("2027-01-05", "2027-01-10"), "approve R1 --start 2027-01-11"),  # R7
        ("2027-01-01", "2027-01-10", ("2027-01-05", "2027-01-10"), "reject R1"),  # no free day left (R7)
    ],
)
def test_approve_advises_only_what_succeeds_when_followed_at_once(
    cli: Cli, start: str, end: str, existing: tuple[str, str] | None, advised: str
) -> None:
    if existing:
        cli.add("201234567", "--start", existing[0], "--end", existing[1])
    _request(cli, start, end)
    refused = cli("approve", "R1")
    assert refused.exit_code == 2, refused.stderr
    command = _advised(refused.stderr)
    assert command[: len(advised.split())] == advised.split(), refused.stderr
    followed = cli(*command)
    assert followed.exit_code == 0, followed.stderr
    (request,) = listed(cli, "--status", "all")
    if advised.startswith("approve"):
        exemption = json.loads(cli.ok("list", "--format", "json", "--sort", "id").stdout)[-1]
        assert (request["status"], exemption["start"], exemption["end"]) == ("approved", advised[-10:], end)
    else:
        assert request["status"] == "rejected"


@pytest.mark.parametrize(
    ("recorded_on", "start", "advised"),
    [
        (datetime(2027, 1, 4, 12, 0, tzinfo=LONDON), "2027-01-03", "approve R1 --start 2027-01-05"),
        (datetime(2027, 1, 4, 12, 0, tzinfo=LONDON), "2027-01-04", "approve R1 --start 2027-01-05"),
        (datetime(2027, 1, 4, 12, 0, tzinfo=LONDON), "2027-01-05", None),  # the day after: as asked
        # 00:30 in London on 11 July, still the 10th in UTC: the start is today in London.
        (datetime(2027, 7, 11, 0, 30, tzinfo=LONDON), "2027-07-11", "approve R1 --start 2027-07-12"),
        (datetime(2027, 7, 10, 23, 30, tzinfo=LONDON), "2027-07-11", None),
    ],
)
def test_a_request_whose_start_has_passed_is_accepted_with_a_warning(
    cli: Cli, clock: Callable[[datetime], None], recorded_on: datetime, start: str, advised: str | None
) -> None:
    clock(recorded_on)
    end = start[:8] + "20"
    result = _request(cli, start, end)
    assert result.stdout.startswith("Recorded request R1\n")
    assert [r["status"] for r in listed(cli)] == ["requested"]
    if advised is None:
        assert "Warning" not in result.stderr and "`stream-exempt approve R1`" in result.stderr
        advised = "approve R1"
    else:
        assert result.stderr.startswith(
            f"Warning: approved today, R1 would be refused: request R1's start, {show(date.fromisoformat(start))}, "
            "is not in the future"
        )
        assert _advised(result.stderr) == advised.split()
    followed = cli.ok(*advised.split())
    assert followed.stdout.startswith("Approved request R1 from Dr Jones.\n")


def test_a_quiet_request_still_warns(cli: Cli) -> None:
    ask = ("request", "201234567", "-t", "placement", "-s", "2027-01-01", "-e", "2027-01-05")
    result = cli.ok(*ask, "--from", "Dr Jones", "-q")
    assert result.stdout == "R1\n"
    assert result.stderr.startswith(
        "Warning: approved today, R1 would be refused: request R1's start, 1 Jan 2027"
    )
    assert _advised(result.stderr) == [
        "reject",
        "R1",
        "--reason",
        "TEXT",
    ]  # it ends before it could be in force


@pytest.mark.sqlite_only(
    "types a malformed request and event into the SQLite file, which has no CHECK on them"
)
def test_a_request_and_event_typed_in_by_hand_are_shown_as_they_are(cli: Cli) -> None:
    """What the tool never writes (a time not as it writes one, an event without its snapshot)
    is shown as it is: never exit 70."""
    ask(cli)
    with sqlite3.connect(cli.store_path) as conn:
        conn.execute(
            "INSERT INTO requests (student_id, type, start_date, end_date, requested_by, recorded_by, "
            "requested_at) VALUES ('x', 'placement', '2027-02-01', '2027-02-05', 'Dr Jones', 'x', 'garbage')"
        )
        conn.execute(
            "INSERT INTO events (request_id, at, actor, action, after) VALUES (2, 'garbage', 'x', 'request', '{}')"
        )
        conn.execute(
            "INSERT INTO events (request_id, at, actor, action, after) VALUES (2, 'garbage', 'x', 'reject', 'oops')"
        )
    shown = cli.ok("requests").stdout
    assert "garbage" in shown
    history = cli.ok("history", "R2").stdout
    assert "request (not as the tool records it): after {}" in history
    assert "garbage" in history
    result = cli("approve", "R2")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("Error: Request R2 cannot be approved: its student ID is not valid")
