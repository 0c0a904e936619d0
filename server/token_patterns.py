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


class UnsupportedPattern(ValueError):
    pass


class Features(list):
    """A sentence's token features; `memo` holds per-pattern results computed for the whole
    sentence, so that several align words in one sentence share one pass."""
    __slots__ = ("memo",)

    def __init__(self, items=()):
        super().__init__(items)
        self.memo = {}


def token_features(doc) -> Features:
    """(text, lowercase text) for each token, computed once per sentence (str.lower is what
    spaCy's LOWER is, and cheaper than asking each Token)."""
    texts = [token.text for token in doc]
    return Features(zip(texts, map(str.lower, texts)))


def compile_token(spec: dict):
    """A predicate over one token's features for one token object of a pattern."""
    checks = []
    for key, value in spec.items():
        if key == "OP":
            continue
        if key in TEXT_KEYS:
            index = TEXT_KEYS[key]
            if isinstance(value, str):
                checks.append(lambda f, i=index, v=value: f[i] == v)
            elif isinstance(value, dict) and set(value) <= {"IN", "NOT_IN"}:
                if "IN" in value:
                    checks.append(lambda f, i=index, s=frozenset(value["IN"]): f[i] in s)
                if "NOT_IN" in value:
                    checks.append(lambda f, i=index, s=frozenset(value["NOT_IN"]): f[i] not in s)
            else:
                raise UnsupportedPattern(f"{key}: only a string, IN or NOT_IN is supported")
        elif key in FLAG_GETTERS and isinstance(value, bool):
            checks.append(lambda f, get=FLAG_GETTERS[key], v=value: bool(get(f[0])) == v)
        else:
            raise UnsupportedPattern(f"unsupported token attribute {key!r}")
    if spec.get("OP") not in OPS:
        raise UnsupportedPattern(f"unsupported operator {spec.get('OP')!r}; use ?, *, + or none")
    if not checks:
        return lambda f: True
    if len(checks) == 1:
        return checks[0]
    return lambda f: all(check(f) for check in checks)


# How one token object of a pattern consumes tokens: exactly once, at most once, any number of times.
ONE, OPTIONAL, REPEAT = "1", "?", "*"
# Past this many tokens beyond the align word, a still-running match is finished by one backward
# pass over the whole sentence instead (shared by the sentence's other align words).
FORWARD_SLACK = 32


@dataclass(frozen=True)
class TokenPattern:
    """A token pattern as an automaton. State k means "the first k atoms are done"; an atom is a
    predicate consumed ONE, OPTIONAL or REPEAT times ("+" is ONE then REPEAT). Every state set
    the automaton reaches is closed under skipping optional and repeated atoms."""
    atoms: tuple  # (predicate, kind)
    closures: tuple  # for each state, the states reachable from it by skipping atoms (itself first)
    min_length: int
    max_length: int | None

    @classmethod
    def compile(cls, pattern: list[dict]) -> "TokenPattern":
        atoms = []
        for spec in pattern:
            predicate, (low, high) = compile_token(spec), OPS[spec.get("OP")]
            atoms += [(predicate, ONE)] * low
            atoms += [(predicate, REPEAT)] if high is None else [(predicate, OPTIONAL)] * (high - low)
        closures = []
        for state in range(len(atoms) + 1):
            reach = [state]
            while reach[-1] < len(atoms) and atoms[reach[-1]][1] != ONE:
                reach.append(reach[-1] + 1)
            closures.append(tuple(reach))
        max_length = None if any(kind == REPEAT for _, kind in atoms) else len(atoms)
        return cls(tuple(atoms), tuple(closures), sum(kind == ONE for _, kind in atoms), max_length)

    @property
    def accept(self) -> int:
        return len(self.atoms)

    def step(self, states, token: tuple):
        """The states after consuming one token from any of `states` (each closed under skips)."""
        atoms, closures, reached = self.atoms, self.closures, set()
        for state in states:
            if state < len(atoms):
                predicate, kind = atoms[state]
                if predicate(token):
                    reached.update(closures[state if kind == REPEAT else state + 1])
        return reached

    def matches_anywhere(self, features: list[tuple], start: int = 0, end: int | None = None) -> bool:
        """Whether tokens [start, end) hold a match (of at least one token): one pass, a match may
        begin at any token."""
        end = len(features) if end is None else min(end, len(features))
        fresh, accept, live = self.closures[0], self.accept, set()
        for position in range(max(0, start), end):
            live.update(fresh)
            live = self.step(live, features[position])
            if accept in live:
                return True
        return False

    def longest_covering(self, features: list[tuple], i: int, reach: int) -> int | None:
        """Length of the longest match that contains token i, or None; matches start at most `reach` before i."""
        if not any(predicate(features[i]) for predicate, _ in self.atoms):
            return None  # no token of the pattern accepts token i, so no match can contain it
        limit = reach if self.max_length is None else min(reach, self.max_length - 1)
        low = max(0, i - limit)
        # Forward from `low`, each live state keeps the earliest start that reaches it: for a
        # given end, the earliest start is the longest match.
        atoms, closures, accept = self.atoms, self.closures, self.accept
        live: dict[int, int] = {}
        longest = None
        for position in range(low, len(features)):
            if position <= i:
                for state in closures[0]:
                    live.setdefault(state, position)
            elif not live:
                break
            elif position > i + FORWARD_SLACK:
                return self._longest_from_ends(features, i, low)
            token, reached = features[position], {}
            for state, begun in live.items():
                if state < accept:
                    predicate, kind = atoms[state]
                    if predicate(token):
                        for target in closures[state if kind == REPEAT else state + 1]:
                            if begun < reached.get(target, position + 1):
                                reached[target] = begun
            live = reached
            if position >= i and accept in live:
                longest = max(longest or 0, position + 1 - live[accept])
        return longest

    def _longest_from_ends(self, features, i: int, low: int) -> int | None:
        """longest_covering through the farthest match end from every start (one backward pass per
        sentence, kept in the sentence's memo when it has one)."""
        memo = getattr(features, "memo", None)
        farthest = memo.get(self) if memo is not None else None
        if farthest is None:
            farthest = self.farthest_ends(features)
            if memo is not None:
                memo[self] = farthest
        lengths = [farthest[s] - s for s in range(low, i + 1) if farthest[s] > i]
        return max(lengths) if lengths else None

    def farthest_ends(self, features: list[tuple]) -> list[int]:
        """For each start s, the farthest end of a match of at least one token beginning at s, or -1.

        Backward over the tokens: best[k] is the farthest end reachable from state k at the
        current position (-1: none), so each token costs one look at each state."""
        atoms, closures, accept, n = self.atoms, self.closures, self.accept, len(features)
        empty = [accept in closures[state] for state in range(accept + 1)]  # may stop here
        best = [n if e else -1 for e in empty]
        farthest = [-1] * n
        for position in range(n - 1, -1, -1):
            token = features[position]
            consumed = [-1] * (accept + 1)  # via an atom that consumes this token
            for state in range(accept):
                predicate, kind = atoms[state]
                if predicate(token):
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
