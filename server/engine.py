"""The analysis pipeline: candidates -> rule patterns -> page context -> findings.

1. A cheap scan finds blocks with an align-family word; only their sentences are tokenised
   (spaCy's blank English tokenizer).
2. Each align word takes the sense of the highest-priority rule that applies to it: a rule applies
   when one of its token patterns has a match containing the word (scope "phrase") or anywhere in
   the word's own clause, near it (scope "sentence"; see clauses.py), no exception pattern of it contains the word, and the
   sentence's topic (its own words, else the page's) allows it.
3. Results are cached per (block text, page topic), so a re-scan pays only for new text.
"""
from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import spacy
from spacy.attrs import IDX, ORTH

from . import bounds, clauses, context
from .offsets import Utf16Map
from .pattern_index import PatternIndex
from .rewrites import SENSE_INDEX, SENSE_INDEX_PATTERN, rewrites_utf16
from .rules import SIDES, Rule, load_questions, load_rules
from .token_patterns import CLASSES, Features

# "align" in any case; its first letter as a class lets the regex engine skip to the a's and A's.
CANDIDATE = re.compile(r"[aA](?i:lign)")
# The align family as the sense guide lists it; "maligned" and "alignof"-style code names are not members.
ALIGN_TOKEN = re.compile(r"(?:mis|un|non|re|pre|co|super)?-?align(?:s|ed|ing|ment|ments|er|ers|able)?"
                         + SENSE_INDEX_PATTERN + "?$", re.IGNORECASE)  # "alignment1": a writer's numbered sense
# A full stop (or "!", "?", "…", ";": a clause after ";" stands alone) with its closing quotes and
# brackets, then whitespace; or a run of newlines. Group 1 is the punctuation with its closers, or
# the first newline (see by_punctuation). Written to begin with one character class, so that the
# regex engine skips straight to the characters that can start a boundary.
SENTENCE_END = re.compile(r"([.!?…;\n](?:(?<!\n)[\"'”’)\]]*)?)(?:(?<=\n)\n*|\s+)")
NOT_AN_END = re.compile(r"(?:\b(?:e\.g|i\.e|vs|etc|cf|al|Mr|Ms|Dr|St|No|Fig)|\b[A-Z])\.$")  # abbreviations, initials
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
LOOKBACK_CHARS = 600  # how far back a sentence's start is looked for first
CACHE_SIZE = 25_000  # blocks; bounds memory for a server left running all day
CACHE_BYTES = 64 * 1024 * 1024  # and their approximate size
# Approximate sizes of a cache entry and of one decision in it (measured with tracemalloc).
ENTRY_BYTES, DECISION_BYTES = 700, 600
# spaCy keeps every new word in its vocabulary for good; past this many, tokenise with a fresh one.
MAX_VOCAB_WORDS = 50_000
MAX_KNOWN_WORDS = 100_000  # words whose features the engine keeps (Engine.word); past this, start again


class Run:
    """One analyze() call: each block is tokenised and digested at most once, whichever step asks."""

    def __init__(self, allowance: "bounds.Allowance | None" = None):
        self.parsed: dict[str, list[Sentence]] = {}
        self.digests: dict[str, bytes] = {}
        self.allowance = allowance or bounds.Allowance()
        self.capped: set[str] = set()  # blocks with more align words than a block may have analysed
        self.unanalysed: set[str] = set()  # blocks left when a limit stopped the request
        self.reasons: list[str] = []  # the limits that stopped it, first first

    def stop(self, stop: "bounds.Unfinished", texts) -> None:
        if stop.reason not in self.reasons:
            self.reasons.append(stop.reason)
        self.unanalysed.update(texts)

    def digest(self, text: str) -> bytes:
        if text not in self.digests:
            self.digests[text] = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        return self.digests[text]


@dataclass(frozen=True)
class Sentence:
    """A tokenised sentence that holds align-family words."""
    features: Features
    align_tokens: list[int]  # token indexes of the align words
    spans: list[tuple[int, int]]  # their code-point spans in the block
    counts: context.Counts  # its AI and off-topic words
    gates: int  # the OR of its words' PatternIndex.word_bits
    units: int
    bounds: tuple[int, int]  # code points of the whole sentence in the block (a piece's sentence)


class BlockCache(OrderedDict):
    """The block cache (an LRU, oldest first), knowing the approximate bytes its entries hold."""

    def __init__(self):
        super().__init__()
        self.used = 0

    def clear(self):
        super().clear()
        self.used = 0


@dataclass(frozen=True)
class Analysis:
    """What a bounded analysis found, and which texts (by index) it did not finish."""
    findings: list[list[dict]]
    unanalysed: list[int]  # not analysed: a limit stopped the request first (see `reason`)
    capped: list[int]  # only their first bounds.MAX_WORDS_PER_BLOCK align words were analysed
    reason: str | None  # the limits that stopped it, "; " between them


@dataclass(frozen=True)
class Decision:
    """The sense of one align token, before disabled rules are applied."""
    start: int  # code points into the block
    end: int
    rule: str
    sentence: tuple[int, int] = (0, 0)  # code points of the sentence it was decided in


class Engine:
    def __init__(self, rules: list[Rule] | None = None, questions: dict | None = None,
                 topics: context.TopicCounter | None = None, cache_size: int = CACHE_SIZE,
                 cache_bytes: int = CACHE_BYTES):
        self.nlp = blank_english()
        self.rules = {rule.id: rule for rule in (rules if rules is not None else load_rules())}
        self.questions = questions if questions is not None else load_questions()
        self.topics = topics or context.TopicCounter()
        self.patterns = PatternIndex(self.nlp.vocab, self.rules.values())
        # What the engine needs of each word, worked out once per word (by its spaCy ORTH hash,
        # which does not change when the vocabulary is renewed): see word().
        self.words: dict[int, tuple] = {}
        self.words_version = CLASSES.version
        self.cache = BlockCache()
        self.cache_size = cache_size
        self.cache_bytes = cache_bytes
        self.lock = threading.Lock()  # guards the cache only, so one long page never stalls other requests

    # -- public ------------------------------------------------------------------------------
    def analyze(self, texts: list[str], disabled: frozenset[str] = frozenset(),
                url: str | None = None) -> list[list[dict]]:
        """Findings for each text of one page, in order (no time budget; the other limits hold)."""
        return self.analyze_bounded(texts, disabled, url).findings

    def analyze_bounded(self, texts: list[str], disabled: frozenset[str] = frozenset(), url: str | None = None,
                        budget: float | None = None, gone=None) -> Analysis:
        """Findings for each text, within a time budget (seconds) and while gone() is false; texts
        left when a limit is reached are named, not analysed."""
        run = Run(bounds.Allowance(budget, gone))
        decided = self.decide_run(texts, url, run)
        findings = [[f for _, f in decided.get(text, ()) if f and f["rule"] not in disabled] for text in texts]
        # A block shorter than five characters an align word cannot be over the cap: no lookup.
        capped = run.capped | {text for text in decided if len(text) >= 5 * bounds.MAX_WORDS_PER_BLOCK
                               and self.peek(run, "capped", text)}
        unanalysed = [n for n, t in enumerate(texts) if t in run.unanalysed] if run.unanalysed else []
        return Analysis(findings, unanalysed, [n for n, t in enumerate(texts) if t in capped] if capped else [],
                        "; ".join(run.reasons) or None)

    def sense_of(self, text: str, start: int, url: str | None = None) -> tuple[str, str | None]:
        """(sense, deciding rule id) of the align word at code point `start`; ("none", None) if no rule applies."""
        for decision, _ in self.decide_page([text], url).get(text, ()):
            if decision.start <= start < decision.end:
                return self.rules[decision.rule].sense, decision.rule
        return "none", None

    def explain(self, text: str, url: str | None = None) -> list[dict]:
        """How each align word of `text` (one block, alone on its page) is decided, by the steps
        analyze() takes: its sentence, the topics, the rules matched ({id: match length, or
        closeness for sentence-wide rules}), those excepted, and the applicable ones in the order
        choose_rule() prefers them (the first is the winner); matched rules in neither list were
        gated out by the topic."""
        if not CANDIDATE.search(text):
            return []
        run = Run()
        page_topic = self.page_topic([text], set(), url, run)
        sentences = list(candidate_sentences(text))
        out = []
        for sentence in self.parse(text, run):
            for start, end, lengths, excepted, topic in self.sentence_matches(sentence, page_topic):
                ranked, left = [], dict(lengths)
                while (rule := self.choose_rule(left, excepted, topic)) is not None:
                    ranked.append(rule.id)
                    del left[rule.id]
                out.append({"start": start, "end": end, "word": text[start:end],
                            "sentence": next(text[a:b] for a, b in sentences if a <= start < b),
                            "sentence_counts": sentence.counts, "page_topic": page_topic,
                            "page_topic_from": "url" if self.topics.is_ai_site(url) else "words",
                            "topic": topic, "matched": lengths, "excepted": excepted, "ranked": ranked})
        return out

    def decide_page(self, texts: list[str], url: str | None) -> dict[str, tuple]:
        """{block text: ((Decision, finding dict or None for a "none" sense), ...)} for blocks with align words."""
        return self.decide_run(texts, url, Run())

    def decide_run(self, texts: list[str], url: str | None, run: "Run") -> dict[str, tuple]:
        """decide_page within the run's allowance: once a limit is reached, the blocks left are
        answered from the cache if they are there, else recorded in run.unanalysed."""
        unique = list(dict.fromkeys(texts))
        candidates = [t for t in unique if CANDIDATE.search(t)]
        topic = self.page_topic(candidates, set(unique) - set(candidates), url, run)
        decided = {}
        for n, text in enumerate(candidates):
            if text in run.unanalysed:
                break
            try:
                decided[text] = self.decide_block(text, topic, run)
            except bounds.Unfinished as stop:
                run.stop(stop, candidates[n:])
                break
        for text in list(run.unanalysed):
            known = self.peek(run, "decisions", text, topic)
            if known is not None:
                decided[text] = known
                run.unanalysed.discard(text)
        return self.with_defined_senses(candidates, decided)

    def with_defined_senses(self, texts: list[str], decided: dict[str, tuple]) -> dict[str, tuple]:
        """A writer who splits the word into numbered senses ("alignment1" for one problem,
        "alignment2" for the other) gives each a side where it is defined; the term's other uses on
        the page, undecided or ambiguous by themselves, take that side (and the rule that found it).
        Page-wide, like the topic, so it is applied to the cached blocks' decisions, not cached."""
        # A last character that is a digit comes first: a cheap test for the many words without one.
        numbered = [t for t in texts if any(t[d.end - 1].isdigit() and SENSE_INDEX.search(t, d.start, d.end)
                                            for d, _ in decided.get(t, ()))]
        if not numbered:
            return decided
        sides = {}  # term -> the rule that decided its first use with a side
        for text in numbered:
            for d, _ in decided[text]:
                term = text[d.start:d.end].lower()
                if term not in sides and self.rules[d.rule].sense in SIDES and SENSE_INDEX.search(term):
                    sides[term] = d.rule
        if not sides:
            return decided
        out = dict(decided)
        for text in numbered:
            decisions = [replace(d, rule=sides[term])
                         if (term := text[d.start:d.end].lower()) in sides and self.rules[d.rule].sense not in SIDES
                         else d for d, _ in decided[text]]
            out[text] = tuple(zip(decisions, self.findings(text, decisions)))
        return out

    def renew_vocabulary(self) -> None:
        """Unique words from page after page would grow spaCy's vocabulary without end: swap in a
        fresh tokenizer once it is large (tokenisation does not depend on what it has seen)."""
        if len(self.nlp.vocab) > MAX_VOCAB_WORDS:
            with self.lock:
                if len(self.nlp.vocab) > MAX_VOCAB_WORDS:
                    self.nlp = blank_english()

    # -- steps ---------------------------------------------------------------------------------
    def cached(self, run: "Run", kind: str, text: str, compute, *extra):
        """What is known about one block, computed once: an LRU of blocks keyed by a digest of the
        text (a small key however long the text), each holding its results by (kind, extra)."""
        digest, key = run.digest(text), (kind, *extra)
        with self.lock:
            entry = self.cache.get(digest)
            if entry is not None:
                self.cache.move_to_end(digest)
                if key in entry:
                    return entry[key]
        value = compute()
        size = approximate_bytes(value)
        with self.lock:
            entry = self.cache.get(digest)
            if entry is None:
                entry = self.cache[digest] = {"bytes": ENTRY_BYTES}
                self.cache.used += ENTRY_BYTES
            if key not in entry:
                entry[key] = value
                entry["bytes"] += size
                self.cache.used += size
            self.cache.move_to_end(digest)
            while self.cache and (len(self.cache) > self.cache_size or self.cache.used > self.cache_bytes):
                _, evicted = self.cache.popitem(last=False)
                self.cache.used -= evicted["bytes"]
        return value

    def peek(self, run: "Run", kind: str, text: str, *extra):
        """A cached result, or None; never computes."""
        with self.lock:
            entry = self.cache.get(run.digest(text))
            return None if entry is None else entry.get((kind, *extra))

    def page_topic(self, candidates: list[str], others: set[str], url: str | None, run: "Run") -> str:
        """An AI site's URL settles it. Otherwise topic words decide, read outwards from the align
        words (their sentences, then their blocks, then the other blocks) and only as far as needed:
        counting words in whole blocks costs about as much as the rest of the analysis."""
        if self.topics.is_ai_site(url):
            return context.AI
        with run.allowance.share(bounds.TOPIC_SHARE):
            ai = off_topic = 0  # summed as integers: a Counts per block costs more than its lookup
            for n, t in enumerate(candidates):
                try:
                    near = self.cached(run, "near", t, lambda t=t: self.sentence_counts(t, run))
                except bounds.Unfinished as stop:  # the page's topic is read from the blocks analysed
                    run.stop(stop, candidates[n:])
                    candidates = candidates[:n]
                    break
                ai += near.ai
                off_topic += near.off_topic
            counts = context.Counts(ai, off_topic)
            # Reaching the candidates' whole blocks means their sentences tied, so counting those words
            # again cannot tip the balance; it only adds the rest of each block.
            try:
                for ring in (candidates, others):
                    if counts.topic() != context.UNKNOWN:
                        break
                    counts = sum((self.cached(run, "text", t, lambda t=t: self.count_text(t, run)) for t in ring),
                                 counts)
            except bounds.Unfinished as stop:
                run.stop(stop, candidates)
        return counts.topic()

    def count_text(self, text: str, run: "Run") -> context.Counts:
        run.allowance.check()
        return self.topics.count(text)

    def parse(self, text: str, run: "Run") -> list["Sentence"]:
        """The block's sentences with align words, long ones in pieces (bounds.pieces), up to
        bounds.MAX_WORDS_PER_BLOCK align words, within the run's allowance."""
        if text not in run.parsed:
            sentences, words, allowance = [], 0, run.allowance
            for start, end in candidate_sentences(text):
                shown = trimmed(text, start, end)  # the sentence a finding names, without its spaces
                for piece_start, piece_end, core_start, core_end in bounds.pieces(text, start, end):
                    allowance.check()
                    self.renew_vocabulary()
                    sentence = self.parse_sentence(text[piece_start:piece_end], piece_start, (core_start, core_end),
                                                   shown)
                    if sentence is None:
                        continue
                    room = bounds.MAX_WORDS_PER_BLOCK - words
                    if len(sentence.align_tokens) > room:
                        sentence = replace(sentence, align_tokens=sentence.align_tokens[:room], spans=sentence.spans[:room])
                        run.capped.add(text)
                    allowance.spend(len(sentence.features), len(sentence.align_tokens))
                    sentences.append(sentence)
                    words += len(sentence.align_tokens)
                    if words >= bounds.MAX_WORDS_PER_BLOCK:
                        if CANDIDATE.search(text, piece_end):
                            run.capped.add(text)
                        break
                else:
                    continue
                break
            run.parsed[text] = sentences
        return run.parsed[text]

    def sentence_counts(self, text: str, run: "Run") -> context.Counts:
        return sum((sentence.counts for sentence in self.parse(text, run)), context.Counts())

    def decide_block(self, text: str, page_topic: str, run: "Run") -> tuple:
        def compute():
            decisions = []
            for sentence in self.parse(text, run):
                run.allowance.check()
                decisions.extend(self.decide_sentence(sentence, page_topic))
            self.cached(run, "capped", text, lambda: text in run.capped)  # for warm answers' warnings
            return tuple(zip(decisions, self.findings(text, decisions)))
        return self.cached(run, "decisions", text, compute, page_topic)

    def parse_sentence(self, sentence: str, offset: int, core: tuple[int, int] | None = None,
                       span: tuple[int, int] | None = None) -> "Sentence | None":
        """The sentence at `offset` in its block; given a core (block offsets), a piece of a long
        sentence: only the align words and topic words that begin inside the core count. `span`
        is the whole sentence's place in the block (the piece itself when not given)."""
        if not sentence.isascii():
            # JSON may carry lone surrogates, which spaCy cannot hash; U+FFFD keeps every offset.
            sentence = LONE_SURROGATE.sub("\ufffd", sentence)
        doc = bounds.make_doc(self.nlp, sentence)
        if self.words_version != CLASSES.version or len(self.words) > MAX_KNOWN_WORDS:
            self.words, self.words_version = {}, CLASSES.version
        known, word, strings = self.words, self.word, doc.vocab.strings
        infos = [known.get(orth) or word(orth, strings) for orth in doc.to_array(ORTH).tolist()]
        if not infos:
            return None
        feats, masks, aligns, ais, offs, gate_bits, unit_bits, phrase_starts = zip(*infos)
        if True not in aligns:
            return None
        align_tokens = [i for i, is_align in enumerate(aligns) if is_align]
        if core is not None and core != (offset, offset + len(sentence)):
            inside = [core[0] <= offset + idx < core[1] for idx in doc.to_array(IDX).tolist()]
            align_tokens = [i for i in align_tokens if inside[i]]
            if not align_tokens:
                return None
            counted = [info for info, keep in zip(infos, inside) if keep]
            ais, offs, phrase_starts = [i[3] for i in counted], [i[4] for i in counted], [i[7] for i in counted]
            feats_counted = [i[0] for i in counted]
        else:
            feats_counted = feats
        counts = context.Counts(sum(ais), sum(offs))
        if True in phrase_starts:
            counts += self.topics.phrase_counts([f[1] for f in feats_counted])
        gates = units = 0
        for bits in gate_bits:
            gates |= bits
        for bits in unit_bits:
            units |= bits
        spans = []
        for i in align_tokens:
            token = doc[i]
            spans.append((offset + token.idx, offset + token.idx + len(token)))
        return Sentence(Features(feats, list(masks)), align_tokens, spans, counts, gates, units,
                        span or (offset, offset + len(sentence)))

    def word(self, orth: int, strings) -> tuple:
        """(features, check bits, is an align word, AI words, off-topic words, gate bits, unit bits,
        may start a topic phrase) of the word with this ORTH hash (in the StringStore `strings`): what parse_sentence reads for each token."""
        text = strings[orth]
        lower = text.lower()
        feature = (text, lower)
        info = (feature, CLASSES.mask(feature), "align" in lower and bool(ALIGN_TOKEN.match(lower)),
                *self.topics.word_counts(text, lower), *self.patterns.word_bits(lower),
                self.topics.starts_phrase(lower))
        self.words[orth] = info
        return info

    def decide_sentence(self, sentence: "Sentence", page_topic: str):
        for start, end, lengths, excepted, topic in self.sentence_matches(sentence, page_topic):
            rule = self.choose_rule(lengths, excepted, topic)
            if rule is not None:
                yield Decision(start, end, rule.id, sentence.bounds)

    def sentence_matches(self, sentence: "Sentence", page_topic: str):
        """For each align word: (start, end, {rule: match length or closeness}, rules excepted,
        the topic that gates rules). Decisions and Engine.explain both read this."""
        topic = context.sentence_topic(sentence.counts, page_topic)
        features = sentence.features
        units = self.patterns.candidates_by_bits(sentence.gates, sentence.units)
        sentence_wide = [u for u in units if u.sentence_wide]
        starts = clauses.clause_starts([f[1] for f in features]) if sentence_wide else [0]
        for n, (i, (start, end)) in enumerate(zip(sentence.align_tokens, sentence.spans)):
            closeness = {}
            if sentence_wide:
                lo, hi = clauses.clause_window(starts, len(features), i)
                # Only the window is read (at most 2 * REACH + 1 tokens), so a sentence with
                # thousands of align words stays linear.
                part = features.window(lo, hi, clauses.others_qualifiers(
                    features, i - lo, clauses.neighbours(sentence.align_tokens, n, lo, hi), lo, hi))
                for unit in sentence_wide:
                    # How near: clauses.closeness of the match, found in one pass (TokenPattern.nearest).
                    radius = unit.pattern.nearest(part, i - lo)
                    if radius is not None:
                        near = clauses.REACH + 1 - radius
                        closeness[unit.rule] = max(closeness.get(unit.rule, 0), near)
            lengths, excepted = self.patterns.match(features, i, units, closeness)
            yield start, end, lengths, excepted, topic

    def choose_rule(self, lengths: dict[str, int], excepted: set[str], topic: str) -> Rule | None:
        """The highest-priority applicable rule; a longer match (for a sentence-wide rule: a nearer
        one) breaks ties, then the rule id, so the choice never depends on the order rules loaded."""
        best, best_key = None, None
        for rule_id, length in lengths.items():
            rule = self.rules[rule_id]
            if rule_id in excepted or not allowed(rule.context, topic):
                continue
            key = (rule.priority, length, rule_id)
            if best_key is None or key > best_key:
                best, best_key = rule, key
        return best

    def findings(self, text: str, decisions: list[Decision]) -> list[dict | None]:
        """The API's finding for each decision (None where the sense is "none"), in UTF-16 offsets."""
        to_utf16 = Utf16Map(text) if decisions else None
        out = []
        for d in decisions:
            rule = self.rules[d.rule]
            out.append(None if rule.sense == "none" else {
                "start": to_utf16(d.start), "end": to_utf16(d.end), "text": text[d.start:d.end],
                "sense": rule.sense, "rule": rule.id,
                "question": self.questions[rule.question] if rule.question else None,
                "explanation": rule.explanation,
                "sentence": {"start": to_utf16(d.sentence[0]), "end": to_utf16(d.sentence[1])},
                "rewrites": rewrites_utf16(text, d.start, d.end, to_utf16) if rule.sense == "ambiguous" else []})
        return out


def blank_english():
    """spaCy's blank English, also splitting "~" off words: forum markup writes "~aligned~"."""
    nlp = spacy.blank("en")
    nlp.tokenizer.prefix_search = spacy.util.compile_prefix_regex([*nlp.Defaults.prefixes, "~"]).search
    nlp.tokenizer.suffix_search = spacy.util.compile_suffix_regex([*nlp.Defaults.suffixes, "~"]).search
    return nlp


def approximate_bytes(value) -> int:
    """What a cached value costs in memory, roughly: decisions dominate."""
    return 100 + DECISION_BYTES * len(value) if isinstance(value, tuple) else 100


def allowed(rule_context: str, topic: str) -> bool:
    if rule_context == "always":
        return True
    if rule_context == "ai":
        return topic == context.AI
    if rule_context == "not_ai":
        return topic != context.AI
    return topic != context.OFF_TOPIC  # "not_off_topic"


def candidate_sentences(text: str):
    """Code-point spans of the sentences of text that contain an align-family word.

    Boundaries are looked for only around align words, so a long block with one of them costs
    a few short searches, not a pass over the whole block: the search for a sentence's end goes
    on to the next align word only when that word is near (the stretch a lookback would read
    anyway), else the next sentence's start is looked for backwards from its word."""
    end, ended_by, scan = 0, None, None  # the last sentence's end, the boundary there, the search that found it
    for word in CANDIDATE.finditer(text):
        position = word.start()
        if position < end:
            continue  # inside the sentence just yielded
        if ended_by is None or position - LOOKBACK_CHARS > end:
            start = sentence_start(text, position, floor=end)
            scan = SENTENCE_END.finditer(text, word.end())
            boundary = next(scan, None)
        else:
            start, boundary = walk_to(text, position, end, ended_by, scan)
        while boundary is not None and not is_boundary(text, boundary):
            boundary = next(scan, None)
        end, ended_by = sentence_end_at(text, boundary), boundary
        yield start, end


def walk_to(text: str, position: int, floor: int, ended_by: re.Match, scan) -> tuple[int, "re.Match | None"]:
    """sentence_start(text, position, floor) for the word at `position` when floor is the end of
    the sentence before, taken from the boundary search (`scan`) that found that end, by reading
    on to the word; and the first boundary candidate after the word.

    sentence_start's own search from floor sees first what is left of `ended_by` past floor:
    all of it for a run of newlines, else the boundary's trailing whitespace, where only newlines
    end a sentence."""
    if not by_punctuation(ended_by):
        start = ended_by.end()
    else:
        newline = text.rfind("\n", floor, ended_by.end())
        start = newline + 1 if newline >= 0 else floor
    boundary = next(scan, None)
    while boundary is not None and boundary.start() < position:
        if is_boundary(text, boundary):
            start = boundary.end()
        boundary = next(scan, None)
    return start, boundary


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) without the whitespace at either end (a sentence right after another begins at
    that one's end, before the space between them)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def is_boundary(text: str, boundary: re.Match) -> bool:
    return not (by_punctuation(boundary) and NOT_AN_END.search(text, max(0, boundary.end(1) - 5), boundary.end(1)))


def by_punctuation(boundary: re.Match) -> bool:
    """Whether a SENTENCE_END match is punctuation and whitespace (else a run of newlines)."""
    return boundary.group(1) != "\n"


def sentence_end_at(text: str, boundary: "re.Match | None") -> int:
    """Where a sentence ended by this boundary ends (the text's end when there is none)."""
    if boundary is None:
        return len(text)
    return boundary.end(1) if by_punctuation(boundary) else boundary.start()


def sentence_start(text: str, position: int, floor: int) -> int:
    """Where the sentence holding `position` begins: after the last boundary before it."""
    lookback = max(floor, position - LOOKBACK_CHARS)  # sentences are rarely longer; widen once if needed
    for low in (lookback, floor) if lookback > floor else (floor,):
        start = None
        for boundary in SENTENCE_END.finditer(text, low, position):
            if is_boundary(text, boundary):
                start = boundary.end()
        if start is not None:
            return start
    return floor
