"""Past days named as other dates are (SPEC 10): `yesterday`, `-3d`, `-2w`, `-1m` are accepted
wherever a date may lie in the past, and where a date must be in the future the usual rule
refuses them with its usual message: exactly as the same day written out in full."""

from __future__ import annotations

import pytest

from conftest import Cli

# Today is Monday 4 January 2027 (the frozen clock).
PAST = [("yesterday", "2027-01-03"), ("-3d", "2027-01-01"), ("-2w", "2026-12-21"), ("-1m", "2026-12-04")]


@pytest.fixture
def store(cli: Cli) -> Cli:
    """Exemption 1: a placement from 11 to 24 Jan 2027, recorded today."""
    cli.add("201234567")
    return cli


ANYWHERE_PAST = [
    ["check", "201234567", "--on", "{}"],
    ["check", "201234567", "--on", "{}", "--format", "json"],
    ["list", "--on", "{}", "--format", "csv"],
    ["summary", "--on", "{}", "--format", "json"],
    ["timeline", "201234567", "--from", "{}"],
]


@pytest.mark.parametrize(("relative", "iso"), PAST)
@pytest.mark.parametrize("args", ANYWHERE_PAST, ids=lambda a: " ".join(a[:2]))
def test_a_past_day_is_accepted_where_a_date_may_be_past(
    store: Cli, args: list[str], relative: str, iso: str
) -> None:
    named = store(*(arg.format(relative) for arg in args))
    written = store(*(arg.format(iso) for arg in args))
    assert named.exit_code in (0, 1), named.stderr  # check: 1 is "not suppressed"
    assert (named.exit_code, named.stdout, named.stderr) == (
        written.exit_code,
        written.stdout,
        written.stderr,
    )


MUST_BE_AHEAD = [
    ["add", "201234568", "--type", "placement", "--start", "{}", "--for", "1w"],
    ["add", "201234568", "--type", "placement", "--start", "2027-01-11", "--end", "{}"],
    ["extend", "1", "--to", "{}"],
    ["move", "1", "--start", "{}"],
    ["move", "1", "--end", "{}"],
]


@pytest.mark.parametrize(("relative", "iso"), PAST)
@pytest.mark.parametrize("args", MUST_BE_AHEAD, ids=lambda a: " ".join(a[:1] + a[-4:-2]))
def test_a_past_day_is_refused_by_the_usual_rule_where_a_date_must_be_ahead(
    store: Cli, args: list[str], relative: str, iso: str
) -> None:
    named = store(*(arg.format(relative) for arg in args))
    written = store(*(arg.format(iso) for arg in args))
    assert named.exit_code == 2
    assert "is not a date" not in named.stderr
    assert (named.exit_code, named.stdout, named.stderr) == (
        written.exit_code,
        written.stdout,
        written.stderr,
    )


def test_the_accepted_forms_name_the_past_ones(cli: Cli) -> None:
    result = cli("check", "201234567", "--on", "last week")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: 'last week' is not a date; use one of these forms: 2027-01-10, 10/01/2027, 10-01-2027, "
        "10.01.2027, 10 Jan 2027, 10 January 2027, today, tomorrow, yesterday, +3d, +2w, +1m, or -3d, -2w, "
        "-1m for days past.\n"
    )
