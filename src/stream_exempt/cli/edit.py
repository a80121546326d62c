"""`edit`: correct the reason of an exemption; its dates never change here."""

from typing import Annotated

import typer

from stream_exempt import dates, rules, validate
from stream_exempt.cli.options import ActorOption
from stream_exempt.cli.session import Session, actor


def _shown(reason: str | None) -> str:
    return "(none)" if reason is None else repr(reason)


def edit(
    ctx: typer.Context,
    exemption_id: Annotated[
        str, typer.Argument(metavar="ID", help="The exemption's id.", show_default=False)
    ],
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            "-r",
            metavar="TEXT",
            help="The corrected reason, at most 500 characters; an empty text removes it.",
        ),
    ],
    as_: ActorOption = None,
) -> None:
    """Correct the reason of an exemption (any status but deleted); the dates never change.

    The old and the new reason are recorded; `stream-exempt history ID` shows them.

    Example: stream-exempt edit 12 --reason "Leeds General Infirmary, ward 4"
    """
    session: Session = ctx.obj
    number = validate.exemption_id(exemption_id)
    text = validate.reason(reason)
    who = actor(as_)
    store = session.store()
    with store.writing():
        before = store.get(number)
        after = rules.with_reason(before, text)
        if after.reason != before.reason:
            store.set_reason(before, after, actor=who, at=dates.now_utc())
            session.committed(
                f"the reason of exemption {number} changed from {_shown(before.reason)} to {_shown(after.reason)}",
                f"Do not run it again; `stream-exempt history {number}` shows it",
            )
    if after.reason == before.reason:
        # SPEC 10: a change that changes nothing is not a change (no event; exit 0).
        has = "no reason" if before.reason is None else f"the reason {_shown(before.reason)}"
        print(f"Nothing to change: exemption {number} already has {has}.")
    else:
        print(
            f"Edited exemption {number} ({before.student_id}): reason "
            f"{_shown(before.reason)} -> {_shown(after.reason)}."
        )
