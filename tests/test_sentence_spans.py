"""candidate_sentences finds exactly the spans of the search it replaced.

The reference below is the earlier candidate_sentences (a backwards search for each align word's
sentence start, then a forwards one for its end), kept verbatim. The engine now reads on from one
sentence's end to the next align word when it is near; its spans must match the reference's for
every text, including the ones where a search starts decides what it finds (whitespace with
newlines after a boundary, abbreviations, a lookback that begins inside a boundary).
"""
from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from conftest import examples
from server.engine import CANDIDATE as ENGINE_CANDIDATE, candidate_sentences

CANDIDATE = re.compile(r"align", re.IGNORECASE)
SENTENCE_END = re.compile(r"([.!?…;][\"'”’)\]]*)\s+|\n+")
NOT_AN_END = re.compile(r"(?:\b(?:e\.g|i\.e|vs|etc|cf|al|Mr|Ms|Dr|St|No|Fig)|\b[A-Z])\.$")


def reference_candidate_sentences(text: str):
    end = 0
    for word in CANDIDATE.finditer(text):
        if word.start() < end:
            continue
        start = reference_sentence_start(text, word.start(), floor=end)
        end = reference_sentence_end(text, word.end())
        yield start, end


def reference_is_boundary(text: str, boundary: re.Match) -> bool:
    return not (boundary.group(1) and NOT_AN_END.search(text, max(0, boundary.end(1) - 5), boundary.end(1)))


def reference_sentence_end(text: str, position: int) -> int:
    for boundary in SENTENCE_END.finditer(text, position):
        if reference_is_boundary(text, boundary):
            return boundary.end(1) if boundary.group(1) else boundary.start()
    return len(text)


def reference_sentence_start(text: str, position: int, floor: int) -> int:
    lookback = max(floor, position - 600)
    for low in (lookback, floor) if lookback > floor else (floor,):
        start = None
        for boundary in SENTENCE_END.finditer(text, low, position):
            if reference_is_boundary(text, boundary):
                start = boundary.end()
        if start is not None:
            return start
    return floor


PIECES = ["align", "alignment", "Aligned", "misaligned", "ALIGN", "alalign", "word", "AI", "a", "I", "A",
          " ", "  ", "\n", "\n\n", " \n ", "\t", "\r\n", "\u00a0", "\u2028", ".", ". ", "e.g.", "i.e.", "Dr.",
          "vs.", "etc.", "Fig.", "No.", "3.5", "!", "?", "…", ";", ":", ",", "\"", "'", "”", "’", ")", "]",
          "(", "x" * 150, "filler " * 40, ". " * 20, "\n" * 5]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=120).map("".join)


@given(TEXTS)
@examples(3000)
@example("A misaligned model.\n  Then alignment.")
@example("Dr. align. x\n\n align")
@example("align." + " " * 598 + "\nalign")
@example("align. " + "y" * 700 + ". \n align")
def test_candidate_sentences_match_the_reference_search(text):
    assert list(candidate_sentences(text)) == list(reference_candidate_sentences(text))


@given(st.lists(st.sampled_from(PIECES), max_size=40), st.integers(0, 700), st.sampled_from(PIECES))
@examples(1500)
def test_spans_match_around_the_lookback_distance(parts, gap, separator):
    # An align word about LOOKBACK_CHARS after the last sentence's end, so that the lookback
    # begins at every kind of place: inside whitespace, newlines, quotes after a full stop.
    text = "".join(parts) + "align." + separator + "z" * gap + separator + "".join(parts) + " align"
    assert list(candidate_sentences(text)) == list(reference_candidate_sentences(text))


TRICKY = ["Dr. \n", ". \n\n ", ".\")\n \n", "e.g.\n\n ", "\n\n\n", "A. \t\n", "; \n"]


@given(st.integers(0, 800), st.sampled_from(TRICKY), st.integers(0, 8), st.sampled_from(["", ". ", "\n"]))
@examples(1500)
def test_spans_match_when_the_lookback_begins_inside_a_boundary(before, segment, offset, after):
    # The lookback from the last align word begins at each character of a boundary (or of an
    # abbreviation's full stop and what follows it), the align word before it near or far.
    head = "align. " + "w" * before + segment
    tail = "v" * max(0, 600 - len(segment) + min(offset, len(segment)) - 1 - len(after)) + after + " "
    text = head + tail + "align"
    assert list(candidate_sentences(text)) == list(reference_candidate_sentences(text))


CASE_PIECES = ["align", "ALIGN", "aLiGn", "alıgn", "ALİGN", "ali\u0307gn", "\u212aalign", "ªlign", "Ålign", "x", " "]


@given(st.lists(st.sampled_from(CASE_PIECES), max_size=30).map("".join))
@examples(500)
def test_the_candidate_search_finds_align_in_any_case_as_before(text):
    assert [m.span() for m in ENGINE_CANDIDATE.finditer(text)] == [m.span() for m in CANDIDATE.finditer(text)]
