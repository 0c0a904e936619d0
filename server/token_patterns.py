"""A fast evaluator for spaCy token patterns, anchored on one token.

spaCy's Matcher tries every pattern at every token, with word lists checked in Python, which
costs about a microsecond per token per pattern: on an alignment-heavy page that is most of the
analysis time. The engine only ever asks "does this pattern have a match covering the align word
at position i?", so this module answers exactly that, over precomputed token features, for the
subset of spaCy's pattern language that rules may use. tests/test_token_patterns.py checks that
it agrees with spaCy's own Matcher on every rule and every example.
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


def token_features(doc) -> list[tuple]:
    """(text, lowercase text) for each token, computed once per sentence (str.lower is what
    spaCy's LOWER is, and cheaper than asking each Token)."""
    texts = [token.text for token in doc]
    return list(zip(texts, map(str.lower, texts)))


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


@dataclass(frozen=True)
class TokenPattern:
    steps: tuple  # (predicate, min count, max count or None)
    min_length: int
    max_length: int | None

    @classmethod
    def compile(cls, pattern: list[dict]) -> "TokenPattern":
        steps = tuple((compile_token(spec), *OPS[spec.get("OP")]) for spec in pattern)
        max_length = None if any(high is None for _, _, high in steps) else sum(h for _, _, h in steps)
        return cls(steps, sum(low for _, low, _ in steps), max_length)

    def ends(self, features: list[tuple], start: int) -> set[int]:
        """Every token position where a match beginning at `start` can end (exclusive)."""
        positions = {start}
        for predicate, low, high in self.steps:
            reached = set()
            for position in positions:
                count, at = 0, position
                if low == 0:
                    reached.add(at)
                while at < len(features) and (high is None or count < high) and predicate(features[at]):
                    at += 1
                    count += 1
                    if count >= low:
                        reached.add(at)
            positions = reached
            if not positions:
                break
        return positions

    def longest_covering(self, features: list[tuple], i: int, reach: int) -> int | None:
        """Length of the longest match that contains token i, or None; matches start at most `reach` before i."""
        if not any(predicate(features[i]) for predicate, _, _ in self.steps):
            return None  # no token of the pattern accepts token i, so no match can contain it
        first, first_required = self.steps[0][0], self.steps[0][1] > 0
        longest = None
        limit = reach if self.max_length is None else min(reach, self.max_length - 1)
        for start in range(max(0, i - limit), i + 1):
            if first_required and not first(features[start]):
                continue
            for end in self.ends(features, start):
                if end > i and end - start >= max(self.min_length, 1):
                    longest = max(longest or 0, end - start)
        return longest

    def matches_anywhere(self, features: list[tuple]) -> bool:
        return any(end - start >= max(self.min_length, 1)
                   for start in range(len(features)) for end in self.ends(features, start))
