"""Who may do what on a PostgreSQL store (SPEC 12): `init --roles`, and real officers and tutors
logging in as themselves. The database enforces it; the tool says so in one sentence."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

from helpers import Cli, Clock, snapshot, write
from stream_exempt.store.roles import OFFICER, TUTOR

_numbers = itertools.count(1)
TUTORS_ADD = "Error: Permission denied: tutors can record requests, not exemptions.\n"
TUTORS_DECIDE = "Error: Permission denied: tutors can record requests, not approve or reject them.\n"


def as_user(url: str, user: str, password: str) -> str:
    """The store's URL for another database user (the server as in `url`, or PGHOST's socket)."""
    parts = urlsplit(url)
    if parts.hostname:
        port = f":{parts.port}" if parts.port else ""
        return urlunsplit(parts._replace(netloc=f"{user}:{password}@{parts.hostname}{port}"))
    query = {"host": os.environ.get("PGHOST", "/var/run/postgresql")}
    if os.environ.get("PGPORT"):
        query["port"] = os.environ["PGPORT"]
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@", query=urlencode(query)))


@dataclass
class Office:
    """A store with its roles, its owner (the test server's user) and three people who log in."""

    owner: Cli
    officer: Cli
    tutor: Cli
    other_tutor: Cli
    names: dict[str, str]  # officer, tutor, other_tutor: their database user names
    admin: Any  # the server's autocommit connection (psycopg)
    url: str

    def person(self, user: str) -> Cli:
        return Cli(as_user(self.url, user, f"pw-{user}"))

    def make_user(self, name: str, *roles: str) -> None:
        member = f" IN ROLE {', '.join(roles)}" if roles else ""
        self.admin.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD 'pw-{name}'{member}")
        self.names.setdefault(name, name)


@pytest.fixture
def office(pg_store: str, pg_server: Any, clock: Clock) -> Iterator[Office]:
    owner = Cli(pg_store)
    owner.ok("init", "--roles")
    suffix = f"{os.getpid()}_{next(_numbers)}"
    names = {
        "officer": f"se_olive_{suffix}",
        "tutor": f"se_alice_{suffix}",
        "other_tutor": f"se_tom_{suffix}",
    }
    made = Office(owner, owner, owner, owner, {}, pg_server.admin, pg_store)
    try:
        made.make_user(names["officer"], OFFICER)
        made.make_user(names["tutor"], TUTOR)
        made.make_user(names["other_tutor"], TUTOR)
        made.names = names
        made.officer, made.tutor, made.other_tutor = (
            made.person(names[k]) for k in ("officer", "tutor", "other_tutor")
        )
        yield made
    finally:
        for name in [*names.values(), f"se_nobody_{suffix}"]:
            pg_server.admin.execute(f'DROP ROLE IF EXISTS "{name}"')


def ask(cli: Cli, student: str = "201234599", *extra: str) -> str:
    """A tutor's request (placement, 1 Feb 2027 for two weeks): its number, `R1`."""
    out = cli.ok(
        "request",
        student,
        "--type",
        "placement",
        "--start",
        "2027-02-01",
        "--for",
        "2w",
        "--from",
        "Dr Jones",
        *extra,
    ).stdout
    return out.split()[2]  # "Recorded request R1"


def test_init_roles_makes_two_group_roles_that_cannot_log_in(office: Office) -> None:
    rows = office.admin.execute(
        "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN (%s, %s) ORDER BY rolname",
        (OFFICER, TUTOR),
    ).fetchall()
    assert rows == [(OFFICER, False), (TUTOR, False)]
    again = office.owner.ok("init", "--roles")  # idempotent: the roles are there, the grants again
    assert (
        again.stdout.splitlines()[0] == f"The store is ready in the PostgreSQL database {office.owner.shown}."
    )
    assert again.stdout.splitlines()[1].startswith(
        f"The roles were there already; granted {OFFICER} every command and {TUTOR} `request`"
    )


def test_init_roles_on_a_store_file_is_refused(tmp_path: Path, clock: Clock) -> None:
    bare_cli = Cli(tmp_path / "exemptions.db")
    result = bare_cli("init", "--roles")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: --roles is for a PostgreSQL store: roles are a PostgreSQL feature (a store file is "
        "shared with a Unix group, `init --group`).\n"
    )
    assert not bare_cli.has_store()


def test_a_tutor_records_requests_and_reads(office: Office) -> None:
    exemption = office.officer.add("201234567")
    number = ask(office.tutor)
    assert number == "R1"
    mine = json.loads(office.tutor.ok("requests", "--format", "json").stdout)
    assert [(r["id"], r["recorded_by"]) for r in mine] == [("R1", office.names["tutor"])]
    listed = json.loads(office.tutor.ok("list", "--format", "json").stdout)
    assert [row["id"] for row in listed] == [exemption]
    assert office.tutor("check", "201234567").exit_code == 1  # not suppressed today: read fine
    office.tutor.ok("check", "201234567", "--on", "2027-01-12")
    office.tutor.ok("types")


def test_tutors_see_only_their_own_requests(office: Office) -> None:
    ask(office.officer, "201234501")
    ask(office.tutor, "201234502")
    ask(office.other_tutor, "201234503")
    seen = {
        who: [
            r["student_id"]
            for r in json.loads(cli.ok("requests", "--status", "all", "--format", "json").stdout)
        ]
        for who, cli in (("officer", office.officer), ("tutor", office.tutor), ("other", office.other_tutor))
    }
    assert seen == {
        "officer": ["201234501", "201234502", "201234503"],
        "tutor": ["201234502"],
        "other": ["201234503"],
    }
    # Another's request is not there for a tutor at all.
    result = office.tutor("history", "R3")
    assert result.exit_code == 3


def test_a_tutor_sees_how_an_exemption_from_anothers_request_was_made(office: Office) -> None:
    """The approval belongs to the exemption as well as to the request: a tutor reading the
    exemption's history sees it (who approved it, with what dates), though not the other tutor's
    request event (who asked)."""
    number = ask(office.other_tutor, "201234504")
    approved = office.officer.ok("approve", number).stdout
    exemption = approved.split("exemption ")[1].split()[0].rstrip(".,:")
    seen = json.loads(office.tutor.ok("history", exemption, "--format", "json").stdout)
    assert [(event["action"], event["actor"]) for event in seen] == [("approve", office.names["officer"])]
    everything = json.loads(office.officer.ok("history", exemption, "--format", "json").stdout)
    assert [event["action"] for event in everything] == ["request", "approve"]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["add", "201234580", "--type", "placement", "--start", "2027-02-01", "--for", "1w"], TUTORS_ADD),
        (["bulk", "COHORT", "--type", "placement", "--start", "2027-02-01", "--for", "1w"], TUTORS_ADD),
        (["extend", "1", "--by", "1w"], TUTORS_ADD),
        (["move", "1", "--by", "1w"], TUTORS_ADD),
        (["delete", "1", "--yes"], TUTORS_ADD),
        (["edit", "1", "--reason", "changed"], TUTORS_ADD),
        (["extend", "--batch", "1", "--by", "1w"], TUTORS_ADD),
        (["approve", "R2"], TUTORS_ADD),  # it records the exemption first
        (["reject", "R2", "--reason", "no"], TUTORS_DECIDE),
    ],
    ids=lambda value: value[0] if isinstance(value, list) else "",
)
def test_a_tutors_other_writes_are_refused_by_the_database(
    office: Office, tmp_path: Path, command: list[str], expected: str
) -> None:
    office.officer.ok(
        "bulk",
        write(tmp_path, "student_id\n201234567\n"),
        "--type",
        "placement",
        "--start",
        "2027-01-11",
        "--for",
        "2w",
    )
    ask(office.officer, "201234570")
    ask(office.tutor, "201234571")  # R2: the tutor's own, which it sees
    before = snapshot(office.url)
    args = [write(tmp_path, "student_id\n201234590\n") if arg == "COHORT" else arg for arg in command]
    result = office.tutor(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (4, "", expected)
    assert snapshot(office.url) == before


@pytest.mark.parametrize(
    "command",
    [
        ["add", "201234567", "-t", "placement", "-s", "2027-01-12", "--for", "1w"],
        [
            "add",
            "201234567",
            "-t",
            "placement",
            "-s",
            "2027-01-12",
            "--for",
            "1w",
            "--every",
            "1w",
            "--count",
            "2",
        ],
        ["bulk", "COHORT", "--type", "placement", "--start", "2027-01-12", "--for", "1w"],
        ["move", "1", "--end", "2026-12-01"],
        ["edit", "404", "--reason", "x"],
        ["delete", "404", "--yes"],
    ],
    ids=["add", "series", "bulk", "move", "edit", "delete"],
)
def test_a_tutor_is_refused_for_its_role_before_any_rule_or_lookup(
    office: Office, tmp_path: Path, command: list[str]
) -> None:
    """A change that would clash (R7), break R5, or name no exemption at all: a tutor hears that
    tutors may not change exemptions (exit 4), never a rule's advice it could not follow."""
    office.officer.add("201234567", "--start", "2027-01-11", "--for", "2w")
    before = snapshot(office.url)
    args = [write(tmp_path, "student_id\n201234567\n") if arg == "COHORT" else arg for arg in command]
    result = office.tutor(*args)
    assert (result.exit_code, result.stdout, result.stderr) == (4, "", TUTORS_ADD)
    assert snapshot(office.url) == before


def test_the_actor_is_the_session_user_whatever_as_says(office: Office) -> None:
    tutor, officer = office.names["tutor"], office.names["officer"]
    ask(office.tutor, "201234599", "--as", "Dr Jones")
    office.officer.ok("approve", "R1", "--as", tutor)  # naming someone else changes nothing
    history = office.officer.ok("history", "1", "--format", "json").stdout
    events = json.loads(history)
    assert [(e["action"], e["actor"], e["actor_for"]) for e in events] == [
        ("request", tutor, "Dr Jones"),
        ("approve", officer, tutor),
    ]
    shown = office.officer.ok("history", "1").stdout
    assert f"{tutor} for Dr Jones" in shown
    assert f"{officer} for {tutor}" in shown
    (request,) = json.loads(office.officer.ok("requests", "--status", "all", "--format", "json").stdout)
    assert (request["recorded_by"], request["decided_by"]) == (tutor, officer)
    (exemption,) = json.loads(office.officer.ok("list", "--status", "all", "--format", "json").stdout)
    assert exemption["created_by"] == officer


def test_no_one_but_the_owner_may_change_the_event_log(office: Office) -> None:
    import psycopg

    office.officer.add("201234567")
    with psycopg.connect(office.officer.location, autocommit=True) as conn:
        for statement in ("UPDATE events SET actor = 'someone'", "DELETE FROM events", "TRUNCATE events"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    # Even a grant given by hand does not open it: the triggers refuse, to the owner too.
    with psycopg.connect(office.url, autocommit=True) as conn:
        conn.execute(f"GRANT UPDATE, DELETE ON events TO {OFFICER}")
        for statement in ("UPDATE events SET actor = 'someone'", "DELETE FROM events"):
            with pytest.raises(psycopg.errors.RestrictViolation):
                conn.execute(statement)
    with (
        psycopg.connect(office.officer.location, autocommit=True) as conn,
        pytest.raises(psycopg.errors.RestrictViolation),
    ):
        conn.execute("UPDATE events SET actor = 'someone'")
    # `init --roles` again takes the hand-made grant back.
    office.owner.ok("init", "--roles")
    with (
        psycopg.connect(office.officer.location, autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("UPDATE events SET actor = 'someone'")


def test_a_user_with_no_role_is_told_to_ask_for_one(office: Office) -> None:
    nobody = office.names["tutor"].replace("se_alice_", "se_nobody_")
    office.make_user(nobody)
    result = office.person(nobody)("list")
    assert (result.exit_code, result.stdout) == (4, "")
    shown = office.person(nobody).shown
    assert result.stderr == (
        f"Error: Permission denied: you have no role on the store {shown}; ask the database administrator "
        "to grant you stream_exempt_officer or stream_exempt_tutor (see `stream-exempt init --roles`).\n"
    )


def test_a_member_of_a_role_on_a_store_with_no_grants_yet_is_told_to_ask_the_owner(
    office: Office, pg_empty: str
) -> None:
    """Grants belong to one database: on a new (or copied) store, people who have their roles
    are refused until its owner runs `init --roles` there, and are told so, not to ask for a role."""
    owner = Cli(pg_empty)
    owner.ok("init")
    officer = Cli(as_user(pg_empty, office.names["officer"], f"pw-{office.names['officer']}"))
    result = officer("list")
    assert (result.exit_code, result.stdout) == (4, "")
    assert result.stderr == (
        f"Error: Permission denied: you have the role {OFFICER}, but the store {officer.shown} grants it "
        "nothing yet (a new or copied database); ask the owner of its tables to run "
        "`stream-exempt init --roles` on it.\n"
    )
    owner.ok("init", "--roles")
    assert officer.ok("list").stdout == "No exemptions match.\n"


def test_init_roles_by_someone_who_does_not_own_the_store_is_refused(office: Office) -> None:
    before = snapshot(office.url)
    result = office.officer("init", "--roles")
    assert (result.exit_code, result.stdout) == (4, "")
    assert result.stderr == (
        f"Error: Permission denied: only the owner of the store's tables on {office.officer.shown} can grant "
        f"on them; run `stream-exempt init --roles` as that user, not as {office.names['officer']}.\n"
    )
    assert snapshot(office.url) == before


def test_creating_the_store_as_someone_who_may_not_says_what_to_do(
    pg_empty: str, pg_server: Any, clock: Clock
) -> None:
    """A user who may neither create the extension nor tables in an empty database: told what
    the DBA must do, in one sentence, and nothing is made."""
    name = f"se_dave_{os.getpid()}_{next(_numbers)}"
    pg_server.admin.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD 'pw-{name}'")
    try:
        dave = Cli(as_user(pg_empty, name, f"pw-{name}"))
        result = dave("init")
        assert (result.exit_code, result.stdout) == (4, "")
        assert result.stderr == (
            "Error: Permission denied: the store needs the btree_gist extension, which this database user "
            "may not create; ask the database administrator to run CREATE EXTENSION btree_gist in the "
            f"database of {dave.shown}, or create the store as the database's owner.\n"
        )
        import psycopg

        with psycopg.connect(pg_empty, autocommit=True) as conn:  # as the DBA, the test server's user
            conn.execute("CREATE EXTENSION btree_gist")
        result = dave("add", "201234567", "--type", "placement", "--start", "2027-01-11", "--for", "1w")
        assert (result.exit_code, result.stdout) == (4, "")
        assert result.stderr == (
            f"Error: Permission denied: this database user may not create the store's tables in {dave.shown}; "
            "create the store as the database's owner (`stream-exempt init`), then grant people their roles "
            "(`stream-exempt init --roles`).\n"
        )
        assert not dave.has_store()
    finally:
        pg_server.admin.execute(f'DROP ROLE IF EXISTS "{name}"')


# -- what is typed into the database by hand (psql) ------------------------------------------

STAMP = "2027-01-04T12:00:00Z"


def connect(cli: Cli) -> Any:
    import psycopg

    return psycopg.connect(cli.location, autocommit=True)


def test_rows_typed_in_by_hand_are_signed_by_the_session_user(office: Office) -> None:
    """Whatever name a row typed in with psql gives, the database writes the session user's."""
    tutor, officer = office.names["tutor"], office.names["officer"]
    ask(office.tutor)  # R1, with its event
    with connect(office.tutor) as conn:
        conn.execute(
            "INSERT INTO requests (id, student_id, type, start_date, end_date, requested_by, recorded_by, "
            "recorded_login, requested_at) VALUES (stream_exempt_next_request_id(), '201234598', "
            "'placement', '2027-02-01', '2027-02-05', 'Dr Jones', 'trial_officer', 'trial_officer', %s)",
            (STAMP,),
        )
        conn.execute(
            "INSERT INTO events (request_id, at, actor, login, action, after) "
            "VALUES (2, %s, 'trial_officer', 'trial_officer', 'request', '{}')",
            (STAMP,),
        )
    with connect(office.officer) as conn:
        conn.execute(
            "INSERT INTO batches (id, created_at, created_by) VALUES (7, %s, 'alice')",
            (STAMP,),
        )
        conn.execute(
            "INSERT INTO exemptions (id, student_id, type, start_date, end_date, created_by, created_at, "
            "in_force_from, batch) VALUES (9, '201234597', 'placement', '2027-02-01', '2027-02-05', "
            "'alice', %s, '2027-01-05', 7)",
            (STAMP,),
        )
        conn.execute(
            "INSERT INTO events (exemption_id, at, actor, login, action, after) "
            "VALUES (9, '2026-01-01T00:00:00Z', 'alice', 'alice', 'add', '{}')"
        )
        conn.execute(
            "UPDATE requests SET status = 'rejected', decided_by = 'alice', decided_login = 'alice', "
            "decided_at = %s, decision_reason = 'no' WHERE id = 2",
            (STAMP,),
        )
    with connect(office.owner) as conn:
        signed = {
            "requests": conn.execute(
                "SELECT id, recorded_by, recorded_login, decided_by, decided_login FROM requests ORDER BY id"
            ).fetchall(),
            "events": conn.execute("SELECT action, actor, login FROM events ORDER BY id").fetchall(),
            "exemptions": conn.execute("SELECT created_by FROM exemptions").fetchall(),
            "batches": conn.execute("SELECT created_by FROM batches").fetchall(),
        }
    assert signed == {
        "requests": [(1, tutor, tutor, None, None), (2, tutor, tutor, officer, officer)],
        "events": [("request", tutor, tutor), ("request", tutor, tutor), ("add", officer, officer)],
        "exemptions": [(officer,)],
        "batches": [(officer,)],
    }
    # What the tool shows of them: what there is, never a crash.
    shown = office.officer.ok("history", "R2").stdout
    assert "request (not as the tool records it): after {}" in shown
    assert tutor in shown and "trial_officer" not in shown
    office.officer.ok("history", "9")
    office.officer.ok("requests", "--status", "all")


def test_a_tutor_adds_only_the_request_event_of_its_own_request_once(office: Office) -> None:
    import psycopg

    ask(office.officer, "201234501")  # R1: the officer's
    ask(office.tutor, "201234502")  # R2: the tutor's, with its event
    with connect(office.tutor) as conn:
        conn.execute(
            "INSERT INTO requests (id, student_id, type, start_date, end_date, requested_by, recorded_by, "
            "requested_at) VALUES (stream_exempt_next_request_id(), '201234503', 'placement', "
            "'2027-02-01', '2027-02-05', 'Dr Jones', 'x', %s)",
            (STAMP,),
        )  # R3: the tutor's, without an event yet
        for request, action in ((1, "request"), (2, "request"), (3, "approve"), (3, "reject")):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(
                    "INSERT INTO events (request_id, at, actor, action, after) VALUES (%s, %s, 'x', %s, '{}')",
                    (request, STAMP, action),
                )
        before = snapshot(office.url)
        conn.execute(
            "INSERT INTO events (request_id, at, actor, action, after) VALUES (3, %s, 'x', 'request', '{}')",
            (STAMP,),
        )
    assert len(snapshot(office.url)["events"]) == len(before["events"]) + 1


def test_timestamps_typed_in_by_hand_must_be_as_the_tool_writes_them(office: Office) -> None:
    import psycopg

    ask(office.tutor)
    with connect(office.tutor) as conn:
        for stamp in ("garbage", "2027-01-04 12:00:00", "2027-13-04T12:00:00Z", ""):
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(
                    "INSERT INTO requests (id, student_id, type, start_date, end_date, requested_by, "
                    "recorded_by, requested_at) VALUES (stream_exempt_next_request_id(), '201234503', "
                    "'placement', '2027-02-01', '2027-02-05', 'Dr Jones', 'x', %s)",
                    (stamp,),
                )
    with connect(office.officer) as conn:
        for stamp in ("garbage", "2027-01-04 12:00:00", "2027-13-04T12:00:00Z", ""):
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(
                    "INSERT INTO events (request_id, at, actor, action, after) VALUES (1, %s, 'x', 'reject', '{}')",
                    (stamp,),
                )
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(
                    "INSERT INTO batches (id, created_at, created_by) VALUES (1, %s, 'x')",
                    (stamp,),
                )


def test_a_request_for_no_valid_student_is_listed_but_not_approved(office: Office) -> None:
    with connect(office.tutor) as conn:
        conn.execute(
            "INSERT INTO requests (id, student_id, type, start_date, end_date, requested_by, recorded_by, "
            "requested_at) VALUES (stream_exempt_next_request_id(), 'x', 'placement', '2027-02-01', "
            "'2027-02-05', 'Dr Jones', 'x', %s)",
            (STAMP,),
        )
    listed = json.loads(office.officer.ok("requests", "--format", "json").stdout)
    assert [(r["id"], r["student_id"]) for r in listed] == [("R1", "x")]
    assert "R1" in office.officer.ok("requests").stdout
    before = snapshot(office.url)
    result = office.officer("approve", "R1")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: Request R1 cannot be approved: its student ID is not valid ('x' is not a student ID; student "
        "IDs are nine digits, such as 201234567); reject it with `stream-exempt reject R1 --reason TEXT`.\n"
    )
    assert snapshot(office.url) == before


def test_a_tutor_may_not_copy_the_store(office: Office, tmp_path: Path, pg_empty: str) -> None:
    import psycopg
    from typer.testing import CliRunner

    from stream_exempt.cli.app import app

    ask(office.officer, "201234501")
    ask(office.tutor, "201234502")

    def copy(who: Cli, name: str) -> Any:
        target = name if name.startswith("postgres") else str(tmp_path / name)
        return CliRunner().invoke(app, ["copy-store", str(who.location), target], catch_exceptions=False)

    for target in ("tutor.db", pg_empty):
        result = copy(office.tutor, target)
        assert (result.exit_code, result.stdout) == (4, ""), result.stderr
        assert result.stderr == (
            "Error: copy-store needs the store's owner or an officer: row-level security hides other "
            "people's requests from a tutor.\n"
        )
    assert not (tmp_path / "tutor.db").exists()
    with psycopg.connect(pg_empty) as conn:  # refused before the target was opened: no schema made
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
    assert copy(office.officer, "officer.db").exit_code == 0
    copied = Cli(tmp_path / "officer.db")
    listed = json.loads(copied.ok("requests", "--status", "all", "--format", "json").stdout)
    assert [r["student_id"] for r in listed] == ["201234501", "201234502"]


def test_only_the_owner_copies_into_the_store(office: Office, tmp_path: Path, clock: Clock) -> None:
    """Anyone else's rows are signed with their own name: a copy would lose who did what."""
    from typer.testing import CliRunner

    from stream_exempt.cli.app import app

    source = Cli(tmp_path / "office.db")
    source.add("201234567")
    before = snapshot(office.url)
    result = CliRunner().invoke(
        app, ["copy-store", str(source.location), office.officer.location], catch_exceptions=False
    )
    assert (result.exit_code, result.stdout) == (4, "")
    assert result.stderr == (
        f"Error: copy-store into {office.officer.shown} needs the owner of its tables: the database signs "
        "every row anyone else writes with their own name, and the copy would lose who did what.\n"
    )
    assert snapshot(office.url) == before
