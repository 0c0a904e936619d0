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
ELABORATION = frozenset({"such", "like", "including", "e.g.", "e.g", "namely", "i.e.", "for"})
REACH = 20  # tokens either side of the align word


def clause_starts(lowers: list[str]) -> list[int]:
    """Token indexes where a clause begins (always 0 first)."""
    starts = [0]
    for n, word in enumerate(lowers):
        if n == 0:
            continue
        if word in DASHES and n + 1 < len(lowers) and lowers[n + 1] in ELABORATION:
            continue  # "more aligned with human values—such as RLHF" lists the how, in the same clause
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
            hi = start + 1  # the boundary token ends the window too: a pattern may look at it
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


QUALIFIER_REACH = 2  # tokens either side of an align word that are its own qualifiers
COORDINATORS = frozenset({"and", "or", "nor", "versus", "vs", "vs."})


def neighbours(align_tokens: list[int], n: int, lo: int, hi: int) -> list[int]:
    """The other align words (indexes into align_tokens, which is sorted) inside [lo, hi), made
    relative to lo; found by walking out from word n, so the cost is the window's, not the sentence's."""
    found = []
    for step in (-1, 1):
        m = n + step
        while 0 <= m < len(align_tokens) and lo <= align_tokens[m] < hi:
            found.append(align_tokens[m] - lo)
            m += step
    return found


def without_others_qualifiers(features: list[tuple], i: int, others: list[int]) -> list[tuple]:
    """The tokens as a sentence-wide rule should read them for the align word at token i, with
    the other align words at `others`: the words right beside another align word qualify that one ("ASI alignment", "aligning superhuman
    systems"), so they are blanked when nearer to it than to i. Returns `features` itself when
    nothing is blanked. A goal in the infinitive ("a researcher built to align superintelligence",
    "... and iteratively align superintelligence") states the setting of the whole clause, so the
    object of a bare "align" stays visible."""
    blanked = others_qualifiers(features, i, others)
    if not blanked:
        return features
    return [("", "") if p in blanked else f for p, f in enumerate(features)]


def others_qualifiers(features: list[tuple], i: int, others: list[int], lo: int = 0, hi: int | None = None) -> set[int]:
    """The positions (relative to lo) that without_others_qualifiers blanks in features[lo:hi],
    where i and others are relative to lo too; read without copying the tokens."""
    length = (len(features) if hi is None else hi) - lo
    blanked = set()
    for j in others:
        joint = coordinator_between(features, lo, i, j)
        if joint is not None:
            # "aligning a chatbot to refuse bad requests and aligning a superintelligence": each
            # conjunct qualifies its own align word; the other's conjunct (all of the window on its
            # side of the "and") is blanked, this one's kept.
            blanked.update(range(joint + 1, length) if j > i else range(0, joint))
        blanked.update(p for p in range(j - QUALIFIER_REACH, j + QUALIFIER_REACH + 1)
                       if 0 <= p < length and abs(p - j) < abs(p - i)
                       and not (p > j and features[lo + j][1] == "align")
                       and (joint is None or (p > joint) == (j > joint)))
    return blanked


def coordinator_between(features: list[tuple], lo: int, i: int, j: int) -> int | None:
    """The position (relative to lo) of an "and"/"or" joining the align words at i and j, when
    both are the same part of speech (two verbs, two nouns), nearest to j; else None."""
    if not same_kind(features[lo + i][1], features[lo + j][1]):
        return None
    step = 1 if j > i else -1
    for p in range(j - step, i, -step):
        if features[lo + p][1] in COORDINATORS:
            return p
    return None


def same_kind(a: str, b: str) -> bool:
    """Two align words of one part of speech: both verbs ("align", "aligning"), or both nouns."""
    def kind(word):
        return "noun" if "alignment" in word else "verb" if word.endswith(("align", "aligning", "aligns")) else "other"
    return kind(a) == kind(b) != "other"
