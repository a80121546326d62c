"""`history`: every recorded change of one exemption, oldest first."""

from typing import Annotated

import typer

from stream_exempt import validate
from stream_exempt.cli.options import TableFormatOption
from stream_exempt.cli.session import Session
from stream_exempt.output import tables
from stream_exempt.output.outcomes import Shown


def history(
    ctx: typer.Context,
    exemption_id: Annotated[
        str,
        typer.Argument(metavar="ID", help="The exemption's id, or a request's (R12).", show_default=False),
    ],
    fmt: TableFormatOption = "table",
) -> Shown:
    """Show every change of one exemption (or request), oldest first: when, who, what, before -> after.

    Who is the login that made the change, and who it was for when `--as` was given
    (`alice for Dr Smith`).

    For an exemption approved from a tutor's request, the request comes first: who asked, and when.

    Example: stream-exempt history 12
    """
    session: Session = ctx.obj
    request = exemption_id.strip()[:1] in ("R", "r")
    # The value typed first, then the store (SPEC 10).
    wanted = validate.request_id(exemption_id) if request else validate.exemption_id(exemption_id)
    store = session.store()
    events = store.request_events(wanted) if request else store.events(wanted)
    title = f"{'Request' if request else 'Exemption'} {exemption_id.strip()}"
    return Shown(tables.history(events, title, session.zone), fmt)
