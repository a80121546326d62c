"""The Exemption record."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields, replace
from datetime import date
from typing import Any

import pytest

from stream_exempt.model import Exemption, exemption_of


def test_with_dates_keeps_every_other_field() -> None:
    """`with_dates` lists the fields by hand (for speed): a field added to Exemption and not
    passed on there makes this fail."""
    values: dict[str, Any] = {
        field.name: date(2027, 1, 1 + n) if "date" in str(field.type) else f"value {n}"
        for n, field in enumerate(fields(Exemption))
    }
    values["id"], values["batch"] = 7, 3
    original = Exemption(**values)
    changed = original.with_dates(date(2028, 1, 1), date(2028, 1, 2), date(2028, 1, 3))
    assert changed == replace(
        original, start=date(2028, 1, 1), end=date(2028, 1, 2), in_force_from=date(2028, 1, 3)
    )
    assert all(
        getattr(changed, f.name) == values[f.name] for f in fields(Exemption) if "date" not in str(f.type)
    )


def test_exemption_of_builds_the_same_frozen_exemption() -> None:
    """`exemption_of` sets the slots itself (for speed): it must build what `Exemption` builds."""
    values: list[Any] = [
        7,
        "201234567",
        "placement",
        date(2027, 1, 11),
        date(2027, 1, 24),
        "ward 4",
        3,
        "tester",
        "2027-01-04T12:00:00Z",
        date(2027, 1, 6),
        date(2027, 1, 15),
        "Dr Smith",
    ]
    assert len(values) == len(fields(Exemption))
    built = exemption_of(*values)
    assert built == Exemption(*values) and hash(built) == hash(Exemption(*values))
    assert repr(built) == repr(Exemption(*values))
    assert exemption_of(*values[:-1]) == Exemption(*values[:-1])  # created_for defaults to None
    assert exemption_of(*values[:-2]) == Exemption(*values[:-2])  # deleted_on defaults to None
    with pytest.raises(FrozenInstanceError):
        built.start = date(2027, 2, 1)  # type: ignore[misc]


def test_the_record_s_outputs_follow_from_its_one_definition() -> None:
    # Every machine field but the status (which depends on the day) is the exemption's own,
    # so `output.record` and the table rows can be derived from model.RECORD by name.
    from stream_exempt.model import FIELDS, HEADINGS, RECORD
    from stream_exempt.output.results import TEXT_COLUMNS, human_row, record

    own = {each.name for each in fields(Exemption)}
    assert [name for name in FIELDS if name not in own] == ["status"]
    assert own <= set(FIELDS)
    exemption = exemption_of(
        7,
        "201234567",
        "placement",
        date(2027, 1, 11),
        date(2027, 1, 24),
        None,
        3,
        "alice",
        "2027-01-04T09:00:00Z",
        date(2027, 1, 11),
        date(2027, 1, 12),
        "Dr Smith",
    )
    written = record(exemption, "active")
    assert list(written) == list(FIELDS)
    assert (written["start"], written["deleted_on"], written["created_for"]) == (
        "2027-01-11",
        "2027-01-12",
        "Dr Smith",
    )
    assert (
        len(human_row(exemption, "active"))
        == len(HEADINGS)
        == sum(each.heading is not None for each in RECORD)
    )
    assert [FIELDS[i] for i in TEXT_COLUMNS] == ["student_id", "reason", "created_by", "created_for"]
