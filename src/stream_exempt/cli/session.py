"""What every command shares: the store it opens, the actor, today, and messages on stderr."""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from stream_exempt import config, dates, interrupts, sharing, validate
from stream_exempt.errors import NoStoreYet, StoreUnusable
from stream_exempt.model import Actor
from stream_exempt.output.reporter import Reporter
from stream_exempt.store import StoreProtocol, is_url, open_store, shown_path
from stream_exempt.store.location import is_conninfo

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

APP_NAME = "stream-exempt"

# What to do when the output fails after a change was recorded, unless the command says better
# (a request is seen with `requests`, and `init` may safely be run again).
SEE_LIST = "Do not run it again; `stream-exempt list` shows it"


def ask(question: str) -> bool:
    """A yes-or-no question on stderr (the answer on the terminal); no unless the person says yes."""
    import typer

    return typer.confirm(question, default=False, err=True)


@dataclass
class Session:
    """One command's root options; the store, opened on first use and closed when the command
    ends; and its ledger: what it opened and recorded, which the command line reports from when
    the command fails or is interrupted afterwards (SPEC 7, 10)."""

    db: str | None = None  # `--db`: a path, or a PostgreSQL URL (not a Path: `//` would collapse)
    ledger: interrupts.Ledger = field(default_factory=interrupts.Ledger, repr=False)
    _store: StoreProtocol | None = field(default=None, repr=False)
    # What the command says on stderr while it works (what it says once done is its result).
    report: Reporter = field(default_factory=lambda: Reporter(ask), repr=False)

    def committed(self, what: str, then: str = SEE_LIST) -> None:
        """Note what a change records (`exemption 12 extended to 1 Feb 2027`), and `then`, what
        the person should do if the output fails afterwards.

        Called inside `store.writing()`, before it commits: the note counts from the COMMIT on,
        in one step that no Ctrl-C or SIGTERM can split (SPEC 10)."""
        from stream_exempt.cli import streams

        self.ledger.note(what, then)
        streams.report_broken_pipe()

    @property
    def zone(self) -> ZoneInfo:
        """The University's time zone (`config.zone()`), which `dates` is handed."""
        return config.zone()

    def today(self) -> date:
        """Today's date in the University's time zone."""
        return dates.today(self.zone)

    @property
    def store_setting(self) -> config.Setting:
        """Where the store is and why: `--db`, STREAM_EXEMPT_DB, the configuration file, the default."""
        return config.store(self.db or None)

    @property
    def store_location(self) -> Path | str:
        """The store's file (a Path), or the PostgreSQL database's URL (SPEC 12)."""
        value = self.store_setting.value
        # A connection string stays text, so that opening refuses it (never a file to create).
        return value if is_url(value) or is_conninfo(value) else Path(value).expanduser()

    @property
    def store_shown(self) -> str:
        """Where the store is, as messages show it (a URL without its password)."""
        return shown_path(self.store_location)

    def store_exists(self) -> bool:
        """Whether the store is there already. A PostgreSQL database is opened to tell: without
        the schema (an empty database) it is no store yet (the server is the judge)."""
        location = self.store_location
        if isinstance(location, str):
            return self.store_if_present() is not None
        return self._store is not None or location.exists()

    def store(self, *, create: bool = False) -> StoreProtocol:
        """The store, opened on first use. A command that only reads never creates it (SPEC 2):
        a missing store is `StoreUnusable` (exit 4) naming the path."""
        if self._store is None:
            setting = self.store_setting
            location = self.store_location
            self.ledger.opened.append(location)
            try:
                self._store = open_store(location, create=create, ledger=self.ledger)
            except StoreUnusable as error:
                if setting.kind == config.FILE:  # the messages name --db and the variable only
                    what = "URL" if isinstance(location, str) else "path"
                    error.message = f"{error.message.rstrip('.')} (that {what} is set in {setting.origin})."
                raise
            if self._store.created:  # so that a mistyped path is seen at once (SPEC 2)
                self.report.note(f"Created a new store at {shown_path(location)}.")
        return self._store

    def store_if_present(self) -> StoreProtocol | None:
        """The store, or None when there is none yet (for a dry run, which checks as if against
        an empty store and creates nothing). A missing shared store is still `StoreUnusable`.
        A PostgreSQL database without the schema is no store yet."""
        location = self.store_location
        if isinstance(location, str):  # the server says whether the store is there
            try:
                return self.store()
            except NoStoreYet:
                return None
        try:
            present = self._store is not None or location.exists()
        except OSError:  # a folder on the way we may not enter: opening says so
            present = True
        if not present:
            sharing.refuse_missing_shared(location)
            return None
        return self.store()

    def store_for_writing(self) -> StoreProtocol:
        """The store for a command that records something: created (owner-only) when missing."""
        return self.store(create=True)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def login() -> str:
    """The login running this command, as the operating system knows it: the name of the
    effective user (`uid-N` when the user database has no name for it). Never `LOGNAME`, `USER`
    or anything else the caller can set (SPEC 7, The actor)."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid-{uid}"


def actor(name: str | None) -> Actor:
    """Who records a change: the login, and `--as NAME` beside it as who it was for (never
    instead of it). The store signs it with the login it records (`Store._signed`): there,
    `--as` naming that login adds nothing, and is not kept."""
    return Actor(login(), None if name is None else validate.actor(name))
