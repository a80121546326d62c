"""`init`: create the store at the resolved path, private or shared by a Unix group; idempotent."""

from typing import Annotated

import typer

from stream_exempt import sharing
from stream_exempt.cli.roles import grant_roles
from stream_exempt.cli.session import Session
from stream_exempt.errors import Refused
from stream_exempt.output.outcomes import Initialised
from stream_exempt.store import Store, open_store
from stream_exempt.store.roles import OFFICER, TUTOR


def init(
    ctx: typer.Context,
    group: Annotated[
        str | None,
        typer.Option(
            "--group",
            "-g",
            metavar="GROUP",
            help="Share the store with this Unix group: its folder 2770 (setgid), the store 0660.",
        ),
    ] = None,
    roles: Annotated[
        bool,
        typer.Option(
            "--roles",
            help="PostgreSQL: create the roles stream_exempt_officer and stream_exempt_tutor and grant them their rights.",
        ),
    ] = False,
) -> Initialised:
    """Create the store (and say where), or bring an existing one up to date; safe to run again.

    Without --group the store is private to you (0600). With --group, every member of that group
    can read and write it and no one else can: run it as root, once, on the host where the office
    and its cron jobs run.

    With --roles (a PostgreSQL store; run it as the owner of the store, a user who may create
    roles): the two group roles, officer (every command) and tutor (request, its own requests,
    check, list, types), and their grants; then GRANT them to people.

    Example: sudo stream-exempt --db /srv/stream-exempt/exemptions.db init --group ses-office
    """
    session: Session = ctx.obj
    location = session.store_location
    if roles and not isinstance(location, str):
        raise Refused(
            "--roles is for a PostgreSQL store: roles are a PostgreSQL feature (a store file is shared "
            "with a Unix group, `init --group`)."
        )
    if isinstance(location, str):  # a PostgreSQL database (SPEC 12): the schema, in one transaction
        if group is not None:
            raise Refused(
                "--group shares a store file with a Unix group; a PostgreSQL store is shared through "
                "the database's own roles."
            )
        store = open_store(location, create=True, ledger=session.ledger)
        try:
            granted = grant_roles(session, store) if roles else None
        finally:
            store.close()
        session.committed(
            f"the store at {session.store_shown}", "Running `stream-exempt init` again is harmless"
        )
        return Initialised(
            session.store_shown,
            store.created,
            database=True,
            roles=granted,
            officer=OFFICER,
            tutor=TUTOR,
        )
    path = location
    if group is not None:
        sharing.group_id(group)  # an empty or unknown group: refused before anything is made
    existed = path.exists()
    made = sharing.missing_folders(path.parent)
    try:
        if group is not None:
            sharing.prepare(path, group)
        store = Store.open(path, create=True)  # creates a private store; migrates either one
        store.close()
    except BaseException:
        if not existed:  # a failed init leaves nothing behind that it made
            sharing.remove(path, made)
        raise
    session.committed(f"the store at {path}", "Running `stream-exempt init` again is harmless")
    if group is not None:
        # Opening may have left -wal/-shm behind (another process holds the store): the group's too.
        sharing.prepare(path, group)
    return Initialised(str(path), not existed, files=sharing.describe(path), problems=sharing.problems(path))
