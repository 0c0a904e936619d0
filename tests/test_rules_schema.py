"""The rule loader accepts the shipped rules and refuses malformed rule files with a clear message."""
import json

import pytest

from server.engine import Engine
from server.rules import RuleError, load_rules

GOOD = {
    "id": "demo-rule", "title": "Demo", "description": "A demo.", "sense": "ambiguous", "question": "other",
    "explanation": "Demo.", "patterns": [[{"LOWER": {"IN": ["$align_nouns"]}}]],
    "examples": [{"text": "Is [[alignment]] of AI hard?", "sense": "ambiguous"},
                 {"text": "Set text-[[align]] to left.", "sense": "none"}],
}


def write(tmp_path, data, name="demo-rule.json"):
    (tmp_path / name).write_text(json.dumps(data))
    return tmp_path


def test_shipped_rules_load_with_unique_ids():
    rules = load_rules()
    assert len(rules) >= 15
    assert len({r.id for r in rules}) == len(rules)


def test_lexicon_references_expand(tmp_path):
    [rule] = load_rules(write(tmp_path, GOOD))
    assert "alignment" in rule.patterns[0][0]["LOWER"]["IN"]


@pytest.mark.parametrize("change,message", [
    ({"sense": "maybe"}, "sense"),
    ({"id": "Demo Rule"}, "slug"),
    ({"question": "nonexistent"}, "question"),
    ({"patterns": [[]]}, "pattern"),
    ({"patterns": [[{"LOWER": {"IN": ["$no_such_list"]}}]]}, "unknown lexicon"),
    ({"examples": [{"text": "no marker here", "sense": "ambiguous"}]}, "mark exactly one"),
    ({"examples": [{"text": "[[alignment]] of columns", "sense": "none"}]}, "positive example"),
    ({"scope": "page"}, "scope"),
    ({"examples": [{"text": "Is [[alignment]] of AI hard?", "sense": "ambiguous"}]}, "negative example"),
])
def test_malformed_rule_is_refused(tmp_path, change, message):
    with pytest.raises(RuleError, match=message):
        load_rules(write(tmp_path, {**GOOD, **change}))


def test_bad_token_pattern_names_the_file(tmp_path):
    rules = load_rules(write(tmp_path, {**GOOD, "patterns": [[{"NOT_AN_ATTR": "x"}]]}))
    with pytest.raises(RuleError, match="demo-rule.json"):
        Engine(rules=rules)


def test_invalid_json_names_the_file(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(RuleError, match="broken.json"):
        load_rules(tmp_path)
