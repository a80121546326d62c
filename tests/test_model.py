"""The Exemption record."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date

from stream_exempt.model import Exemption


def test_with_dates_keeps_every_other_field() -> None:
    """`with_dates` lists the fields by hand (for speed): a field added to Exemption and not
    passed on there makes this fail."""
    values = {
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
