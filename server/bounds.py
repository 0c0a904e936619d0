"""Limits that keep one request's work, memory and answer bounded, whatever text it carries.

Page text is written by strangers (a comment on a forum), so nothing here may grow faster than
the text, and a request stops once it has used its share:

* a candidate sentence longer than MAX_SENTENCE_CHARS is read in pieces around its align words:
  each piece decides the words of its core and sees PIECE_MARGIN_CHARS of context either side;
* a run of more than MAX_CHUNK_CHARS non-space characters is not given to spaCy whole (its
  prefix and suffix splitting is quadratic in the run: 8,000 "(" before a word cost 11 s); its
  punctuation ends become tokens of their own, and a long middle stays one token, like a URL;
* a block has at most MAX_WORDS_PER_BLOCK align words analysed (so at most as many findings);
* a request analyses at most MAX_WORDS_PER_REQUEST align words and tokenises at most
  MAX_TOKENS_PER_REQUEST tokens, and stops when its time budget is spent or its client has gone.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import re
import time
from contextlib import contextmanager

from spacy.tokens import Doc

MAX_SENTENCE_CHARS = 2_000  # the longest sentence in the labelled sets has 233
PIECE_CORE_CHARS = 1_000
PIECE_MARGIN_CHARS = 400  # well past the 12 (phrase) and 20 (clause) tokens a rule reads
MAX_CHUNK_CHARS = 200  # a long URL still fits
MAX_WORDS_PER_BLOCK = 1_000
MAX_WORDS_PER_REQUEST = 25_000  # a 1,000,000-word page as dense as the essay behind the product
MAX_TOKENS_PER_REQUEST = 300_000  # about 50 MB of token features held while a request runs
TIME_BUDGET_S = 2.5  # the extension gives up after 8 s
# Reading the page's topic tokenises every block; it may use this share of the budget, so that
# the blocks it read can still be decided in the rest.
TOPIC_SHARE = 0.6

CANDIDATE = re.compile(r"align", re.IGNORECASE)
LONG_CHUNK = re.compile(r"\S{%d,}" % (MAX_CHUNK_CHARS + 1))
WORD_BEFORE = re.compile(r"\w{0,%d}$" % MAX_CHUNK_CHARS)
SPACE = re.compile(r"\s")
PUNCTUATION_LEAD = re.compile(r"[^\w\s]*")
PUNCTUATION_TRAIL = re.compile(r"[^\w\s]*$")


class Unfinished(Exception):
    """The request may do no more work; `reason` says which limit stopped it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# The clock a time budget is measured by; tests swap in one that counts work, not wall time.
clock = time.monotonic


class Allowance:
    """What one request may still spend: time (and whether its client is still there), tokens, words."""

    def __init__(self, seconds: float | None = None, gone=None):
        self.seconds = seconds
        self.started = clock()
        self.deadline = None if seconds is None else self.started + seconds
        self.step_deadline = None  # an earlier deadline for the current step (see share)
        self.gone = gone  # a callable: True once the client has disconnected
        self.tokens = 0
        self.words = 0

    def check(self) -> None:
        if self.deadline is not None and clock() > (self.step_deadline or self.deadline):
            raise Unfinished(f"the request's time budget of {self.seconds:g} s was spent")
        if self.gone is not None and self.gone():
            raise Unfinished("the client disconnected")

    @contextmanager
    def share(self, fraction: float):
        """Within this block, only `fraction` of the whole budget (counted from the start) may be used."""
        if self.deadline is not None:
            self.step_deadline = self.started + self.seconds * fraction
        try:
            yield
        finally:
            self.step_deadline = None

    def spend(self, tokens: int, words: int) -> None:
        self.tokens += tokens
        self.words += words
        if self.tokens > MAX_TOKENS_PER_REQUEST:
            raise Unfinished(f"the request's limit of {MAX_TOKENS_PER_REQUEST:,} tokens was reached")
        if self.words > MAX_WORDS_PER_REQUEST:
            raise Unfinished(f"the request's limit of {MAX_WORDS_PER_REQUEST:,} align words was reached")


def pieces(text: str, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """(piece start, piece end, core start, core end) for the sentence text[start:end]: the sentence
    itself when it is short, else a piece around each stretch of it that holds align words."""
    if end - start <= MAX_SENTENCE_CHARS:
        return [(start, end, start, end)]
    out = []
    core_end = start
    for word in CANDIDATE.finditer(text, start, end):
        if word.start() < core_end:
            continue  # decided by the core just made
        # The core begins where the align word's token does (a whole word, "misaligned" too).
        core_start = WORD_BEFORE.search(text, max(core_end, word.start() - MAX_CHUNK_CHARS), word.start()).start()
        core_end = space_after(text, max(core_start + PIECE_CORE_CHARS, word.end()), end)
        low, high = core_start - PIECE_MARGIN_CHARS, core_end + PIECE_MARGIN_CHARS
        piece_start = start if low <= start else after_space(text, low, core_start)
        piece_end = end if high >= end else space_after(text, high, end)
        out.append((piece_start, piece_end, core_start, core_end))
    return out


def after_space(text: str, position: int, limit: int) -> int:
    """Just past the first whitespace at or after position (not past limit, nor more than a chunk away)."""
    found = SPACE.search(text, position, min(limit, position + MAX_CHUNK_CHARS))
    return found.end() if found else position


def space_after(text: str, position: int, limit: int) -> int:
    """The first whitespace at or after position (not past limit, nor more than a chunk away)."""
    found = SPACE.search(text, position, min(limit, position + MAX_CHUNK_CHARS))
    return found.start() if found else min(position, limit)


def make_doc(nlp, text: str) -> Doc:
    """nlp.make_doc(text), except that runs of over MAX_CHUNK_CHARS non-space characters are cut
    into their punctuation ends and their middle, so that tokenising costs linear time."""
    if not LONG_CHUNK.search(text):
        return nlp.make_doc(text)
    docs, at = [], 0
    for chunk in LONG_CHUNK.finditer(text):
        if chunk.start() > at:
            docs.append(nlp.make_doc(text[at:chunk.start()]))
        # One following space is the chunk's own trailing whitespace, as spaCy would keep it.
        spaced = text.startswith(" ", chunk.end())
        docs.extend(chunk_docs(nlp, chunk.group(), spaced))
        at = chunk.end() + spaced
    if at < len(text):
        docs.append(nlp.make_doc(text[at:]))
    return Doc.from_docs(docs, ensure_whitespace=False)


def chunk_docs(nlp, chunk: str, spaced: bool) -> list[Doc]:
    lead = PUNCTUATION_LEAD.match(chunk).group()
    rest = chunk[len(lead):]
    trail = PUNCTUATION_TRAIL.search(rest).group()
    parts = [(part, tokenise) for part, tokenise in
             ((lead, False), (rest[:len(rest) - len(trail)], True), (trail, False)) if part]
    docs = []
    for n, (part, tokenise) in enumerate(parts):
        space = spaced and n == len(parts) - 1
        if tokenise and len(part) <= MAX_CHUNK_CHARS:
            docs.append(nlp.make_doc(part + (" " if space else "")))
        else:
            docs.append(Doc(nlp.vocab, words=[part], spaces=[space]))
    return docs


def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


MALLOC_TRIM = _malloc_trim()


def give_back_memory() -> None:
    """Return the free memory of a large request to the system. glibc keeps freed memory in each
    thread's heap, so without this, each of waitress's threads would keep its largest request's peak."""
    if MALLOC_TRIM is not None:
        MALLOC_TRIM(0)
