"""The fast anchored evaluator agrees with spaCy's own Matcher on every rule pattern."""
import pytest
from hypothesis import given
from hypothesis import strategies as st
from spacy.matcher import Matcher
from spacy.tokens import Doc

from conftest import examples
from server import token_patterns
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


# ---- generated token runs ------------------------------------------------------------------------
# Tokens that exercise the flags and the usual neighbours of align words, besides each pattern's own words.
GENERIC_TOKENS = ["the", "a", "of", "AI", "alignment", "aligned", "Alignment", "2024", "ten", "-", ",", ".",
                  "Title", "UPPER", "x", "'s", "\"", "(", ")"]


def pattern_words(pattern) -> list[str]:
    """Every word a pattern names (IN, NOT_IN or a string), in the cases its tokens could be written."""
    words = []
    for spec in pattern:
        for key in ("LOWER", "ORTH", "TEXT"):
            value = spec.get(key)
            listed = [value] if isinstance(value, str) else [w for v in (value or {}).values() for w in v]
            for word in listed:
                words += [word, word.capitalize(), word.upper()] if key == "LOWER" else [word]
    return sorted(set(words))


def token_runs(pattern, max_size=40):
    """Token lists drawn mostly from the pattern's own words, so that partial and repeated matches abound."""
    own = pattern_words(pattern)
    vocabulary = st.sampled_from(own) if own else st.sampled_from(GENERIC_TOKENS)
    return st.lists(vocabulary | st.sampled_from(GENERIC_TOKENS), max_size=max_size)



@pytest.mark.parametrize("slack", [None, 0], ids=["forward", "backward"])
@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
@examples(40)
@given(data=st.data())
def test_generated_token_runs_agree_with_spacy(rule, slack, data, monkeypatch):
    """Random runs of each pattern's own words: the longest covering match of every token, and a match
    anywhere in a random sub-range, equal spaCy's Matcher's. slack=0 forces the backward pass that
    finishes long matches."""
    if slack is not None:
        monkeypatch.setattr(token_patterns, "FORWARD_SLACK", slack)
    pattern = data.draw(st.sampled_from(rule.patterns + rule.exceptions), label="pattern")
    words = data.draw(token_runs(pattern), label="tokens")
    doc = Doc(NLP.vocab, words=words)
    compiled = TokenPattern.compile(pattern)
    features = token_features(doc)
    expected = spacy_coverage(pattern, doc)
    ours = {i: n for i in range(len(doc)) if (n := compiled.longest_covering(features, i, reach=len(doc))) is not None}
    assert ours == expected, (pattern, words)
    start = data.draw(st.integers(0, len(words)), label="start")
    end = data.draw(st.integers(start, len(words)), label="end")
    part = Doc(NLP.vocab, words=words[start:end])
    assert compiled.matches_anywhere(features, start, end) == bool(spacy_coverage(pattern, part)), (pattern, words)
    assert compiled.matches_anywhere(list(features[start:end])) == bool(spacy_coverage(pattern, part))


@pytest.mark.parametrize("pattern", [
    [{"LOWER": "x", "OP": "*"}, {"LOWER": "y"}],
    [{"LOWER": "x", "OP": "+"}, {"LOWER": "y", "OP": "?"}, {"LOWER": "x", "OP": "*"}],
    [{"LOWER": "x", "OP": "?"}, {"OP": "*"}, {"LOWER": "y"}],
    [{"LOWER": {"NOT_IN": ["z"]}, "OP": "+"}, {"LOWER": "x", "OP": "?"}],
])
def test_long_runs_agree_with_spacy_past_the_forward_slack(pattern):
    """Matches far longer than FORWARD_SLACK, decided by the backward pass, with and without the
    sentence memo."""
    words = ["x"] * 80 + ["y"] + ["x"] * 50 + ["z", "x", "y"] + ["x"] * 40
    doc = Doc(NLP.vocab, words=words)
    expected = spacy_coverage(pattern, doc)
    compiled = TokenPattern.compile(pattern)
    for features in (token_features(doc), list(token_features(doc))):
        ours = {i: n for i in range(len(doc)) if (n := compiled.longest_covering(features, i, reach=12)) is not None}
        # spaCy's coverage has no reach; restrict it to matches starting at most 12 tokens before i.
        reachable = {}
        matcher = Matcher(NLP.vocab)
        matcher.add("p", [pattern])
        for _, start, end in matcher(doc):
            for i in range(start, min(end, start + 13)):
                reachable[i] = max(reachable.get(i, 0), end - start)
        assert ours == reachable, pattern
        assert compiled.matches_anywhere(features) == bool(expected)
    assert max(expected.values()) > token_patterns.FORWARD_SLACK  # the backward pass really decided some


# ---- the production window over the project's labelled sentences -----------------------------------
def labelled_texts():
    import json
    from pathlib import Path
    texts = []
    for path in sorted((Path(__file__).resolve().parent / "data").glob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def test_engine_windows_over_every_labelled_text_agree_with_spacy(engine):
    """Every labelled text in tests/data, tokenised and featured by the engine itself (its kept
    per-word check bits), read as production reads it: the clauses.REACH window around each align
    word. In each window, every rule pattern's longest match covering the word (starting at most
    pattern_index.WINDOW tokens before it: what phrase rules and exceptions ask) and whether it
    matches anywhere in the word's clause window (what sentence rules ask) equal spaCy's Matcher
    on the same tokens."""
    from server import clauses
    from server.engine import Run
    from server.pattern_index import WINDOW
    units = engine.patterns.units
    matcher = Matcher(NLP.vocab)
    for n, unit in enumerate(units):
        matcher.add(str(n), [unit_pattern(unit)])
    texts = labelled_texts()
    windows = 0
    for text in texts:
        for sentence in engine.parse(text, Run()):
            features = sentence.features
            starts = clauses.clause_starts([f[1] for f in features])
            for i in sentence.align_tokens:
                lo, hi = max(0, i - clauses.REACH), min(len(features), i + clauses.REACH + 1)
                window, at = features.window(lo, hi), i - lo
                words = [f[0] for f in window]
                c_lo, c_hi = clauses.clause_window(starts, len(features), i)
                covering = {}
                for key, start, end in matcher(Doc(NLP.vocab, words=words)):
                    n = int(NLP.vocab.strings[key])
                    if start <= at < end and start >= at - WINDOW:
                        covering[n] = max(covering.get(n, 0), end - start)
                clause_doc = Doc(NLP.vocab, words=words[c_lo - lo:c_hi - lo])
                in_clause = {int(NLP.vocab.strings[key]) for key, _, _ in matcher(clause_doc)}
                for n, unit in enumerate(units):
                    ours = unit.pattern.longest_covering(window, at, WINDOW)
                    assert ours == covering.get(n), (unit.rule, text)
                    assert unit.pattern.matches_anywhere(window, c_lo - lo, c_hi - lo) == (n in in_clause), (unit.rule, text)
                    # how near the clause's match is: one pass, as the bisection over matches_anywhere says
                    clause = window.window(c_lo - lo, c_hi - lo)
                    radius = unit.pattern.nearest(clause, i - c_lo)
                    if n in in_clause:
                        bisected = clauses.closeness(lambda a, b: unit.pattern.matches_anywhere(clause, a, b),
                                                     (0, len(clause)), i - c_lo)
                        assert clauses.REACH + 1 - radius == bisected, (unit.rule, text)
                    else:
                        assert radius is None, (unit.rule, text)
                windows += 1
    assert windows >= len(texts)  # every text has at least one align word


def unit_pattern(unit):
    """The spaCy pattern a PatternIndex unit was compiled from."""
    for rule in RULES:
        if rule.id == unit.rule:
            for pattern in (rule.exceptions if unit.is_exception else rule.patterns):
                if TokenPattern.compile(pattern).atoms == unit.pattern.atoms:
                    return pattern
    raise AssertionError(unit.rule)
