"""The answers written in a format rather than in sentences: `check` (one student's verdict,
or a feed filtered with `--file`), `summary`, `timeline` and `list --ids`."""

from __future__ import annotations

from stream_exempt.dates import show
from stream_exempt.output.outcomes import Answer, FeedChecked, Ids, Morning, Picture
from stream_exempt.output.results import Document
from stream_exempt.output.said.common import out_lines


def verdict(answer: Answer) -> Document:
    """`check STUDENT_ID`'s answer: for programs, and in a sentence for people."""
    found = {
        "student_id": answer.student_id,
        "date": answer.day,
        "suppressed": answer.suppressed,
        "exemption": answer.exemption.id if answer.exemption else None,
        "in_force_from": answer.exemption.in_force_from if answer.exemption else None,
        "why": answer.why,
    }
    return Document(found, f"{answer.student_id} on {show(answer.day)}: {answer.why}.")


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
