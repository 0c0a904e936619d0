"""`python -m server explain` and `python -m server evaluate`, run in-process on an engine with a
handful of rules and topic words written here, so the expected output does not move when the
real rules change."""
from __future__ import annotations

import io
import json

import pytest

from server import __main__ as cli
from server import evaluate as evaluate_module
from server import explain as explain_module
from server.context import TopicCounter
from server.engine import Engine
from server.evaluate import SENSES
from server.rules import Rule

LW = "https://www.lesswrong.com/posts/abc/a-post"


def rule(id, sense, priority, patterns, scope="phrase", context="always", exceptions=()):
    return Rule(id=id, title=id, description=id, sense=sense, question="q" if sense == "ambiguous" else None,
                explanation=id, priority=priority, scope=scope, context=context,
                patterns=patterns, exceptions=list(exceptions))


RULES = [
    rule("progress", "ambiguous", 55, [[{"LOWER": "progress"}, {"LOWER": "on"}, {"LOWER": "alignment"}]],
         context="not_off_topic",
         exceptions=[[{"LOWER": "progress"}, {"LOWER": "on"}, {"LOWER": "alignment"}, {"LOWER": "of"}]]),
    rule("work-on", "ambiguous", 55, [[{"LOWER": "on"}, {"LOWER": "alignment"}]]),
    rule("bare", "ambiguous", 10, [[{"LOWER": "alignment"}]], context="ai"),
    rule("layout", "none", 95, [[{"LOWER": "alignment"}, {"LOWER": "of"}, {"LOWER": {"IN": ["columns", "text"]}}]]),
    rule("value", "product", 70, [[{"LOWER": "value"}, {"LOWER": "alignment"}]], context="ai"),
    rule("superintelligence", "superintelligence", 58, [[{"LOWER": "superintelligence"}]],
         scope="sentence", context="ai"),
]


@pytest.fixture(scope="module")
def small_engine(tmp_path_factory):
    topics = tmp_path_factory.mktemp("context") / "context.json"
    topics.write_text(json.dumps({
        "ai": {"words": ["ai", "model", "models", "superintelligence"], "phrases": [], "cased": [], "prefixes": []},
        "off_topic": {"words": ["columns", "css"], "phrases": [], "cased": [], "prefixes": []},
        "ai_sites": ["lesswrong.com"]}))
    return Engine(rules=RULES, questions={"q": "Which alignment?"}, topics=TopicCounter(topics))


def uses(text: str) -> list[list[str]]:
    """The explanation as blocks of lines, one block per align word."""
    return [block.splitlines() for block in text.split("\n\n")]


def line_of(block: list[str], rule_id: str) -> str:
    [found] = [line for line in block if line.split()[:1] == [rule_id]]
    return found


# -- explain -----------------------------------------------------------------------------------

def test_explain_names_the_winner_and_why(small_engine):
    [block] = uses(explain_module.explain_text(small_engine, "We have made progress on alignment.", LW))
    assert block[0] == '"alignment" at 25-34 in: We have made progress on alignment.'
    assert "sentence unknown" in block[1] and "page ai (url)" in block[1]
    # Same priority as work-on: the longer match wins.
    assert line_of(block, "progress").endswith("matched (3 tokens)   <- winner: same priority as work-on, longer match")
    assert line_of(block, "work-on").endswith("prio  55  matched (2 tokens)")
    assert line_of(block, "bare").endswith("matched (1 token)")
    assert block[-1] == "→ ambiguous (progress)"
    # Ranked as choose_rule prefers them.
    assert [line.split()[0] for line in block[2:-1]] == ["progress", "work-on", "bare"]


def test_explain_shows_gating_and_exceptions(small_engine):
    [block] = uses(explain_module.explain_text(small_engine, "We made progress on alignment of columns."))
    assert "sentence off_topic (0 AI, 1 off-topic words)" in block[1] and "page off_topic (words)" in block[1]
    assert "<- winner: highest priority (next: work-on, prio 55)" in line_of(block, "layout")
    assert line_of(block, "progress").endswith("matched (3 tokens), excepted")
    assert "gated out: context 'ai' needs an AI topic, topic is off_topic" in line_of(block, "bare")
    assert block[-1] == "→ none (layout)"


def test_explain_a_sentence_wide_rule_and_a_word_no_rule_takes(small_engine):
    text = "Everything depends on alignment. Aligning a superintelligence is hard."
    first, second = uses(explain_module.explain_text(small_engine, text))
    # The second sentence's AI word makes the page about AI, so the first may use "bare" too.
    assert "sentence unknown" in first[1] and "page ai (words)" in first[1]
    assert line_of(first, "bare").endswith("matched (1 token)")
    assert "<- winner: highest priority (next: bare, prio 10)" in line_of(first, "work-on")
    assert first[-1] == "→ ambiguous (work-on)"
    assert second[0].startswith('"Aligning" at 33-41 in: Aligning a superintelligence is hard.')
    assert line_of(second, "superintelligence").endswith(
        "matched in its clause (within 2 tokens)   <- winner: only applicable rule")
    [block] = uses(explain_module.explain_text(small_engine, "Value alignment matters for css."))
    assert block[-1] == "→ none (no rule applies)"
    assert "gated out" in line_of(block, "value") and "gated out" in line_of(block, "bare")
    assert explain_module.explain_text(small_engine, "Nothing here is maligned.") == "no align-family word in the text"


def test_explain_agrees_with_the_decision(small_engine):
    texts = ["We have made progress on alignment.", "We made progress on alignment of columns.",
             "Value alignment of models. Aligning a superintelligence is hard; alignment of text too."]
    for text in texts:
        for url in (None, LW):
            for use in small_engine.explain(text, url):
                sense, rule_id = small_engine.sense_of(text, use["start"], url)
                assert (use["ranked"][:1] or [None])[0] == rule_id
                assert sense == (small_engine.rules[rule_id].sense if rule_id else "none")


def test_explain_command_reads_stdin(small_engine, monkeypatch, capsys):
    monkeypatch.setattr(explain_module, "Engine", lambda: small_engine)
    monkeypatch.setattr("sys.stdin", io.StringIO("Everything depends on alignment.\n"))
    assert cli.main(["explain", "-", "--url", LW]) == 0
    out = capsys.readouterr().out
    assert "page ai (url)" in out and out.rstrip().endswith("→ ambiguous (work-on)")


# -- evaluate ----------------------------------------------------------------------------------

LINES = [
    # an astral character first: offsets are compared in code points
    {"id": "a1", "text": "\U0001F642 We have made progress on alignment.", "source": LW, "source_group": "g1",
     "labels": ["ambiguous"]},
    {"id": "a2", "text": "Everything rests on getting alignment right.", "source": LW, "source_group": "g1",
     "labels": ["ambiguous"]},
    {"id": "b1", "text": "The alignment of columns is off, and value alignment too.", "source_group": "g2",
     "labels": ["none", "product"]},
    {"id": "b2", "text": "Superintelligence alignment is hard.", "source_group": "g3", "labels": ["ambiguous"]},
    {"id": "b3", "text": "This line only gives the page context.", "source_group": "g3", "labels": []},
]


@pytest.fixture()
def labelled(tmp_path):
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in LINES), encoding="utf-8")
    return str(path)


def table(out: str, title: str) -> list[list[str]]:
    """The rows (split into cells) of the table printed after the line starting with title."""
    lines = out.split("\n" + title, 1)[1].split("\n\n")[0].splitlines()[1:]
    return [[cell.replace("(no-rule)", "(no rule)") for cell in line.replace("(no rule)", "(no-rule)").split()]
            for line in lines]


def confusion(out: str) -> dict:
    rows = table(out, "confusion")
    header = rows[0][-len(SENSES) - 1:-1]
    assert header == list(SENSES)
    return {(row[0], sense): int(n) for row in rows[1:] for sense, n in zip(SENSES, row[1:])}


def per_rule(out: str) -> list[tuple[str, int, int]]:
    return [(row[0], int(row[1]), int(row[2])) for row in table(out, "per deciding rule")[1:]]


def test_evaluate_prints_confusion_and_rules(small_engine, labelled, monkeypatch, capsys):
    monkeypatch.setattr(evaluate_module, "Engine", lambda: small_engine)
    assert cli.main(["evaluate", labelled]) == 0
    out = capsys.readouterr().out
    # a1 right; a2 has no AI word and no URL: no rule; b1 right, then value gated by the columns;
    # b2 is taken by the sentence-wide superintelligence rule.
    counts = confusion(out)
    assert {k: n for k, n in counts.items() if n} == {
        ("ambiguous", "ambiguous"): 1, ("ambiguous", "none"): 1, ("ambiguous", "superintelligence"): 1,
        ("product", "none"): 1, ("none", "none"): 1}
    assert per_rule(out) == [("(no rule)", 2, 2), ("superintelligence", 1, 1), ("layout", 1, 0), ("progress", 1, 0)]
    assert "rules                            precision 1.000  recall 0.333" in out
    assert "qualified 0.000  false-flag 0.000" in out
    assert "5 occurrences in 5 sentences" in out


def test_evaluate_with_urls_sends_each_pages_source(small_engine, labelled, monkeypatch, capsys):
    monkeypatch.setattr(evaluate_module, "Engine", lambda: small_engine)
    assert cli.main(["evaluate", labelled, "--with-urls", "--show-errors"]) == 0
    out = capsys.readouterr().out
    # The LessWrong URL makes page g1 about AI, so a2's bare use is now flagged, by "bare".
    counts = confusion(out)
    assert counts["ambiguous", "ambiguous"] == 2 and counts["ambiguous", "none"] == 0
    assert ("bare", 1, 0) in per_rule(out)
    assert "rules (with URLs)                precision 1.000  recall 0.667" in out
    errors = [line for line in out.splitlines() if line.startswith("- ")]
    assert [e.split(":")[0] for e in errors] == ["- b1 gold=product got=none", "- b2 gold=ambiguous got=superintelligence"]


def test_evaluate_figures_match_the_metric_definitions(small_engine, labelled):
    items = evaluate_module.load(labelled)
    ours, _, errors = evaluate_module.evaluate(small_engine, items)
    assert ours == pytest.approx({"precision": 1.0, "recall": 1 / 3, "f1": 0.5, "qualified": 0.0, "false_flag": 0.0})
    assert len(errors) == 3
