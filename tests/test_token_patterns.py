"""The fast anchored evaluator agrees with spaCy's own Matcher on every rule pattern."""
import pytest
from spacy.matcher import Matcher

from server.bench import SENTENCES
from server.engine import blank_english
from server.rules import load_rules
from server.token_patterns import TokenPattern, UnsupportedPattern, token_features

NLP = blank_english()  # the engine's own tokenizer
RULES = load_rules()
TEXTS = [e.text for r in RULES for e in r.examples] + SENTENCES + [
    "In 2024 the 16-byte aligned buffers were misaligned, and text-align was right-aligned.",
    "Alignment: chaotic neutral; the Alignment Forum and the ALIGN Act, an EA-aligned group.",
    "aligning large language models (LLMs) with human feedback via DPO, not superintelligence",
]


def spacy_coverage(pattern, doc):
    """{token index: longest match covering it} according to spaCy's Matcher."""
    matcher = Matcher(NLP.vocab)
    matcher.add("p", [pattern])
    covered = {}
    for _, start, end in matcher(doc):
        for i in range(start, end):
            covered[i] = max(covered.get(i, 0), end - start)
    return covered


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_anchored_evaluator_matches_spacy(rule):
    docs = [NLP.make_doc(text) for text in TEXTS]
    for pattern in rule.patterns + rule.exceptions:
        compiled = TokenPattern.compile(pattern)
        for doc in docs:
            features = token_features(doc)
            expected = spacy_coverage(pattern, doc)
            ours = {i: n for i in range(len(doc))
                    if (n := compiled.longest_covering(features, i, reach=len(doc))) is not None}
            assert ours == expected, (pattern, doc.text)
            assert compiled.matches_anywhere(features) == bool(expected)


@pytest.mark.parametrize("pattern", [
    [{"LOWER": {"REGEX": "align.*"}}],
    [{"LEMMA": "align"}],
    [{"LOWER": "a", "OP": "!"}],
    [{"LOWER": {"FUZZY": "align"}}],
])
def test_unsupported_pattern_features_are_refused(pattern):
    with pytest.raises(UnsupportedPattern):
        TokenPattern.compile(pattern)
