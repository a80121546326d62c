"""`init --roles` on a PostgreSQL store: the two group roles and their grants (SPEC 12)."""

from typing import Any

from stream_exempt.cli.session import Session


def grant_roles(session: Session, store: Any) -> list[str]:
    """Create the roles that are missing and grant both their rights on `store`, in one
    transaction; the roles it created."""
    from stream_exempt.store import roles

    shown = session.store_shown
    with store.writing():
        made = roles.create(store.conn, shown)
        session.committed(
            f"the roles and their grants on {shown}", "Running `stream-exempt init --roles` again is harmless"
        )
    return made
