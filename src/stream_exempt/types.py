"""The five exemption types of the guide (R1: no other type exists)."""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from stream_exempt.errors import Refused, printable


class ExemptionType(NamedTuple):
    """One type: its code, its label for people, and what it is for. (A NamedTuple: cheaper to
    define than a dataclass, and this module is on the start-up path of every command.)"""

    code: str
    label: str
    meaning: str


TYPES: tuple[ExemptionType, ...] = (
    ExemptionType(
        "authorised-absence",
        "Authorised Absence",
        "absence granted by the school (self-certification, mitigating circumstances, off-site fieldwork)",
    ),
    ExemptionType(
        "break-in-learning",
        "Break in Learning (DA)",
        "approved break in a degree apprenticeship",
    ),
    ExemptionType(
        "dissertation",
        "Dissertation Period",
        "dissertation period, not expected to engage digitally",
    ),
    ExemptionType(
        "placement",
        "Practice Placement Block",
        "on practice placement or off-site learning",
    ),
    ExemptionType(
        "withdrawn",
        "Withdrawn",
        "awaiting a registration change to reach the system (temporary or permanent leave, deceased)",
    ),
)

BY_CODE: dict[str, ExemptionType] = {t.code: t for t in TYPES}
CODES: tuple[str, ...] = tuple(BY_CODE)


def _key(text: str) -> str:
    """Spaces, hyphens and underscores alike; case and brackets ignored."""
    return re.sub(r"[\s_\-]+", "-", text.strip().lower().replace("(", "").replace(")", ""))


@cache
def _by_key() -> dict[str, str]:
    """Each type's code and label as keys, made when a type is first typed (not by `check`)."""
    return {_key(name): each.code for each in TYPES for name in (each.code, each.label)}


def parse_type(text: str) -> str:
    """The type code for a code or label typed in any case (R1)."""
    code = _by_key().get(_key(text))
    if code is None:
        raise Refused(
            f"{printable(text)} is not an exemption type; use one of {', '.join(CODES)} (see `stream-exempt types`)."
        )
    return code


def label(code: str) -> str:
    """The label shown to people for a type code."""
    return BY_CODE[code].label
