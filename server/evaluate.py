"""`python -m server evaluate FILE.jsonl`: measure the rules on labelled sentences.

Each line: {"id", "text", "source_group", "labels": [sense per align-family word, in order]}.
Sentences of one source_group are analysed together as one page, as the extension sends them.
Prints precision/recall/F1 of ambiguous highlights, qualified uses given the right side, and
the false-flag rate on specific and non-AI uses, next to two keyword baselines.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from itertools import accumulate
from dataclasses import dataclass

from .engine import Engine

ALIGN_WORD = re.compile(r"\b(?:mis|un|non-?|re|pre|co|super)?align\w*", re.IGNORECASE)
AI_WORD = re.compile(r"\b(?:AIs?|AGI|ASI|LLMs?|models?|superintelligen\w*|RLHF|GPT\w*|Claude|neural|"
                     r"machine learning|artificial intelligence|agents?|chatbots?)\b", re.IGNORECASE)


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


def predict(engine: Engine, items: list[dict]) -> dict:
    """{(item id, word index): predicted sense} with the engine, one page per source_group."""
    pages = defaultdict(list)
    for item in items:
        pages[item.get("source_group", item["id"])].append(item)
    predicted = {}
    for page in pages.values():
        results = engine.analyze([item["text"] for item in page])
        for item, findings in zip(page, results):
            # The engine reports UTF-16 offsets; labelled texts are compared in code points.
            starts = [0, *accumulate(2 if ord(ch) > 0xFFFF else 1 for ch in item["text"])]
            for index, (start, end) in enumerate(item["spans"]):
                senses = [f["sense"] for f in findings if f["start"] < starts[end] and starts[start] < f["end"]]
                predicted[item["id"], index] = "ambiguous" if "ambiguous" in senses else (senses[0] if senses else "none")
    return predicted


def evaluate(engine: Engine, items: list[dict]) -> tuple[dict, dict, list]:
    ours, every_word, ai_sentence = Tally(), Tally(), Tally()
    errors = []
    predicted = predict(engine, items)
    for item in items:
        for index, gold in enumerate(item["labels"]):
            sense = predicted[item["id"], index]
            ours.add(gold, sense)
            every_word.add(gold, "ambiguous")
            ai_sentence.add(gold, "ambiguous" if AI_WORD.search(item["text"]) else "none")
            if (gold == "ambiguous") != (sense == "ambiguous") or (gold in ("product", "superintelligence") and sense != gold):
                errors.append((item, item["spans"][index], gold, sense))
    baselines = {"every align word": every_word.figures(), "align words in AI sentences": ai_sentence.figures()}
    return ours.figures(), baselines, errors


def line(name: str, f: dict) -> str:
    return (f"{name:32} precision {f['precision']:.3f}  recall {f['recall']:.3f}  F1 {f['f1']:.3f}  "
            f"qualified {f['qualified']:.3f}  false-flag {f['false_flag']:.3f}")


def main(path: str, show_errors: bool = False) -> int:
    items = load(path)
    ours, baselines, errors = evaluate(Engine(), items)
    if show_errors:
        for item, (start, end), gold, sense in errors:
            text = item["text"]
            print(f"- {item['id']} gold={gold} got={sense}: ...{text[max(0, start - 60):start]}"
                  f"[[{text[start:end]}]]{text[end:end + 60]}...")
    for name, figures in baselines.items():
        print(line("baseline: " + name, figures))
    print(line("rules", ours))
    print(f"{sum(len(i['labels']) for i in items)} occurrences in {len(items)} sentences")
    return 0
