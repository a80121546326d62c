"""The student-ID pattern check: every pattern an office would write is accepted, and every
pattern that could make Python's backtracking matcher run for long is refused when read."""

import pytest

from stream_exempt import patterns

ACCEPTED = [
    "[0-9]{9}",
    r"\d{9}",
    "^[0-9]{9}$",
    "[A-Z]{2}[0-9]{4,6}",
    "[0-9]{9}|X[0-9]{7}",
    "(?:[0-9]{9}|[A-Z]{2}[0-9]{6})",
    "[a-z]+[0-9]+",
    r"[a-z][a-z0-9.]*@[a-z]+\.ac\.uk",
    "(?i)s[0-9]{7}",
    "(?:[0-9]{3})+",
    "(?:[0-9]{2}|[A-Z]{2}){3}",  # alternatives repeated a fixed, small number of times
    "[0-9]{1,100}",  # a bound past the longest ID is harmless
    "(?:a|b)+",  # the parser makes this a character class
]

REFUSED = [
    ("(a+)+$", "a repetition of something that can itself match in more than one way"),
    ("(a|a)*b", "a repetition of something that can itself match in more than one way"),
    ("(a|ab)*c", "a repetition of something that can itself match in more than one way"),
    ("(?:[0-9]|[0-9]{2}){20}", "a repetition of something that can itself match in more than one way"),
    ("a*a*a*a*b", "repetitions of varying length, one after another"),
    ("a{0,64}b{0,64}c{0,64}d{0,64}", "repetitions of varying length, one after another"),
    (r"(a)\1", "backreference"),
    ("(a)?(?(1)a|b)", "backreference or a conditional group"),
    ("(?=a)[a-z]+", "lookahead or lookbehind"),
    ("(?<!x)[0-9]+", "lookahead or lookbehind"),
    ("(a*)+", "repeats something that can match nothing"),
    ("(?:){1000000}", "repeats something that can match nothing"),
    ("x{65}", "matches only IDs longer than 64 characters"),
    ("(", "not a valid regular expression"),
]


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_patterns_an_office_would_write_are_accepted(pattern: str) -> None:
    assert patterns.problem(pattern) is None


@pytest.mark.parametrize(("pattern", "why"), REFUSED, ids=[p for p, _ in REFUSED])
def test_patterns_that_could_hang_are_refused(pattern: str, why: str) -> None:
    problem = patterns.problem(pattern)
    assert problem is not None and why in problem
