"""R1: the five exemption types, by code or label, in any case."""

from __future__ import annotations

import pytest

from stream_exempt.errors import Refused
from stream_exempt.types import CODES, parse_type


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("placement", "placement"),
        ("PLACEMENT", "placement"),
        ("Practice Placement Block", "placement"),
        ("practice_placement_block", "placement"),
        ("break_in_learning", "break-in-learning"),
        ("Break in Learning (DA)", "break-in-learning"),
        ("break in learning", "break-in-learning"),
        ("Authorised Absence", "authorised-absence"),
        ("authorised-absence", "authorised-absence"),
        ("Dissertation Period", "dissertation"),
        ("dissertation", "dissertation"),
        (" Withdrawn ", "withdrawn"),
    ],
)
def test_codes_and_labels(text: str, code: str) -> None:
    assert parse_type(text) == code


@pytest.mark.parametrize("text", ["", "holiday", "authorized absence", "place ment", "sick"])
def test_no_other_type_exists(text: str) -> None:
    with pytest.raises(Refused, match="not an exemption type"):
        parse_type(text)


def test_exactly_five_types() -> None:
    assert CODES == ("authorised-absence", "break-in-learning", "dissertation", "placement", "withdrawn")
