"""Checking the free-form values people type: student IDs, reasons, actors, exemption ids."""

from __future__ import annotations

import re
from functools import cache

from stream_exempt import config
from stream_exempt.errors import SHORTEN_PAST, Refused, control_characters, printable
from stream_exempt.patterns import MAX_ID_LENGTH

MAX_REASON = 500
MAX_ACTOR = 100
MAX_ID = 2**63 - 1  # SQLite's largest integer

NINE_DIGITS = re.compile(r"[0-9]{9}")


# The patterns below are compiled on first use: they look at values that are refused, or typed
# only by the commands that record something, and `check` (run by cron) starts without them.
@cache
def _spreadsheet_number() -> re.Pattern[str]:
    """What a spreadsheet makes of a long number: 2.01E+08, 201234567.0, 2,01E+08."""
    return re.compile(r"[0-9]+(?:[.,][0-9]*)?(?:[eE][+-]?[0-9]+)|[0-9]+[.,]0+")


@cache
def _not_utf8() -> re.Pattern[str]:
    """What Python makes of bytes on the command line that are not UTF-8 (a Latin-1 terminal, a
    script saved in cp1252): lone surrogates, which no store, file or terminal can hold."""
    return re.compile("[\ud800-\udfff]")


def utf8(text: str, what: str) -> str:
    """`text` unchanged, or `Refused` when it holds bytes that were not UTF-8 (exit 2, not 70)."""
    if _not_utf8().search(text):
        raise Refused(
            f"{what} is not valid UTF-8 text; type it again with a UTF-8 terminal or script "
            "(it holds bytes of another encoding, such as Latin-1)."
        )
    return text


def printable_name(text: str) -> str:
    """A file name to store or show: bytes that were not UTF-8 replaced by U+FFFD."""
    return _not_utf8().sub("\ufffd", text)


def id_pattern() -> re.Pattern[str]:
    """The student-ID rule: STREAM_EXEMPT_ID_PATTERN, else `id_pattern` in the configuration
    files (matched whole), else nine ASCII digits. Checked when it was read (`config`): a valid
    pattern that can never make matching hang (`patterns`)."""
    setting = config.setting("id_pattern")
    if setting.kind == config.DEFAULT:
        return NINE_DIGITS
    return re.compile(setting.value)


def shortened(text: str, limit: int = SHORTEN_PAST) -> str:
    """A value the user gave, as a cell of a table of refusals: whole up to `limit` characters,
    else its start and `…` with its length (`2011111… (2,000,000 characters)`)."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… ({len(text):,} characters)"


def reformatted_number(text: str) -> bool:
    """Whether a value is a long number as a spreadsheet rewrites it (`2.01E+08`, `201234567.0`)."""
    return _spreadsheet_number().fullmatch(text.strip()) is not None


def student_id(text: str, pattern: re.Pattern[str]) -> str:
    """A student ID with surrounding white space removed, or `Refused`."""
    value = text.strip()
    if not value:  # whatever the pattern: a pattern such as `.*` would match nothing at all
        raise Refused("the student ID is empty; give the student's number.")
    if pattern is not NINE_DIGITS and len(value) > MAX_ID_LENGTH:  # before matching: never a long wait
        raise Refused(
            f"{printable(value)} is not a student ID: it is {len(value):,} characters long, and a "
            f"student ID is at most {MAX_ID_LENGTH}."
        )
    if pattern.fullmatch(value) and (pattern is NINE_DIGITS or not control_characters().search(value)):
        return value
    if _spreadsheet_number().fullmatch(value):
        raise Refused(
            f"{printable(value)} is a number a spreadsheet reformatted, not a student ID; "
            "format the column as text and export it again."
        )
    if pattern is NINE_DIGITS:
        lost_zeros = value.isascii() and value.isdigit() and len(value) < 9
        raise Refused(
            f"{printable(value)} is not a student ID; student IDs are nine digits, such as 201234567"
            + (
                " (a spreadsheet drops the leading zeros of a number: format the column as text and "
                "type the IDs again)."
                if lost_zeros
                else "."
            )
        )
    raise Refused(
        f"{printable(value)} is not a student ID; student IDs here must match the pattern "
        f"{printable(pattern.pattern)} (from {config.setting('id_pattern').source})."
    )


def reason(text: str | None) -> str | None:
    """An optional reason: at most 500 characters, no control characters; blank means none."""
    if text is None or not text.strip():
        return None
    value = utf8(text.strip(), "the reason")
    if len(value) > MAX_REASON:
        raise Refused(f"the reason is {len(value)} characters long; shorten it to at most {MAX_REASON}.")
    if control_characters().search(value):
        raise Refused("the reason contains control characters; give it as plain text on one line.")
    return value


def actor(text: str) -> str:
    """Who a change is for (`--as`), recorded beside the login that made it."""
    value = utf8(text.strip(), "the name given with --as")
    if not value or len(value) > MAX_ACTOR or control_characters().search(value):
        raise Refused(
            f"{printable(value)} cannot be recorded as who the change is for; give a name of 1 to "
            f"{MAX_ACTOR} printable characters with --as."
        )
    return value


def exemption_id(text: str, what: str = "exemption id") -> int:
    """An exemption (or batch) id as typed: a positive integer that SQLite can hold."""
    value = text.strip()
    if not re.fullmatch(r"[0-9]{1,19}", value, re.ASCII) or not 0 < int(value) <= MAX_ID:
        raise Refused(
            f"{printable(value)} is not {_article(what)} {what}; {what}s are positive whole numbers such as 12."
        )
    return int(value)


def batch_id(text: str) -> int:
    """A bulk batch id as typed."""
    return exemption_id(text, "batch id")


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"


def request_id(text: str) -> int:
    """A request number as typed: `R12` (or `r12`, or `12`)."""
    value = text.strip()
    digits = value[1:] if value[:1] in ("R", "r") else value
    if not re.fullmatch(r"[0-9]{1,19}", digits, re.ASCII) or not 0 < int(digits) <= MAX_ID:
        raise Refused(f"{printable(value)} is not a request; requests are numbered R1, R2, ...")
    return int(digits)


def name(text: str, what: str = "--from") -> str:
    """A person's name given with `--from` (the tutor who asked)."""
    value = utf8(text.strip(), f"the name given with {what}")
    if not value or len(value) > MAX_ACTOR or control_characters().search(value):
        raise Refused(
            f"{printable(value)} is not a name; give who asked with {what}, in 1 to {MAX_ACTOR} "
            "printable characters."
        )
    return value
