"""What a sentence or a page is about: AI, something else ("off topic"), or unknown.

The sense guide decides a bare "alignment" by the words around it: an AI word in the sentence
makes it the AI sense; a sentence with neither AI nor off-topic words is judged by its page.
The word lists are data in context.json.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

CONTEXT_PATH = Path(__file__).resolve().parent / "context.json"

AI, OFF_TOPIC, UNKNOWN = "ai", "off_topic", "unknown"
SETTLED_AT = 25  # topic words; past this lead, more of the page would not change the verdict
SITE_WEIGHT = SETTLED_AT  # a LessWrong or Alignment Forum URL settles the page as an AI page


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


class Lexicon:
    """One kind of topic word (AI, off-topic), counted in tokens or in raw text."""

    def __init__(self, data: dict):
        self.words = frozenset(data.get("words", ()))
        self.cased = frozenset(data.get("cased", ()))
        self.prefixes = tuple(data.get("prefixes", ()))
        self.phrases = {tuple(p.split()) for p in data.get("phrases", ())}
        self.phrase_starts = frozenset(p[0] for p in self.phrases)
        # The same words as one regex, for whole blocks that are not tokenised.
        parts = [re.escape(w) for w in self.words] + [r"\s*".join(map(re.escape, p)) for p in self.phrases]
        parts += [re.escape(p) + r"[\w-]*" for p in self.prefixes]
        self.regex = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", re.IGNORECASE)
        self.cased_regex = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, self.cased)) + r")(?![\w-])") \
            if self.cased else None

    def count_text(self, text: str) -> int:
        n = len(self.regex.findall(text))
        return n + (len(self.cased_regex.findall(text)) if self.cased_regex else 0)

    def count_tokens(self, orths: list[str], lowers: list[str]) -> int:
        n = 0
        for i, lower in enumerate(lowers):
            if lower in self.words or orths[i] in self.cased or lower.startswith(self.prefixes):
                n += 1
            elif lower in self.phrase_starts:
                n += any(tuple(lowers[i:i + len(p)]) == p for p in self.phrases)
        return n


class TopicCounter:
    """Counts AI and off-topic words in a block's text or in a tokenised sentence."""

    def __init__(self, path: Path = CONTEXT_PATH):
        data = json.loads(path.read_text(encoding="utf-8"))
        self.ai, self.off_topic = Lexicon(data["ai"]), Lexicon(data["off_topic"])
        self.ai_sites = tuple(data.get("ai_sites", []))

    def count(self, text: str) -> Counts:
        return Counts(self.ai.count_text(text), self.off_topic.count_text(text))

    def count_tokens(self, orths: list[str], lowers: list[str]) -> Counts:
        return Counts(self.ai.count_tokens(orths, lowers), self.off_topic.count_tokens(orths, lowers))

    def site_counts(self, url: str | None) -> Counts:
        """A URL on a known AI site counts as strong AI evidence for the whole page."""
        if not url:
            return Counts()
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            return Counts()
        if any(host == site or host.endswith("." + site) for site in self.ai_sites):
            return Counts(ai=SITE_WEIGHT)
        return Counts()


def settled(page: Counts) -> bool:
    return abs(page.ai - page.off_topic) >= SETTLED_AT


def page_topic(page: Counts) -> str:
    return page.topic()


def sentence_topic(sentence: Counts, page: str) -> str:
    """The sentence's own words decide; a sentence with none is judged by its page."""
    own = sentence.topic()
    return own if own != UNKNOWN else page
