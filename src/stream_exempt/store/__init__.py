"""The store: an SQLite file (`sqlite.Store`) or a PostgreSQL database (`postgres.PostgresStore`,
SPEC 12), both behind `StoreProtocol`. `open_store` opens either from its location.

psycopg is imported only when the location is a PostgreSQL URL: a SQLite `check` (run by cron
thousands of times) starts as fast as before.
"""

from __future__ import annotations

import sys
from pathlib import Path

from stream_exempt.errors import StoreUnusable
from stream_exempt.interrupts import Ledger
from stream_exempt.store.common import SORTS, STATUS_SQL, Filters, OfficeCounts
from stream_exempt.store.location import is_conninfo, is_url, shown_path, without_password
from stream_exempt.store.protocol import StoreProtocol
from stream_exempt.store.sqlite import Store, missing, unusable

__all__ = [
    "SORTS",
    "STATUS_SQL",
    "Filters",
    "OfficeCounts",
    "Store",
    "StoreProtocol",
    "backend_error",
    "is_url",
    "missing",
    "open_store",
    "shown_path",
    "unusable",
    "without_password",
]

INSTALL_POSTGRES = 'pip install "stream-exempt[postgres]"'


def open_store(location: str | Path, *, create: bool, ledger: Ledger | None = None) -> StoreProtocol:
    """Open the store at `location`: a PostgreSQL database when it is a `postgresql://` URL,
    else an SQLite file (created, with `create`, when missing: SPEC 2). A libpq `keyword=value`
    connection string is refused, never taken for the name of a file to create. What its
    transactions record is noted in `ledger` (the command's; a fresh one when not given)."""
    store = _opened(location, create=create)
    if ledger is not None:
        store.ledger = ledger
    return store


def _opened(location: str | Path, *, create: bool) -> StoreProtocol:
    if is_conninfo(str(location)):
        raise StoreUnusable(
            f"{shown_path(str(location))} is a libpq connection string, not a store's location; give a "
            "PostgreSQL store as a URL, postgresql://user@host:port/dbname (its password in ~/.pgpass "
            "or PGPASSWORD), or a file's path."
        )
    if is_url(location):
        try:
            from stream_exempt.store.postgres import PostgresStore
        except ImportError as error:
            if error.name is not None and error.name.split(".")[0] == "psycopg":
                raise StoreUnusable(
                    "the store is a PostgreSQL database, but psycopg is not installed; install it with "
                    f"{INSTALL_POSTGRES}."
                ) from None
            raise
        return PostgresStore.open(str(location), create=create)
    return Store.open(Path(location).expanduser(), create=create)


def backend_error(error: BaseException, location: str) -> StoreUnusable | None:
    """A PostgreSQL driver's error (the connection lost mid-command, a permission refused) as
    the store-unusable error; None for anything else. psycopg is looked at only if loaded."""
    if "psycopg" not in sys.modules:
        return None
    from stream_exempt.store.postgres import unusable_pg

    return unusable_pg(error, location)
