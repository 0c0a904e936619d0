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
SITE_WEIGHT = 10  # a LessWrong or Alignment Forum URL outweighs a page's incidental off-topic words


def word_regex(alternatives: list[str], flags=0) -> re.Pattern | None:
    if not alternatives:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", flags)


@dataclass(frozen=True)
class Counts:
    ai: int = 0
    off_topic: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.ai + other.ai, self.off_topic + other.off_topic)

    def topic(self, minimum: int = 1) -> str:
        if self.ai >= minimum and self.ai >= self.off_topic:
            return AI
        if self.off_topic >= minimum and self.off_topic > self.ai:
            return OFF_TOPIC
        return UNKNOWN


class TopicCounter:
    """Counts AI and off-topic words in text with two precompiled regexes per kind."""

    def __init__(self, path: Path = CONTEXT_PATH):
        data = json.loads(path.read_text(encoding="utf-8"))
        exact = set(data.get("case_sensitive", []))
        self.patterns = {}
        for kind in ("ai", "off_topic"):
            words = data[kind]
            self.patterns[kind] = (
                word_regex([w for w in words if w not in exact], re.IGNORECASE),
                word_regex([w for w in words if w in exact]),
            )
        self.ai_sites = tuple(data.get("ai_sites", []))

    def count(self, text: str) -> Counts:
        totals = {}
        for kind, regexes in self.patterns.items():
            totals[kind] = sum(len(r.findall(text)) for r in regexes if r is not None)
        return Counts(totals["ai"], totals["off_topic"])

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


def page_topic(page: Counts) -> str:
    """A page needs two AI words (or an AI site) to count as an AI page."""
    return page.topic(minimum=2)


def sentence_topic(sentence: Counts, page: str) -> str:
    """The sentence's own words decide; a sentence with none is judged by its page."""
    own = sentence.topic()
    return own if own != UNKNOWN else page
