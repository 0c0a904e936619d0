"""`python -m server evaluate FILE.jsonl`: measure the rules on labelled sentences.

Each line: {"id", "text", "source_group", "labels": [sense per align-family word, in order]}.
Sentences of one source_group are analysed together as one page, as the extension sends them.
With --with-urls each page's "source" is sent as its URL, as the extension does. The figures
are the shared score.py's: precision/recall/F1 of ambiguous highlights, qualified uses
given the right side, and the false-flag rate on specific and non-AI uses, next to two keyword
baselines; then a confusion table (gold sense by decided sense) and, per deciding rule, the uses
it decided and how many of them were wrong.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from .engine import Engine
from .rules import SIDES

ALIGN_WORD = re.compile(r"\b(?:mis|un|non-?|re|pre|co|super)?align\w*", re.IGNORECASE)
AI_WORD = re.compile(r"\b(?:AIs?|AGI|ASI|LLMs?|models?|superintelligen\w*|RLHF|GPT\w*|Claude|neural|"
                     r"machine learning|artificial intelligence|agents?|chatbots?)\b", re.IGNORECASE)
SENSES = ("ambiguous", "product", "superintelligence", "specific", "none")
QUALIFIED = SIDES  # the uses whose side is scored


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    qualified: int = 0
    qualified_right: int = 0
    clean: int = 0
    clean_flagged: int = 0

    def add(self, gold: str, predicted: str) -> None:
        flagged = predicted == "ambiguous"
        if gold == "ambiguous":
            self.tp += flagged
            self.fn += not flagged
        else:
            self.fp += flagged
        if gold in ("product", "superintelligence"):
            self.qualified += 1
            self.qualified_right += predicted == gold
        if gold in ("specific", "none"):
            self.clean += 1
            self.clean_flagged += flagged

    def figures(self) -> dict:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": precision, "recall": recall, "f1": f1,
                "qualified": self.qualified_right / self.qualified if self.qualified else 1.0,
                "false_flag": self.clean_flagged / self.clean if self.clean else 0.0}


def load(path: str) -> list[dict]:
    items = []
    with open(path, encoding="utf-8") as lines:
        for n, line in enumerate(lines, 1):
            if line.strip():
                item = json.loads(line)
                spans = [m.span() for m in ALIGN_WORD.finditer(item["text"])]
                if len(spans) != len(item["labels"]):
                    raise SystemExit(f"{path}:{n}: {len(spans)} align words but {len(item['labels'])} labels")
                items.append({**item, "spans": spans})
    return items


def predict(engine: Engine, items: list[dict], with_urls: bool = False) -> dict:
    """{(item id, word index): (predicted sense, deciding rule id or None)}, one page per
    source_group; with_urls sends the group's first "source" as the page URL, as score.py does.
    A word overlapped by an ambiguous finding is ambiguous, else it takes the first overlapping
    finding's sense, else "none" (with the none-sense rule that decided it, if one did)."""
    pages = defaultdict(list)
    for item in items:
        pages[item.get("source_group", item["id"])].append(item)
    predicted = {}
    for page in pages.values():
        url = (page[0].get("source") or None) if with_urls else None
        decided = engine.decide_page([item["text"] for item in page], url)
        for item in page:
            decisions = [d for d, _ in decided.get(item["text"], ())]
            for index, (start, end) in enumerate(item["spans"]):
                covering = [(engine.rules[d.rule].sense, d.rule) for d in decisions if d.start < end and start < d.end]
                found = [c for c in covering if c[0] != "none"]  # what the API reports
                predicted[item["id"], index] = (next((c for c in found if c[0] == "ambiguous"), None)
                                                or (found[0] if found else None)
                                                or next(iter(covering), ("none", None)))
    return predicted


def is_error(gold: str, sense: str) -> bool:
    """What the figures count against the rules (and --show-errors lists), as score.py does."""
    return (gold == "ambiguous") != (sense == "ambiguous") or (gold in QUALIFIED and sense != gold)


def evaluate(engine: Engine, items: list[dict], with_urls: bool = False) -> tuple[dict, dict, list]:
    """The rules' figures, the baselines' and the errors."""
    ours, baselines, errors, _ = score(items, predict(engine, items, with_urls))
    return ours, baselines, errors


def score(items: list[dict], predicted: dict) -> tuple[dict, dict, list, dict]:
    """evaluate()'s figures, baselines and errors from predict()'s answer, and its breakdown()."""
    ours, every_word, ai_sentence = Tally(), Tally(), Tally()
    errors, decided = [], []
    for item in items:
        for index, gold in enumerate(item["labels"]):
            sense, rule = predicted[item["id"], index]
            ours.add(gold, sense)
            every_word.add(gold, "ambiguous")
            ai_sentence.add(gold, "ambiguous" if AI_WORD.search(item["text"]) else "none")
            decided.append((gold, sense, rule))
            if is_error(gold, sense):
                errors.append((item, item["spans"][index], gold, sense))
    baselines = {"every align word": every_word.figures(), "align words in AI sentences": ai_sentence.figures()}
    return ours.figures(), baselines, errors, breakdown(decided)


def breakdown(decided: list[tuple[str, str, str | None]]) -> dict:
    """From (gold, decided sense, rule) per use: the confusion counts {(gold, decided): n} and,
    per deciding rule (None: no rule), {"decided", "wrong" (sense differs from gold),
    "errors" (counted against the figures)}."""
    confusion, rules = Counter(), {}
    for gold, sense, rule in decided:
        confusion[gold, sense] += 1
        tally = rules.setdefault(rule, {"decided": 0, "wrong": 0, "errors": 0})
        tally["decided"] += 1
        tally["wrong"] += sense != gold
        tally["errors"] += is_error(gold, sense)
    return {"confusion": confusion, "rules": rules}


def confusion_table(confusion: Counter) -> list[str]:
    """Gold senses as rows, decided senses as columns, each column as wide as its name."""
    corner = "gold \\ decided"
    first = max(len(s) for s in (*SENSES, corner))
    rows = [f"{corner:{first}}" + "".join(f"  {s}" for s in SENSES) + "  total"]
    for gold in SENSES:
        counts = [confusion[gold, s] for s in SENSES]
        rows.append(f"{gold:{first}}" + "".join(f"  {n:>{len(s)}}" for n, s in zip(counts, SENSES))
                    + f"  {sum(counts):>5}")
    return rows


def rule_table(rules: dict) -> list[str]:
    """Rules by how many uses they got wrong, most first."""
    order = sorted(rules.items(), key=lambda kv: (-kv[1]["wrong"], -kv[1]["errors"], -kv[1]["decided"], kv[0] or ""))
    width = max([len("rule"), *(len(r or "(no rule)") for r in rules)])
    rows = [f"{'rule':{width}}  decided  wrong  counted as errors"]
    rows += [f"{rule or '(no rule)':{width}}  {t['decided']:7}  {t['wrong']:5}  {t['errors']:17}" for rule, t in order]
    return rows


def line(name: str, f: dict) -> str:
    return (f"{name:32} precision {f['precision']:.3f}  recall {f['recall']:.3f}  F1 {f['f1']:.3f}  "
            f"qualified {f['qualified']:.3f}  false-flag {f['false_flag']:.3f}")


def main(path: str, show_errors: bool = False, with_urls: bool = False, engine: Engine | None = None) -> int:
    items = load(path)
    ours, baselines, errors, detail = score(items, predict(engine or Engine(), items, with_urls))
    if show_errors:
        for item, (start, end), gold, sense in errors:
            text = item["text"]
            print(f"- {item['id']} gold={gold} got={sense}: ...{text[max(0, start - 60):start]}"
                  f"[[{text[start:end]}]]{text[end:end + 60]}...")
    for name, figures in baselines.items():
        print(line("baseline: " + name, figures))
    print(line("rules" + (" (with URLs)" if with_urls else ""), ours))
    print(f"{sum(len(i['labels']) for i in items)} occurrences in {len(items)} sentences")
    print("\nconfusion (rows: gold sense, columns: decided sense)")
    print("\n".join(confusion_table(detail["confusion"])))
    print("\nper deciding rule (wrong: sense differs from gold; counted as errors: by the figures above)")
    print("\n".join(rule_table(detail["rules"])))
    return 0
