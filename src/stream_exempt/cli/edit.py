"""`edit`: correct the reason of an exemption; its dates never change here."""

from typing import Annotated

import typer

from stream_exempt import dates, rules, validate
from stream_exempt.cli.options import ActorOption, value_option
from stream_exempt.cli.session import Session, actor
from stream_exempt.output.outcomes import Edited
from stream_exempt.output.said.change import reason_change


def edit(
    ctx: typer.Context,
    exemption_id: Annotated[
        str, typer.Argument(metavar="ID", help="The exemption's id.", show_default=False)
    ],
    reason: Annotated[
        str,
        value_option(
            "--reason -r", "TEXT", "The corrected reason, at most 500 characters; an empty text removes it."
        ),
    ],
    as_: ActorOption = None,
) -> Edited:
    """Correct the reason of an exemption (any status but deleted); the dates never change.

    The old and the new reason are recorded; `stream-exempt history ID` shows them.

    Example: stream-exempt edit 12 --reason "Leeds General Infirmary, ward 4"
    """
    session: Session = ctx.obj
    number = validate.exemption_id(exemption_id)
    text = validate.reason(reason)
    who = actor(as_)
    store = session.store()
    store.check_may_change()
    with store.writing():
        before = store.get(number)
        after = rules.with_reason(before, text)
        if after.reason != before.reason:
            store.set_reason(before, after, actor=who, at=dates.now_utc())
            session.committed(
                reason_change(number, before.reason, after.reason),
                f"Do not run it again; `stream-exempt history {number}` shows it",
            )
    return Edited(number, before.student_id, before.reason, after.reason)
