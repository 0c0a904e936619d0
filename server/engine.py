"""The analysis pipeline: candidates -> spaCy Matcher rules -> page context -> findings.

1. A cheap scan finds blocks with an align-family word; only their sentences are tokenised.
2. One spaCy Matcher holds every rule's patterns and exceptions.
3. Each align token takes the sense of the highest-priority rule that applies to it; a rule
   applies when one of its matches covers the token (scope "phrase") or lies in the same
   sentence (scope "sentence"), no exception of it covers the token, and the sentence's topic
   (its own words, else the page's) allows it.
4. Results are cached per (block text, page topic), so a re-scan pays only for new text.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import spacy
from spacy.errors import MatchPatternError
from spacy.matcher import Matcher

from . import context
from .offsets import Utf16Map
from .rules import Rule, RuleError, load_questions, load_rules

CANDIDATE = re.compile(r"align", re.IGNORECASE)
# The align family as the sense guide lists it; "maligned" and "alignof"-style code names are not members.
ALIGN_TOKEN = re.compile(r"(?:mis|un|non|re|pre|co|super)?-?align(?:s|ed|ing|ment|ments|er|ers)?$", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n+|(?<=[;:])\s+(?=[A-Z])")
EXCEPT = "!except"
CACHE_SIZE = 50_000  # blocks; bounds memory for a server left running all day


@dataclass(frozen=True)
class Decision:
    """The sense of one align token, before disabled rules are applied."""
    start: int  # code points into the block
    end: int
    rule: str


class Engine:
    def __init__(self, rules: list[Rule] | None = None, questions: dict | None = None,
                 topics: context.TopicCounter | None = None, cache_size: int = CACHE_SIZE):
        self.nlp = spacy.blank("en")
        self.rules = {rule.id: rule for rule in (rules if rules is not None else load_rules())}
        self.questions = questions if questions is not None else load_questions()
        self.topics = topics or context.TopicCounter()
        self.matcher = Matcher(self.nlp.vocab)
        for rule in self.rules.values():
            try:
                self.matcher.add(rule.id, rule.patterns)
                if rule.exceptions:
                    self.matcher.add(rule.id + EXCEPT, rule.exceptions)
            except MatchPatternError as error:
                raise RuleError(f"{rule.path}: invalid token pattern: {error}") from None
        self.cache: OrderedDict = OrderedDict()
        self.cache_size = cache_size
        self.lock = threading.Lock()  # spaCy's Matcher and the cache are shared across server threads

    # -- public ------------------------------------------------------------------------------
    def analyze(self, texts: list[str], disabled: frozenset[str] = frozenset(),
                url: str | None = None) -> list[list[dict]]:
        """Findings for each text of one page, in order."""
        candidate_texts = [t for t in set(texts) if CANDIDATE.search(t)]
        with self.lock:
            page = self.topics.site_counts(url)
            for text in candidate_texts:
                page = page + self.block_counts(text)
            topic = context.page_topic(page)
            decided = {text: self.decide_block(text, topic) for text in candidate_texts}
        return [self.findings(text, decided.get(text, ()), disabled) for text in texts]

    def sense_of(self, text: str, start: int, url: str | None = None) -> tuple[str, str | None]:
        """(sense, rule id) of the align word starting at code point `start`; ("none", None) if no finding."""
        with self.lock:
            page = self.topics.site_counts(url) + self.block_counts(text)
            for decision in self.decide_block(text, context.page_topic(page)):
                if decision.start <= start < decision.end:
                    return self.rules[decision.rule].sense, decision.rule
        return "none", None

    # -- steps ---------------------------------------------------------------------------------
    def cached(self, key, compute):
        if key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        value = compute()
        self.cache[key] = value
        if len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return value

    def block_counts(self, text: str) -> context.Counts:
        return self.cached(("counts", text), lambda: self.topics.count(text))

    def decide_block(self, text: str, page_topic: str) -> tuple[Decision, ...]:
        return self.cached(("decisions", text, page_topic), lambda: tuple(self._decide_block(text, page_topic)))

    def _decide_block(self, text: str, page_topic: str):
        for start, end in candidate_sentences(text):
            yield from self.decide_sentence(text[start:end], start, page_topic)

    def decide_sentence(self, sentence: str, offset: int, page_topic: str):
        doc = self.nlp.make_doc(sentence)
        align_tokens = [t.i for t in doc if ALIGN_TOKEN.match(t.text)]
        if not align_tokens:
            return
        topic = context.sentence_topic(self.topics.count(sentence), page_topic)
        hits, exceptions = {}, {}
        for match_id, start, end in self.matcher(doc):
            name = self.nlp.vocab.strings[match_id]
            target = exceptions if name.endswith(EXCEPT) else hits
            target.setdefault(name.removesuffix(EXCEPT), []).append((start, end))
        for i in align_tokens:
            rule = self.choose_rule(i, len(doc), hits, exceptions, topic)
            if rule is not None:
                token = doc[i]
                yield Decision(offset + token.idx, offset + token.idx + len(token), rule.id)

    def choose_rule(self, i: int, length: int, hits: dict, exceptions: dict, topic: str) -> Rule | None:
        best, best_key = None, None
        for rule_id, spans in hits.items():
            rule = self.rules[rule_id]
            if not allowed(rule.context, topic):
                continue
            if rule.scope == "phrase":
                covering = [e - s for s, e in spans if s <= i < e]
            else:
                covering = [length]
            if not covering:
                continue
            if any(s <= i < e for s, e in exceptions.get(rule_id, ())):
                continue
            key = (rule.priority, max(covering) if rule.scope == "phrase" else 0)
            if best_key is None or key > best_key:
                best, best_key = rule, key
        return best

    def findings(self, text: str, decisions, disabled: frozenset[str]) -> list[dict]:
        if not decisions:
            return []
        to_utf16 = Utf16Map(text)
        out = []
        for d in decisions:
            rule = self.rules[d.rule]
            if rule.sense == "none" or rule.id in disabled:
                continue
            out.append({"start": to_utf16(d.start), "end": to_utf16(d.end), "text": text[d.start:d.end],
                        "sense": rule.sense, "rule": rule.id,
                        "question": self.questions[rule.question] if rule.question else None,
                        "explanation": rule.explanation})
        return out


def allowed(rule_context: str, topic: str) -> bool:
    if rule_context == "always":
        return True
    if rule_context == "ai":
        return topic == context.AI
    return topic != context.OFF_TOPIC  # "not_off_topic"


def candidate_sentences(text: str):
    """Code-point spans of the sentences of text that contain an align-family word."""
    start = 0
    for boundary in SENTENCE_END.finditer(text):
        if CANDIDATE.search(text, start, boundary.start()):
            yield start, boundary.start()
        start = boundary.end()
    if start < len(text) and CANDIDATE.search(text, start):
        yield start, len(text)
