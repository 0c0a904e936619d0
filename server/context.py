"""What a sentence or a page is about: AI, something else ("off topic"), or unknown.

The sense guide decides a bare "alignment" by the words around it: an AI word in the sentence
makes it the AI sense; a sentence with neither AI nor off-topic words is judged by its page.
The word lists are data in context.json.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

CONTEXT_PATH = Path(__file__).resolve().parent / "context.json"

AI, OFF_TOPIC, UNKNOWN = "ai", "off_topic", "unknown"


@dataclass(frozen=True)
class Counts:
    ai: int = 0
    off_topic: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.ai + other.ai, self.off_topic + other.off_topic)

    def topic(self) -> str:
        if self.ai > self.off_topic:
            return AI
        if self.off_topic > self.ai:
            return OFF_TOPIC
        return UNKNOWN


TEXT_WORD = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")


def as_tokens(entry: str) -> tuple[str, ...]:
    """A lexicon entry as spaCy's tokenizer splits it: on spaces and around hyphens."""
    return tuple(part for part in re.split(r"\s+|(-)", entry.strip()) if part)


def as_text(tokens: tuple[str, ...]) -> str:
    """The same entry as it reads in running text ("fine - tuning" -> "fine-tuning")."""
    return " ".join(tokens).replace(" - ", "-")


class Lexicon:
    """One kind of topic word (AI, off-topic), counted in a tokenised sentence or in raw text."""

    def __init__(self, data: dict):
        entries = [as_tokens(e) for e in (*data.get("words", ()), *data.get("phrases", ()))]
        self.words = frozenset(e[0] for e in entries if len(e) == 1)
        self.phrases = {e for e in entries if len(e) > 1}
        # Each phrase filed under its first word: a token is compared only with the phrases it can begin.
        self.phrases_by_start: dict[str, list[tuple]] = {}
        for phrase in self.phrases:
            self.phrases_by_start.setdefault(phrase[0], []).append(phrase)
        self.phrase_starts = frozenset(self.phrases_by_start)
        self.cased = frozenset(data.get("cased", ()))
        self.prefixes = tuple(data.get("prefixes", ()))
        # Count each token once: drop words a prefix already covers, cased forms a word covers.
        self.words = frozenset(w for w in self.words if not w.startswith(self.prefixes))
        self.cased = frozenset(c for c in self.cased if c.lower() not in self.words)
        # Raw text (whole blocks, for the page's topic): words counted once, looked up in sets;
        # case is ignored there, and phrases are searched only in blocks holding their first word.
        texts = [as_text(e) for e in entries] + [c.lower() for c in self.cased]
        self.text_words = frozenset(t for t in texts if " " not in t)
        self.text_phrases: dict[str, list[str]] = {}
        for phrase in (t for t in texts if " " in t):
            self.text_phrases.setdefault(phrase.split(" ")[0], []).append(phrase)

    def count_text(self, words: Counter, lowered: str) -> int:
        n = sum(count for word, count in words.items()
                if word in self.text_words or word.startswith(self.prefixes))
        for start in self.text_phrases.keys() & words.keys():
            n += sum(lowered.count(phrase) for phrase in self.text_phrases[start])
        return n

    def count_tokens(self, orths: list[str], lowers: list[str]) -> int:
        return sum(map(self.count_word, orths, lowers)) + self.count_phrases(lowers)

    def count_word(self, orth: str, lower: str) -> int:
        """What one token adds by itself (the engine keeps this per word): a word, a cased form, a
        prefix (a token never holds a space before other characters, so a prefix can only start it)."""
        return (lower in self.words) + (orth in self.cased) + lower.startswith(self.prefixes)

    def count_phrases(self, lowers: list[str]) -> int:
        if self.phrase_starts.isdisjoint(lowers):
            return 0
        by_start = self.phrases_by_start
        return sum(1 for i, lower in enumerate(lowers) if lower in by_start
                   and any(tuple(lowers[i:i + len(p)]) == p for p in by_start[lower]))


class TopicCounter:
    """Counts AI and off-topic words in a block's text or in a tokenised sentence."""

    def __init__(self, path: Path = CONTEXT_PATH):
        data = json.loads(path.read_text(encoding="utf-8"))
        self.ai, self.off_topic = Lexicon(data["ai"]), Lexicon(data["off_topic"])
        self.ai_sites = tuple(data.get("ai_sites", []))

    def count(self, text: str) -> Counts:
        lowered = text.lower()
        words = Counter(TEXT_WORD.findall(lowered))
        return Counts(self.ai.count_text(words, lowered), self.off_topic.count_text(words, lowered))

    def count_tokens(self, orths: list[str], lowers: list[str]) -> Counts:
        return Counts(self.ai.count_tokens(orths, lowers), self.off_topic.count_tokens(orths, lowers))

    def word_counts(self, orth: str, lower: str) -> tuple[int, int]:
        """(AI, off-topic) words one token is by itself; count_tokens is their sum plus phrases."""
        return self.ai.count_word(orth, lower), self.off_topic.count_word(orth, lower)

    def starts_phrase(self, lower: str) -> bool:
        return lower in self.ai.phrase_starts or lower in self.off_topic.phrase_starts

    def phrase_counts(self, lowers: list[str]) -> Counts:
        return Counts(self.ai.count_phrases(lowers), self.off_topic.count_phrases(lowers))

    def is_ai_site(self, url: str | None) -> bool:
        """A LessWrong, Alignment Forum or AI lab URL makes the whole page an AI page."""
        if not url:
            return False
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            return False
        return any(host == site or host.endswith("." + site) for site in self.ai_sites)


def sentence_topic(sentence: Counts, page: str) -> str:
    """The sentence's own words decide; a sentence with none is judged by its page."""
    own = sentence.topic()
    return own if own != UNKNOWN else page
