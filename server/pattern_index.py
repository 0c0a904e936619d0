"""Every rule's token patterns, indexed so a sentence only tries the ones that could match it."""
from __future__ import annotations

from dataclasses import dataclass

from spacy.errors import MatchPatternError
from spacy.matcher import Matcher

from .rules import RuleError
from .token_patterns import TokenPattern, UnsupportedPattern, masks_of

MAX_KEPT = 20_000  # sentences' candidate lists kept by their word bits
WINDOW = 12  # tokens either side of an align word that a phrase pattern may reach
ALIGN_PREFIX = "align"


@dataclass(frozen=True)
class PatternUnit:
    """One token pattern of one rule (or of its exceptions)."""
    rule: str
    is_exception: bool
    sentence_wide: bool
    pattern: TokenPattern
    gates: tuple[frozenset, ...]  # each required token's possible words; all must occur in the sentence


class PatternIndex:
    """Every rule's patterns, indexed so that a sentence only tries the ones that could match.

    A pattern whose required tokens name their words (LOWER/ORTH, a string or IN list) cannot
    match a sentence that lacks one of them, so each pattern is filed under the words of its most
    selective required token. spaCy's Matcher validates every pattern when the rules load.
    """

    def __init__(self, vocab, rules):
        validator = Matcher(vocab, validate=True)
        self.units: list[PatternUnit] = []
        for rule in rules:
            for is_exception, patterns in ((False, rule.patterns), (True, rule.exceptions)):
                for pattern in patterns:
                    try:
                        validator.add(rule.id, [pattern])
                        compiled = TokenPattern.compile(pattern)
                    except (MatchPatternError, UnsupportedPattern) as error:
                        raise RuleError(f"{rule.path}: invalid token pattern: {error}") from None
                    self.units.append(PatternUnit(rule.id, is_exception, rule.scope == "sentence" and not is_exception,
                                                  compiled, required_words(pattern)))
        self.by_word: dict[str, list[int]] = {}
        self.ungated: list[int] = []
        for n, unit in enumerate(self.units):
            if unit.gates:
                for word in min(unit.gates, key=gate_cost):
                    self.by_word.setdefault(word, []).append(n)
            else:
                self.ungated.append(n)
        # The same index as bits, so that a sentence's candidates come from per-word integers the
        # engine keeps: unit n is bit n; each distinct gate has a bit, and a unit needs all of its own.
        gate_bits: dict[frozenset, int] = {}
        for unit in self.units:
            for gate in unit.gates:
                gate_bits.setdefault(gate, 1 << len(gate_bits))
        self.gate_need = [sum(set(gate_bits[g] for g in unit.gates)) for unit in self.units]
        self.gates_of_word: dict[str, int] = {}
        for gate, bit in gate_bits.items():
            for word in gate:
                self.gates_of_word[word] = self.gates_of_word.get(word, 0) | bit
        self.units_of_word = {word: sum(1 << n for n in set(ns)) for word, ns in self.by_word.items()}
        self.ungated_bits = sum(1 << n for n in self.ungated)
        self.kept: dict[tuple[int, int], list[PatternUnit]] = {}

    def candidates(self, words: set[str]) -> list[PatternUnit]:
        found = set(self.ungated)
        for word in words:
            found.update(self.by_word.get(word, ()))
        units = (self.units[n] for n in sorted(found))
        return [u for u in units if not any(gate.isdisjoint(words) for gate in u.gates)]

    def word_bits(self, lower: str) -> tuple[int, int]:
        """(the gates this word satisfies, the units filed under it), for candidates_by_bits."""
        return self.gates_of_word.get(lower, 0), self.units_of_word.get(lower, 0)

    def candidates_by_bits(self, gates: int, units: int) -> list[PatternUnit]:
        """candidates() of a sentence given the OR of its words' word_bits: the same units, in order
        (kept by those bits: most sentences name few of the indexed words, so they recur)."""
        key = (gates, units)
        known = self.kept.get(key)
        if known is None:
            if len(self.kept) >= MAX_KEPT:
                self.kept.clear()
            known = self.kept[key] = self._candidates_by_bits(gates, units)
        return known

    def _candidates_by_bits(self, gates: int, units: int) -> list[PatternUnit]:
        found, out, need = units | self.ungated_bits, [], self.gate_need
        while found:
            low = found & -found
            n = low.bit_length() - 1
            found ^= low
            if gates & need[n] == need[n]:
                out.append(self.units[n])
        return out

    def match(self, features: list[tuple], i: int, units: list[PatternUnit],
              sentence_rules: dict[str, int]) -> tuple[dict[str, int], set[str]]:
        """For token i: {rule id: longest covering match (for sentence-wide rules, the closeness
        given in sentence_rules)}, and the rules excepted."""
        lengths = dict(sentence_rules)
        excepted = set()
        masks = masks_of(features)
        for unit in units:
            if unit.sentence_wide:
                continue
            length = unit.pattern.longest_covering(features, i, WINDOW, masks)
            if length is None:
                continue
            if unit.is_exception:
                excepted.add(unit.rule)
            else:
                lengths[unit.rule] = max(lengths.get(unit.rule, 0), length)
        return lengths, excepted


# Words in nearly every candidate sentence: a pattern filed under them would be tried everywhere.
COMMON_WORDS = frozenset("the a an to of in on is are be and or for with that this it as by at from not we".split())


def gate_cost(gate: frozenset) -> tuple[int, int]:
    """How often a gate would let a pattern through: align words and common words are everywhere."""
    everywhere = any(ALIGN_PREFIX in word for word in gate) or not gate.isdisjoint(COMMON_WORDS)
    return (1 if everywhere else 0, len(gate))


def required_words(pattern: list[dict]) -> tuple[frozenset, ...]:
    """For each token a match must contain (no "?"/"*"), the lowercase words it allows, if it names them."""
    gates = []
    for token in pattern:
        if token.get("OP") in ("?", "*"):
            continue
        for key in ("LOWER", "ORTH", "TEXT"):
            value = token.get(key)
            if isinstance(value, str):
                gates.append(frozenset({value.lower()}))
            elif isinstance(value, dict) and isinstance(value.get("IN"), list):
                gates.append(frozenset(w.lower() for w in value["IN"]))
            else:
                continue
            break
    return tuple(gates)
