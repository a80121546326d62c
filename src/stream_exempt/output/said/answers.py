"""The answers written in a format rather than in sentences: `check --file` (a feed filtered),
`summary`, `timeline` and `list --ids`. (`check` of one student is `output/verdict.py`, a
`Shown` document, so that cron's `check` loads none of this.)"""

from __future__ import annotations

from stream_exempt.output.outcomes import FeedChecked, Ids, Morning, Picture
from stream_exempt.output.said.common import out_lines


def feed_checked(result: FeedChecked) -> None:
    try:
        result.answer.copy_out()
    finally:
        result.answer.close()


def morning(result: Morning) -> None:
    from stream_exempt.output import morning

    morning.write(result)


def picture(result: Picture) -> None:
    from stream_exempt.output import pictures

    pictures.write(result)


def ids(result: Ids) -> None:
    out_lines(f"{each}\n" for each in result.ids)
