"""How wide a table's columns may be: the cells of a terminal a text takes, and columns fitted
into the room there is without losing a value (long cells wrap, long words fold, whole columns
never break). Shared by the Rich table and the plain-text tables."""

from __future__ import annotations

from collections.abc import Sequence

# The narrowest text is wrapped to, whatever a terminal (or COLUMNS=0) says: below it a line
# holds a word or two, and nothing can be wrapped to nothing.
NARROWEST = 35
FOLD_FROM = 8  # a wrappable column may be narrower than its longest word (folded), down to this
KEEP_WORDS = 20  # but first, try to keep every word up to this long unbroken


def cell_width(text: str) -> int:
    """How many cells of a terminal `text` takes: a wide character (２, 名) takes two."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def longest_word(text: str) -> int:
    return max((cell_width(word) for word in text.split()), default=0)


def _least_widths(
    headings: Sequence[str], rows: list[list[str]], whole: frozenset[str], fold_from: int
) -> list[int]:
    """The narrowest each column may be: whole columns their widest cell, others their
    longest word (folded beyond FOLD_FROM characters)."""
    widths = []
    for index, heading in enumerate(headings):
        column = [row[index] for row in rows]
        if heading in whole:
            widths.append(max(cell_width(heading), *(cell_width(cell) for cell in column)))
        else:
            longest = max(longest_word(heading), *(longest_word(cell) for cell in column))
            widths.append(max(1, min(longest, fold_from)))
    return widths


def fitted_widths(
    headings: Sequence[str], rows: list[list[str]], whole: frozenset[str], room: int
) -> list[int] | None:
    """Each column's width so that the table fits `room` characters of cells, or None when
    even the narrowest columns cannot fit. Whole columns keep their widest cell; of the
    others, the widest are cut first, never below their narrowest."""
    widest = [
        max(cell_width(heading), *(cell_width(row[i]) for row in rows)) for i, heading in enumerate(headings)
    ]
    if sum(widest) <= room:
        return widest
    # Words whole if they can be (folding only very long ones, such as addresses), else folded.
    least = _least_widths(headings, rows, whole, KEEP_WORDS)
    folded = _least_widths(headings, rows, whole, FOLD_FROM)
    # Each cell's longest word, column by column (with the heading): narrowing a column from w
    # to w - 1 breaks the cells whose longest word is exactly w (longer ones are broken already).
    longest_words = [
        [longest_word(heading), *(longest_word(row[i]) for row in rows)] for i, heading in enumerate(headings)
    ]

    def newly_broken(i: int) -> int:
        return longest_words[i].count(least[i]) if headings[i] not in whole else 0

    while sum(least) > room:  # one character at a time, where it breaks the fewest words
        candidates = [i for i in range(len(least)) if least[i] > folded[i]]
        if not candidates:
            return None
        narrowed = min(candidates, key=lambda i: (newly_broken(i), folded[i] - least[i]))
        least[narrowed] -= 1
    # Cut the widest columns first, as far as needed and no further (short ones stay whole):
    # the largest cap C with every wrappable column at min(widest, max(C, narrowest)).
    wrappable = [heading not in whole for heading in headings]

    def capped(cap: int) -> list[int]:
        return [
            max(low, min(high, cap)) if wraps else high
            for low, high, wraps in zip(least, widest, wrappable, strict=True)
        ]

    cap = 0
    while sum(capped(cap + 1)) <= room and cap < max(widest):
        cap += 1
    widths = capped(cap)
    extra = room - sum(widths)
    for i, wraps in enumerate(wrappable):  # what is left, to the columns still cut
        if wraps and extra > 0 and widths[i] < widest[i]:
            step = min(extra, widest[i] - widths[i])
            widths[i] += step
            extra -= step
    return widths
