"""Shared fixtures: a frozen clock, a private store per test, and the CLI runner.

Everything else the tests share is in helpers.py (import it from there).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import time_machine

from helpers import LONDON, MONDAY, Cli, exemption, os_login, read_terminal, shell, snapshot
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
def login() -> str:
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
    return tmp_path / "exemptions.db"


@pytest.fixture
def cli(store_path: Path, clock: Callable[[datetime], None]) -> Cli:
    """The CLI on an empty store, as `init` (or a first write) would leave it.

    Read commands never create a store (SPEC 2); a test of a missing store uses `bare_cli`.
    """
    Store.open(store_path, create=True).close()
    return Cli(store_path)


@pytest.fixture
def bare_cli(store_path: Path, clock: Callable[[datetime], None]) -> Cli:
    """The CLI with no store at its path yet."""
    return Cli(store_path)


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


os.environ.setdefault("COLUMNS", "200")

# Still found here for test modules written before helpers.py (on branches not yet merged);
# import them from helpers.
__all__ = ["LONDON", "MONDAY", "Cli", "exemption", "os_login", "read_terminal", "shell", "snapshot"]
