"""Encodings: which codec a file is read in (byte-order marks, UTF-16 without one, `--encoding`),
its lines decoded one by one, and advice that works when a byte cannot be read (cp1252, UTF-16).

Text is decoded here, line by line, rather than by a text stream: a stream decodes in large
chunks, so the line of an undecodable byte would be lost (a bad byte on line 91 reported "near
line 1").
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import IO

from stream_exempt.errors import Refused, printable

# The byte-order marks a spreadsheet writes, longest first (UTF-32 LE begins with UTF-16 LE's).
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Codecs Python treats as text encodings that no file is written in.
_NOT_FOR_FILES = frozenset({"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape"})
CHUNK = 1 << 16
_LINE_ENDS = re.compile(r"\r\n|\r|\n")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def encoding_name(encoding: str | None) -> str | None:
    """The codec `--encoding` names (None: decide from the file); refused unless it decodes text."""
    if encoding is None:
        return None
    try:
        info = codecs.lookup(encoding)
    except (LookupError, ValueError):
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True) or info.name in _NOT_FOR_FILES:
        raise Refused(
            f"--encoding {printable(encoding)} is not a text encoding a file can be written in; "
            "give one such as utf-8, cp1252 or utf-16."
        )
    # Plain UTF-8 reads through a byte-order mark when there is one: it is the same encoding.
    return "utf-8-sig" if info.name == "utf-8" else info.name


class TextLines:
    """The lines of a binary stream as text, ends kept, decoded line by line so that an
    undecodable byte is reported on its own line."""

    def __init__(self, raw: IO[bytes], name: str, encoding: str | None, errors: str) -> None:
        self.raw, self.name, self.errors = raw, name, errors
        self.head = raw.read(CHUNK)
        while 0 < len(self.head) < 4:  # enough to see a byte-order mark, however the bytes arrive
            more = raw.read(CHUNK)
            if not more:
                break
            self.head += more
        self.given = encoding is not None
        if encoding is None:
            encoding = _detected(self.head)
        elif (
            encoding in UTF16
            and self.head  # an empty file is empty in any encoding
            and not self.head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        ):
            encoding = _utf16_order(self.head, encoding, name)
        self.encoding = encoding
        self.lines = 0  # lines handed out so far

    def __iter__(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding)(self.errors)
        pending = ""
        chunk = self.head
        while True:
            final = not chunk
            try:
                text = decoder.decode(chunk, final)
            except UnicodeError as error:
                raise self._undecodable(error, pending) from None
            pending += text
            if final:
                cut = len(pending)
            else:  # up to the last line end; a "\r" at the very end may be half of a "\r\n"
                cut = pending.rfind("\n") + 1 or pending.rfind("\r", 0, len(pending) - 1) + 1
            if cut:
                complete, pending = pending[:cut], pending[cut:]
                # str.splitlines also splits at form feeds, U+2028 and the like: only when
                # there are none does its speed give the same lines as CSV's own rule.
                lines = (
                    _LINE.findall(complete) if _OTHER_BREAKS.search(complete) else complete.splitlines(True)
                )
                self.lines += len(lines)
                yield from lines
            if final:
                return
            chunk = self.raw.read(CHUNK)

    def _undecodable(self, error: UnicodeError, pending: str) -> Refused:
        start = getattr(error, "start", 0)
        data = getattr(error, "object", b"")
        data = data if isinstance(data, bytes) else b""
        before = pending + data[:start].decode(self.encoding, "replace")
        line = self.lines + len(_LINE_ENDS.findall(before)) + 1
        bad = data[start : start + 1]
        byte = f" (byte 0x{bad.hex().upper()})" if bad else ""
        return Refused(
            f"line {line} of {self.name} is not valid {_label(self.encoding)} text{byte}; "
            + _advice(data, self.head, self.encoding, self.given)
        )


def _label(encoding: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32"}.get(
        encoding, encoding
    )


def _decodes(data: bytes, encoding: str) -> bool:
    """Whether `data` is text in `encoding`, allowing a character cut at either end (a read
    may begin or end inside one)."""
    if encoding == "utf-8":
        data = data.lstrip(bytes(range(0x80, 0xC0)))  # continuation bytes of a cut character
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeError:
        return False
    return True


UTF16 = ("utf-16", "utf-16-le", "utf-16-be")


def _detected(head: bytes) -> str:
    """The codec a file is read in when no --encoding is given: its byte-order mark's, else UTF-8."""
    return next((codec for bom, codec in BOMS if head.startswith(bom)), "utf-8")


def utf16_order_of(head: bytes) -> str | None:
    """`utf-16-le` or `utf-16-be` when a file's first bytes are UTF-16 text with no byte-order
    mark, else None. A CSV file is mostly ASCII (digits, commas, line ends), which UTF-16 writes
    with a NUL in every other byte: at least half its characters have one, on one side only,
    and the bytes read as that order. Random bytes, or text in any 8-bit encoding, never do."""
    sample = head[: 1 << 12]
    sample = sample[: len(sample) // 2 * 2]
    units = len(sample) // 2
    if not units:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if 2 * odd >= units and 4 * even <= odd:
        order = "utf-16-le"
    elif 2 * even >= units and 4 * odd <= even:
        order = "utf-16-be"
    else:
        return None
    return order if _decodes(sample, order) else None


def _utf16_order(head: bytes, encoding: str, name: str) -> str:
    """The byte order of UTF-16 text with no byte-order mark, told by where its NULs fall:
    `--encoding utf-16` finds it; a codec of the other order, which would read every character
    as another, is refused, and so is text that is not UTF-16 at all (never advising UTF-16)."""
    order = utf16_order_of(head)
    if order is None:
        raise Refused(
            f"the file {name} is not UTF-16 text (it has no byte-order mark, and its bytes are not laid "
            f"out as UTF-16's are), so --encoding {encoding} cannot read it; "
            + _advice(head, head, encoding, given=True)
        )
    if encoding not in ("utf-16", order):
        raise Refused(
            f"the file {name} is UTF-16 in the other byte order ({order}), so --encoding {encoding} would misread "
            "every character; give --encoding utf-16 and the order is found from the file."
        )
    return order


def _advice(data: bytes, head: bytes, encoding: str, given: bool) -> str:
    """What to do about bytes that `encoding` cannot read (`data`: the part of the file read
    when it failed; `head`: the file's first bytes). Only advice that works when followed:
    each encoding named reads these bytes, none is the one already in use, and a file that is
    valid UTF-8 is never told to use cp1252."""
    codec = codecs.lookup(encoding).name
    detected = _detected(head)
    if given and detected != "utf-8" and codecs.lookup(detected).name != codec:
        by_mark = next(bom for bom, each in BOMS if each == detected and head.startswith(bom))
        if _decodes(data, _order_of_mark(by_mark)):
            return f"it begins with a {_label(detected)} byte-order mark, so leave out --encoding."
    if detected == "utf-8" and codec not in UTF16 and utf16_order_of(head) is not None:
        return "it looks like UTF-16 text, so give --encoding utf-16."
    if b"\x00" not in data and _decodes(data, "utf-8"):
        if given and detected == "utf-8" and codec not in ("utf-8", "utf-8-sig"):
            return "it reads as UTF-8, so leave out --encoding."
    elif codec != "cp1252" and b"\x00" not in data and _decodes(data, "cp1252"):
        return "if it came from an older spreadsheet, give --encoding cp1252."
    return (
        "it reads as none of UTF-8, UTF-16 and cp1252, so check that it is the CSV file you meant, "
        "or give --encoding with the encoding it was saved in."
    )


def _order_of_mark(bom: bytes) -> str:
    """The codec of a byte-order mark's own byte order, which reads any part of the file."""
    return {
        codecs.BOM_UTF32_LE: "utf-32-le",
        codecs.BOM_UTF32_BE: "utf-32-be",
        codecs.BOM_UTF8: "utf-8",
        codecs.BOM_UTF16_LE: "utf-16-le",
        codecs.BOM_UTF16_BE: "utf-16-be",
    }[bom]
