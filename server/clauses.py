"""Where a sentence-wide rule may look for its words: the align word's own clause, nearby.

The sense guide pins a side by words that say what is aligned or which problem is meant, in the
same clause: in "current methods work on chat models, but aligning a superintelligence is open",
each use takes the side of its own clause. Without a parser, clauses are cut at contrast words
and dashes, and a long clause is read only a bounded number of tokens either side of the word.
"""
from __future__ import annotations

# Tokens that start a new clause (lowercase); "yet" and "not" only after a comma, where they
# contrast ("evidence about RLHF, not evidence that alignment is solved").
CONTRAST_WORDS = frozenset({"but", "whereas", "although", "though", "however", "unlike", "while",
                            "whilst", "instead", "rather"})
DASHES = frozenset({"—", "–", "--", "―"})
REACH = 20  # tokens either side of the align word


def clause_starts(lowers: list[str]) -> list[int]:
    """Token indexes where a clause begins (always 0 first)."""
    starts = [0]
    for n, word in enumerate(lowers):
        if n == 0:
            continue
        if word in CONTRAST_WORDS or word in DASHES or (word in ("yet", "not") and lowers[n - 1] == ","):
            starts.append(n)
    return starts


def clause_window(starts: list[int], length: int, i: int) -> tuple[int, int]:
    """The token range [lo, hi) a sentence-wide rule reads for the align word at token i."""
    lo, hi = 0, length
    for start in starts:
        if start <= i:
            lo = start
        else:
            hi = start
            break
    return max(lo, i - REACH), min(hi, i + REACH + 1)


def closeness(matches, window: tuple[int, int], i: int) -> int:
    """How near token i a sentence-wide pattern matches inside window, as REACH + 1 - radius for
    the smallest radius around i whose tokens hold a match (so nearer is larger). `matches(lo, hi)`
    tells whether tokens [lo, hi) hold a match; it is monotone in the range, so bisect."""
    low, high = 0, REACH  # a match is known to exist within radius REACH (the whole window)
    while low < high:
        radius = (low + high) // 2
        if matches(max(window[0], i - radius), min(window[1], i + radius + 1)):
            high = radius
        else:
            low = radius + 1
    return REACH + 1 - low
