"""`check STUDENT_ID`'s answer, in words and for programs. A module of its own, outside
`said/`, so that `check` (which cron runs for every feed) loads only this of the words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stream_exempt.dates import show
from stream_exempt.output.results import Document

if TYPE_CHECKING:
    from stream_exempt.model import Verdict


def verdict(answer: Verdict) -> Document:
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
