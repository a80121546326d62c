"""The actor (SPEC 7): every change records the login that made it, read from the operating
system, and `--as NAME` beside it as who it was for, never instead of it; what was recorded
before the store kept logins is shown as it was, never as a login."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlite_utils import Database, Migrations

import test_shared_store
from helpers import Cli, command, os_login
from stream_exempt import schema
from test_shared_store import ADD, AS_ROOT, Office, _root, as_user

# The fixtures of the shared-store tests: real Unix users in a group, and a folder they can reach.
office = test_shared_store.office
shared_folder = test_shared_store.shared_folder

MALLORY = {"LOGNAME": "mallory", "USER": "mallory", "LNAME": "mallory", "USERNAME": "mallory"}


def _history(cli: Cli, item: str) -> list[dict[str, object]]:
    return json.loads(cli.ok("history", item, "--format", "json").stdout)  # type: ignore[no-any-return]


def _who(cli: Cli, item: str) -> list[str]:
    """The Who column of `history ITEM` as people read it, one entry per event."""
    lines = cli.ok("history", item, "--format", "plain").stdout.splitlines()[1:]
    return [line.split("  ")[1].strip() for line in lines if line[:4].isdigit()]


def test_the_actor_is_the_login_whatever_logname_and_user_say(cli: Cli, login: str) -> None:
    cli.ok("add", "201234567", "-t", "placement", "-s", "2027-01-11", "--for", "2w", env=MALLORY)
    cli.ok("extend", "1", "--by", "1w", env=MALLORY)
    (row,) = json.loads(cli.ok("list", "--format", "json").stdout)
    assert row["created_by"] == login and "mallory" not in json.dumps(row)
    assert _who(cli, "1") == [login, login]
    assert [(e["actor"], e["login"], e["actor_for"]) for e in _history(cli, "1")] == [
        (login, login, None)
    ] * 2
    assert row["created_for"] is None


def test_a_real_process_takes_the_login_from_the_operating_system(tmp_path: Path, login: str) -> None:
    store = tmp_path / "s.db"
    add = ("add", "201234567", "-t", "placement", "-s", "+1w", "--for", "2w", "-q")
    done = subprocess.run(
        command(store, *add),
        capture_output=True,
        text=True,
        env={**os.environ, **MALLORY},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT created_by, created_for FROM exemptions").fetchall() == [(login, None)]
        assert conn.execute("SELECT actor, login, actor_for FROM events").fetchall() == [(login, login, None)]


def test_as_is_recorded_beside_the_login_never_instead_of_it(cli: Cli, login: str) -> None:
    cli.add("201234567", "--as", "Dr Smith")
    cli.ok("extend", "1", "--by", "1w")
    cli.ok("edit", "1", "--reason", "ward 4", "--as", f"  {login} ")  # the login itself adds nothing
    cli.ok("delete", "1", "--yes", "--as", "alice", env=MALLORY)
    assert [(e["action"], e["actor"], e["actor_for"]) for e in _history(cli, "1")] == [
        ("add", login, "Dr Smith"),
        ("extend", login, None),
        ("edit", login, None),
        ("delete", login, "alice"),
    ]
    assert _who(cli, "1") == [f"{login} for Dr Smith", login, login, f"{login} for alice"]
    (row,) = json.loads(cli.ok("list", "--status", "all", "--format", "json").stdout)
    assert (row["created_by"], row["created_for"]) == (login, "Dr Smith")


def test_as_naming_the_login_recorded_adds_nothing_but_naming_another_is_kept(cli: Cli, login: str) -> None:
    """`--as` is dropped only when it names the login the store records: the operating system's
    on SQLite, the database's session user on PostgreSQL, where the operating system's login
    names someone else and is kept beside it."""
    me = os_login()
    cli.add("201234567", "--as", login)
    cli.add("201234568", "--as", me)
    assert [(e["actor"], e["actor_for"]) for e in _history(cli, "1")] == [(login, None)]
    # On PostgreSQL the server's user is not the operating system's login (postgres and root in
    # CI), unless a developer's role has their own login's name: then it too adds nothing.
    kept = None if me == login else me
    assert [(e["actor"], e["actor_for"]) for e in _history(cli, "2")] == [(login, kept)]


def test_bulk_records_the_login_and_who_the_import_was_for(cli: Cli, tmp_path: Path, login: str) -> None:
    cohort = tmp_path / "cohort.csv"
    cohort.write_text("student_id\n201234567\n201234568\n", encoding="utf-8")
    cli.ok("bulk", str(cohort), "-t", "placement", "-s", "2027-01-11", "--for", "2w", "--as", "Dr Smith")
    cli.ok("move", "--batch", "1", "--by", "1d", env=MALLORY)
    rows = json.loads(cli.ok("list", "--format", "json").stdout)
    assert {(r["created_by"], r["created_for"]) for r in rows} == {(login, "Dr Smith")}
    assert _who(cli, "2") == [f"{login} for Dr Smith", login]
    (batch,) = json.loads(cli.ok("batches", "--format", "json").stdout)
    assert (batch["created_by"], batch["created_for"]) == (login, "Dr Smith")


@pytest.mark.sqlite_only(
    "the OS login is the actor on SQLite; on PostgreSQL it is the session user (SPEC 12)"
)
def test_a_uid_the_user_database_does_not_know_is_named_by_its_number(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pwd

    def unknown(uid: int) -> pwd.struct_passwd:
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.setattr(pwd, "getpwuid", unknown)
    cli.ok("add", "201234567", "-t", "placement", "-s", "2027-01-11", "--for", "2w", env=MALLORY)
    (row,) = json.loads(cli.ok("list", "--format", "json").stdout)
    assert row["created_by"] == f"uid-{os.geteuid()}"


def test_who_a_request_was_recorded_and_decided_for_is_kept_beside_the_login(cli: Cli, login: str) -> None:
    ask = ("request", "201234567", "-t", "placement", "-s", "2027-01-11", "--for", "2w", "--from", "Dr Jones")
    cli.ok(*ask, "--as", "Sam Office", env=MALLORY)
    cli.ok(*ask[:3], "dissertation", *ask[4:])
    cli.ok("approve", "R1", "--as", "Head of SES", env=MALLORY)
    cli.ok("reject", "R2", "--reason", "Not in the handbook")
    assert _who(cli, "1") == [f"{login} for Sam Office", f"{login} for Head of SES"]
    assert _who(cli, "R2") == [login, login]
    found = json.loads(cli.ok("requests", "--status", "all", "--format", "json").stdout)
    assert [(r["recorded_by"], r["recorded_for"], r["decided_by"], r["decided_for"]) for r in found] == [
        (login, "Sam Office", login, "Head of SES"),
        (login, None, login, None),
    ]
    table = cli.ok("requests", "--status", "all", "--format", "plain").stdout
    assert f"{login} for Head of SES" in table


@pytest.mark.sqlite_only("tampers with the SQLite file's tables directly to prove its triggers refuse it")
def test_who_recorded_a_request_is_never_changed(cli: Cli) -> None:
    cli.ok("request", "201234567", "-t", "placement", "-s", "2027-01-11", "--for", "2w", "--from", "Dr J")
    conn = sqlite3.connect(cli.store_path)
    for statement in (
        "UPDATE requests SET recorded_for = 'someone'",
        "UPDATE requests SET recorded_login = 'someone'",
        "UPDATE events SET login = 'someone'",
        "UPDATE events SET actor_for = 'someone'",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(statement)


# -- a store written before logins were kept (migrations 0001 to 0004) ---------------------------


def _store_before_logins(path: Path) -> None:
    """A store as the previous version left it: names recorded as `--as`, else the login (here
    "Dr Smith", "sam", "alice"), and no logins."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrations = Migrations(schema.MIGRATION_SET)
    for name, function in schema.MIGRATIONS:
        if name < "0005":
            migrations(name=name)(function)
    migrations.apply(Database(conn))
    after = json.dumps(
        {
            "student_id": "201234567",
            "type": "placement",
            "start": "2027-01-11",
            "end": "2027-01-24",
            "reason": None,
            "batch": None,
            "in_force_from": "2027-01-06",
            "deleted_at": None,
            "deleted_on": None,
        }
    )
    conn.execute(
        "INSERT INTO exemptions (student_id, type, start_date, end_date, created_by, created_at, "
        "in_force_from) VALUES ('201234567', 'placement', '2027-01-11', '2027-01-24', 'Dr Smith', "
        "'2027-01-04T09:00:00Z', '2027-01-06')"
    )
    conn.execute(
        "INSERT INTO events (exemption_id, action, actor, at, after) "
        "VALUES (1, 'add', 'Dr Smith', '2027-01-04T09:00:00Z', ?)",
        (after,),
    )
    for number, decided in ((1, None), (2, "alice")):
        conn.execute(
            "INSERT INTO requests (student_id, type, start_date, end_date, requested_by, recorded_by, "
            "requested_at, status, decided_by, decided_at, decision_reason) VALUES ('201234568', "
            "'placement', '2027-01-11', '2027-01-24', 'Dr Jones', 'sam', '2027-01-04T09:00:00Z', ?, ?, ?, ?)",
            ("rejected", decided, "2027-01-04T10:00:00Z", "no")
            if decided
            else ("requested", None, None, None),
        )
        conn.execute(
            "INSERT INTO events (request_id, action, actor, at, after) "
            "VALUES (?, 'request', 'sam', '2027-01-04T09:00:00Z', json_object('request', 'R' || ?, "
            "'student_id', '201234568', 'type', 'placement', 'start', '2027-01-11', 'end', '2027-01-24', "
            "'from', 'Dr Jones'))",
            (number, number),
        )
    conn.execute(
        "INSERT INTO events (request_id, action, actor, at, after) "
        "VALUES (2, 'reject', 'alice', '2027-01-04T10:00:00Z', json_object('decision_reason', 'no'))"
    )
    conn.close()


@pytest.mark.sqlite_only("an old SQLite store (written before logins were kept), migrated")
def test_what_was_recorded_before_logins_were_kept_is_shown_as_it_was(bare_cli: Cli, login: str) -> None:
    cli = bare_cli
    _store_before_logins(cli.store_path)
    old = "Dr Smith (recorded before logins were kept)"
    assert _who(cli, "1") == [old]
    (event,) = _history(cli, "1")
    assert (event["actor"], event["login"], event["actor_for"]) == ("Dr Smith", None, None)
    # The name recorded then is kept as it was: it is not presented as who it was for.
    (row,) = json.loads(cli.ok("list", "--format", "json").stdout)
    assert (row["created_by"], row["created_for"]) == ("Dr Smith", None)
    with sqlite3.connect(cli.store_path) as conn:
        assert conn.execute("SELECT name FROM _sqlite_migrations WHERE name = '0005_actor'").fetchall()
        assert conn.execute("SELECT actor, login, actor_for FROM events WHERE id = 1").fetchone() == (
            "Dr Smith",
            None,
            None,
        )

    cli.ok("extend", "1", "--by", "1w", "--as", "Jo")
    assert _who(cli, "1") == [old, f"{login} for Jo"]

    cli.ok("approve", "R1", "--as", "Head of SES")
    assert _who(cli, "2") == ["sam (recorded before logins were kept)", f"{login} for Head of SES"]
    assert _who(cli, "R2") == [
        "sam (recorded before logins were kept)",
        "alice (recorded before logins were kept)",
    ]
    table = cli.ok("requests", "--status", "all", "--format", "plain").stdout
    assert "alice (recorded before logins were kept)" in table and f"{login} for Head of SES" in table
    again = cli("reject", "R2", "--reason", "again")
    assert again.exit_code == 2 and "rejected by alice (recorded before logins were kept)" in again.stderr


# -- two real Unix users on a shared store --------------------------------------------------------


def _shared_store(office: Office, folder: Path) -> Path:
    store = folder / "office" / "exemptions.db"
    made = _root(store, "init", "--group", office.group)
    assert made.returncode == 0, made.stderr
    return store


def _events(office: Office, user: str, store: Path, item: str) -> list[tuple[object, ...]]:
    shown = as_user(office, user, "history", item, "--format", "json", store=store)
    assert shown.returncode == 0, shown.stderr
    return [(e["action"], e["actor"], e["actor_for"]) for e in json.loads(shown.stdout)]


@AS_ROOT
def test_bob_deleting_for_alice_is_recorded_as_bob_for_alice(office: Office, shared_folder: Path) -> None:
    store = _shared_store(office, shared_folder)
    ann, bob = office.members
    added = as_user(office, ann, ADD[0], "201234567", *ADD[1:], store=store)
    assert added.returncode == 0, added.stderr
    # Bob's environment names Ann, and he says he acts for alice: the store records bob.
    deleted = as_user(
        office, bob, "delete", "1", "--yes", "--as", "alice", store=store, env={"LOGNAME": ann, "USER": ann}
    )
    assert deleted.returncode == 0, deleted.stderr
    assert _events(office, ann, store, "1") == [("add", ann, None), ("delete", bob, "alice")]
    plain = as_user(office, ann, "history", "1", "--format", "plain", store=store).stdout
    (line,) = [line for line in plain.splitlines() if "delete" in line]
    assert f" {bob} for alice " in line


@AS_ROOT
def test_a_request_bob_records_and_approves_shows_bob_at_both_steps(
    office: Office, shared_folder: Path
) -> None:
    store = _shared_store(office, shared_folder)
    bob = office.members[1]
    asked = as_user(office, bob, "request", "201234569", *ADD[1:], "--from", "Dr Jones", store=store)
    assert asked.returncode == 0, asked.stderr
    approved = as_user(office, bob, "approve", "R1", "--as", "Head of SES", store=store)
    assert approved.returncode == 0, approved.stderr
    assert _events(office, bob, store, "1") == [("request", bob, None), ("approve", bob, "Head of SES")]
    plain = as_user(office, bob, "history", "1", "--format", "plain", store=store).stdout
    (asked_line,) = [line for line in plain.splitlines() if " request " in line]
    (approved_line,) = [line for line in plain.splitlines() if " approve " in line]
    assert f" {bob} " in asked_line and f" {bob} for Head of SES " in approved_line
    listed = as_user(office, bob, "requests", "--status", "all", "--format", "json", store=store)
    (request,) = json.loads(listed.stdout)
    assert (request["recorded_by"], request["decided_by"], request["decided_for"]) == (
        bob,
        bob,
        "Head of SES",
    )
