"""`check --file`'s answer: every row of the feed with `suppressed` and `exemption` appended,
as csv (with the feed's own separator, so that what wrote it reads it back) or jsonl, and
the reports of its bad rows.

Both wait in temporary files (memory does not grow with the feed) until every row has been
read, because a feed may be refused whole by its last row (month-first dates); only then are
they copied to standard output and standard error (`copy_out`)."""

from __future__ import annotations

import re
import sys
from typing import IO

from stream_exempt.output.results import visible

# How undecodable input bytes are held in text (surrogate escapes): never valid in UTF-8 or JSON.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class FeedAnswer:
    """The answer to a feed, written row by row as it is read, copied out once accepted."""

    def __init__(self, fmt: str, headers: list[str], delimiter: str, name: str, encoding: str | None) -> None:
        import csv
        import io
        import tempfile

        self._raw = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._out = io.TextIOWrapper(self._raw, encoding="utf-8", errors="surrogateescape", newline="")
        self._complaints: IO[str] | None = None
        self._name, self._encoding = name, encoding
        self._width = len(headers)
        self._replaced = False
        if fmt == "csv":
            self._writer = csv.writer(self._out, delimiter=delimiter, lineterminator="\n")
            self._writer.writerow([*headers, "suppressed", "exemption"])
            self.row = self._csv_row
        else:
            from stream_exempt.output.jsonfmt import dumps

            self._dumps = dumps  # the one JSON layout (SPEC 10), found once, not once a row
            self._keys = _json_keys(headers)
            self._extra_key = next(k for k in ("extra", "extra_cells", "_extra") if k not in self._keys)
            self.row = self._json_row

    def _csv_row(self, line: int, cells: list[str], exemption: int | None) -> None:
        """One row of the feed, with whether it is suppressed and by which exemption."""
        width = self._width
        own = cells[:width] + [""] * (width - len(cells))
        suppressed = "false" if exemption is None else "true"
        self._writer.writerow([*own, suppressed, "" if exemption is None else exemption, *cells[width:]])

    def _json_row(self, line: int, cells: list[str], exemption: int | None) -> None:
        width = self._width
        own = cells[:width] + [""] * (width - len(cells))
        more = cells[width:]
        if not self._replaced and any(_LONE_SURROGATE.search(cell) for cell in cells):
            self._replaced = True
            self._complain(
                f"Warning: line {line} of {self._name} (and maybe others) holds bytes that are not "
                f"{self._encoding or 'UTF-8'} text; they are written as U+FFFD in the JSON, so give "
                "--encoding with the feed's encoding to keep them."
            )
        record: dict[str, object] = dict(zip(self._keys, map(_json_text, own), strict=True))
        record["suppressed"] = exemption is not None
        record["exemption"] = exemption
        if more:
            record[self._extra_key] = [_json_text(cell) for cell in more]
        self._out.write(self._dumps(record) + "\n")

    def bad(self, line: int, message: str) -> None:
        """A row that could not be checked: passed through as not suppressed, and reported."""
        self._complain(
            f"Error: Line {line} of {self._name}: {message.rstrip('.')}; it is passed through as not suppressed."
        )

    def _complain(self, text: str) -> None:
        if self._complaints is None:
            import tempfile

            self._complaints = tempfile.TemporaryFile(  # noqa: SIM115 - closed by close()
                "w+", encoding="utf-8", errors="backslashreplace", newline=""
            )
        self._complaints.write(visible(text) + "\n")

    def copy_out(self) -> None:
        """The answer to standard output, then the reports to standard error."""
        import shutil

        self._out.flush()
        self._raw.seek(0)
        buffer = getattr(sys.stdout, "buffer", None)
        sys.stdout.flush()
        if buffer is not None:
            shutil.copyfileobj(self._raw, buffer, 1 << 20)
            buffer.flush()
        else:  # a test runner's text-only stream
            while chunk := self._raw.read(1 << 20):
                sys.stdout.write(chunk.decode("utf-8", "surrogateescape"))
        if self._complaints is not None:
            self._complaints.flush()
            self._complaints.seek(0)
            sys.stdout.flush()
            shutil.copyfileobj(self._complaints, sys.stderr, 1 << 20)

    def close(self) -> None:
        self._out.close()
        if self._complaints is not None:
            self._complaints.close()


def _json_keys(headers: list[str]) -> list[str]:
    """The feed's headers as JSON keys: valid UTF-8, and repeated headers kept apart."""
    keys: list[str] = []
    for header in headers:
        key = _json_text(header)
        number = 2
        while key in keys or key in ("suppressed", "exemption"):
            key = f"{_json_text(header)}_{number}"
            number += 1
        keys.append(key)
    return keys


def _json_text(text: str) -> str:
    """A cell as valid UTF-8 text for JSON: bytes that could not be decoded (held as lone
    surrogates) become U+FFFD; give --encoding to read them."""
    return text if text.isascii() else _LONE_SURROGATE.sub("\ufffd", text)
