"""`python -m server explain "TEXT" [--url URL]`: why each align word gets its sense.

For rule authors: the sentence, its topic and the page's, every rule that matched (and whether
the topic gated it out), every exception that fired, and why the winner beat the runner-up.
The data comes from Engine.explain, which runs the same steps as a real analysis.
"""
from __future__ import annotations

from . import clauses
from .engine import Engine

CONTEXT_NEEDS = {"ai": "an AI topic", "not_ai": "a topic other than AI", "not_off_topic": "a topic that is not off-topic"}


def match_text(rule, length: int) -> str:
    """A rule's match as a rule author reads it: its length, or for a sentence-wide rule how near."""
    if rule.scope == "sentence":
        radius = clauses.REACH + 1 - length
        return f"matched in its clause (within {radius} token{'s' if radius != 1 else ''})"
    return f"matched ({length} token{'s' if length != 1 else ''})"


def why_winner(engine: Engine, ranked: list[str], matched: dict[str, int]) -> str:
    """Why ranked[0] beat ranked[1], in the order choose_rule() compares them."""
    if len(ranked) == 1:
        return "only applicable rule"
    winner, runner_up = (engine.rules[r] for r in ranked[:2])
    if winner.priority != runner_up.priority:
        return f"highest priority (next: {runner_up.id}, prio {runner_up.priority})"
    if matched[winner.id] != matched[runner_up.id]:
        nearer = "nearer" if winner.scope == "sentence" and runner_up.scope == "sentence" else "longer"
        return f"same priority as {runner_up.id}, {nearer} match"
    return f"same priority and match as {runner_up.id}; the later rule id wins the tie"


def format_use(engine: Engine, use: dict) -> list[str]:
    counts = use["sentence_counts"]
    own = counts.topic()
    lines = [f'"{use["word"]}" at {use["start"]}-{use["end"]} in: {use["sentence"].strip()}',
             f"  topic: sentence {own} ({counts.ai} AI, {counts.off_topic} off-topic words), "
             f"page {use['page_topic']} ({use['page_topic_from']}); rules see {use['topic']}"]
    rows = []  # (rule, what happened)
    ranked, matched, excepted = use["ranked"], use["matched"], use["excepted"]
    for n, rule_id in enumerate(ranked):
        rule = engine.rules[rule_id]
        note = f"   <- winner: {why_winner(engine, ranked, matched)}" if n == 0 else ""
        rows.append((rule, match_text(rule, matched[rule_id]) + note))
    gated = [engine.rules[r] for r in matched if r not in ranked and r not in excepted]
    for rule in sorted(gated, key=lambda r: (-r.priority, -matched[r.id], r.id)):
        rows.append((rule, f"{match_text(rule, matched[rule.id])}, gated out: context {rule.context!r} "
                           f"needs {CONTEXT_NEEDS.get(rule.context, rule.context)}, topic is {use['topic']}"))
    for rule in sorted((engine.rules[r] for r in excepted), key=lambda r: (-r.priority, r.id)):
        rows.append((rule, f"{match_text(rule, matched[rule.id])}, excepted" if rule.id in matched
                     else "excepted (its exception covers the word)"))
    width = max((len(rule.id) for rule, _ in rows), default=0)
    lines += [f"  {rule.id:{width}}  prio {rule.priority:3}  {what}" for rule, what in rows]
    if not rows:
        lines.append("  no rule matched")
    if ranked:
        winner = engine.rules[ranked[0]]
        lines.append(f"→ {winner.sense} ({winner.id})")
    else:
        lines.append("→ none (no rule applies)")
    return lines


def explain_text(engine: Engine, text: str, url: str | None = None) -> str:
    uses = engine.explain(text, url)
    if not uses:
        return "no align-family word in the text"
    return "\n\n".join("\n".join(format_use(engine, use)) for use in uses)


def main(text: str, url: str | None = None, engine: Engine | None = None) -> int:
    print(explain_text(engine or Engine(), text, url))
    return 0
