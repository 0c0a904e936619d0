"""Rewrites (server/rewrites.json): each ambiguous finding carries one per sense, fitted to the
word and its construction, and making one pins the use to that sense for the engine itself."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from conftest import examples
from server import rewrites as rw
from server.rules import MARKED

REPO = Path(__file__).resolve().parents[1]


def utf16_slice(text: str, start: int, end: int) -> str:
    units = text.encode("utf-16-le", "surrogatepass")
    return units[2 * start:2 * end].decode("utf-16-le", "surrogatepass")


def apply_utf16(text: str, rewrite: dict) -> str:
    """A rewrite made as the extension makes it: UTF-16 offsets into the block."""
    units = text.encode("utf-16-le", "surrogatepass")
    return (units[:2 * rewrite["start"]].decode("utf-16-le", "surrogatepass") + rewrite["text"]
            + units[2 * rewrite["end"]:].decode("utf-16-le", "surrogatepass"))


def rewritten(engine, sentence: str) -> dict[str, str]:
    """{sense: sentence with that rewrite made} for the one ambiguous use of `sentence`."""
    [finding] = [f for f in engine.analyze([sentence])[0] if f["sense"] == "ambiguous"]
    assert [r["sense"] for r in finding["rewrites"]] == ["product", "superintelligence"]
    return {r["sense"]: apply_utf16(sentence, r) for r in finding["rewrites"]}


# Written for this test: the word and its construction, and what each rewrite makes of it.
CASES = [
    ("We made real progress on alignment this year.",
     "We made real progress on product alignment this year.",
     "We made real progress on superintelligence alignment this year."),
    ("Alignment is the hard part of building AI.",
     "Product alignment is the hard part of building AI.",
     "Superintelligence alignment is the hard part of building AI."),
    ("Our lab hopes to solve the alignment problem for AI by 2030.",
     "Our lab hopes to solve the product alignment problem for AI by 2030.",
     "Our lab hopes to solve the superintelligence alignment problem for AI by 2030."),
    ("Funding for AI alignment doubled last year.",
     "Funding for product alignment doubled last year.",
     "Funding for superintelligence alignment doubled last year."),
    ("AI alignment got a lot of funding last year.",
     "Product alignment got a lot of funding last year.",
     "Superintelligence alignment got a lot of funding last year."),
    ("She left her job to do alignment research on AI models.",
     "She left her job to do product alignment research on AI models.",
     "She left her job to do superintelligence alignment research on AI models."),
    ("The lab says its newest AI model is aligned.",
     "The lab says its newest AI model is aligned in the product sense.",
     "The lab says its newest AI model is aligned in the original sense."),
    ("We believe an aligned AI is possible.",
     "We believe an AI aligned in the product sense is possible.",
     "We believe an AI aligned in the original sense is possible."),
    ("A misaligned model could copy its own weights.",
     "A model misaligned in the product sense could copy its own weights.",
     "A model misaligned in the original sense could copy its own weights."),
    ("Labs keep shipping an aligned chatbot product line.",
     "Labs keep shipping a product-aligned chatbot product line.",
     "Labs keep shipping an ASI-aligned chatbot product line."),
    ("Nobody knows how to align an AGI with any precision.",
     "Nobody knows how to align an AGI to do what users ask with any precision.",
     "Nobody knows how to align a superintelligent AGI with any precision."),
    ("Honestly, aligning it is hopeless for AI.",
     "Honestly, aligning it to do what users ask is hopeless for AI.",
     "Honestly, aligning it once it is strongly superhuman is hopeless for AI."),
    ("AI risk grows with misalignment in these models.",
     "AI risk grows with product misalignment in these models.",
     "AI risk grows with superintelligence misalignment in these models."),
    ("If we can't get alignment right on the first try, the AI may kill us.",
     "If we can't get product alignment right on the first try, the AI may kill us.",
     "If we can't get superintelligence alignment right on the first try, the AI may kill us."),
]


@pytest.mark.parametrize("sentence,product,superintelligence", CASES, ids=[c[0][:40] for c in CASES])
def test_rewrites_fit_the_construction(engine, sentence, product, superintelligence):
    assert rewritten(engine, sentence) == {"product": product, "superintelligence": superintelligence}


def test_offsets_are_utf16_after_emoji(engine):
    text = "🙂🙂 Café 👍🏽: we made progress on alignment with AI models. 🚀 Is the AI model aligned?"
    findings = [f for f in engine.analyze([text])[0] if f["sense"] == "ambiguous"]
    assert len(findings) == 2
    for finding in findings:
        for rewrite in finding["rewrites"]:
            span = utf16_slice(text, rewrite["start"], rewrite["end"])
            assert finding["text"] in span  # the span covers the word (and maybe its construction)
            assert rewrite["start"] <= finding["start"] and finding["end"] <= rewrite["end"]
    made = {r["text"] for f in findings for r in f["rewrites"]}
    assert made == {"product alignment", "superintelligence alignment",
                    "aligned in the product sense", "aligned in the original sense"}
    first = findings[0]["rewrites"][0]
    assert apply_utf16(text, first) == text.replace("on alignment", "on product alignment")


def test_only_ambiguous_findings_have_rewrites(engine):
    [clear, vague] = engine.analyze(["Superintelligence alignment is unsolved, but is the AI model aligned?"])[0]
    assert clear["sense"] == "superintelligence" and clear["rewrites"] == []
    assert vague["sense"] == "ambiguous" and len(vague["rewrites"]) == 2


def test_the_api_returns_rewrites(client):
    reply = client.post("/api/v1/analyze", json={"blocks": [{"id": "b", "text": "🙂 Progress on alignment in AI."}]},
                        headers={"Origin": "chrome-extension://abcdefghijklmnopabcdefghijklmnop"})
    [finding] = reply.get_json()["blocks"][0]["findings"]
    assert finding["rewrites"] == [
        {"sense": "product", "start": 15, "end": 24, "text": "product alignment"},
        {"sense": "superintelligence", "start": 15, "end": 24, "text": "superintelligence alignment"}]


def test_article_and_capitals_follow_the_replacement():
    assert rw.article("AI") == "an" and rw.article("model") == "a" and rw.article("LLM") == "an"
    assert rw.article("GPT-5") == "a" and rw.article("ASI-aligned") == "an" and rw.article("user") == "a"
    [product, si] = rw.rewrites("An aligned AI would refuse.", 3, 10)
    assert rw.apply("An aligned AI would refuse.", product) == "An AI aligned in the product sense would refuse."
    [product, _] = rw.rewrites("Is it an aligned chatbot product?", 9, 16)
    assert rw.apply("Is it an aligned chatbot product?", product) == "Is it a product-aligned chatbot product?"
    [product, _] = rw.rewrites("THE MODEL IS ALIGNED!", 13, 20)
    assert product["text"] == "ALIGNED IN THE PRODUCT SENSE"


def ambiguous_uses(engine):
    """(text, finding) for every ambiguous use in the rule examples and the labelled sets."""
    texts = [MARKED.sub(r"\1", json.loads(line)["text"]) for f in sorted((REPO / "tests" / "data").glob("*.jsonl"))
             for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts += [example.text for rule in engine.rules.values() for example in rule.examples]
    for text in dict.fromkeys(texts):
        for finding in engine.analyze([text])[0]:
            if finding["sense"] == "ambiguous":
                yield text, finding


def test_every_rewrite_pins_its_sense(engine):
    """The key test: for every ambiguous use we have, each rewrite, made, gets the engine to decide
    that word with the rewrite's sense; none stays ambiguous."""
    uses = list(ambiguous_uses(engine))
    assert len(uses) > 500
    outcomes, failures = {"pinned": 0, "other": 0}, []
    for text, finding in uses:
        assert [r["sense"] for r in finding["rewrites"]] == ["product", "superintelligence"], text
        for rewrite in finding["rewrites"]:
            new = apply_utf16(text, rewrite)
            low, high = rewrite["start"], rewrite["start"] + len(rewrite["text"].encode("utf-16-le")) // 2
            senses = {f["sense"] for f in engine.analyze([new])[0] if f["start"] < high and f["end"] > low}
            if rewrite["sense"] in senses and "ambiguous" not in senses:
                outcomes["pinned"] += 1
            else:
                outcomes["other"] += 1
                failures.append((rewrite["sense"], sorted(senses), new))
    assert not [f for f in failures if "ambiguous" in f[1]], failures
    # At the time of writing every one of 1,410 rewrites is pinned; rule edits may move a few.
    assert outcomes["pinned"] >= 0.99 * (outcomes["pinned"] + outcomes["other"]), failures


def write_data(tmp_path, forms, lists=None):
    path = tmp_path / "rewrites.json"
    path.write_text(json.dumps({"lists": lists or {}, "forms": forms}))
    return path


FORM = {"id": "noun", "words": ["alignment"], "product": "product {word}", "superintelligence": "ASI {word}"}


def test_the_shipped_file_loads_and_every_form_is_reachable():
    forms = rw.load_forms()
    assert len(forms) >= 10 and len({f.id for f in forms}) == len(forms)


@pytest.mark.parametrize("change,message", [
    ({"prodcut": "x"}, "Additional properties"),
    ({"words": ["Alignment"]}, "does not match"),
    ({"superintelligence": "ASI alignment"}, "does not match"),
    ({"after": "(?P<noun>x"}, "bad regex"),
    ({"after": "\\s+@nouns"}, "unknown list @nouns"),
    ({"product": "{word} {noun}"}, "{noun} is not 'word' or a named group"),
])
def test_broken_data_is_refused_at_load(tmp_path, change, message):
    with pytest.raises(rw.RewriteError, match=message.replace("{", r"\{").replace("}", r"\}").replace("(", r"\(")):
        rw.load_forms(write_data(tmp_path, [{**FORM, **change}]))


def test_named_groups_and_lists_fill_the_template(tmp_path):
    forms = rw.load_forms(write_data(tmp_path, [
        {"id": "att", "words": ["aligned"], "after": "\\s+(?P<noun>@thing)\\b",
         "product": "{noun} {word} as sold", "superintelligence": "{noun} {word} for good"}],
        lists={"thing": "bots?|AI"}))
    text = "An aligned bot spoke."
    [product, si] = rw.rewrites(text, 3, 10, forms)
    assert (product["start"], product["end"]) == (0, 14)  # "An" became "A", so the article joins the span
    assert rw.apply(text, product) == "A bot aligned as sold spoke."
    assert rw.apply(text, si) == "A bot aligned for good spoke."
    assert rw.rewrites("An aligned car.", 3, 10, forms) == []  # no form fits: no rewrites


WORDS = sorted({w for form in rw.default_forms() for w in form.words})
CONTEXT = st.lists(st.sampled_from(list("aA -'’\"\n.,;") + ["AI ", "an ", "the ", "model", "🙂", "\u0301", "values"]),
                   max_size=12).map("".join)


@given(before=CONTEXT, word=st.sampled_from(WORDS), capital=st.booleans(), after=CONTEXT)
@examples(300)
def test_rewrites_always_cover_the_word(before, word, capital, after):
    word = word.capitalize() if capital else word
    text = before + " " + word + " " + after
    start = len(before) + 1
    made = rw.rewrites(text, start, start + len(word))
    assert [r["sense"] for r in made] == ["product", "superintelligence"]
    for rewrite in made:
        assert 0 <= rewrite["start"] <= start and start + len(word) <= rewrite["end"] <= len(text)
        assert rewrite["text"].strip() == rewrite["text"] and rewrite["text"]
        assert word.lower() in rewrite["text"].lower()  # the word stays, qualified


def test_a_numbered_sense_is_rewritten_as_its_word_with_the_sense_said():
    text = "Most of the progress was on alignment2."
    start = text.index("alignment2")
    [product, si] = rw.rewrites(text, start, start + len("alignment2"))
    assert rw.apply(text, product) == "Most of the progress was on product alignment."
    assert rw.apply(text, si) == "Most of the progress was on superintelligence alignment."
