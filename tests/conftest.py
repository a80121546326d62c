"""Shared fixtures: a frozen clock, a private store per test (on SQLite and on PostgreSQL),
and the CLI runner.

Every test that uses `cli`, `bare_cli` or `store_location` (through the `backend` fixture) runs
twice, with the ids `sqlite` and `postgres`. A test about SQLite files themselves is marked
`@pytest.mark.sqlite_only("why")` and runs on SQLite alone. Without a PostgreSQL server the
`postgres` runs are skipped with one reason; STREAM_EXEMPT_REQUIRE_POSTGRES=1 (set by .ci/run)
turns any skipped PostgreSQL test into a failure.

Everything else the tests share is in helpers.py (import it from there).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Generator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine

from helpers import LONDON, MONDAY, Cli, exemption, open_location, os_login, read_terminal, shell, snapshot
from stream_exempt import config
from stream_exempt.store import Store


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in (
        "STREAM_EXEMPT_DB",
        "STREAM_EXEMPT_TZ",
        "STREAM_EXEMPT_ID_PATTERN",
        "STREAM_EXEMPT_DEBUG",
        "STREAM_EXEMPT_CONFIG",
    ):
        monkeypatch.delenv(name, raising=False)
    # No configuration file of the machine running the tests: an empty per-user folder (also for
    # the real processes tests start) and no system file.
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setattr(config, "SYSTEM_FILE", home / "etc" / "config.toml")
    monkeypatch.setenv("COLUMNS", "200")  # deterministic Rich tables
    monkeypatch.setenv("LOGNAME", "tester")


@pytest.fixture
def login(request: pytest.FixtureRequest) -> str:
    """Who every change records as its actor (SPEC 7, 12): the OS login on SQLite, the database's
    session user on PostgreSQL."""
    if "backend" in request.fixturenames and request.getfixturevalue("backend") == "postgres":
        server: PostgresServer = request.getfixturevalue("pg_server")
        return server.user
    return os_login()


@pytest.fixture
def clock() -> Iterator[Callable[[datetime], None]]:
    """Freeze time at MONDAY; call the fixture's value to move to another instant."""
    traveller = time_machine.travel(MONDAY, tick=False)
    frozen = traveller.start()

    def move_to(moment: datetime) -> None:
        frozen.move_to(moment)

    yield move_to
    traveller.stop()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """The SQLite store's path (on either backend: a test on PostgreSQL does not use it)."""
    return tmp_path / "exemptions.db"


# -- the two backends ------------------------------------------------------------------------

BACKENDS = ("sqlite", "postgres")
REQUIRE_POSTGRES = "STREAM_EXEMPT_REQUIRE_POSTGRES"
NO_SERVER = (
    "no PostgreSQL server: run the suite under `pg_virtualenv -t` (Debian postgresql-common) to include them"
)
# The sockets libpq tries when no PG* variable says otherwise (Debian's, then the default).
DEFAULT_SOCKETS = (Path("/var/run/postgresql/.s.PGSQL.5432"), Path("/tmp/.s.PGSQL.5432"))
SERVER_VARIABLES = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGSERVICE", "PGDATABASE")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that uses a store (through `backend`) on both backends, except those
    marked sqlite_only (which must say why)."""
    if "backend" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("sqlite_only")
    if marker is not None and not (marker.args or marker.kwargs.get("reason")):
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: sqlite_only needs a reason")
    metafunc.parametrize("backend", ["sqlite"] if marker else list(BACKENDS), indirect=True)


def _uses_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    on_postgres = callspec is not None and callspec.params.get("backend") == "postgres"
    return on_postgres or "pg_server" in getattr(item, "fixturenames", ())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Under STREAM_EXEMPT_REQUIRE_POSTGRES=1 (CI) a PostgreSQL test that skips has failed."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped:
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if not (_uses_postgres(item) or NO_SERVER in reason):  # (a fixture of its own may ask for pg_empty)
        return
    if os.environ.get(REQUIRE_POSTGRES) == "1":
        report.outcome = "failed"
        report.longrepr = f"a PostgreSQL test was skipped, but {REQUIRE_POSTGRES}=1: {reason}"
    elif NO_SERVER in reason:
        # One line in the summary for all of them, not one per test module and line.
        report.longrepr = (__file__, None, reason)


# What a database is made of, beyond its rows: every relation (with its owner and grants), column,
# constraint, trigger (and whether it is enabled), function and schema, and the database's own
# grants. A test database whose fingerprint is still its template's can be emptied of rows and
# used again; any other is dropped.
FINGERPRINT = """
SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) FROM (
    SELECT 'r:' || n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || c.relowner::regrole
           || ':' || coalesce(c.relacl::text, '')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
    UNION ALL
    SELECT 'a:' || a.attrelid::regclass::text || '.' || a.attname || ':' || a.atttypid::regtype::text
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
      AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'c:' || conrelid::regclass::text || '.' || conname || ':' || md5(pg_get_constraintdef(oid))
    FROM pg_constraint WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
    UNION ALL
    SELECT 't:' || tgrelid::regclass::text || '.' || tgname || ':' || tgenabled::text
    FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL
    SELECT 'f:' || p.oid::regprocedure::text || ':' || md5(coalesce(p.prosrc, '')) || ':'
           || coalesce(p.proacl::text, '')
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL
    SELECT 'n:' || nspname || ':' || nspowner::regrole || ':' || coalesce(nspacl::text, '') FROM pg_namespace
    UNION ALL
    SELECT 'd:' || coalesce(datacl::text, '') || ':' || datdba::regrole FROM pg_database
    WHERE datname = current_database()
    UNION ALL
    SELECT 's:' || coalesce(array_to_string(setconfig, ' '), '') FROM pg_db_role_setting
    WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
) AS parts(x)
"""
USER_TABLES = """
SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1
"""


class PostgresServer:
    """The PostgreSQL server of the PG* variables: a database of its own for each test.

    A test's database is a copy of a template (made once, with an empty store in it, or empty);
    after the test it is emptied back to the template's rows and kept for another test when
    nothing but rows changed in it (the catalog's fingerprint is the template's), else dropped.
    Creating and dropping a database costs about 0.2-0.4 s on this machine; emptying one, a few
    milliseconds."""

    def __init__(self, admin: Any) -> None:
        self.admin = admin  # an autocommit connection to the maintenance database
        self.prefix = os.environ.get("STREAM_EXEMPT_TEST_DB_PREFIX", "se_test")
        self.names = itertools.count(1)
        self.user: str = admin.execute("SELECT session_user").fetchone()[0]
        self._templates: dict[str, Template] = {}
        self._free: dict[str, list[str]] = {"store": [], "empty": []}
        self._drop_leftovers()

    def _drop_leftovers(self) -> None:
        """Databases of earlier runs of this prefix whose process has gone (a run killed mid-way)."""
        rows = self.admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (self.prefix + "\\_%",)
        ).fetchall()
        for (name,) in rows:
            pid = name[len(self.prefix) + 1 :].partition("_")[0]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                self.drop(name)

    def url(self, name: str) -> str:
        """The URL of database `name` (no password: libpq takes it from PGPASSWORD or ~/.pgpass)."""
        host = os.environ.get("PGHOST", "")
        if not host or host.startswith("/") or "," in host:
            return f"postgresql:///{name}"
        user = os.environ.get("PGUSER")
        port = os.environ.get("PGPORT")
        return f"postgresql://{user + '@' if user else ''}{host}{':' + port if port else ''}/{name}"

    def create(self, template: str = "template0") -> str:
        """A new database (a copy of `template`): its name."""
        name = f"{self.prefix}_{os.getpid()}_{next(self.names)}"
        self.admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def drop(self, name: str) -> None:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _template(self, kind: str) -> Template:
        """The template of `kind`: "store" (an empty store, as `init` makes it) or "empty"."""
        if kind not in self._templates:
            name = self.create()
            try:
                if kind == "store":
                    with time_machine.travel(MONDAY, tick=False):
                        open_location(self.url(name), create=True).close()
                self._templates[kind] = Template.read(self.url(name), name)
            except BaseException:
                self.drop(name)
                raise
        return self._templates[kind]

    def take(self, kind: str) -> str:
        """A database of `kind` for one test, in its template's state: its name."""
        if self._free[kind]:
            return self._free[kind].pop()
        return self.create(self._template(kind).name)

    def give_back(self, kind: str, name: str) -> None:
        """After the test: kept for another when it can be emptied to its template's state."""
        # Whatever the test left connected (a store it did not close, a process) goes first.
        self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        if self._templates[kind].restore(self.url(name)):
            self._free[kind].append(name)
        else:
            self.drop(name)

    def close(self) -> None:
        for name in [*self._free["store"], *self._free["empty"], *(t.name for t in self._templates.values())]:
            self.drop(name)
        self.admin.close()


class Template:
    """A template database: its catalog's fingerprint and the rows of its tables."""

    def __init__(self, name: str, fingerprint: str, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        self.name = name
        self.fingerprint = fingerprint
        self.rows = rows

    @classmethod
    def read(cls, url: str, name: str) -> Template:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            fingerprint = conn.execute(FINGERPRINT).fetchone()[0]  # type: ignore[index]
            tables = [t for (t,) in conn.execute(USER_TABLES)]
            rows = {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
        return cls(name, fingerprint, rows)

    def restore(self, url: str) -> bool:
        """Empty the database at `url` back to this template's rows; False when it differs from
        the template in more than its rows (or cannot be restored)."""
        import psycopg

        try:
            with psycopg.connect(url) as conn:  # one transaction: all or nothing
                conn.execute("SET LOCAL lock_timeout = '5s'")
                if conn.execute(FINGERPRINT).fetchone()[0] != self.fingerprint:  # type: ignore[index]
                    return False
                if self.rows:
                    conn.execute("SET LOCAL session_replication_role = replica")  # no trigger refuses
                    conn.execute(f"TRUNCATE {', '.join(self.rows)} RESTART IDENTITY CASCADE")
                    for table, rows in self.rows.items():
                        if rows:
                            marks = ", ".join(["%s"] * len(rows[0]))
                            with conn.cursor() as cursor:
                                cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        except psycopg.Error:
            return False
        return True


def _connect_to_server() -> tuple[Any, str]:
    """An autocommit connection to the server of the PG* variables, or None and why not."""
    if not any(os.environ.get(v) for v in SERVER_VARIABLES) and not any(s.exists() for s in DEFAULT_SOCKETS):
        return None, NO_SERVER
    try:
        import psycopg
    except ImportError:
        return None, f"{NO_SERVER}, with psycopg installed (pip install '.[test,postgres]')"
    try:
        admin = psycopg.connect(
            dbname=os.environ.get("PGDATABASE", "postgres"), autocommit=True, connect_timeout=10
        )
    except psycopg.Error as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return None, f"{NO_SERVER} (the PG* variables' server: {first_line})"
    return admin, ""


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """The PostgreSQL server to test on; skips the test without one (fails it under CI)."""
    admin, why_not = _connect_to_server()
    if admin is None:
        if os.environ.get(REQUIRE_POSTGRES) == "1":
            pytest.fail(f"{REQUIRE_POSTGRES}=1 but {why_not}", pytrace=False)
        pytest.skip(why_not)
    server = PostgresServer(admin)
    yield server
    server.close()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """`sqlite` or `postgres` (parametrised by pytest_generate_tests)."""
    name: str = request.param
    if name == "postgres":
        request.getfixturevalue("pg_server")  # skips here, before the test, without a server
    return name


@pytest.fixture
def pg_empty(pg_server: PostgresServer) -> Iterator[str]:
    """The URL of a database of its own, empty (no schema), for one test."""
    name = pg_server.take("empty")
    yield pg_server.url(name)
    pg_server.give_back("empty", name)


@pytest.fixture
def pg_store(pg_server: PostgresServer, clock: Callable[[datetime], None]) -> Iterator[str]:
    """The URL of a database of its own holding an empty store (as `init` leaves it), for one test."""
    name = pg_server.take("store")
    yield pg_server.url(name)
    pg_server.give_back("store", name)


@pytest.fixture
def store_location(
    backend: str, store_path: Path, clock: Callable[[datetime], None], request: pytest.FixtureRequest
) -> Path | str:
    """Where an empty store (as `init` leaves it) is: the SQLite path, or a PostgreSQL URL."""
    if backend == "postgres":
        url: str = request.getfixturevalue("pg_store")
        return url
    Store.open(store_path, create=True).close()
    return store_path


@pytest.fixture
def bare_location(
    backend: str, store_path: Path, clock: Callable[[datetime], None], request: pytest.FixtureRequest
) -> Path | str:
    """Where no store is yet: a SQLite path with no file, or an empty PostgreSQL database."""
    if backend == "postgres":
        url: str = request.getfixturevalue("pg_empty")
        return url
    return store_path


@pytest.fixture
def cli(store_location: Path | str, clock: Callable[[datetime], None]) -> Cli:
    """The CLI on an empty store, as `init` (or a first write) would leave it, on each backend.

    Read commands never create a store (SPEC 2); a test of a missing store uses `bare_cli`.
    """
    return Cli(store_location)


@pytest.fixture
def bare_cli(bare_location: Path | str, clock: Callable[[datetime], None]) -> Cli:
    """The CLI with no store at its location yet (on PostgreSQL: an empty database)."""
    return Cli(bare_location)


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


os.environ.setdefault("COLUMNS", "200")
# The tests' own connections read text as UTF-8 whatever the database's encoding (as the store
# does): a cluster made in the C locale is SQL_ASCII, whose text libpq would hand back as bytes.
os.environ.setdefault("PGCLIENTENCODING", "UTF8")

# Still found here for test modules written before helpers.py (on branches not yet merged);
# import them from helpers.
__all__ = ["LONDON", "MONDAY", "Cli", "exemption", "os_login", "read_terminal", "shell", "snapshot"]
