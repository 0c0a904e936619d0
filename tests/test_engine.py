"""The engine's pieces: candidates, topic context, disabled rules, cache, UTF-16 offsets."""
from server.engine import Engine, candidate_sentences
from server.offsets import Utf16Map


def senses(engine, text, url=None):
    [findings] = engine.analyze([text], url=url)
    return [(f["text"], f["sense"]) for f in findings]


def test_text_without_align_words_is_never_tokenised(engine):
    assert engine.analyze(["Nothing to see here.", ""]) == [[], []]


def test_candidate_sentences_only_cover_sentences_with_align_words():
    text = "First sentence. Progress on alignment is slow! Last one."
    assert [text[s:e] for s, e in candidate_sentences(text)] == ["Progress on alignment is slow!"]


def test_page_context_decides_a_bare_use(engine):
    bare = "Everything depends on alignment."
    ai_page = ["Frontier AI labs train large models.", "AI agents act on their own.", bare]
    genome_page = ["We sequenced the genome.", "Reads were mapped to each chromosome.", bare]
    assert engine.analyze(ai_page)[2][0]["sense"] == "ambiguous"
    assert engine.analyze(genome_page)[2] == []


def test_an_ai_site_url_is_context(engine):
    bare = "Everything depends on alignment."
    assert senses(engine, bare) == []
    assert senses(engine, bare, url="https://www.lesswrong.com/posts/abc/some-post") == [("alignment", "ambiguous")]


def test_disabled_rule_drops_its_findings(engine):
    text = "We made real progress on alignment with our AI models."
    [[finding]] = engine.analyze([text])
    assert engine.analyze([text], disabled=frozenset({finding["rule"]})) == [[]]


def test_qualified_uses_get_their_side(engine):
    assert senses(engine, "Product alignment is not superintelligence alignment.") == [
        ("alignment", "product"), ("alignment", "superintelligence")]


def test_utf16_offsets_after_emoji(engine):
    text = "🙂🙂 The AI model is aligned."
    [[finding]] = engine.analyze([text])
    assert (finding["start"], finding["end"]) == (text.index("aligned") + 2, text.index("aligned") + 2 + 7)
    units = text.encode("utf-16-le")
    assert units[2 * finding["start"]:2 * finding["end"]].decode("utf-16-le") == "aligned"


def test_utf16_map():
    to_utf16 = Utf16Map("a😀b😀c")
    assert [to_utf16(i) for i in range(6)] == [0, 1, 3, 4, 6, 7]
    assert Utf16Map("plain")(3) == 3


def test_cache_is_bounded_and_reused():
    engine = Engine(cache_size=8)
    texts = [f"Block {n}: the AI is aligned." for n in range(30)]
    first = engine.analyze(texts)
    assert len(engine.cache) <= 8
    assert engine.analyze(texts) == first


def test_a_finding_names_the_sentence_the_engine_decided_it_in(engine):
    text = "We launched 🚀 today. Progress on alignment with AI models 🤖 is slow; the rest 🎉 is fine."
    [findings] = engine.analyze([text])
    [finding] = findings
    to_utf16 = Utf16Map(text)
    [(start, end)] = list(candidate_sentences(text))
    assert finding["sentence"] == {"start": to_utf16(start), "end": to_utf16(end)}
    units = text.encode("utf-16-le")
    sentence = units[2 * finding["sentence"]["start"]:2 * finding["sentence"]["end"]].decode("utf-16-le")
    assert sentence == "Progress on alignment with AI models 🤖 is slow;"


def test_a_long_sentence_read_in_pieces_still_names_the_whole_sentence(engine):
    filler = " ".join(["the model answered another question"] * 120)
    text = f"Intro 😀. We made progress on alignment of AI models and {filler} until the end."
    [findings] = engine.analyze([text])
    start = len(text[:text.index("We made")].encode("utf-16-le")) // 2
    assert [f["sentence"] for f in findings] == [{"start": start, "end": len(text.encode("utf-16-le")) // 2}]


def test_a_findings_sentence_has_no_surrounding_spaces(engine):
    text = "We made progress on alignment of AI models.  \n Progress on alignment of AI agents is slow. "
    [findings] = engine.analyze([text])
    assert [text[f["sentence"]["start"]:f["sentence"]["end"]] for f in findings] == [
        "We made progress on alignment of AI models.", "Progress on alignment of AI agents is slow."]


def test_a_numbered_sense_takes_the_side_its_definition_gives_on_the_page(engine):
    definition = "By alignment1 I mean getting a chatbot to follow user instructions."
    later = "Labs mostly report progress on alignment1, and on alignment₂ hardly at all."
    # Alone, the later use has no definition: the numbered term is flagged, not left unmarked.
    assert senses(engine, later) == [("alignment1", "ambiguous"), ("alignment₂", "ambiguous")]
    [first, second] = engine.analyze([definition, later])
    assert [(f["text"], f["sense"]) for f in first] == [("alignment1", "product")]
    # The defined term takes its definition's side and rule; the undefined one stays ambiguous.
    assert [(f["text"], f["sense"], f["rule"]) for f in second] == [
        ("alignment1", "product", first[0]["rule"]), ("alignment₂", "ambiguous", "numbered-senses")]
    # Page-wide, like the topic: the block's own cached answer is unchanged.
    assert senses(engine, later) == [("alignment1", "ambiguous"), ("alignment₂", "ambiguous")]
