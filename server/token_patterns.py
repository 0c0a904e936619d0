"""A fast evaluator for spaCy token patterns, anchored on one token.

spaCy's Matcher tries every pattern at every token, with word lists checked in Python, which
costs about a microsecond per token per pattern: on an alignment-heavy page that is most of the
analysis time. The engine only asks "how long is the longest match covering the align word at
position i?" and "does this pattern match anywhere in these tokens?", so this module answers
exactly that, over precomputed token features, for the subset of spaCy's pattern language that
rules may use. tests/test_token_patterns.py checks that it agrees with spaCy's own Matcher.

Page text is chosen by whoever writes a comment, so no question may cost more than linear time
in the sentence: a pattern is run as a small automaton (one state per token object, one pass
over the tokens, a set of live states), never by trying every start and every repeat count.
"""
from __future__ import annotations

from dataclasses import dataclass

from spacy import attrs
from spacy.lang.en import English
from spacy.lang.lex_attrs import LEX_ATTRS

TEXT_KEYS = {"ORTH": 0, "TEXT": 0, "LOWER": 1}
# Flags are computed from the token's text only when a pattern asks, by the same functions
# spaCy's blank English vocabulary uses.
_GETTERS = {**LEX_ATTRS, **English.Defaults.lex_attr_getters}
FLAG_GETTERS = {key: _GETTERS[getattr(attrs, key)]
                for key in ("IS_TITLE", "IS_UPPER", "IS_LOWER", "IS_ALPHA", "IS_DIGIT", "IS_PUNCT", "LIKE_NUM")}
OPS = {None: (1, 1), "1": (1, 1), "?": (0, 1), "*": (0, None), "+": (1, None)}


MISSING = object()
MAX_KEPT = 20_000  # answers kept per pattern (any_atom, covering); past this, start again


class UnsupportedPattern(ValueError):
    pass


class WordClasses:
    """Every check a compiled pattern makes on one token (a word equal to, in or not in a list; a
    flag), each given a bit, and the bits each word passes. A token object of a pattern is then
    the set of bits a word must have (`need`), so running a pattern costs integer tests, not
    Python calls, and a word's bits are worked out once (by a dictionary look-up per text field,
    not by trying every check) and kept."""

    MAX_WORDS = 200_000  # kept words' bits; past this many, start again

    def __init__(self):
        self.bits: dict[tuple, int] = {}
        self.positive = ({}, {})  # per field (text, lower): word -> bits of the equal / IN checks naming it
        self.negative = ({}, {})  # per field: word -> bits of the NOT_IN checks naming it
        self.all_negative = [0, 0]  # per field: bits of every NOT_IN check
        self.flags: list[tuple[int, object, bool]] = []  # (bit, getter, wanted value)
        self.version = 0  # changes whenever a check is added: bits worked out before are stale
        self.masks: dict[tuple, int] = {}

    def bit(self, key: tuple) -> int:
        if key in self.bits:
            return self.bits[key]
        bit = self.bits[key] = 1 << len(self.bits)
        kind = key[0]
        if kind in ("eq", "in"):
            for word in ([key[2]] if kind == "eq" else key[2]):
                self.positive[key[1]][word] = self.positive[key[1]].get(word, 0) | bit
        elif kind == "not_in":
            self.all_negative[key[1]] |= bit
            for word in key[2]:
                self.negative[key[1]][word] = self.negative[key[1]].get(word, 0) | bit
        else:
            self.flags.append((bit, FLAG_GETTERS[key[1]], key[2]))
        self.version += 1
        self.masks = {}
        return bit

    def compute(self, feature: tuple) -> int:
        text, lower = feature[0], feature[1]
        positive, negative, all_negative = self.positive, self.negative, self.all_negative
        mask = (positive[0].get(text, 0) | positive[1].get(lower, 0)
                | (all_negative[0] & ~negative[0].get(text, 0)) | (all_negative[1] & ~negative[1].get(lower, 0)))
        for bit, get, wanted in self.flags:
            if bool(get(text)) == wanted:
                mask |= bit
        return mask

    def mask(self, feature: tuple) -> int:
        """The bits of the checks that a token with these features passes."""
        mask = self.masks.get(feature)
        if mask is None:
            if len(self.masks) >= self.MAX_WORDS:
                self.masks = {}
            mask = self.masks[feature] = self.compute(feature)
        return mask


CLASSES = WordClasses()  # shared by every compiled pattern
BLANK = ("", "")  # a token hidden from a pattern (clauses.without_others_qualifiers)


class Features(list):
    """A sentence's token features, (text, lowercase text) per token, with each token's check
    bits (`masks`, worked out when first needed); `memo` holds per-pattern results computed for
    the whole sentence, so that several align words in one sentence share one pass."""
    __slots__ = ("memo", "_masks", "_version")

    def __init__(self, items=(), masks=None):
        super().__init__(items)
        self.memo = {}
        self._masks = masks
        self._version = CLASSES.version

    @property
    def masks(self) -> list[int]:
        if self._masks is None or self._version != CLASSES.version:
            self._masks = [CLASSES.mask(f) for f in self]
            self._version = CLASSES.version
        return self._masks

    def window(self, lo: int, hi: int, blanked=()) -> "Features":
        """Tokens [lo, hi) as a Features of their own, with the positions in `blanked` (relative to
        lo) replaced by BLANK."""
        items, masks = self[lo:hi], self.masks[lo:hi]
        if blanked:
            blank = CLASSES.mask(BLANK)
            for p in blanked:
                items[p], masks[p] = BLANK, blank
        return Features(items, masks)


def masks_of(features) -> list[int]:
    """Each token's check bits: kept on a Features, worked out for a plain list."""
    if isinstance(features, Features):
        return features.masks
    return [CLASSES.mask(f) for f in features]


def token_features(doc) -> Features:
    """(text, lowercase text) for each token, computed once per sentence (str.lower is what
    spaCy's LOWER is, and cheaper than asking each Token)."""
    texts = [token.text for token in doc]
    return Features(zip(texts, map(str.lower, texts)))


def compile_token(spec: dict) -> int:
    """The check bits (CLASSES) a token must have to match one token object of a pattern."""
    need = 0
    for key, value in spec.items():
        if key == "OP":
            continue
        if key in TEXT_KEYS:
            index = TEXT_KEYS[key]
            if isinstance(value, str):
                need |= CLASSES.bit(("eq", index, value))
            elif isinstance(value, dict) and set(value) <= {"IN", "NOT_IN"}:
                if "IN" in value:
                    need |= CLASSES.bit(("in", index, frozenset(value["IN"])))
                if "NOT_IN" in value:
                    need |= CLASSES.bit(("not_in", index, frozenset(value["NOT_IN"])))
            else:
                raise UnsupportedPattern(f"{key}: only a string, IN or NOT_IN is supported")
        elif key in FLAG_GETTERS and isinstance(value, bool):
            need |= CLASSES.bit(("flag", key, value))
        else:
            raise UnsupportedPattern(f"unsupported token attribute {key!r}")
    if spec.get("OP") not in OPS:
        raise UnsupportedPattern(f"unsupported operator {spec.get('OP')!r}; use ?, *, + or none")
    return need


# How one token object of a pattern consumes tokens: exactly once, at most once, any number of times.
ONE, OPTIONAL, REPEAT = "1", "?", "*"
# Past this many tokens beyond the align word, a still-running match is finished by one backward
# pass over the whole sentence instead (shared by the sentence's other align words).
FORWARD_SLACK = 32


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: it keys per-sentence memos
class TokenPattern:
    """A token pattern as an automaton. State k means "the first k atoms are done"; an atom is the
    check bits a token needs (CLASSES) and how often it is consumed: ONE, OPTIONAL or REPEAT
    times ("+" is ONE then REPEAT). Every state set the automaton reaches is closed under
    skipping optional and repeated atoms."""
    atoms: tuple  # (need, kind)
    closures: tuple  # for each state, the states reachable from it by skipping atoms (itself first)
    min_length: int
    max_length: int | None
    any_atom: dict  # token mask -> whether some atom accepts it (filled as masks are met)
    relevant: int  # every check bit some atom reads
    wildcard: bool  # some atom accepts every token
    single_bits: bool  # every atom needs exactly one bit
    covering: dict  # longest_covering's answers by word classes (see there)

    @classmethod
    def compile(cls, pattern: list[dict]) -> "TokenPattern":
        atoms = []
        for spec in pattern:
            need, (low, high) = compile_token(spec), OPS[spec.get("OP")]
            atoms += [(need, ONE)] * low
            atoms += [(need, REPEAT)] if high is None else [(need, OPTIONAL)] * (high - low)
        closures = []
        for state in range(len(atoms) + 1):
            reach = [state]
            while reach[-1] < len(atoms) and atoms[reach[-1]][1] != ONE:
                reach.append(reach[-1] + 1)
            closures.append(tuple(reach))
        max_length = None if any(kind == REPEAT for _, kind in atoms) else len(atoms)
        relevant = 0
        for need, _ in atoms:
            relevant |= need
        return cls(tuple(atoms), tuple(closures), sum(kind == ONE for _, kind in atoms), max_length, {},
                   relevant, any(need == 0 for need, _ in atoms),
                   all(need and not need & (need - 1) for need, _ in atoms), {})

    @property
    def accept(self) -> int:
        return len(self.atoms)

    def step(self, states, mask: int):
        """The states after consuming one token (its check bits) from any of `states` (each closed under skips)."""
        atoms, closures, reached = self.atoms, self.closures, set()
        for state in states:
            if state < len(atoms):
                need, kind = atoms[state]
                if mask & need == need:
                    reached.update(closures[state if kind == REPEAT else state + 1])
        return reached

    def matches_anywhere(self, features: list[tuple], start: int = 0, end: int | None = None) -> bool:
        """Whether tokens [start, end) hold a match (of at least one token): one pass, a match may
        begin at any token."""
        masks = masks_of(features)
        end = len(masks) if end is None else min(end, len(masks))
        fresh, accept, live = self.closures[0], self.accept, set()
        for position in range(max(0, start), end):
            live.update(fresh)
            live = self.step(live, masks[position])
            if accept in live:
                return True
        return False

    def nearest(self, features: list[tuple], i: int) -> int | None:
        """The smallest radius r such that tokens [i - r, i + r] (clipped to the tokens) hold a
        match, or None when none do: clauses.closeness's bisection over matches_anywhere, in one
        pass. Each live state keeps the latest start that reaches it: for a given end, the
        latest start is the nearest match."""
        masks = masks_of(features)
        atoms, closures, accept = self.atoms, self.closures, self.accept
        live: dict[int, int] = {}
        best = None
        for position in range(len(masks)):
            for state in closures[0]:
                live[state] = position  # a match starting here starts latest
            mask, reached = masks[position], {}
            for state, begun in live.items():
                if state < accept:
                    need, kind = atoms[state]
                    if mask & need == need:
                        for target in closures[state if kind == REPEAT else state + 1]:
                            if begun > reached.get(target, -1):
                                reached[target] = begun
            live = reached
            if accept in live:
                radius = max(i - live[accept], position - i)
                if best is None or radius < best:
                    best = radius
                if position >= i and position - i >= best:
                    break  # every later end is farther
        return best

    def accepts_somewhere(self, mask: int) -> bool:
        """Whether some atom accepts a token with these check bits."""
        known = self.any_atom.get(mask)
        if known is None:
            known = self.any_atom[mask] = any(mask & need == need for need, _ in self.atoms)
            if len(self.any_atom) > MAX_KEPT:
                self.any_atom.clear()
        return known

    def longest_covering(self, features: list[tuple], i: int, reach: int, masks: list[int] | None = None) -> int | None:
        """Length of the longest match that contains token i, or None; matches start at most `reach`
        before i. `masks` are masks_of(features), when the caller has them (it tries many patterns)."""
        if masks is None:
            masks = masks_of(features)
        known = self.any_atom.get(masks[i])  # accepts_somewhere, without a call when known
        if known is None:
            known = self.accepts_somewhere(masks[i])
        if not known:
            return None  # no token of the pattern accepts token i, so no match can contain it
        limit = reach if self.max_length is None else min(reach, self.max_length - 1)
        low = max(0, i - limit)
        # Every token of a match is accepted by some atom, so a match covering i cannot start
        # before a token no atom accepts: most patterns name their words, and start at i or near.
        accepts, start, union = self.accepts_somewhere, i, self.relevant
        # Nor can it end after one, nor end more than max_length tokens after i; and the answer
        # depends only on that run of tokens, by the checks this pattern reads: such runs recur
        # (the same words, or words of the same classes, around an align word), so they are kept.
        length = len(masks)
        end = min(length, i + (FORWARD_SLACK + 1 if self.max_length is None else self.max_length))
        stop = i + 1
        if self.wildcard:  # some atom takes any token
            start, stop = low, end
        elif self.single_bits:  # some atom accepts a token iff it has one of their bits
            while start > low and masks[start - 1] & union:
                start -= 1
            while stop < end and masks[stop] & union:
                stop += 1
        else:
            while start > low and accepts(masks[start - 1]):
                start -= 1
            while stop < end and accepts(masks[stop]):
                stop += 1
        low = start
        if stop == end and end < length and self.max_length is None and accepts(masks[stop]):
            return self._forward(features, masks, i, low)  # a long run: past FORWARD_SLACK
        if stop - low < self.min_length:
            return None
        relevant = self.relevant
        key = (i - low, tuple([mask & relevant for mask in masks[low:stop]]))
        known = self.covering.get(key, MISSING)
        if known is MISSING:
            if len(self.covering) >= MAX_KEPT:
                self.covering.clear()
            known = self.covering[key] = self._forward(features, masks, i, low)
        return known

    def _forward(self, features, masks, i: int, low: int) -> int | None:
        """longest_covering from the earliest start `low`."""
        # Forward from `low`, each live state keeps the earliest start that reaches it: for a
        # given end, the earliest start is the longest match.
        atoms, closures, accept = self.atoms, self.closures, self.accept
        live: dict[int, int] = {}
        longest = None
        for position in range(low, len(masks)):
            if position <= i:
                for state in closures[0]:
                    live.setdefault(state, position)
            elif not live:
                break
            elif position > i + FORWARD_SLACK:
                return self._longest_from_ends(features, masks, i, low)
            mask, reached = masks[position], {}
            for state, begun in live.items():
                if state < accept:
                    need, kind = atoms[state]
                    if mask & need == need:
                        for target in closures[state if kind == REPEAT else state + 1]:
                            if begun < reached.get(target, position + 1):
                                reached[target] = begun
            live = reached
            if position >= i and accept in live:
                longest = max(longest or 0, position + 1 - live[accept])
        return longest

    def _longest_from_ends(self, features, masks, i: int, low: int) -> int | None:
        """longest_covering through the farthest match end from every start (one backward pass per
        sentence, kept in the sentence's memo when it has one)."""
        memo = getattr(features, "memo", None)
        farthest = memo.get(self) if memo is not None else None
        if farthest is None:
            farthest = self.farthest_ends(masks)
            if memo is not None:
                memo[self] = farthest
        lengths = [farthest[s] - s for s in range(low, i + 1) if farthest[s] > i]
        return max(lengths) if lengths else None

    def farthest_ends(self, features: list) -> list[int]:
        """For each start s, the farthest end of a match of at least one token beginning at s, or -1.

        Backward over the tokens: best[k] is the farthest end reachable from state k at the
        current position (-1: none), so each token costs one look at each state."""
        masks = features if not features or isinstance(features[0], int) else masks_of(features)
        atoms, closures, accept, n = self.atoms, self.closures, self.accept, len(masks)
        empty = [accept in closures[state] for state in range(accept + 1)]  # may stop here
        best = [n if e else -1 for e in empty]
        farthest = [-1] * n
        for position in range(n - 1, -1, -1):
            mask = masks[position]
            consumed = [-1] * (accept + 1)  # via an atom that consumes this token
            for state in range(accept):
                need, kind = atoms[state]
                if mask & need == need:
                    consumed[state] = best[state if kind == REPEAT else state + 1]
            current = []
            for state in range(accept + 1):
                far = position if empty[state] else -1
                for skip_to in closures[state]:
                    if consumed[skip_to] > far:
                        far = consumed[skip_to]
                current.append(far)
            farthest[position] = current[0] if current[0] > position else -1
            best = current
        return farthest
