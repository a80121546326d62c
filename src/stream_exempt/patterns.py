"""Whether a student-ID pattern (`id_pattern`) is safe to match: it can never make the tool hang.

Python's `re` matches by backtracking, so a pattern such as `(a+)+$` can take exponential time
on an ID of forty characters, and `a*a*a*a*a*a*a*b` a time that grows with the seventh power of
its length. Rather than add a second regular-expression engine (RE2, a compiled dependency) for
one setting, a pattern is checked when it is read, conservatively:

- a student ID is at most `MAX_ID_LENGTH` characters (a longer one is refused before it is
  matched), so the matcher's work is bounded if the pattern is;
- the pattern is parsed with the standard library's own parser (`re._parser`, the very parser
  `re.compile` uses, present from Python 3.11, the oldest we support), and the number of ways
  the matcher could try to match an ID of that length is counted from the parse: a choice
  between alternatives adds their ways; items one after another multiply; a repetition counts
  every number of rounds it may take, each round with its own ways. A pattern with more than
  `MAX_WAYS` ways is refused, as are backreferences, lookarounds and conditionals (whose cost
  cannot be counted so simply), a repetition of something that can match nothing, and
  anything the parser gives that this count does not know.

Every pattern an office would write for student IDs (`[0-9]{9}`, `[A-Z]{2}[0-9]{4,6}`,
`[0-9]{9}|X[0-9]{7}`, `[a-z]+[0-9]+`) counts a few thousand ways at most.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

MAX_ID_LENGTH = 64
MAX_WAYS = 1_000_000

_NESTED = (
    "a repetition of something that can itself match in more than one way (such as (a+)+ or "
    "(a|ab)*) can take exponential time; repeat a character class ([ab]+) or give fixed counts"
)
_TOO_MANY = (
    "its repetitions of varying length, one after another, could take more than "
    f"{MAX_WAYS:,} tries on an ID of {MAX_ID_LENGTH} characters; give fixed counts ({{9}}) where you can"
)


class _Unsafe(Exception):
    """A construct that is refused outright, with why."""


def _parser() -> Any:
    try:
        return importlib.import_module("re._parser")
    except ImportError:  # pragma: no cover - Python 3.10 and older named it sre_parse
        return importlib.import_module("sre_parse")


def problem(text: str) -> str | None:
    """Why `text` cannot be the student-ID pattern (not a regular expression, or one that could
    make matching take more than linear time), or None when it is fine."""
    import warnings

    try:
        with warnings.catch_warnings():
            # `[[:digit:]]` (a POSIX class), `--`, `&&` in a set: Python warns that it may read
            # them otherwise one day; refused here, never printed as a raw warning.
            warnings.simplefilter("error", FutureWarning)
            re.compile(text)
    except FutureWarning as warning:
        return (
            f"not a clear regular expression ({warning}); escape the character, and write a class "
            "such as [[:digit:]] as [0-9]"
        )
    except re.error as error:
        return f"not a valid regular expression ({error})"
    except (OverflowError, RecursionError, MemoryError):
        return "not a usable regular expression (too large or too deeply nested)"
    try:
        parsed = _parser().parse(text)
        ways, _, nested = _measure(list(parsed))
    except _Unsafe as refused:
        return f"not allowed: {refused}"
    except RecursionError:
        return "not a usable regular expression (too deeply nested)"
    if ways > MAX_WAYS:
        return f"not allowed: {_NESTED if nested else _TOO_MANY}"
    return None


def _measure(items: list[tuple[Any, Any]]) -> tuple[int, int, bool]:
    """(ways, shortest match, whether a nested repetition multiplied the ways) of a sequence."""
    ways, shortest, nested = 1, 0, False
    for op, argument in items:
        name = str(op)
        if name in ("LITERAL", "NOT_LITERAL", "IN", "ANY"):
            item = (1, 1, False)
        elif name == "AT":
            item = (1, 0, False)
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            body = argument[-1] if name == "SUBPATTERN" else argument
            item = _measure(list(body))
        elif name == "BRANCH":
            branches = [_measure(list(branch)) for branch in argument[1]]
            item = (
                _capped(sum(b[0] for b in branches)),
                min(b[1] for b in branches),
                any(b[2] for b in branches),
            )
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            item = _repeat(*argument)
        elif name in ("GROUPREF", "GROUPREF_EXISTS"):
            raise _Unsafe("a backreference or a conditional group can take exponential time")
        elif name in ("ASSERT", "ASSERT_NOT"):
            raise _Unsafe("a lookahead or lookbehind ((?=...), (?!...), (?<=...)) is not needed for an ID")
        else:
            raise _Unsafe(f"it uses {name.lower()}, which stream-exempt cannot check")
        ways = _capped(ways * item[0])
        shortest = min(shortest + item[1], MAX_ID_LENGTH + 1)
        nested = nested or item[2]
    if shortest > MAX_ID_LENGTH:
        raise _Unsafe(f"it matches only IDs longer than {MAX_ID_LENGTH} characters")
    return ways, shortest, nested


def _repeat(least: int, most: int, body: Any) -> tuple[int, int, bool]:
    """A repetition `{least,most}` of `body`: every number of rounds it may take on an ID of at
    most MAX_ID_LENGTH characters, each round with the body's own ways."""
    body_ways, body_shortest, nested = _measure(list(body))
    if body_shortest == 0:
        raise _Unsafe("it repeats something that can match nothing (such as (a*)+ or (a?){9})")
    rounds = min(most, MAX_ID_LENGTH // body_shortest)
    ways, power = 0, 1
    for count in range(rounds + 1):
        if count >= least:
            ways = _capped(ways + power)
        power = _capped(power * body_ways)
        if ways > MAX_WAYS:
            break
    nested = nested or (body_ways > 1 and rounds > 1)
    return max(ways, 1), min(least * body_shortest, MAX_ID_LENGTH + 1), nested


def _capped(number: int) -> int:
    """Counts past the limit are all alike: stop them growing without end."""
    return min(number, MAX_WAYS + 1)
