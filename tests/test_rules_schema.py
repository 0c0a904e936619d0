"""The rule loader accepts the shipped rules and refuses malformed rule files with a clear message."""
import json

import pytest

from server.rules import (PRIORITY_TIERS, RULES_DIR, SCHEMA, RuleError, dead_words, load_questions, load_rules,
                          schema_errors, unused_lexicons)

GOOD = {
    "id": "demo-rule", "title": "Demo", "description": "A demo.", "sense": "ambiguous", "question": "other",
    "explanation": "Demo.", "priority": "progress-claim", "patterns": [[{"LOWER": {"IN": ["$align_nouns"]}}]],
    "examples": [{"text": "Is [[alignment]] of AI hard?", "sense": "ambiguous"},
                 {"text": "Set text-[[align]] to left.", "sense": "none"}],
}


def write(tmp_path, data, name="demo-rule.json"):
    (tmp_path / name).write_text(json.dumps(data))
    return tmp_path


def test_every_shipped_rule_file_names_and_follows_the_schema():
    for path in sorted(RULES_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data.get("$schema") == "../rule.schema.json", path.name
        assert schema_errors(data) == [], path.name


def test_no_lexicon_is_left_unused():
    assert unused_lexicons() == []


def test_long_word_lists_live_in_lexicons_and_each_pattern_is_one_line():
    """A word list typed in a pattern has at most 6 words (longer ones are named lexicons), so a
    pattern stays a line a reader can follow."""
    for path in sorted(RULES_DIR.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        lines = [line.rstrip(",") for line in text.splitlines()]
        for part in ("patterns", "exceptions"):
            for pattern in data.get(part, []):
                assert "    " + json.dumps(pattern, ensure_ascii=False) in lines, (path.name, pattern)
                for token in pattern:
                    for value in token.values():
                        for words in (value.values() if isinstance(value, dict) else ()):
                            assert len([w for w in words if not w.startswith("$")]) <= 6, (path.name, words)


def test_no_shipped_pattern_or_lexicon_word_is_split_by_the_tokenizer():
    assert dead_words() == []


def test_words_the_tokenizer_splits_are_reported_with_their_place(tmp_path):
    rule = {**GOOD, "patterns": [[{"LOWER": {"IN": ["fine-tuning", "n't", "'s", "alignment", "Alignment"]}}],
                                 [{"LOWER": "is"}, {"LOWER": "isn't"}]],
            "exceptions": [[{"ORTH": "today's"}]]}
    rule["patterns"].append([{"LOWER": {"IN": ["$cased"]}}, {"ORTH": {"IN": ["$cased"]}}])
    problems = dead_words(write(tmp_path, rule), lexicons={"mine": ["ai's", "ai"], "cased": ["Forum", "forum"]})
    assert [p.split(": '")[0].split(': "')[0] for p in problems] == [
        "lexicons.json: mine", "demo-rule.json: patterns/0/0", "demo-rule.json: patterns/0/0",
        "demo-rule.json: patterns/1/1", "demo-rule.json: patterns/2/0 ($cased)", "demo-rule.json: exceptions/0/0"]
    joined = "\n".join(problems)
    for word in ("ai's", "fine-tuning", "Alignment", "isn't", "today's", "Forum"):
        assert repr(word) in joined
    assert "'fine' '-' 'tuning'" in joined and "LOWER compares with the lowercased token" in joined


def test_schema_questions_are_the_questions_file():
    assert set(SCHEMA["properties"]["question"]["enum"]) == set(load_questions())


@pytest.mark.parametrize("change,message", [
    ({"exeptions": []}, "exeptions"),
    ({"priorty": 10}, "priorty"),
    ({"enabled_by_default": False}, "enabled_by_default"),  # every rule ships on; the user turns rules off
    ({"priority": "high"}, "priority"),
    ({"priority": 55}, "priority"),
    ({"context": "sometimes"}, "context"),
    ({"patterns": [[{"LOWER": {"IN": "alignment"}}]]}, "patterns/0/0/LOWER"),
    ({"patterns": [[{"LOWER": "alignment", "OP": "!"}]]}, "OP"),
])
def test_typos_and_wrong_types_are_refused_at_load(tmp_path, change, message):
    with pytest.raises(RuleError, match=message):
        load_rules(write(tmp_path, {**GOOD, **change}))


def test_priority_tiers_have_distinct_ranks_and_a_meaning_and_rules_get_their_rank(tmp_path):
    tiers = SCHEMA["properties"]["priority"]["oneOf"]
    assert len({t["rank"] for t in tiers}) == len(tiers) == len(PRIORITY_TIERS)
    assert all(t["description"].startswith(f"{t['rank']}: ") and len(t["description"]) > 20 for t in tiers)
    [rule] = load_rules(write(tmp_path, {**GOOD, "priority": "name"}))
    assert rule.priority == 100 == max(PRIORITY_TIERS.values())


def test_lexicon_references_expand(tmp_path):
    [rule] = load_rules(write(tmp_path, GOOD))
    assert "alignment" in rule.patterns[0][0]["LOWER"]["IN"]


@pytest.mark.parametrize("change,message", [
    ({"sense": "maybe"}, "sense"),
    ({"id": "Demo Rule"}, "id"),
    ({"question": "nonexistent"}, "question"),
    ({"patterns": [[]]}, "pattern"),
    ({"patterns": [[{"LOWER": {"IN": ["$no_such_list"]}}]]}, "unknown lexicon"),
    ({"examples": [{"text": "no marker here", "sense": "ambiguous"}, GOOD["examples"][1]]}, "examples/0/text"),
    ({"examples": [{"text": "two [[marks]] in [[one]]", "sense": "ambiguous"}, GOOD["examples"][1]]},
     "mark exactly one"),
    ({"examples": [{"text": "[[alignment]] of columns", "sense": "none"}, GOOD["examples"][1]]}, "positive example"),
    ({"scope": "page"}, "scope"),
    ({"examples": [GOOD["examples"][0], GOOD["examples"][0]]}, "negative example"),
])
def test_malformed_rule_is_refused(tmp_path, change, message):
    with pytest.raises(RuleError, match=message):
        load_rules(write(tmp_path, {**GOOD, **change}))


def test_bad_token_pattern_is_refused_at_load_naming_the_file(tmp_path):
    with pytest.raises(RuleError, match="demo-rule.json.*NOT_AN_ATTR"):
        load_rules(write(tmp_path, {**GOOD, "patterns": [[{"NOT_AN_ATTR": "x"}]]}))


def test_invalid_json_names_the_file(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(RuleError, match="broken.json"):
        load_rules(tmp_path)
