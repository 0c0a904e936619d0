"""Run every rule's example sentences against the engine (as LanguageTool and Vale do)."""
from __future__ import annotations

from .engine import Engine
from .rules import Example, Rule


def check_example(engine: Engine, rule: Rule, example: Example) -> str | None:
    """None when the example holds, else a message saying what went wrong."""
    sense, decided_by = engine.sense_of(example.text, example.start, example.page_url)
    marked = example.text[example.start:example.end]
    if sense != example.sense:
        return (f"{rule.id}: expected {example.sense!r} for {marked!r} but got {sense!r} "
                f"(rule {decided_by}) in: {example.text}")
    if example.sense == rule.sense and decided_by not in (rule.id, None):
        return f"{rule.id}: {marked!r} got the right sense from another rule ({decided_by}): {example.text}"
    if example.sense != rule.sense and decided_by == rule.id:
        return f"{rule.id}: negative example decided by this rule: {example.text}"
    return None


def check_all(engine: Engine) -> list[str]:
    return [msg for rule in engine.rules.values() for ex in rule.examples
            if (msg := check_example(engine, rule, ex))]
