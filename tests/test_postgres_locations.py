"""How a store's location is read and shown when it is not a plain path (SPEC 12): a URL in
capitals, a URL libpq cannot read, a libpq connection string, settings libpq refuses. Each is
exit 4 with one sentence that never shows the password, and nothing is created."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from helpers import Cli
from stream_exempt.cli.app import app
from stream_exempt.cli.group import sentence
from stream_exempt.store.location import hide_passwords, is_conninfo, shown_path
from test_postgres_faults import one_sentence

if TYPE_CHECKING:
    from conftest import PostgresServer

SECRET = "hunter2-correct-horse"
ADD = ("add", "201234567", "--type", "placement", "--start", "+1w", "--for", "2w")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            f'missing "=" after "POSTGRESQL://alice:{SECRET}@db:5433/ses"',
            'missing "=" after "POSTGRESQL://alice@db:5433/ses"',
        ),
        (
            f'in URI: "postgresql://alice:{SECRET}@[::1:5433/ses"',
            'in URI: "postgresql://alice@[::1:5433/ses"',
        ),
        (f"host=db password={SECRET} dbname=ses", "host=db password=… dbname=ses"),
        (f"host=db password = '{SECRET} x' dbname=ses", "host=db password = … dbname=ses"),
        (
            f"postgres://db/ses?sslmode=require&password={SECRET}",
            "postgres://db/ses?sslmode=require&password=…",
        ),
        ("postgresql://alice@db/ses", "postgresql://alice@db/ses"),  # nothing to hide
    ],
)
def test_a_password_quoted_in_any_message_is_left_out(text: str, shown: str) -> None:
    assert hide_passwords(text) == shown


@pytest.mark.parametrize(
    ("location", "conninfo"),
    [
        ("host=localhost port=5433 dbname=ses user=alice", True),
        ("dbname=ses", True),
        (" service = office", True),
        ("/srv/ses/exemptions.db", False),
        ("/srv/ses/a=b.db", False),
        ("store.db", False),
        ("postgresql://alice@db/ses?host=x", False),
    ],
)
def test_a_libpq_connection_string_is_told_from_a_path(location: str, conninfo: bool) -> None:
    assert is_conninfo(location) is conninfo


@pytest.mark.parametrize("args", [ADD, ("list",)], ids=["add", "list"])
def test_a_connection_string_is_refused_never_a_file_to_create(
    tmp_path: Path, clock: Callable[[datetime], None], monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    location = f"host=localhost port=5433 dbname=ses password={SECRET}"
    said = one_sentence(Cli(location)(*args), secret=SECRET)
    assert "connection string" in said and "postgresql://" in said
    assert list(tmp_path.iterdir()) == []  # no file named after it, with the password in its name
    assert shown_path(location) == "host=localhost port=5433 dbname=ses password=…"


def test_a_url_libpq_cannot_read_never_shows_its_password(
    pg_server: PostgresServer, clock: Callable[[datetime], None]
) -> None:  # (pg_server: psycopg reads the URL, so the test is skipped where it is missing)
    url = f"postgresql://alice:{SECRET}@[::1:5433/ses"  # Cli cannot even show it: the app directly
    result = CliRunner().invoke(app, ["--db", url, "list"], catch_exceptions=False)
    said = one_sentence(result, secret=SECRET)
    assert "postgresql://alice@" in said  # the URL as written, its scheme not capitalised


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("postgresql://alice:50%offSecret@db.example/ses", "50%offSecret"),
        ("postgresql://alice:ab%zz@db.example/ses", "ab%zz"),  # short: quoted, still left out
        ("postgresql://alice@db.example/ses?password=50%offSecret&sslmode=require", "50%offSecret"),
    ],
    ids=["user-information", "short", "query-parameter"],
)
@pytest.mark.parametrize("command", [["list"], ["config", "--format", "json"]], ids=["list", "config"])
def test_a_password_libpq_quotes_as_an_unreadable_token_is_left_out(
    pg_server: PostgresServer, url: str, secret: str, command: list[str]
) -> None:  # (pg_server: psycopg reads the URL, so the test is skipped where it is missing)
    """libpq quotes a token it cannot read, and a password holding `%` not followed by two hex
    digits is one: `invalid percent-encoded token: "50%offSecret"`."""
    result = CliRunner().invoke(app, ["--db", url, *command], catch_exceptions=False)
    assert result.exit_code == 4
    assert 'invalid percent-encoded token: "…"' in result.stderr
    for shown in (result.stdout, result.stderr):
        assert secret not in shown and secret.split("%")[0] + "%" not in shown


@pytest.mark.parametrize(
    "url",
    ["postgresql://alice:%A3secret@db.example/ses", "postgresql://alice@db.example/ses?application_name=%FF"],
    ids=["latin-1-password", "query"],
)
@pytest.mark.parametrize("command", [["check", "201234567"], ["list"], ["config"]])
def test_a_percent_encoded_byte_that_is_not_utf8_is_a_bad_url_not_a_crash(
    pg_server: PostgresServer, url: str, command: list[str]
) -> None:  # (pg_server: psycopg reads the URL, so the test is skipped where it is missing)
    """A password written in Latin-1 (`£` as `%A3`) made psycopg raise UnicodeDecodeError:
    exit 70 from every command. It is a URL libpq cannot read: exit 4, one sentence."""
    result = CliRunner().invoke(app, ["--db", url, *command], catch_exceptions=False)
    assert result.exit_code == 4
    assert result.stderr.startswith("Error: postgresql://alice@db.example/ses")
    assert result.stderr.endswith(
        "is not a PostgreSQL URL libpq can read (a percent-encoded byte in it is not UTF-8 text); "
        "write it as postgresql://user@host:port/dbname, each character percent-encoded as UTF-8.\n"
    )
    assert "secret" not in result.stdout + result.stderr


def test_a_url_in_capitals_is_the_same_url(
    pg_server: PostgresServer, pg_store: str, clock: Callable[[datetime], None]
) -> None:
    url = "POSTGRESQL" + pg_store[pg_store.index(":") :]
    assert Cli(url).ok("list", "--format", "json").stdout.strip() == "[]"


@pytest.mark.parametrize(
    "query", ["sslmode=bogus", "connect_timeout=abc"], ids=["sslmode", "connect_timeout"]
)
def test_settings_libpq_refuses_are_not_a_connection_lost(
    pg_server: PostgresServer, clock: Callable[[datetime], None], query: str
) -> None:
    port = os.environ.get("PGPORT", "5432")
    said = one_sentence(
        Cli(f"postgresql://alice:{SECRET}@127.0.0.1:{port}/ses?{query}")("list"), secret=SECRET
    )
    assert "lost" not in said and "run the command again" not in said
    assert "settings" in said and query.split("=")[0] in said


def test_a_host_that_does_not_exist_cannot_be_reached(
    pg_server: PostgresServer, clock: Callable[[datetime], None]
) -> None:
    said = one_sentence(
        Cli(f"postgresql://alice:{SECRET}@nosuchhost.invalid:5433/ses")("list"), secret=SECRET
    )
    assert "cannot be reached" in said


def test_a_message_starting_with_a_url_keeps_it_as_written() -> None:
    assert sentence("postgresql://db/ses is not a store") == "postgresql://db/ses is not a store"
    assert sentence("permission denied: ask") == "Permission denied: ask"


def test_a_server_lost_mid_copy_names_both_stores(
    tmp_path: Path, pg_server: PostgresServer, pg_empty: str, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    from stream_exempt.store import copying

    def lost(*args: object, **kwargs: object) -> None:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(copying, "copy", lost)
    source = tmp_path / "source.db"
    Cli(source).add()
    said = one_sentence(Cli(source)("copy-store", str(source), pg_empty))
    assert said.startswith(f"Error: The copy of {source} to postgresql://")
    assert "the store the store" not in said.lower() and "connection to the server was lost" in said
