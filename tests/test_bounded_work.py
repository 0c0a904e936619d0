"""Bounded work: hostile text costs time linear in its size, a request stops at its limits, and no
text under the size limits gets a 500.

* Every rule's patterns, on generated adversarial token runs (a pattern's first token or one of
  its optional or repeated tokens, repeated thousands of times, with align words and the
  pattern's other words mixed in): doubling the run must not much more than double the time
  (ratio of two sizes measured in one run; never an absolute time).
* The reproductions from issue 9 (quadratic sentence-wide rules, spaCy's E088 on sentences over
  1,000,000 characters, answers of 95 MB, quadratic prefix splitting) are answered quickly and
  correctly.
* The time budget, the client hanging up, and the per-block and per-request caps are reported
  as the OpenAPI document says, and the blocks that were analysed get the same findings as
  without any limit.
"""
from __future__ import annotations

import gc
import json
import re
import time

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from conftest import EXTENSION_ORIGIN, examples
from server import bounds
from server.app import CAPPED_WARNING, OPENAPI_PATH, UNANALYSED_WARNING, create_app
from server.engine import Engine, blank_english
from server.pattern_index import WINDOW
from server.rules import load_rules
from server.token_patterns import Features, TokenPattern

RULES = load_rules()
NLP = blank_english()
MAX_RATIO = 3.5  # doubling the input: linear work gives about 2, quadratic 4
ALIGN_WORDS = ["alignment", "aligned", "misaligned", "Alignment"]
FILLER = ["the", "a", "AI", "of", "-", ",", "42", "Acme", "ACME", "x"]


# ---- timing ----------------------------------------------------------------------------------------
def cpu_time(work) -> float:
    """The CPU time of one run (the machine is shared: wall time would count other processes)."""
    gc.disable()  # a collection of the whole test process would land on one run or another
    try:
        began = time.thread_time()
        work()
        return time.thread_time() - began
    finally:
        gc.enable()


def growth(make_work, size: int, least_s: float = 0.005, largest: int = 64_000) -> tuple[float, int]:
    """time(2 * size) / time(size) for make_work(size)(), with size first doubled until one run
    takes least_s (so that timer resolution and overheads do not decide the ratio). Each size's
    least of three interleaved runs is compared; a ratio past MAX_RATIO is measured twice more,
    since a superlinear cost shows every time and a disturbance does not."""
    while cpu_time(make_work(size)) < least_s and size < largest:
        size *= 2
    small_work, large_work = make_work(size), make_work(2 * size)
    ratio = float("inf")
    for _ in range(3):
        small = large = float("inf")
        for _ in range(3):
            small = min(small, cpu_time(small_work))
            large = min(large, cpu_time(large_work))
        ratio = min(ratio, large / small)
        if ratio < MAX_RATIO:
            break
    return ratio, size


# ---- adversarial token runs -------------------------------------------------------------------------
def accepted_words(spec: dict) -> list[str]:
    """Words one token object of a pattern accepts (or, for NOT_IN and flags, plausible ones)."""
    words = []
    for key in ("LOWER", "ORTH", "TEXT"):
        value = spec.get(key)
        if isinstance(value, str):
            words.append(value)
        elif isinstance(value, dict) and "IN" in value:
            words += value["IN"]
    if words:
        return words
    if spec.get("LIKE_NUM"):
        return ["42", "ten", "2024"]
    if spec.get("IS_UPPER"):
        return ["ACME", "LLM"]
    if spec.get("IS_TITLE"):
        return ["Acme", "Redwood"]
    return FILLER + ALIGN_WORDS  # {} accepts anything; NOT_IN lists accept most words


def hot_spots(pattern: list[dict]) -> list[int]:
    """The token objects worth repeating: the first, and every optional or repeated one."""
    return [k for k, spec in enumerate(pattern) if k == 0 or spec.get("OP") in ("?", "*", "+")]


@st.composite
def run_units(draw, pattern: list[dict], k: int) -> tuple[list[str], list[str], list[str]]:
    """(head, repeated unit, tail) for token object k of a pattern. The unit is made of words
    token k accepts: alone (one long run), mixed with align words or the next token's words, or
    after the tokens before k (the pattern's start over and over). The head is the tokens
    before k and the tail those after it, each present or not (without the rest of the pattern
    nothing matches, so no early answer cuts the work short)."""
    pick = [draw(st.sampled_from(accepted_words(spec))) for spec in pattern]
    run = draw(st.lists(st.sampled_from(accepted_words(pattern[k])), min_size=1, max_size=4))
    mode = draw(st.sampled_from(["run", "mixed", "restarted"]))
    if mode == "mixed":
        others = ALIGN_WORDS + (accepted_words(pattern[k + 1]) if k + 1 < len(pattern) else FILLER)
        run += draw(st.lists(st.sampled_from(others), min_size=1, max_size=2))
    elif mode == "restarted":
        run = pick[:k] + run
    head = pick[:k] if draw(st.booleans()) else []
    tail = pick[k + 1:] if draw(st.booleans()) else []
    return head, run, tail


def features_of(head, unit, tail, size: int) -> Features:
    """The features of head + unit repeated to `size` tokens + tail, one token per word (the
    tokenizer is not what is measured here)."""
    words = head + (unit * (size // len(unit) + 1))[:size] + tail
    return Features((word, word.lower()) for word in words)


def pattern_work(compiled: TokenPattern, sentence_wide: bool, features):
    """What the engine asks of the pattern on a sentence: a match anywhere (sentence-wide rules),
    or the longest match covering each align word (phrase rules and exceptions)."""
    aligned = [i for i, f in enumerate(features) if "align" in f[1]]

    def work():
        compiled.matches_anywhere(features)
        compiled.matches_anywhere(features, len(features) // 3, len(features))
        if not sentence_wide:
            for i in aligned:
                compiled.longest_covering(features, i, WINDOW)
    return work


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
@settings(examples(1), phases=[Phase.explicit, Phase.reuse, Phase.generate])  # shrinking a timing is noise
@given(data=st.data())
def test_every_pattern_costs_linear_time_on_adversarial_runs(rule, data):
    cases = [(pattern, rule.scope == "sentence" and not exception, k,
              data.draw(run_units(pattern, k), label=f"pattern {pattern} token {k}"))
             for exception, patterns in ((False, rule.patterns), (True, rule.exceptions))
             for pattern in patterns for k in hot_spots(pattern)]  # drawn before any timing
    slowest = []
    for pattern, sentence_wide, k, (head, unit, tail) in cases:
        compiled = TokenPattern.compile(pattern)

        def make_work(size, head=head, unit=unit, tail=tail):
            return pattern_work(compiled, sentence_wide, features_of(head, unit, tail, size))
        ratio, size = growth(make_work, 2_000)
        slowest.append((ratio, size, k, unit, pattern))
    worst = max(slowest, key=lambda case: case[0])
    assert worst[0] < MAX_RATIO, worst


@pytest.mark.parametrize("make_text", [
    lambda n: "AI alignment than smarter humans " + "a " * n,               # issue 9, item 1
    lambda n: "AI alignment " + "much " * n + "smarter than humans",
    lambda n: "AI alignment " * (n // 2),                                    # issue 9, item 2
    lambda n: "AI alignment" + "." * (n * 10),
    lambda n: "(" * (n // 2) + "alignment of AI",                           # spaCy's prefix splitting
    lambda n: ("'s" * 60 + " AI alignment ") * (n // 60),
    lambda n: " ".join(["value aligned hiring"] * (n // 3)),
    lambda n: "The " + "helpful and " * (n // 2) + "honest alignment of AI.",
], ids=["issue-smarter-than", "much-run", "ai-alignment-run", "dots", "parentheses", "apostrophes",
        "value-aligned", "helpful-and-run"])
def test_whole_analysis_costs_linear_time(make_text):
    engine = Engine(cache_size=1)

    def make_work(n):
        text = make_text(n)
        return lambda: engine.analyze_bounded([text + str(time.perf_counter_ns())])  # never a cache hit
    ratio, size = growth(make_work, 4_000, least_s=0.02, largest=256_000)
    assert ratio < MAX_RATIO, (size, ratio)


# ---- the reproductions, through the API ------------------------------------------------------------------
@pytest.fixture(scope="module")
def budget_app(engine):
    return create_app(engine, time_budget=bounds.TIME_BUDGET_S)


def analyze(app, blocks, **page):
    began = time.monotonic()
    response = app.test_client().post("/api/v1/analyze", json={"blocks": blocks, **page},
                                      headers={"Origin": EXTENSION_ORIGIN})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json(), time.monotonic() - began


def warned(reply, prefix: str) -> list[str]:
    """The block ids named by the warning that starts with prefix ([] when there is none)."""
    for warning in reply.get("warnings", []):
        if warning.startswith(prefix):
            return json.loads(warning.split(": ", 1)[1] if prefix == CAPPED_WARNING else warning.split("): ", 1)[1])
    return []


SLACK_S = 2.0  # past the budget: one sentence's work, the JSON in and out, a busy machine


@pytest.mark.parametrize("text, findings", [
    ("AI alignment than smarter humans " + "a " * 16_000, 1),        # was 48 s
    ("AI alignment than smarter humans " + "a " * 1_000_000, 1),     # 2 MB, one sentence
    ("AI alignment " * 80_000, bounds.MAX_WORDS_PER_BLOCK),           # was a 500 (E088)
    ("alignment" + "." * 1_000_000, 1),                               # was a 500 (E088); bare, on an AI site
    ("AI alignment" + "." * 1_000_000, 1),
    ("(" * 8_000 + "AI alignment", 1),                                 # 11 s in spaCy's tokenizer
    ("AI alignment. " * 370_000, bounds.MAX_WORDS_PER_BLOCK),         # was a 95 MB answer
    ("\ud800 alignment " * 300_000, bounds.MAX_WORDS_PER_BLOCK),      # lone surrogates, 3.3 MB
], ids=["smarter-16000", "smarter-1000000", "ai-alignment-80000", "alignment-dots", "ai-alignment-dots",
        "parentheses", "sentences-370000", "surrogates"])
def test_issue_reproductions_are_answered_quickly(budget_app, text, findings):
    reply, took = analyze(budget_app, [{"id": "hostile", "text": text}], page={"url": "https://www.lesswrong.com/x"})
    assert took < bounds.TIME_BUDGET_S + SLACK_S, took
    assert len(reply["blocks"][0]["findings"]) == findings
    for finding in reply["blocks"][0]["findings"]:
        assert "align" in finding["text"].lower()
    capped = warned(reply, CAPPED_WARNING)
    assert capped == (["hostile"] if findings == bounds.MAX_WORDS_PER_BLOCK else [])


def test_a_long_sentence_is_read_in_pieces_and_every_use_is_decided_once(engine):
    """A 60,000-character sentence (no boundary in it): each "AI alignment" inside gets one
    finding, as it would in a sentence of its own."""
    parts = ["we discuss", "AI alignment", "and then"] + ["more words follow here"] * 20
    text = " ".join(parts * 120)
    assert len(text) > 20 * bounds.MAX_SENTENCE_CHARS and "." not in text
    [found] = engine.analyze([text])
    starts = [m.start() + 3 for m in re.finditer("AI alignment", text)]
    assert [f["start"] for f in found] == starts  # ASCII: UTF-16 offsets are code points
    alone = engine.analyze(["we discuss AI alignment and then more words follow here more words follow here"])
    assert {f["rule"] for f in found} == {f["rule"] for f in alone[0]}


# ---- the budget and the caps ------------------------------------------------------------------------------
def slow_blocks(n: int, tag: str) -> list[dict]:
    sentence = "Our AI alignment team and the misaligned model of the alignment problem, said the RLHF paper."
    return [{"id": f"{tag}-{k}", "text": f"{tag} {k}. " + " ".join([sentence] * 30)} for k in range(n)]


def test_blocks_past_the_time_budget_are_named_and_the_rest_are_unchanged(engine, monkeypatch):
    blocks = slow_blocks(300, f"budget{time.time_ns()}")
    fresh = Engine(rules=list(engine.rules.values()), questions=engine.questions, topics=engine.topics)
    # The budget is read from a clock that moves 1 ms per sentence parsed, so where a request stops
    # depends on the work done, not on how busy the machine is.
    work, parse_sentence = [0.0], fresh.parse_sentence

    def counted(*args, **kwargs):
        work[0] += 0.001
        return parse_sentence(*args, **kwargs)
    monkeypatch.setattr(fresh, "parse_sentence", counted)
    monkeypatch.setattr(bounds, "clock", lambda: work[0])
    app = create_app(fresh, time_budget=0.3)
    reply, took = analyze(app, blocks)
    skipped = warned(reply, UNANALYSED_WARNING)
    assert skipped, "the page was meant to take longer than the budget"
    assert "time budget of 0.3 s" in next(w for w in reply["warnings"] if w.startswith(UNANALYSED_WARNING))
    assert took < 0.3 + SLACK_S
    ids = [b["id"] for b in blocks]
    assert skipped == ids[len(ids) - len(skipped):]  # blocks are analysed in order; the rest are named
    expected = engine.analyze([b["text"] for b in blocks])
    for block, entry, full in zip(blocks, reply["blocks"], expected):
        assert entry["findings"] == ([] if block["id"] in skipped else full)
    # Sent again, the analysed blocks come from the cache, so the page gets further.
    again, _ = analyze(app, blocks)
    assert len(warned(again, UNANALYSED_WARNING)) < len(skipped)


def test_a_client_that_hung_up_stops_the_work(engine):
    texts = [b["text"] for b in slow_blocks(50, f"gone{time.time_ns()}")]
    calls = []

    def gone():
        calls.append(1)
        return len(calls) > 20
    analysis = Engine(rules=list(engine.rules.values()), questions=engine.questions,
                      topics=engine.topics).analyze_bounded(texts, gone=gone)
    assert analysis.reason == "the client disconnected"
    assert analysis.unanalysed and analysis.unanalysed == list(range(len(texts) - len(analysis.unanalysed), len(texts)))


def test_per_request_word_and_token_limits(engine, monkeypatch):
    monkeypatch.setattr(bounds, "MAX_WORDS_PER_REQUEST", 200)
    tag = time.time_ns()  # text never seen: a cached block costs nothing and counts nothing
    blocks = [{"id": f"w{k}", "text": f"Block {tag} {k}: " + "AI alignment matters. " * 30} for k in range(20)]
    reply, _ = analyze(create_app(engine), blocks)
    skipped = warned(reply, UNANALYSED_WARNING)
    assert skipped == [f"w{k}" for k in range(6, 20)]  # 6 blocks of 30 words fit in 200, the 7th does not
    assert all(len(b["findings"]) == 30 for b in reply["blocks"][:6])
    assert "200 align words" in reply["warnings"][0]
    monkeypatch.setattr(bounds, "MAX_WORDS_PER_REQUEST", 25_000)
    monkeypatch.setattr(bounds, "MAX_TOKENS_PER_REQUEST", 1_000)
    blocks = [{"id": f"t{k}", "text": f"Tokens {tag} {k}: " + "AI alignment is hard. " * 40} for k in range(10)]
    reply, _ = analyze(create_app(engine), blocks)
    skipped = warned(reply, UNANALYSED_WARNING)
    kept = len(blocks) - len(skipped)
    assert kept == 1_000 // 203  # about 200 tokens a block (40 sentences of 5, and the label)
    assert skipped == [b["id"] for b in blocks[kept:]] and "1,000 tokens" in reply["warnings"][0]
    assert all(len(b["findings"]) == 40 for b in reply["blocks"][:kept])


def test_the_block_cap_is_reported_on_cache_hits_too(engine):
    text = f"Capped {time.time_ns()}: " + "AI alignment. " * 1500
    app = create_app(engine)
    for _ in range(2):
        reply, _ = analyze(app, [{"id": "a", "text": "AI alignment"}, {"id": "big", "text": text}])
        assert warned(reply, CAPPED_WARNING) == ["big"]
        assert len(reply["blocks"][1]["findings"]) == bounds.MAX_WORDS_PER_BLOCK


def test_the_openapi_document_states_the_limits():
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    described = document["components"]["schemas"]["AnalyzeResponse"]["properties"]["warnings"]["description"]
    for figure in (f"{bounds.TIME_BUDGET_S:g} s", f"{bounds.MAX_TOKENS_PER_REQUEST:,}",
                   f"{bounds.MAX_WORDS_PER_REQUEST:,}", str(bounds.MAX_WORDS_PER_BLOCK)):
        assert figure in described, figure
    assert UNANALYSED_WARNING in described and CAPPED_WARNING in described


# ---- tokenising long runs ---------------------------------------------------------------------------------
@examples(300)
@given(st.lists(st.sampled_from(["alignment", "AI", "(", ")", "'s", ".", "...", "-", "--", " ", "  ", "\n",
                                 "x" * 150, "http://example.com/ai-alignment-post", "\u200b", "\U0001F600"]),
                max_size=40))
def test_make_doc_keeps_the_text_and_spacy_tokens_when_no_run_is_long(parts):
    text = "".join(parts)
    doc = bounds.make_doc(NLP, text)
    assert doc.text == text
    if not bounds.LONG_CHUNK.search(text):
        assert [t.text for t in doc] == [t.text for t in NLP.make_doc(text)]
    for token in doc:
        assert text[token.idx:token.idx + len(token)] == token.text


@examples(100)
@given(st.text(st.sampled_from("(\"'.,;:!?-x a\u00e9\U0001F600"), min_size=200, max_size=1500))
def test_make_doc_keeps_any_text(text):
    doc = bounds.make_doc(NLP, text)
    assert doc.text == text
    assert all(text[t.idx:t.idx + len(t)] == t.text for t in doc)


@pytest.mark.parametrize("sentence_chars", [2_500, 30_000, 400_000])
def test_pieces_cover_every_align_word_once(sentence_chars):
    text = ("Some words here and there " * (sentence_chars // 26 + 1))[:sentence_chars]
    for at in range(100, sentence_chars - 100, 997):
        text = text[:at] + " misalignment " + text[at + 14:]
    pieces = bounds.pieces(text, 0, len(text))
    cores = [(c0, c1) for _, _, c0, c1 in pieces]
    assert all(a[1] <= b[0] for a, b in zip(cores, cores[1:]))  # cores do not overlap
    for word in re.finditer(r"misalignment", text):
        [(p0, p1, c0, c1)] = [p for p in pieces if p[2] <= word.start() < p[3]]
        assert p0 <= word.start() and word.end() <= p1 and p1 - p0 <= 3 * bounds.PIECE_CORE_CHARS


# ---- bounded memory in the engine ---------------------------------------------------------------------------
def test_the_cache_is_bounded_by_bytes_and_answers_do_not_change(engine):
    from server.engine import DECISION_BYTES, ENTRY_BYTES
    bound = 40 * (ENTRY_BYTES + DECISION_BYTES * 6)  # room for some tens of blocks, not for all
    small = Engine(rules=list(engine.rules.values()), questions=engine.questions, topics=engine.topics,
                   cache_bytes=bound)
    tag = time.time_ns()
    pages = [[f"Page {tag} {p} block {b}: AI alignment, misaligned models and the alignment problem."
              for b in range(30)] for p in range(10)]
    for page in pages + pages[:3]:
        assert small.analyze(page) == engine.analyze(page)
        assert small.cache.used <= bound
        assert small.cache.used == sum(entry["bytes"] for entry in small.cache.values())
    assert 0 < len(small.cache) < 10 * 30  # it did evict
    small.cache.clear()
    assert small.cache.used == 0


def test_the_tokenizer_vocabulary_is_renewed_and_answers_do_not_change(engine, monkeypatch):
    import server.engine as engine_module
    monkeypatch.setattr(engine_module, "MAX_VOCAB_WORDS", 2_000)
    fresh = Engine(rules=list(engine.rules.values()), questions=engine.questions, topics=engine.topics)
    first_nlp = fresh.nlp
    rnd = __import__("random").Random(3)
    texts = [f"AI alignment and {' '.join(''.join(rnd.choice('abcdefgh') for _ in range(7)) for _ in range(40))}."
             for _ in range(200)]  # about 8,000 new words
    assert fresh.analyze(texts) == engine.analyze(texts)
    assert fresh.nlp is not first_nlp and len(fresh.nlp.vocab) < 2_000 + 1_000
