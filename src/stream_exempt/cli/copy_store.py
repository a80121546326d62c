"""`copy-store FROM TO`: copy a whole store into an empty one, SQLite to PostgreSQL or back."""

from contextlib import suppress
from pathlib import Path
from typing import Annotated

import typer

from stream_exempt import sharing
from stream_exempt.cli.session import Session
from stream_exempt.errors import Refused, StoreUnusable
from stream_exempt.output.outcomes import CopiedStore
from stream_exempt.store import backend_error, copying, is_url, open_store, shown_path, without_password


def _location(text: str) -> str | Path:
    return text if is_url(text) else Path(text).expanduser()


def _same(one: str | Path, other: str | Path) -> bool:
    """Whether two locations are one store: the same file, or the same URL (without passwords)."""
    if isinstance(one, Path) and isinstance(other, Path):
        return one.resolve() == other.resolve()
    return (
        isinstance(one, str) and isinstance(other, str) and without_password(one) == without_password(other)
    )


def _described(copied: copying.Copied) -> str:
    tables = [copying.counted(copied.counts[table], table) for table in copying.TABLES]
    return ", ".join(tables[:-1]) + f" and {tables[-1]}"


def copy_store(
    ctx: typer.Context,
    source: Annotated[
        str, typer.Argument(metavar="FROM", help="The store to copy: a file, or a postgresql:// URL.")
    ],
    target: Annotated[
        str,
        typer.Argument(
            metavar="TO", help="An empty store to copy into: a new file, or an empty PostgreSQL database."
        ),
    ],
) -> CopiedStore:
    """Copy a whole store into an empty one: every exemption with its id, every event, batch
    and request, and the schema's migrations; from a file to PostgreSQL, or back.

    All or nothing: the copy is one transaction, and a new file it made is removed if it fails.
    Before it commits, both sides are compared: the rows of every table, and every exemption's
    status today. A target holding anything is refused (exit 2).

    Example: stream-exempt copy-store /srv/stream-exempt/exemptions.db postgresql://ses_admin@dbhost/ses
    """
    session: Session = ctx.obj
    source_at, target_at = _location(source), _location(target)
    shown = (shown_path(source_at), shown_path(target_at))
    if _same(source_at, target_at):
        raise Refused(
            f"FROM and TO are the same store ({shown[0]}); give a new file or an empty database as TO."
        )
    source_store = open_store(source_at, create=False, ledger=session.ledger)
    try:
        copying.refuse_partial_source(source_store)  # before the target is made: nothing left there
        new_file = isinstance(target_at, Path) and not target_at.exists()
        made = sharing.missing_folders(target_at.parent) if isinstance(target_at, Path) and new_file else []
        target_store = open_store(target_at, create=True, ledger=session.ledger)
        try:
            copied = copying.copy(
                source_store,
                target_store,
                session.today(),
                shown,
                lambda done: session.committed(f"a copy of {shown[0]} in {shown[1]} ({_described(done)})"),
            )
        except BaseException as error:
            with suppress(Exception):  # a connection already lost closes as it can
                target_store.close()
            if isinstance(target_at, Path) and new_file:  # a failed copy leaves nothing behind that it made
                sharing.remove(target_at, made)
            # A server lost mid-copy: which store it was is not known, so both are named.
            mapped = backend_error(error, "") if isinstance(error, Exception) else None
            if mapped is not None:
                raise StoreUnusable(
                    f"the copy of {shown[0]} to {shown[1]} stopped, and no row was copied: {mapped.message}"
                ) from None
            raise
        target_store.close()
    finally:
        source_store.close()
    return CopiedStore(
        shown[0],
        shown[1],
        _described(copied),
        copied.migrations,
        copied.statuses,
        created=target_store.created,  # said once the copy is there: a failed one leaves no store
        database=isinstance(target_at, str),  # grants belong to one database: the copy has none yet
    )
