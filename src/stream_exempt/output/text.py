"""`text`: one answer as sentences for people."""

from __future__ import annotations

from typing import IO

from stream_exempt.output.results import Document


def write(answer: Document, out: IO[str]) -> None:
    if answer.text:
        out.write(answer.text.rstrip("\n") + "\n")
