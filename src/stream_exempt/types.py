"""The five exemption types of the guide (R1: no other type exists)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stream_exempt.errors import Refused, printable


@dataclass(frozen=True)
class ExemptionType:
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


_BY_KEY: dict[str, str] = {}
for _t in TYPES:
    _BY_KEY[_key(_t.code)] = _t.code
    _BY_KEY[_key(_t.label)] = _t.code


def parse_type(text: str) -> str:
    """The type code for a code or label typed in any case (R1)."""
    code = _BY_KEY.get(_key(text))
    if code is None:
        raise Refused(
            f"{printable(text)} is not an exemption type; use one of {', '.join(CODES)} (see `stream-exempt types`)."
        )
    return code


def label(code: str) -> str:
    """The label shown to people for a type code."""
    return BY_CODE[code].label
