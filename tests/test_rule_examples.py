"""Every example sentence in every rule file holds (the rule files' own test suite)."""
import pytest

from server.check import check_example
from server.rules import load_rules

RULES = load_rules()
CASES = [(rule, example) for rule in RULES for example in rule.examples]


@pytest.mark.parametrize("rule,example", CASES, ids=[f"{r.id}:{e.text[:40]}" for r, e in CASES])
def test_rule_example(engine, rule, example):
    assert check_example(engine, rule, example) is None

