"""What is particular to the PostgreSQL store (SPEC 12): URLs and their passwords, the driver
as an extra, the schema made by a writing command only, R7 held by the database, the session
user as the actor, and writers serialised. Every other behaviour is the same on both stores,
and tested on both by the CLI tests (the `backend` fixture)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers import Cli
from stream_exempt import schema
from stream_exempt.errors import StoreUnusable
from stream_exempt.store import is_url, open_store, pg_schema, shown_path, without_password

# -- URLs, without a server -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "url"),
    [
        ("postgresql://alice@db.example/ses", True),
        ("postgres://db.example/ses", True),
        ("postgresql:///ses", True),
        ("POSTGRESQL://db/ses", True),
        ("/srv/stream-exempt/exemptions.db", False),
        ("postgresql:/not-a-url", False),
        ("./postgresql://x", False),
    ],
)
def test_a_url_is_told_from_a_path(location: str, url: bool) -> None:
    assert is_url(location) is url
    assert is_url(Path(location)) is False  # a Path is always a file


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://alice:s3cret@db.example:5432/ses", "postgresql://alice@db.example:5432/ses"),
        ("postgresql://:s3cret@db.example/ses", "postgresql://db.example/ses"),
        ("postgres://alice:p%40ss@db/ses?sslmode=require", "postgres://alice@db/ses?sslmode=require"),
        (
            "postgresql://alice@db/ses?password=s3cret&sslmode=require",
            "postgresql://alice@db/ses?sslmode=require",
        ),
        (
            "postgresql://alice@db/ses?sslmode=require&password=s3cret",
            "postgresql://alice@db/ses?sslmode=require",
        ),
        ("postgresql://db/ses", "postgresql://db/ses"),
        ("postgresql:///ses", "postgresql:///ses"),
    ],
)
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert without_password(url) == shown
    assert shown_path(url) == shown
    assert "s3cret" not in shown_path(url)


def test_a_path_is_shown_as_written() -> None:
    assert shown_path(Path("/tmp/a.db")) == "/tmp/a.db"
    assert shown_path(" /tmp/a.db") == '" /tmp/a.db"'


def test_the_postgresql_schema_knows_every_migration_sqlite_knows() -> None:
    assert pg_schema.NAMES == schema.NAMES


def test_without_psycopg_a_url_is_exit_4_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in [name for name in sys.modules if name == "psycopg" or name.startswith("psycopg.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delitem(sys.modules, "stream_exempt.store.postgres", raising=False)
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` now fails
    with pytest.raises(StoreUnusable) as raised:
        open_store("postgresql://alice:s3cret@localhost/ses", create=False)
    assert raised.value.message == (
        "the store is a PostgreSQL database, but psycopg is not installed; install it with "
        'pip install "stream-exempt[postgres]".'
    )
    result = Cli("postgresql://alice:s3cret@localhost/ses")("list")
    assert result.exit_code == 4
    assert result.stderr == (
        "Error: The store is a PostgreSQL database, but psycopg is not installed; install it with "
        'pip install "stream-exempt[postgres]".\n'
    )


def test_a_sqlite_check_does_not_import_psycopg(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    code = (
        "import sys\n"
        "from stream_exempt.entry import main\n"
        f"sys.argv = ['stream-exempt', '--db', {str(store)!r}, 'check', '201234567']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('psycopg' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stdout.strip().splitlines()[-1] == "False"


# -- with a server ----------------------------------------------------------------------------


def _connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)


def test_a_read_on_a_database_without_the_schema_is_exit_4(pg_empty: str) -> None:
    cli = Cli(pg_empty)
    result = cli("list")
    assert result.exit_code == 4
    assert result.stderr == (
        f"Error: The PostgreSQL database {without_password(pg_empty)} is not a stream-exempt store; run init "
        "(`stream-exempt init`) to create the store there, or check --db or STREAM_EXEMPT_DB (only a "
        "command that records something new creates one; reading or changing what exists never does).\n"
    )
    with _connect(pg_empty) as conn:  # nothing was made
        assert conn.execute("SELECT to_regclass('exemptions')").fetchone() == (None,)


def test_a_writing_command_creates_the_schema_and_says_so(pg_empty: str) -> None:
    cli = Cli(pg_empty)
    result = cli("add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"Created a new store at {without_password(pg_empty)}.\n")
    with _connect(pg_empty) as conn:
        names = [name for (name,) in conn.execute("SELECT name FROM stream_exempt_migrations ORDER BY name")]
    assert tuple(names) == schema.NAMES
    again = cli("add", "201234568", "-t", "placement", "-s", "+1w", "--for", "1w")
    assert again.exit_code == 0 and "Created" not in again.stderr


def test_a_database_made_in_the_c_locale_holds_text_as_any_other(
    pg_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database whose encoding is SQL_ASCII (what `createdb` makes on a server initialised in
    the C locale) would hand text back as bytes: the store asks for UTF-8 whatever it is."""
    name = f"{pg_server.prefix}_ascii_{os.getpid()}"
    pg_server.admin.execute(
        f"CREATE DATABASE \"{name}\" ENCODING 'SQL_ASCII' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
    )
    monkeypatch.delenv("PGCLIENTENCODING", raising=False)  # the tests' own setting: the store's here
    try:
        cli = Cli(pg_server.url(name))
        cli.ok(
            "add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w", "--reason", "Zoë's café, Łódź"
        )
        (row,) = json.loads(cli.ok("list", "--format", "json").stdout)
        assert (row["student_id"], row["reason"]) == ("201234567", "Zoë's café, Łódź")
        assert cli.ok("doctor").stdout.rstrip().endswith("healthy")
    finally:
        pg_server.drop(name)


def test_init_creates_the_schema_once(pg_empty: str) -> None:
    cli = Cli(pg_empty)
    first = cli("init")
    assert first.exit_code == 0, first.stderr
    assert first.stdout == f"Created the store in the PostgreSQL database {without_password(pg_empty)}.\n"
    second = cli("init")
    assert second.stdout == f"The store is ready in the PostgreSQL database {without_password(pg_empty)}.\n"


def test_a_newer_schema_is_refused(pg_store: str) -> None:
    with _connect(pg_store) as conn:
        conn.execute("INSERT INTO stream_exempt_migrations (name) VALUES ('9999_future')")
    result = Cli(pg_store)("list")
    assert result.exit_code == 4
    assert result.stderr == (
        f"Error: The store {without_password(pg_store)} was written by a newer stream-exempt (schema "
        f"{len(schema.NAMES) + 1}, this program knows {len(schema.NAMES)}); upgrade stream-exempt.\n"
    )


_ROW = (
    "INSERT INTO exemptions (id, student_id, type, start_date, end_date, created_by, created_at, "
    "in_force_from, deleted_on) VALUES (%s, '201234567', 'placement', %s, %s, 'x', '2027-01-04T12:00:00Z', %s, %s)"
)


def test_r7_is_held_by_the_database_itself(pg_store: str) -> None:
    import psycopg

    with _connect(pg_store) as conn:
        conn.execute(_ROW, (1, "2027-01-10", "2027-01-20", "2027-01-01", None))
        with pytest.raises(psycopg.errors.ExclusionViolation):
            conn.execute(_ROW, (2, "2027-01-20", "2027-01-25", "2027-01-01", None))  # one day shared
        conn.execute(_ROW, (3, "2027-01-21", "2027-01-25", "2027-01-01", None))  # touching: allowed
        # A deleted one blocks nothing, from the moment of deletion (as rules.is_live says).
        conn.execute(_ROW, (4, "2027-02-01", "2027-02-10", "2027-01-01", "2027-01-05"))
        conn.execute(_ROW, (5, "2027-02-05", "2027-02-12", "2027-01-01", None))
        (kind,) = conn.execute("SELECT contype FROM pg_constraint WHERE conname = 'exemptions_r7'").fetchone()
    assert kind == "x"


def test_the_event_log_is_append_only(pg_store: str) -> None:
    import psycopg

    cli = Cli(pg_store)
    cli.add()
    with _connect(pg_store) as conn:
        for statement in (
            "UPDATE events SET actor = 'someone else'",
            "DELETE FROM events",
            "DELETE FROM exemptions",
            "TRUNCATE events CASCADE",
        ):
            with pytest.raises(psycopg.errors.RestrictViolation):
                conn.execute(statement)


def test_the_actor_is_the_session_user_whatever_as_says(pg_store: str) -> None:
    cli = Cli(pg_store)
    with _connect(pg_store) as conn:
        (user,) = conn.execute("SELECT session_user::text").fetchone()
    result = cli("add", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w", "--as", "j.smith")
    assert result.exit_code == 0, result.stderr
    with _connect(pg_store) as conn:
        assert conn.execute("SELECT created_by, created_for FROM exemptions").fetchall() == [
            (user, "j.smith")
        ]
        assert conn.execute("SELECT actor, login, actor_for FROM events").fetchall() == [
            (user, user, "j.smith")
        ]


def test_config_and_messages_never_show_the_password(pg_store: str) -> None:
    secret_url = pg_store.replace("postgresql://", "postgresql://nobody:s3cret@", 1)
    if "@" in pg_store:  # the fixture's URL names a user already: give that one a password
        scheme, rest = pg_store.split("://", 1)
        user, host = rest.split("@", 1)
        secret_url = f"{scheme}://{user}:s3cret@{host}"
    cli = Cli(secret_url)
    shown = cli("config", "--format", "json")
    assert "s3cret" not in shown.stdout and without_password(secret_url) in shown.stdout
    listed = cli("list", "--status", "all")
    assert "s3cret" not in listed.stdout + listed.stderr


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("postgresql://nobody:s3cret@127.0.0.1:1/none", "the server cannot be reached"),
        ("postgresql://nobody:s3cret@localhost:5433/none?connect_timeout=3", None),
    ],
)
def test_an_unreachable_or_refusing_server_is_one_sentence_exit_4(
    pg_server: Any, url: str, why: str | None
) -> None:
    result = Cli(url)("list")
    assert result.exit_code == 4
    assert result.stderr.startswith("Error: The store postgresql://nobody@")
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert "s3cret" not in result.stderr
    if why is not None:
        assert why in result.stderr


def test_a_missing_database_is_one_sentence_exit_4(pg_server: Any) -> None:
    url = pg_server.url("pg_no_such_database")
    result = Cli(url)("list")
    assert result.exit_code == 4
    assert result.stderr == (
        f"Error: The store {without_password(url)} cannot be used: the database does not exist "
        f"(connection failed: {result.stderr.split('(connection failed: ', 1)[1]}"
    )
    assert "does not exist" in result.stderr and len(result.stderr.splitlines()) == 1


def test_doctor_on_postgresql(pg_store: str) -> None:
    cli = Cli(pg_store)
    cli.add()
    result = cli("doctor", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert '"r7_constraint":true' in result.stdout
    assert '"schema_version":7' in result.stdout.replace(" ", "")


def test_racing_writers_end_with_one_winner_and_clean_refusals(pg_store: str) -> None:
    """Eight processes add the same student's overlapping exemption at once: one wins, seven
    get R7's refusal (exit 2); none exits 70 or says "could not serialize"."""
    racers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "stream_exempt",
                "--db",
                pg_store,
                "add",
                "201234567",
                "-t",
                "placement",
                "-s",
                "+1w",
                "--for",
                "2w",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    outcomes = [(racer.wait(60), racer.stderr.read() if racer.stderr else "") for racer in racers]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0] + [2] * 7, outcomes
    assert not any("serialize" in text or "Traceback" in text for _, text in outcomes)
    with _connect(pg_store) as conn:
        assert conn.execute("SELECT count(*) FROM exemptions").fetchone() == (1,)


def test_racing_approvals_approve_a_request_once(pg_store: str) -> None:
    cli = Cli(pg_store)
    cli.ok("request", "201234567", "-t", "placement", "-s", "+1w", "--for", "1w", "--from", "dr.tutor")
    racers = [
        subprocess.Popen(
            [sys.executable, "-m", "stream_exempt", "--db", pg_store, "approve", "R1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outcomes = [(racer.wait(60), racer.stderr.read() if racer.stderr else "") for racer in racers]
    assert sorted(code for code, _ in outcomes)[0] == 0
    assert [code for code, _ in outcomes].count(0) == 1, outcomes
    assert all(code in (0, 2) for code, _ in outcomes), outcomes
    with _connect(pg_store) as conn:
        assert conn.execute("SELECT count(*) FROM exemptions").fetchone() == (1,)


def test_the_constraint_firing_is_the_clean_r7_refusal(pg_store: str) -> None:
    """Should a write ever get past the rules (it cannot through the commands, which check R7
    under the write lock), the database's refusal is R7's: exit 2, nothing written."""
    from datetime import date

    from stream_exempt.errors import Refused
    from stream_exempt.model import Actor, Draft

    store = open_store(pg_store, create=False)
    draft = Draft("201234567", "placement", date(2027, 1, 10), date(2027, 1, 20), None)
    try:
        with pytest.raises(Refused) as raised, store.writing():
            store.insert(
                draft, actor=Actor("x", None), at="2027-01-04T12:00:00Z", in_force_from=date(2027, 1, 6)
            )
            store.insert(
                draft, actor=Actor("x", None), at="2027-01-04T12:00:00Z", in_force_from=date(2027, 1, 6)
            )
        assert "(R7)" in raised.value.message and raised.value.exit_code == 2
        assert store.select() == []
    finally:
        store.close()
