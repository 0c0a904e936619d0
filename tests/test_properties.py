"""Property-based tests (hypothesis) of the analysis API and of the UTF-16 offset mapping.

The invariants, for any text at all (astral characters, combining marks, RTL, zero-width, NUL,
lone surrogates sent as JSON escapes) mixed with align-family words:
  * the server answers 200 with one entry per block, in order, echoing each id; never a 500;
  * every finding lies inside its block, and its `text` is exactly the UTF-16 slice [start, end)
    of the block, as JavaScript's String.prototype.slice would cut it;
  * findings do not overlap, and each is an align-family word;
  * disabling rules removes exactly their findings; unknown well-formed rule ids change nothing
    but the warnings; the block cache never changes an answer.

Example counts come from the "alignment-lens" hypothesis profile below; set
ALIGNMENT_LENS_EXAMPLES=<factor> to scale every test (e.g. 10 for a long local run).
"""
from __future__ import annotations

import json
import re

import pytest
import requests
from hypothesis import assume, given
from hypothesis import strategies as st

from conftest import EXTENSION_ORIGIN, examples



SENSES = {"ambiguous", "product", "superintelligence", "specific"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# ---- text strategies --------------------------------------------------------------------------
ALIGN_WORDS = ["alignment", "Alignment", "ALIGNMENT", "misaligned", "Misalignment", "aligned",
               "alignments", "unaligned", "superalignment", "realign", "re-align", "align", "aligns",
               "AI alignment", "value alignment", "alignment problem", "text-align", "alignof"]
CONTEXT_WORDS = ["AI", "AGI", "model", "models", "superintelligence", "RLHF", "LLM", "safety", "team",
                 "product", "roadmap", "stakeholders", "wheel", "car", "CSS", "memory", "bytes",
                 "the", "of", "is", "with", "our", "and"]
SPECIALS = [" ", "  ", "\n", "\n\n", "\t", ". ", "! ", "? ", "; ", ": ", ", ", "\u2026 ", "\"", "'", "(", ")",
            "-", "\u2014", "\u00a0", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u202c",
            "\u200f", "\x00", "\x7f", "\r\n", "\u2028", "\u0301", "\u0308\u0301", "\U0001F600",
            "\U0001F469\u200d\U0001F469\u200d\U0001F467", "\U0001F1FA\U0001F1F8", "\U0001D400",
            "\U00020000", "\u0645\u0631\u062d\u0628\u0627", "\u05e9\u05dc\u05d5\u05dd", "\u0e01\u0e34",
            "\uff41\uff4c\uff49\uff47\uff4e", "\u0131", "\u0130", "\ufb01", "\u1e9e", "\U000E0041"]
NO_SURROGATES = st.characters(exclude_categories=("Cs",))
ANY_CHAR = st.characters(exclude_categories=())  # includes lone surrogates
SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)


def mixed_text(chars=NO_SURROGATES, max_pieces=24):
    """Text mixing align words, context words, separators and arbitrary characters."""
    piece = st.one_of(
        st.sampled_from(ALIGN_WORDS), st.sampled_from(ALIGN_WORDS),
        st.sampled_from(CONTEXT_WORDS), st.sampled_from(SPECIALS), st.sampled_from(SPECIALS),
        st.text(chars, max_size=6))
    return st.lists(piece, max_size=max_pieces).map("".join)


ids = st.text(NO_SURROGATES, min_size=1, max_size=12)
page_urls = st.sampled_from([None, "", "https://www.lesswrong.com/posts/abc", "https://example.com/blog",
                             "https://www.alignmentforum.org/x", "not a url", "http://[::1"])


def blocks_of(text_strategy, max_blocks=6):
    return st.lists(st.tuples(ids, text_strategy), max_size=max_blocks)


# ---- helpers ----------------------------------------------------------------------------------
def utf16_units(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


def utf16_len(text: str) -> int:
    return len(utf16_units(text)) // 2


def utf16_slice(text: str, start: int, end: int) -> str:
    return utf16_units(text)[2 * start:2 * end].decode("utf-16-le", "surrogatepass")


def body_for(blocks, url=None, disabled=()) -> bytes:
    """Raw JSON; json.dumps escapes lone surrogates as \\udXXX, exactly as JS's JSON.stringify does."""
    body = {"blocks": [{"id": i, "text": t} for i, t in blocks]}
    if disabled:
        body["disabled_rules"] = list(disabled)
    if url is not None:
        body["page"] = {"url": url, "title": "t"}
    return json.dumps(body, ensure_ascii=True).encode("ascii")


def post(client, raw: bytes):
    return client.post("/api/v1/analyze", data=raw, headers={"Content-Type": "application/json",
                                                              "Origin": EXTENSION_ORIGIN})


def check_reply(blocks, status: int, reply) -> None:
    """The invariants every 200 answer to `blocks` must satisfy."""
    assert status == 200, (status, reply)
    assert isinstance(reply["took_ms"], (int, float)) and reply["took_ms"] >= 0
    assert [b["id"] for b in reply["blocks"]] == [i for i, _ in blocks]
    for (_, text), entry in zip(blocks, reply["blocks"]):
        units = utf16_units(text)
        previous_end = 0
        for f in entry["findings"]:
            assert isinstance(f["start"], int) and isinstance(f["end"], int)
            assert 0 <= f["start"] < f["end"] <= len(units) // 2, (text, f)
            assert f["start"] >= previous_end, ("findings overlap or are out of order", text, entry)
            previous_end = f["end"]
            # The slice JS would cut, compared unit by unit (a lone surrogate survives the round trip).
            assert utf16_units(f["text"]) == units[2 * f["start"]:2 * f["end"]], (text, f)
            assert "align" in f["text"].lower(), f
            assert f["sense"] in SENSES, f
            assert SLUG.match(f["rule"]), f
            assert isinstance(f["explanation"], str) and f["explanation"]
            if f["sense"] != "ambiguous":
                assert f["question"] is None, ("question is null unless the sense is ambiguous", f)
            else:
                assert isinstance(f["question"], str) and f["question"]


def shifted_finding(finding: dict, by: int) -> dict:
    """The finding with every offset in it (its word, its sentence, its rewrites) moved by `by`."""
    def moved(span):
        return dict(span, start=span["start"] + by, end=span["end"] + by)
    out = moved(finding)
    if "sentence" in finding:
        out["sentence"] = moved(finding["sentence"])
    if "rewrites" in finding:
        out["rewrites"] = [moved(r) for r in finding["rewrites"]]
    return out


def findings_of(reply):
    return [e["findings"] for e in reply["blocks"]]


@pytest.fixture(scope="module")
def tiny_cache_client(engine):
    """A second app whose engine (same rules) caches 4 entries: every page evicts, so answers must not
    depend on the cache."""
    from server.app import create_app
    from server.engine import Engine
    twin = Engine(rules=list(engine.rules.values()), questions=engine.questions, topics=engine.topics, cache_size=4)
    return create_app(twin).test_client()


# ---- the offset map ---------------------------------------------------------------------------
@examples(1000)
@given(st.text(ANY_CHAR, max_size=60) | mixed_text(ANY_CHAR))
def test_utf16_map_matches_javascript_indexes(text):
    from server.offsets import Utf16Map
    to_utf16 = Utf16Map(text)
    for i in range(len(text) + 1):
        assert to_utf16(i) == utf16_len(text[:i]), (text, i)


@examples(300)
@given(st.text(st.characters(min_codepoint=0x10000), min_size=1, max_size=20), st.text(NO_SURROGATES, max_size=20))
def test_utf16_map_counts_two_units_per_astral_character(astral, rest):
    from server.offsets import Utf16Map
    text = astral + rest
    assert Utf16Map(text)(len(astral)) == 2 * len(astral)
    assert Utf16Map(text)(len(text)) == 2 * len(astral) + utf16_len(rest)


# ---- the analysis API (Flask test client) --------------------------------------------------------
@examples(800)
@given(blocks_of(mixed_text()), page_urls)
def test_findings_are_exact_utf16_slices_of_their_block(app, blocks, url):
    client = app.test_client()
    response = post(client, body_for(blocks, url))
    check_reply(blocks, response.status_code, response.get_json())


@examples(400)
@given(blocks_of(st.text(NO_SURROGATES, max_size=200), max_blocks=4))
def test_arbitrary_unicode_blocks_are_answered(app, blocks):
    response = post(app.test_client(), body_for(blocks))
    check_reply(blocks, response.status_code, response.get_json())


@examples(300)
@given(blocks_of(mixed_text(ANY_CHAR) | mixed_text(SURROGATE), max_blocks=4), page_urls)
def test_lone_surrogates_sent_as_json_escapes_never_cause_a_500(app, blocks, url):
    """JS strings may hold lone surrogates and JSON.stringify sends them as \\udXXX escapes."""
    raw = body_for(blocks, url)
    assert b"\\ud" in raw or not any("\ud800" <= c <= "\udfff" for _, t in blocks for c in t)
    response = post(app.test_client(), raw)
    assert response.status_code != 500, response.get_json()
    check_reply(blocks, response.status_code, response.get_json())


@pytest.mark.parametrize("text", [
    "\ud800 AI alignment", "AI alignment \udc00 is hard", "misaligned \ud83d models", "\udfff.\nAI alignment",
])
def test_lone_surrogate_in_a_sentence_with_an_align_word(app, text):
    """The smallest failing cases, kept readable (regression for the spaCy UnicodeEncodeError)."""
    raw = b'{"blocks":[{"id":"a","text":' + json.dumps(text).encode() + b"}]}"
    response = post(app.test_client(), raw)
    assert response.status_code == 200, response.get_json()
    check_reply([("a", text)], 200, response.get_json())
    assert response.get_json()["blocks"][0]["findings"], "the align word next to the surrogate is still found"


def test_escaped_surrogate_pair_is_one_astral_character(app):
    """"\\ud83d\\ude00" in JSON is one emoji (2 UTF-16 units): offsets after it count 2, not 1."""
    raw = b'{"blocks":[{"id":"a","text":"\\ud83d\\ude00 AI alignment"}]}'
    response = post(app.test_client(), raw)
    assert response.status_code == 200
    (finding,) = response.get_json()["blocks"][0]["findings"]
    assert (finding["start"], finding["end"], finding["text"]) == (6, 15, "alignment")


@examples(300)
@given(mixed_text(), st.integers(1, 5), st.sampled_from(["\U0001F600", "\U0001D400", "\U00020000"]))
def test_astral_prefix_shifts_every_finding_by_two_units_each(app, text, k, astral):
    client = app.test_client()
    plain = post(client, body_for([("a", text)])).get_json()
    prefix = astral * k + "\n"  # its own sentence, with no words: it cannot change any decision
    shifted = post(client, body_for([("a", prefix + text)])).get_json()
    expected = [shifted_finding(f, 2 * k + 1) for f in findings_of(plain)[0]]
    assert findings_of(shifted)[0] == expected


@examples(200)
@given(blocks_of(mixed_text(), max_blocks=6), st.randoms(use_true_random=False), page_urls)
def test_answers_do_not_depend_on_block_order_ids_or_the_cache(app, engine, tiny_cache_client, blocks, rnd, url):
    client = app.test_client()
    first = post(client, body_for(blocks, url)).get_json()
    computed, cached = [], engine.cached

    def spy(run, kind, text, compute, *extra):  # records every result the cache did not have
        return cached(run, kind, text, lambda: computed.append(kind) or compute(), *extra)

    engine.cached = spy
    try:
        again = post(client, body_for(blocks, url)).get_json()
    finally:
        del engine.cached
    assert computed == []  # the same page again is answered from the cache, computing nothing
    cold = post(tiny_cache_client, body_for(blocks, url)).get_json()  # a cache that evicts all the time
    assert findings_of(first) == findings_of(again) == findings_of(cold)
    order = list(range(len(blocks)))
    rnd.shuffle(order)
    renamed = [(f"x{n}", blocks[n][1]) for n in order]
    permuted = post(client, body_for(renamed, url)).get_json()
    assert [e["id"] for e in permuted["blocks"]] == [i for i, _ in renamed]
    assert findings_of(permuted) == [findings_of(first)[n] for n in order]
    # The same text twice in one page gets the same findings both times.
    by_text = {}
    for (_, text), found in zip(blocks, findings_of(first)):
        assert by_text.setdefault(text, found) == found


@examples(150)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=2, max_size=4), st.randoms(use_true_random=False))
def test_a_small_pages_topic_does_not_depend_on_block_order(app, counts, rnd):
    """Every block holds a bare "Alignment matters." judged by the page's topic, plus AI and off-topic words.
    The page is far under the page-context budget, so every block is read: its order cannot matter."""
    blocks = [(f"b{n}", "Alignment matters. " + " ".join(["AI models"] * (ai // 2) + ["stakeholders"] * off) + ".")
              for n, (ai, off) in enumerate(counts)]
    client = app.test_client()
    forward = findings_of(post(client, body_for(blocks)).get_json())
    order = list(range(len(blocks)))
    rnd.shuffle(order)
    shuffled = findings_of(post(client, body_for([blocks[n] for n in order])).get_json())
    assert shuffled == [forward[n] for n in order], (blocks, order)


def test_two_blocks_in_either_order_get_the_same_findings(app):
    """The smallest case: 26 AI words in one block, 30 off-topic words in the other (under 1 KB in all)."""
    ai = ("a", "Alignment matters. " + " ".join(["AI models"] * 13) + ".")
    off = ("b", "Alignment matters. " + " ".join(["stakeholders employees"] * 15) + ".")
    client = app.test_client()
    one = findings_of(post(client, body_for([ai, off])).get_json())
    other = findings_of(post(client, body_for([off, ai])).get_json())
    assert one == other[::-1]


SAMPLE = "Our AI alignment team studies misaligned models. Product alignment is what chat assistants get."


@examples(300)
@given(blocks_of(mixed_text(), max_blocks=5), st.data())
def test_disabled_rules_remove_exactly_their_findings(app, engine, blocks, data):
    blocks = [("sample", SAMPLE)] + blocks  # at least three findings from three rules
    client = app.test_client()
    everything = post(client, body_for(blocks)).get_json()
    fired = sorted({f["rule"] for found in findings_of(everything) for f in found})
    assert len(fired) >= 3
    disabled = data.draw(st.lists(st.sampled_from(fired) | st.sampled_from(sorted(engine.rules)),
                                  min_size=1, unique=True))
    fewer = post(client, body_for(blocks, disabled=disabled)).get_json()
    assert "warnings" not in fewer  # every id is a known rule
    assert findings_of(fewer) == [[f for f in found if f["rule"] not in disabled]
                                  for found in findings_of(everything)]


@examples(200)
@given(blocks_of(mixed_text(), max_blocks=3),
       st.lists(st.from_regex(r"\A[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}\Z"), min_size=1, max_size=5, unique=True))
def test_unknown_rule_ids_are_ignored_and_named_in_warnings(app, engine, blocks, rule_ids):
    assume(not set(rule_ids) & engine.rules.keys())
    client = app.test_client()
    plain = post(client, body_for(blocks)).get_json()
    reply = post(client, body_for(blocks, disabled=rule_ids)).get_json()
    assert findings_of(reply) == findings_of(plain)
    assert reply["warnings"] == [f"unknown rule id ignored: {r}" for r in sorted(rule_ids)]


@examples(40)
@given(st.integers(0, 5000))
def test_any_block_count_up_to_the_limit_is_answered_in_order(app, n):
    blocks = [(f"b{i}", "" if i % 7 else f"AI alignment {i}") for i in range(n)]
    response = post(app.test_client(), body_for(blocks))
    assert response.status_code == 200
    reply = response.get_json()
    assert [b["id"] for b in reply["blocks"]] == [f"b{i}" for i in range(n)]
    assert sum(len(f) for f in findings_of(reply)) == len(range(0, n, 7))


# ---- the same invariants through the real server (waitress, real sockets) ------------------------
@pytest.fixture()
def real_server(live_server):
    return live_server  # conftest's shared real server


@examples(150)
@given(blocks_of(mixed_text(ANY_CHAR), max_blocks=5), page_urls)
def test_live_server_never_answers_500_and_offsets_hold(real_server, blocks, url):
    response = requests.post(real_server.url + "/api/v1/analyze", data=body_for(blocks, url), timeout=30,
                             headers={"Content-Type": "application/json", "Origin": EXTENSION_ORIGIN})
    assert response.status_code != 500, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    check_reply(blocks, response.status_code, response.json())
